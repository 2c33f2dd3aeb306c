package whatsapp

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"testing"
	"time"
)

// TestDirectMatchesWire makes the same calls on two platforms of the same
// seed, through the API and through Direct, and compares what they
// answer and record.
func TestDirectMatchesWire(t *testing.T) {
	ctx := context.Background()
	wire, wclk := newTest(Config{Seed: 7})
	dir, dclk := newTest(Config{Seed: 7})
	d := dir.Direct("v21.0")
	const who = "16505551234"

	in, err := wire.CustomerText(ctx, who, "Ann", "hi")
	if err != ErrNoWebhookURL {
		t.Fatal(err)
	}
	m, err := d.CustomerMessage("+"+who, "text", "", "hi", 0)
	if err != nil || m.ID != in.ID || m.From != who || m.Text == nil || m.Text.Body != "hi" {
		t.Fatalf("CustomerMessage = %+v, %v; the wire's id %s", m, err, in.ID)
	}
	if _, err := d.CustomerMessage(who, "image", "bmp", "", 10); err == nil {
		t.Error("a bmp image was sent")
	}
	if _, err := d.CustomerMessage("123", "text", "", "hi", 0); err == nil {
		t.Error("a customer with a bad number wrote")
	}

	wid := uploadFile(t, wire, "image/jpeg", 0)
	did, e := d.Upload("image/jpeg", 0)
	if e != nil || did != wid {
		t.Fatalf("Upload = %q, %v; the wire's %q", did, e, wid)
	}
	if _, e := d.Upload("application/x-unknown", 1); e == nil {
		t.Error("an unknown type was uploaded")
	}
	do(wire, "POST", media, "multipart/form-data; boundary=x", []byte("--x\r\nContent-Disposition: form-data; name=\"messaging_product\"\r\n\r\nwhatsapp\r\n--x\r\nContent-Disposition: form-data; name=\"type\"\r\n\r\napplication/x-unknown\r\n--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"f\"\r\n\r\nx\r\n--x--\r\n"), bearer)

	sends := []SendRequest{
		text(who, "hello"),
		text("+"+who, "again"),
		tmpl(who, "order_update"),
		{MessagingProduct: "whatsapp", To: who, Type: "image", Image: &Media{ID: wid, Caption: "look"}},
		{MessagingProduct: "whatsapp", To: who, Type: "image", Image: &Media{ID: "nope"}},
		text("12", "bad number"),
		text(who, ""),
	}
	check := func(req SendRequest) {
		t.Helper()
		w := sendReq(wire, req)
		waID, id, e := d.Send(&req)
		if w.Code == 200 {
			var r SendResponse
			if err := json.Unmarshal(w.Body.Bytes(), &r); err != nil || e != nil || r.Messages[0].ID != id || r.Contacts[0].WaID != waID {
				t.Errorf("send %+v: wire %s, direct %q %q %v", req, w.Body, waID, id, e)
			}
			return
		}
		we, _ := graphError(w.Body.Bytes())
		if e == nil || we == nil || e.Code != we.Code || e.HTTPStatus != w.Code || e.Details() != we.Details() || e.FBTraceID != we.FBTraceID {
			t.Errorf("send %+v: wire %d %s, direct %+v", req, w.Code, w.Body, e)
		}
	}
	for _, req := range sends {
		check(req)
	}
	wclk.Add(25 * time.Hour)
	dclk.Add(25 * time.Hour)
	check(text(who, "too late"))
	check(tmpl(who, "order_update"))

	if !reflect.DeepEqual(wire.Deliveries(who), dir.Deliveries(who)) {
		t.Errorf("deliveries: wire %+v, direct %+v", wire.Deliveries(who), dir.Deliveries(who))
	}
	if !reflect.DeepEqual(wire.LastError(who), dir.LastError(who)) {
		t.Errorf("last error: wire %+v, direct %+v", wire.LastError(who), dir.LastError(who))
	}
	wc, dc := wire.Counts(), dir.Counts()
	if wc.Deliveries != dc.Deliveries || wc.Errors != dc.Errors || wc.Requests != dc.Requests {
		t.Errorf("counts: wire %+v, direct %+v", wc, dc)
	}
	// Each delivery queued a sent and a delivered status.
	var got []Status
	if n := d.Statuses(func(q QueuedStatus) {
		st := q.Status()
		if _, failed := q.ErrorCode(); q.ID() != st.ID || q.State() != st.Status || q.RecipientID() != st.RecipientID || failed != (len(st.Errors) > 0) {
			t.Errorf("handed %s %s to %s (error %v), status %+v", q.ID(), q.State(), q.RecipientID(), failed, st)
		}
		got = append(got, st)
	}); n != 2*dc.Deliveries || len(got) != n {
		t.Fatalf("Statuses handed %d (%d), want %d", n, len(got), 2*dc.Deliveries)
	}
	if got[0].Status != "sent" || got[1].Status != "delivered" || got[0].RecipientID != who || got[0].Conversation == nil {
		t.Errorf("statuses %+v", got[:2])
	}
	if n := d.Statuses(func(QueuedStatus) {}); n != 0 {
		t.Errorf("a second Statuses handed %d", n)
	}
}

