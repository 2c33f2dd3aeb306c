package whatsapp

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func readBody(id string) string {
	return `{"messaging_product":"whatsapp","status":"read","message_id":"` + id + `"}`
}

func TestMarkRead(t *testing.T) {
	// ids: the customers' messages a1, a2 (cust), b1 (cust2), and the
	// business's own message out (to cust).
	type ids struct{ a1, a2, b1, out string }
	other := New(Config{Seed: 99})
	otherIn, _ := other.CustomerText(context.Background(), cust, "S", "x") // a wamid of another server
	tests := []struct {
		name    string
		body    func(ids) string
		status  int
		code    int
		details string   // substring of the error details
		read    []string // messages read afterwards: a1, a2, b1
	}{
		{name: "read the first", body: func(i ids) string { return readBody(i.a1) }, status: 200, read: []string{"a1"}},
		{name: "read the second marks the earlier too", body: func(i ids) string { return readBody(i.a2) }, status: 200, read: []string{"a1", "a2"}},
		{name: "other customer", body: func(i ids) string { return readBody(i.b1) }, status: 200, read: []string{"b1"}},
		{name: "with typing indicator", body: func(i ids) string {
			return `{"messaging_product":"whatsapp","status":"read","message_id":"` + i.a1 + `","typing_indicator":{"type":"text"}}`
		}, status: 200, read: []string{"a1"}},
		{name: "bad typing indicator", body: func(i ids) string {
			return `{"messaging_product":"whatsapp","status":"read","message_id":"` + i.a1 + `","typing_indicator":{"type":"audio"}}`
		}, status: 400, code: 100, details: "typing_indicator"},
		{name: "unknown id", body: func(ids) string { return readBody("wamid.nope") }, status: 400, code: 131009, details: "not the id of a message received"},
		{name: "own outbound message", body: func(i ids) string { return readBody(i.out) }, status: 400, code: 131009},
		{name: "another server's wamid", body: func(ids) string { return readBody(otherIn.ID) }, status: 400, code: 131009},
		{name: "id longer than any wamid", body: func(ids) string { return readBody("wamid." + strings.Repeat("A", 344)) }, status: 400, code: 131009},
		{name: "lower-case spelling", body: func(i ids) string { return readBody("wamid." + strings.ToLower(i.a1[6:])) }, status: 400, code: 131009},
		{name: "status other than read", body: func(i ids) string {
			return `{"messaging_product":"whatsapp","status":"delivered","message_id":"` + i.a1 + `"}`
		}, status: 400, code: 100, details: `must be "read"`},
		{name: "no message_id", body: func(ids) string { return `{"messaging_product":"whatsapp","status":"read"}` }, status: 400, code: 100, details: "message_id"},
		{name: "no messaging_product", body: func(i ids) string { return `{"status":"read","message_id":"` + i.a1 + `"}` }, status: 400, code: 100, details: "messaging_product"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, clk := newTest(Config{})
			ctx := context.Background()
			a1, _ := s.CustomerText(ctx, cust, "S", "one")
			a2, _ := s.CustomerText(ctx, cust, "S", "two")
			b1, _ := s.CustomerText(ctx, cust2, "T", "three")
			out := wantOK(t, sendReq(s, text(cust, "reply"))).Messages[0].ID
			i := ids{a1.ID, a2.ID, b1.ID, out}
			before, pending := s.Counts(), s.Pending()
			clk.Add(1)

			body := tc.body(i)
			var req SendRequest
			if err := json.Unmarshal([]byte(body), &req); err != nil {
				t.Fatal(err)
			}
			ce := s.Check(req)
			w := post(s, body)
			if tc.status == 200 {
				if w.Code != 200 || w.Body.String() != `{"success":true}` || ce != nil {
					t.Fatalf("%d %s (Check %v)", w.Code, w.Body, ce)
				}
			} else {
				e := wantError(t, w, tc.status, tc.code)
				if !strings.Contains(e.Details(), tc.details) {
					t.Errorf("details %q, want %q in them", e.Details(), tc.details)
				}
				if ce == nil || ce.Code != tc.code || ce.Details() != e.Details() {
					t.Errorf("Check %v, wire %v", ce, e)
				}
			}
			for name, id := range map[string]string{"a1": i.a1, "a2": i.a2, "b1": i.b1} {
				want := false
				for _, r := range tc.read {
					want = want || r == name
				}
				if s.Read(id) != want {
					t.Errorf("Read(%s) = %v, want %v", name, !want, want)
				}
			}
			if s.Read(i.out) || s.Read("wamid.nope") {
				t.Error("Read of a non-customer message")
			}
			j, c := s.Journal(), s.Counts()
			if tc.status == 200 {
				if len(j.Reads) != 1 || j.Reads[0].ID != req.MessageID || !j.Reads[0].At.Equal(t0.Add(1)) || c.Reads != 1 {
					t.Errorf("reads %+v counts %+v", j.Reads, c)
				}
				if c.Deliveries != before.Deliveries || s.Pending() != pending {
					t.Error("a read receipt was delivered or queued a status")
				}
				want := cust
				if tc.read[0] == "b1" {
					want = cust2
				}
				if j.Reads[0].From != want {
					t.Errorf("from %s", j.Reads[0].From)
				}
			} else if len(j.Reads) != 0 || c.Reads != 0 || c.Errors != before.Errors+1 {
				t.Errorf("reads %+v counts %+v", j.Reads, c)
			}
			if last := j.Requests[len(j.Requests)-1]; last.Status != tc.status || last.Code != tc.code {
				t.Errorf("request journal %+v", last)
			}
		})
	}
}

// TestMarkReadKeepsWindow: a read receipt neither needs nor reopens the
// customer-service window.
func TestMarkReadKeepsWindow(t *testing.T) {
	s, clk := newTest(Config{})
	in, _ := s.CustomerText(context.Background(), cust, "S", "hi")
	clk.Add(DefaultWindow + 1)
	if w := post(s, readBody(in.ID)); w.Code != 200 {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	if s.WindowOpen(cust) {
		t.Fatal("read receipt reopened the window")
	}
}

// TestMarkReadReplies: a customer's reply and reaction are inbound
// messages like a text: marking the reaction read marks the reply and the
// text before it read too.
func TestMarkReadReplies(t *testing.T) {
	s, _ := newTest(Config{})
	ctx := context.Background()
	first, _ := s.CustomerText(ctx, cust, "S", "hi")
	out := wantOK(t, sendReq(s, text(cust, "hello"))).Messages[0].ID
	// No webhook URL: the messages are recorded, not posted.
	reply, err := s.CustomerReply(ctx, cust, "S", "thanks", out)
	if !errors.Is(err, ErrNoWebhookURL) {
		t.Fatal(err)
	}
	reaction, err := s.CustomerReaction(ctx, cust, "S", out, "👍")
	if !errors.Is(err, ErrNoWebhookURL) {
		t.Fatal(err)
	}
	if s.Read(first.ID) || s.Read(reply.ID) || s.Read(reaction.ID) {
		t.Fatal("read before any mark-as-read")
	}
	if w := post(s, readBody(reaction.ID)); w.Code != 200 {
		t.Fatalf("mark the reaction read: %d %s", w.Code, w.Body)
	}
	if !s.Read(first.ID) || !s.Read(reply.ID) || !s.Read(reaction.ID) {
		t.Fatalf("read: %v %v %v", s.Read(first.ID), s.Read(reply.ID), s.Read(reaction.ID))
	}
}