// TestDirectAsyncWindow: in Async mode a send outside the window is
// accepted and fails by status, which becomes the customer's LastError.
func TestDirectAsyncWindow(t *testing.T) {
	s, clk := newTest(Config{WindowErrors: Async})
	d := s.Direct("v21.0")
	if _, err := d.CustomerMessage("16505551234", "text", "", "hi", 0); err != nil {
		t.Fatal(err)
	}
	clk.Add(25 * time.Hour)
	req := text("16505551234", "late")
	_, id, e := d.Send(&req)
	if e != nil || id == "" {
		t.Fatalf("Send = %q, %v", id, e)
	}
	var got []Status
	d.Statuses(func(q QueuedStatus) {
		got = append(got, q.Status())
		if code, ok := q.ErrorCode(); !ok || code != CodeReEngagement || q.State() != "failed" || q.ID() != id {
			t.Errorf("handed %s %s with error %d, %v", q.ID(), q.State(), code, ok)
		}
	})
	if len(got) != 1 || got[0].Status != "failed" || len(got[0].Errors) != 1 || got[0].Errors[0].Code != CodeReEngagement {
		t.Fatalf("statuses %+v", got)
	}
	if e := s.LastError("16505551234"); e == nil || e.Code != CodeReEngagement || !e.Async {
		t.Errorf("LastError = %+v", e)
	}
}

// TestKnownValid: a number Config.KnownValid vouches for is taken as its
// own wa_id without libphonenumber (which rejects this one); others are
// still parsed.
func TestKnownValid(t *testing.T) {
	s, _ := newTest(Config{KnownValid: func(d string) bool { return d == "10005550000" }})
	d := s.Direct("v21.0")
	if m, err := d.CustomerMessage("+10005550000", "text", "", "hi", 0); err != nil || m.From != "10005550000" {
		t.Fatalf("vouched number: %+v, %v", m, err)
	}
	if _, err := d.CustomerMessage("10005550001", "text", "", "hi", 0); err == nil {
		t.Error("an invalid number nobody vouched for wrote")
	}
	if _, err := d.CustomerMessage("+1 650 555 1234", "text", "", "hi", 0); err != nil {
		t.Errorf("a valid spelled-out number: %v", err)
	}
}

// TestRetention: KeepDeliveries keeps only the named customers' delivery
// history (the counts stay exact), and ForgetAfter forgets a customer
// whose last message is that old, after which a send is answered as
// before: outside the window.
func TestRetention(t *testing.T) {
	const kept, other, later = "16505550001", "16505550002", "16505550003"
	s, clk := newTest(Config{KeepDeliveries: func(w string) bool { return w == kept }, ForgetAfter: 25 * time.Hour})
	d := s.Direct("v21.0")
	var otherFirst string
	for _, who := range []string{kept, other} {
		m, err := d.CustomerMessage(who, "text", "", "hi", 0)
		if err != nil {
			t.Fatal(err)
		}
		if who == other {
			otherFirst = m.ID
		}
		req := text(who, "hello")
		if _, _, e := d.Send(&req); e != nil {
			t.Fatal(e)
		}
	}
	if n := len(s.Deliveries(kept)); n != 1 {
		t.Errorf("kept customer's deliveries: %d", n)
	}
	if n := len(s.Deliveries(other)); n != 0 {
		t.Errorf("other customer's deliveries: %d", n)
	}
	if c := s.Counts(); c.Deliveries != 2 {
		t.Errorf("counted deliveries %d", c.Deliveries)
	}
	clk.Add(26 * time.Hour)
	if _, err := d.CustomerMessage(later, "text", "", "hi", 0); err != nil {
		t.Fatal(err)
	}
	if n := s.Customers(); n != 2 {
		t.Errorf("%d customers after ForgetAfter, want the kept one and the new one", n)
	}
	req := text(other, "still there?")
	if _, _, e := d.Send(&req); e == nil || e.Code != CodeReEngagement {
		t.Errorf("send to a forgotten customer: %v", e)
	}
	back, err := d.CustomerMessage(other, "text", "", "back", 0)
	if err != nil {
		t.Fatal(err)
	}
	req = text(other, "welcome back")
	if _, _, e := d.Send(&req); e != nil {
		t.Errorf("send after the forgotten customer wrote again: %v", e)
	}
	// The forgotten customer's messages can no longer be marked as read;
	// the one written since can.
	for _, tc := range []struct {
		id   string
		code int
	}{{otherFirst, CodeInvalidValue}, {back.ID, 0}} {
		req := SendRequest{MessagingProduct: "whatsapp", Status: "read", MessageID: tc.id}
		_, _, e := d.Send(&req)
		if (e == nil && tc.code != 0) || (e != nil && e.Code != tc.code) {
			t.Errorf("mark %s read: %v, want code %d", tc.id, e, tc.code)
		}
	}
	if s.Read(otherFirst) || !s.Read(back.ID) {
		t.Errorf("read: forgotten message %v, later one %v", s.Read(otherFirst), s.Read(back.ID))
	}
}

// TestDirectEventsMatchWire: a customer's reply, button, interactive
// replies and reactions made through Direct get the ids, contexts and
// errors the webhook path gives, on two platforms of the same seed.
func TestDirectEventsMatchWire(t *testing.T) {
	ctx := context.Background()
	wire, _ := newTest(Config{Seed: 3})
	dir, _ := newTest(Config{Seed: 3})
	d := dir.Direct("v21.0")
	const who = "16505551234"
	if _, err := wire.CustomerText(ctx, who, "Ann", "hi"); err != ErrNoWebhookURL {
		t.Fatal(err)
	}
	if _, err := d.CustomerMessage(who, "text", "", "hi", 0); err != nil {
		t.Fatal(err)
	}
	req := text(who, "hello")
	sendReq(wire, req)
	_, out, e := d.Send(&req)
	if e != nil || wire.Deliveries(who)[0].ID != out {
		t.Fatalf("send: %q, %v; the wire's %+v", out, e, wire.Deliveries(who))
	}
	for _, tc := range []struct {
		name string
		wire func() (Inbound, error)
		dir  func() (InboundMessage, error)
	}{
		{"reply", func() (Inbound, error) { return wire.CustomerReply(ctx, who, "Ann", "yes", out) },
			func() (InboundMessage, error) { return d.CustomerReply(who, "yes", out) }},
		{"button", func() (Inbound, error) { return wire.CustomerButton(ctx, who, "Ann", out, "Confirm", "c") },
			func() (InboundMessage, error) { return d.CustomerButton(who, out, "Confirm", "c") }},
		{"button_reply", func() (Inbound, error) {
			return wire.CustomerInteractive(ctx, who, "Ann", out, ButtonReply, "b", "Yes", "")
		},
			func() (InboundMessage, error) { return d.CustomerInteractive(who, out, ButtonReply, "b", "Yes", "") }},
		{"list_reply", func() (Inbound, error) {
			return wire.CustomerInteractive(ctx, who, "Ann", out, ListReply, "r", "Tue", "9-12")
		},
			func() (InboundMessage, error) { return d.CustomerInteractive(who, out, ListReply, "r", "Tue", "9-12") }},
		{"reaction", func() (Inbound, error) { return wire.CustomerReaction(ctx, who, "Ann", out, "👍") },
			func() (InboundMessage, error) { return d.CustomerReaction(who, out, "👍") }},
		{"bad kind", func() (Inbound, error) {
			return wire.CustomerInteractive(ctx, who, "Ann", out, "carousel", "r", "Tue", "")
		},
			func() (InboundMessage, error) { return d.CustomerInteractive(who, out, "carousel", "r", "Tue", "") }},
		{"not delivered", func() (Inbound, error) { return wire.CustomerReply(ctx, who, "Ann", "yes", "wamid.nope") },
			func() (InboundMessage, error) { return d.CustomerReply(who, "yes", "wamid.nope") }},
		{"no reference", func() (Inbound, error) { return wire.CustomerReaction(ctx, who, "Ann", "", "👍") },
			func() (InboundMessage, error) { return d.CustomerReaction(who, "", "👍") }},
	} {
		in, werr := tc.wire()
		m, derr := tc.dir()
		if werr == ErrNoWebhookURL {
			werr = nil
		}
		if (werr == nil) != (derr == nil) || werr != nil && werr.Error() != derr.Error() {
			t.Errorf("%s: errors: wire %v, direct %v", tc.name, werr, derr)
			continue
		}
		if derr != nil {
			continue
		}
		if m.ID != in.ID || m.From != who {
			t.Errorf("%s: direct %s from %s, the wire's %s", tc.name, m.ID, m.From, in.ID)
		}
		if (m.Reaction == nil) == (m.Context == nil) || m.Context != nil && m.Context.ID != out || m.Reaction != nil && m.Reaction.MessageID != out {
			t.Errorf("%s: context %+v, reaction %+v; want the reference %s", tc.name, m.Context, m.Reaction, out)
		}
	}
	if wc, dc := wire.Counts(), dir.Counts(); wc.Webhooks != dc.Webhooks {
		t.Errorf("webhooks journaled: wire %d, direct %d", wc.Webhooks, dc.Webhooks)
	}
}

// TestDirectReadStatuses: Statuses hands the read statuses due by now, as
// Flush posts them, and then no read is left waiting.
func TestDirectReadStatuses(t *testing.T) {
	s, clk := newTest(Config{Limits: Limits{ReadProbability: 1, ReadAfter: time.Minute}})
	d := s.Direct("v21.0")
	const who = "16505551234"
	if _, err := d.CustomerMessage(who, "text", "", "hi", 0); err != nil {
		t.Fatal(err)
	}
	req := text(who, "hello")
	if _, _, e := d.Send(&req); e != nil {
		t.Fatal(e)
	}
	var got []string
	d.Statuses(func(q QueuedStatus) { got = append(got, q.State()) })
	at, ok := s.NextRead()
	if !ok || !at.Equal(clk.Now().Add(time.Minute)) {
		t.Fatalf("NextRead = %v, %v; statuses %v", at, ok, got)
	}
	clk.Add(time.Minute)
	d.Statuses(func(q QueuedStatus) { got = append(got, q.State()) })
	if !reflect.DeepEqual(got, []string{"sent", "delivered", "read"}) {
		t.Errorf("statuses %v", got)
	}
	if _, ok := s.NextRead(); ok {
		t.Error("a read is still waiting")
	}
}

// TestDirectStatusesRounds: round after round of sends and Statuses, each
// Statuses hands exactly the statuses of the sends since the last one,
// the statuses handed earlier stay as they were, and a send made while
// statuses are handed waits for the next Statuses.
func TestDirectStatusesRounds(t *testing.T) {
	s, _ := newTest(Config{})
	d := s.Direct("v21.0")
	const who = "16505551234"
	if _, err := d.CustomerMessage(who, "text", "", "hi", 0); err != nil {
		t.Fatal(err)
	}
	type handed struct {
		q    QueuedStatus
		st   Status
		copy string
	}
	var all []handed
	inside := ""
	for round := range 4 {
		var ids []string
		for i := range round + 1 {
			req := text(who, fmt.Sprintf("r%d m%d", round, i))
			_, id, e := d.Send(&req)
			if e != nil {
				t.Fatal(e)
			}
			ids = append(ids, id)
		}
		if inside != "" {
			ids = append([]string{inside}, ids...)
			inside = ""
		}
		var got []string
		d.Statuses(func(q QueuedStatus) {
			st := q.Status()
			all = append(all, handed{q, st, fmt.Sprintf("%+v %+v %+v", st, *st.Conversation, *st.Pricing)})
			got = append(got, st.ID+" "+st.Status)
			if round == 1 && inside == "" { // a send from within the handler
				req := text(who, "inside")
				_, id, e := d.Send(&req)
				if e != nil {
					t.Fatal(e)
				}
				inside = id
			}
		})
		var want []string
		for _, id := range ids {
			want = append(want, id+" sent", id+" delivered")
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("round %d: statuses %q, want %q", round, got, want)
		}
	}
	for i, h := range all {
		if now := fmt.Sprintf("%+v %+v %+v", h.st, *h.st.Conversation, *h.st.Pricing); now != h.copy {
			t.Errorf("status %d changed after it was handed: %s, was %s", i, now, h.copy)
		}
		if st := h.q.Status(); !reflect.DeepEqual(st, h.st) {
			t.Errorf("status %d made again after later rounds: %+v, was %+v", i, st, h.st)
		}
	}
}

// TestReusedCustomerRecord: a forgotten customer's record, reused for a
// new customer, keeps nothing of the old one (window, last error,
// deliveries, messages, reads), and a second message of the forgotten
// customer at the same instant does not forget the record's new owner.
func TestReusedCustomerRecord(t *testing.T) {
	const a, b, c = "16505550001", "16505550002", "16505550003"
	keep := true
	s, clk := newTest(Config{KeepDeliveries: func(string) bool { return keep }, ForgetAfter: 25 * time.Hour})
	d := s.Direct("v21.0")
	first, err := d.CustomerMessage(a, "text", "", "hi", 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.CustomerMessage(a, "text", "", "again", 0); err != nil { // the same instant
		t.Fatal(err)
	}
	req := text(a, "hello")
	if _, _, e := d.Send(&req); e != nil {
		t.Fatal(e)
	}
	bad := text(a, "")
	if _, _, e := d.Send(&bad); e == nil {
		t.Fatal("a send without a body was accepted")
	}
	read := SendRequest{MessagingProduct: "whatsapp", Status: "read", MessageID: first.ID}
	if _, _, e := d.Send(&read); e != nil {
		t.Fatal(e)
	}
	old := s.customers.get(a)
	keep = false
	clk.Add(26 * time.Hour)
	if _, err := d.CustomerMessage(b, "text", "", "hi", 0); err != nil { // forgets a
		t.Fatal(err)
	}
	m, err := d.CustomerMessage(c, "text", "", "hi", 0)
	if err != nil {
		t.Fatal(err)
	}
	keep = true
	if s.customers.get(c) != old {
		t.Fatal("the new customer did not get the forgotten one's record")
	}
	if n := s.Customers(); n != 2 {
		t.Errorf("%d customers, want 2", n)
	}
	if e := s.LastError(c); e != nil {
		t.Errorf("new customer's last error: %+v", e)
	}
	if ds := s.Deliveries(c); len(ds) != 0 {
		t.Errorf("new customer's deliveries: %+v", ds)
	}
	if s.Read(first.ID) || s.Read(m.ID) {
		t.Errorf("read: the forgotten message %v, the new customer's %v", s.Read(first.ID), s.Read(m.ID))
	}
	if s.WindowOpen(a) || !s.WindowOpen(c) {
		t.Errorf("windows: forgotten %v, new %v", s.WindowOpen(a), s.WindowOpen(c))
	}
	read.MessageID = m.ID
	if _, _, e := d.Send(&read); e != nil || !s.Read(m.ID) {
		t.Errorf("mark the new customer's message read: %v, read %v", e, s.Read(m.ID))
	}
	// a's second message, looked at after the first forgot a, must not
	// free the record again: the next new customer gets one of its own.
	if _, err := d.CustomerMessage("16505550004", "text", "", "hi", 0); err != nil {
		t.Fatal(err)
	}
	if s.customers.get("16505550004") == old || s.customers.get(c) != old {
		t.Error("two customers share a record")
	}
}

// TestDueWithoutLock: Idle and NextReadNanos, which read no lock, agree
// with the queue and NextRead after every step that queues or releases a
// status: sends, an async window error, Statuses before and at a read's
// time, a wire Flush, and a read due past the last unix nanosecond.
func TestDueWithoutLock(t *testing.T) {
	const who = "16505551234"
	check := func(t *testing.T, step string, s *Server, d *Direct) {
		t.Helper()
		s.mu.Lock() // what the queue and the waiting reads hold
		queued, ok := len(s.queue), len(s.lim.reads) > 0
		var at time.Time
		if ok {
			at = s.lim.reads[0].at
		}
		s.mu.Unlock()
		if idle := queued == 0 && !ok; d.Idle() != idle {
			t.Errorf("%s: Idle = %v, want %v (queue %d, read waiting %v)", step, d.Idle(), idle, queued, ok)
		}
		if rat, rok := s.NextRead(); rok != ok || !rat.Equal(at) {
			t.Errorf("%s: NextRead = %v, %v; want %v, %v", step, rat, rok, at, ok)
		}
		ns, nok := s.NextReadNanos()
		switch {
		case nok != ok:
			t.Errorf("%s: NextReadNanos ok = %v, want %v", step, nok, ok)
		case ok && at.Year() < 2262 && ns != at.UnixNano():
			t.Errorf("%s: NextReadNanos = %d, want %d", step, ns, at.UnixNano())
		case ok && at.Year() > 2262 && ns != math.MinInt64:
			t.Errorf("%s: NextReadNanos = %d for %v, want math.MinInt64", step, ns, at)
		}
	}
	send := func(t *testing.T, d *Direct, body string) {
		t.Helper()
		req := text(who, body)
		if _, _, e := d.Send(&req); e != nil {
			t.Fatal(e)
		}
	}
	statuses := func(d *Direct) (got []string) {
		d.Statuses(func(q QueuedStatus) { got = append(got, q.State()) })
		return got
	}
	t.Run("direct", func(t *testing.T) {
		s, clk := newTest(Config{Limits: Limits{ReadProbability: 1, ReadAfter: time.Minute}})
		d := s.Direct("v21.0")
		check(t, "new", s, d)
		if _, err := d.CustomerMessage(who, "text", "", "hi", 0); err != nil {
			t.Fatal(err)
		}
		check(t, "customer message", s, d)
		send(t, d, "one")
		check(t, "send", s, d)
		clk.Add(time.Second)
		send(t, d, "two")
		check(t, "second send", s, d)
		if got := statuses(d); !reflect.DeepEqual(got, []string{"sent", "delivered", "sent", "delivered"}) {
			t.Errorf("statuses %v", got)
		}
		check(t, "statuses", s, d)
		if got := statuses(d); got != nil {
			t.Errorf("statuses before the reads are due: %v", got)
		}
		clk.Add(time.Minute - time.Second)
		if got := statuses(d); !reflect.DeepEqual(got, []string{"read"}) {
			t.Errorf("statuses at the first read: %v", got)
		}
		check(t, "first read", s, d)
		clk.Add(time.Second)
		if got := statuses(d); !reflect.DeepEqual(got, []string{"read"}) {
			t.Errorf("statuses at the second read: %v", got)
		}
		check(t, "second read", s, d)
		if !d.Idle() {
			t.Error("not idle after every status was handed")
		}
	})
	t.Run("async", func(t *testing.T) {
		s, _ := newTest(Config{WindowErrors: Async})
		d := s.Direct("v21.0")
		send(t, d, "outside the window")
		check(t, "failed send", s, d)
		if got := statuses(d); !reflect.DeepEqual(got, []string{"failed"}) {
			t.Errorf("statuses %v", got)
		}
		check(t, "statuses", s, d)
	})
	t.Run("flush", func(t *testing.T) {
		rt := newRouter(t, DefaultAppSecret)
		s, clk := newTest(Config{WebhookURL: rt.srv.URL, Limits: Limits{ReadProbability: 1, ReadAfter: time.Minute}})
		d := s.Direct("v21.0")
		if _, err := s.CustomerText(context.Background(), who, "Ann", "hi"); err != nil {
			t.Fatal(err)
		}
		send(t, d, "one")
		for _, step := range []time.Duration{0, time.Minute} {
			clk.Add(step)
			if _, err := s.Flush(context.Background()); err != nil {
				t.Fatal(err)
			}
			check(t, fmt.Sprintf("flush after %v", step), s, d)
		}
		if !d.Idle() {
			t.Error("not idle after every status was posted")
		}
	})
	t.Run("past nanoseconds", func(t *testing.T) {
		clk := &fakeClock{t: time.Date(2262, 4, 11, 0, 0, 0, 0, time.UTC)}
		s := New(Config{Clock: clk.Now, Limits: Limits{ReadProbability: 1, ReadAfter: 24 * time.Hour}})
		d := s.Direct("v21.0")
		if _, err := d.CustomerMessage(who, "text", "", "hi", 0); err != nil {
			t.Fatal(err)
		}
		send(t, d, "one")
		statuses(d)
		check(t, "read past 2262", s, d)
		if got := statuses(d); got != nil {
			t.Errorf("statuses before the read is due: %v", got)
		}
		clk.Add(24 * time.Hour)
		if got := statuses(d); !reflect.DeepEqual(got, []string{"read"}) {
			t.Errorf("statuses at the read: %v", got)
		}
		check(t, "read", s, d)
	})
}

// TestDigits16: digits16 agrees with a byte-by-byte test for every byte
// value at every position of numbers of every length up to 16, with
// digits or one other byte around it.
func TestDigits16(t *testing.T) {
	slow := func(d string) bool {
		for i := range len(d) {
			if d[i] < '0' || d[i] > '9' {
				return false
			}
		}
		return true
	}
	for n := 0; n <= 16; n++ {
		for i := range n {
			for c := range 256 {
				for _, other := range []byte{'7', 0x00, '/', ':', 0xff} {
					b := []byte("9876543210123456"[:n])
					if j := (i + 5) % n; j != i {
						b[j] = other
					}
					b[i] = byte(c)
					if got, want := digits16(string(b)), slow(string(b)); got != want {
						t.Fatalf("digits16(%q) = %v, want %v", b, got, want)
					}
				}
			}
		}
	}
}

// TestCustomerMessageTo: CustomerMessageTo sets the message CustomerMessage
// returns on a platform of the same seed, over whatever m held, and
// leaves m zero on an error.
func TestCustomerMessageTo(t *testing.T) {
	const who = "16505551234"
	a, _ := newTest(Config{Seed: 3})
	b, _ := newTest(Config{Seed: 3})
	da, db := a.Direct("v21.0"), b.Direct("v21.0")
	for _, tc := range []struct{ kind, format, body string }{{"text", "", "hi"}, {"image", "jpg", "a caption"}} {
		want, err := da.CustomerMessage(who, tc.kind, tc.format, tc.body, 10)
		if err != nil {
			t.Fatal(err)
		}
		m := InboundMessage{Type: "stale", Context: &MessageContext{ID: "stale"}, Reaction: &Reaction{Emoji: "x"}}
		if err := db.CustomerMessageTo(&m, who, tc.kind, tc.format, tc.body, 10); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(m, want) {
			t.Errorf("%s: CustomerMessageTo set %+v, CustomerMessage returned %+v", tc.kind, m, want)
		}
	}
	for _, bad := range []struct{ from, kind, format string }{{"123", "text", ""}, {who, "image", "bmp"}} {
		m := InboundMessage{Type: "stale"}
		if err := db.CustomerMessageTo(&m, bad.from, bad.kind, bad.format, "x", 10); err == nil || !reflect.DeepEqual(m, InboundMessage{}) {
			t.Errorf("%+v: error %v, message %+v", bad, err, m)
		}
	}
}

// TestCustomerText: CustomerText records what CustomerMessageTo does for
// a text on a platform of the same seed (the same wamid, journal and
// later ids) and returns the message's From and ID, with the platform's
// time; on an error it returns neither.
func TestCustomerText(t *testing.T) {
	const who = "16505551234"
	a, clk := newTest(Config{Seed: 5})
	b, _ := newTest(Config{Seed: 5})
	at := clk.Now()
	da, db := a.Direct("v21.0"), b.Direct("v21.0")
	for _, body := range []string{"hi", "again"} {
		var want InboundMessage
		if err := da.CustomerMessageTo(&want, who, "text", "", body, 0); err != nil {
			t.Fatal(err)
		}
		waID, id, now, err := db.CustomerText(who)
		if err != nil {
			t.Fatal(err)
		}
		if waID != want.From || id != want.ID || !now.Equal(at) {
			t.Errorf("CustomerText gave %q, %q at %v; want %q, %q at %v", waID, id, now, want.From, want.ID, at)
		}
	}
	if ja, jb := a.Journal(), b.Journal(); !reflect.DeepEqual(ja, jb) {
		t.Errorf("journals differ:\n%+v\n%+v", ja, jb)
	}
	if ia, ib := a.ids.wamidPart(), b.ids.wamidPart(); ia != ib {
		t.Errorf("the next wamid parts differ: %d, %d", ia, ib)
	}
	if waID, id, _, err := db.CustomerText("123"); err == nil || waID != "" || id != "" {
		t.Errorf("bad number: error %v, %q, %q", err, waID, id)
	}
}
