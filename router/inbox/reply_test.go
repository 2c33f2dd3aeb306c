package inbox

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/omnisim/omnisim/router"
)

func images(n int) []router.Attachment {
	var out []router.Attachment
	for k := range n {
		out = append(out, router.Attachment{Kind: "image", Format: "png", Name: fmt.Sprintf("img%d.png", k+1)})
	}
	return out
}

func TestQuickReplyValidation(t *testing.T) {
	tests := []struct {
		name string
		q    QuickReply
		err  error
	}{
		{"ok", QuickReply{Title: "Greeting", Body: "Hi {name}!"}, nil},
		{"ten images", QuickReply{Title: "T", Body: "B", Images: images(10)}, nil},
		{"no kind is an image", QuickReply{Title: "T", Body: "B", Images: []router.Attachment{{Format: "jpeg"}}}, nil},
		{"no title", QuickReply{Body: "B"}, ErrTitleRequired},
		{"blank title", QuickReply{Title: " \t", Body: "B"}, ErrTitleRequired},
		{"no body", QuickReply{Title: "T"}, ErrBodyRequired},
		{"blank body", QuickReply{Title: "T", Body: "\n "}, ErrBodyRequired},
		{"eleven images", QuickReply{Title: "T", Body: "B", Images: images(11)}, ErrTooManyImages},
		{"a video", QuickReply{Title: "T", Body: "B", Images: []router.Attachment{{Kind: "video"}}}, ErrNotImage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ib := New(Config{})
			if err := tt.q.Validate(); !errors.Is(err, tt.err) {
				t.Errorf("Validate = %v, want %v", err, tt.err)
			}
			saved, err := ib.SaveQuickReply(tt.q)
			if !errors.Is(err, tt.err) {
				t.Errorf("SaveQuickReply = %v, want %v", err, tt.err)
			}
			if n := len(ib.QuickReplies()); (tt.err == nil) != (n == 1) {
				t.Errorf("%d saved", n)
			}
			if tt.err == nil && saved.ID != "q1" {
				t.Errorf("id %q", saved.ID)
			}
		})
	}
}

func TestQuickReplyStore(t *testing.T) {
	ib := New(Config{})
	q1, _ := ib.SaveQuickReply(QuickReply{Title: "A", Body: "a"})
	q2, _ := ib.SaveQuickReply(QuickReply{Title: "B", Body: "b"})
	q1.Body = "a2"
	if _, err := ib.SaveQuickReply(q1); err != nil {
		t.Fatal(err)
	}
	got := ib.QuickReplies()
	if len(got) != 2 || got[0].ID != q1.ID || got[0].Body != "a2" || got[1].ID != q2.ID {
		t.Fatalf("replies = %+v", got)
	}
	if !ib.DeleteQuickReply(q1.ID) || ib.DeleteQuickReply(q1.ID) {
		t.Error("delete")
	}
	if _, ok := ib.QuickReply(q2.ID); !ok {
		t.Error("q2 gone")
	}
	q3, _ := ib.SaveQuickReply(QuickReply{Title: "C", Body: "c"})
	if q3.ID != "q3" {
		t.Errorf("new id %q", q3.ID)
	}
}

func TestQuickReplyRender(t *testing.T) {
	w := newWorld(t, 1, Config{UnknownName: "customer"})
	named := w.receive(0, "u1", "Amy", "hi")
	shop := w.receiveOn(time.Second, router.CustomerKey{Channel: "webshop", Account: "shop", Customer: "u2"}, "Bob", "hi")
	anon := w.receive(2*time.Second, "u3", "", "hi")
	q := QuickReply{Title: "Thanks", Body: "Thank you {name}, see {name} soon {other}", Images: images(3)}
	tests := []struct {
		name     string
		id       router.ConversationID
		kind     string
		text     string
		nImages  int
		wantErr  error
		mutateQ  func(QuickReply) QuickReply
		wantKind router.Kind
	}{
		{name: "social channel keeps every image", id: named, text: "Thank you Amy, see Amy soon {other}", nImages: 3},
		{name: "web shop channel: first image only", id: shop, text: "Thank you Bob, see Bob soon {other}", nImages: 1},
		{name: "order kind given: first image only", id: named, kind: "order", text: "Thank you Amy, see Amy soon {other}", nImages: 1},
		{name: "unknown name", id: anon, text: "Thank you customer, see customer soon {other}", nImages: 3},
		{name: "unknown conversation", id: 99, wantErr: ErrUnknownConversation},
		{name: "invalid", id: named, wantErr: ErrTooManyImages, mutateQ: func(q QuickReply) QuickReply { q.Images = images(11); return q }},
		{name: "no images", id: shop, text: "Thank you Bob, see Bob soon {other}", mutateQ: func(q QuickReply) QuickReply { q.Images = nil; return q }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			qq := q
			if tt.mutateQ != nil {
				qq = tt.mutateQ(q)
			}
			out, err := w.ib.Render(qq, tt.id, tt.kind)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Render = %v, want %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if len(out) != 1+tt.nImages || out[0].Kind != router.KindText || out[0].Text != tt.text {
				t.Fatalf("Render = %+v", out)
			}
			for k, m := range out[1:] {
				if m.Kind != router.KindAttachment || m.Attachment.Name != fmt.Sprintf("img%d.png", k+1) {
					t.Errorf("message %d = %+v", k+1, m)
				}
			}
		})
	}
	// The rendered messages go through the engine as they are.
	out, _ := w.ib.Render(q, shop, "")
	for _, m := range out {
		if _, err := w.e.Check(at(time.Minute), w.agentOf(shop), router.CustomerKey{Channel: "webshop", Account: "shop", Customer: "u2"}, m); err != nil {
			t.Errorf("engine refuses %+v: %v", m, err)
		}
	}
}

func TestAutoReply(t *testing.T) {
	rules := []AutoReply{
		{Name: "after-hours", Hours: OutsideHours, Text: "Hi {name}, we are closed; we answer at 9:00."},
		{Name: "shipping", Channels: []string{"whatsapp"}, Keywords: []string{"運費", "Shipping"}, Every: time.Hour, Text: "Shipping is free over NT$1000."},
		{Name: "welcome", Channels: []string{"webshop"}, Text: "Welcome to the shop, {name}!"},
	}
	ib := New(Config{AutoReplies: rules})
	wa := func(c, name, text string) router.Inbound {
		return router.Inbound{Customer: key(c), Name: name, Text: text}
	}
	shop := func(c, name, text string) router.Inbound {
		return router.Inbound{Customer: router.CustomerKey{Channel: "webshop", Account: "s", Customer: c}, Name: name, Text: text}
	}
	tests := []struct {
		name    string
		at      time.Duration
		id      router.ConversationID
		in      router.Inbound
		outside bool
		rule    string
		text    string
	}{
		{"outside hours first", 0, 1, wa("u1", "Amy", "hello"), true, "after-hours", "Hi Amy, we are closed; we answer at 9:00."},
		{"once per conversation", time.Minute, 1, wa("u1", "Amy", "hello?"), true, "", ""},
		{"next rule matches the keyword", 2 * time.Minute, 1, wa("u1", "Amy", "what is the SHIPPING fee"), true, "shipping", "Shipping is free over NT$1000."},
		{"not again within an hour", 30 * time.Minute, 1, wa("u1", "Amy", "運費?"), false, "", ""},
		{"again after an hour", 62 * time.Minute, 1, wa("u1", "Amy", "運費?"), false, "shipping", "Shipping is free over NT$1000."},
		{"no keyword inside hours", 0, 2, wa("u2", "Bob", "hello"), false, "", ""},
		{"another conversation", 0, 3, wa("u3", "", "運費多少"), false, "shipping", "Shipping is free over NT$1000."},
		{"channel rule", 0, 4, shop("u4", "Dan", "hi"), false, "welcome", "Welcome to the shop, Dan!"},
		{"keyword rule is whatsapp only", 0, 5, shop("u5", "", "運費"), false, "welcome", "Welcome to the shop, !"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, ok := ib.AutoReply(at(tt.at), tt.id, tt.in, tt.outside)
			if ok != (tt.rule != "") || r.Rule != tt.rule || r.Message.Text != tt.text {
				t.Errorf("AutoReply = %+v %v, want %q %q", r, ok, tt.rule, tt.text)
			}
			if ok && r.Message.Kind != router.KindText {
				t.Errorf("kind %s", r.Message.Kind)
			}
		})
	}
	// The firing is remembered when the conversation's events arrive.
	ib.Apply(ev(63*time.Minute, router.EventOpened, 1, "u1", ""))
	if _, ok := ib.AutoReply(at(64*time.Minute), 1, wa("u1", "Amy", "hello"), true); ok {
		t.Error("after-hours fired twice across the first event")
	}
	if err := ib.SetAutoReplies([]AutoReply{{Name: "x"}}); !errors.Is(err, ErrAutoReply) {
		t.Errorf("SetAutoReplies(invalid) = %v", err)
	}
	if got := ib.AutoReplies(); len(got) != 3 {
		t.Errorf("rules changed: %d", len(got))
	}
	must(t, ib.SetAutoReplies(nil))
	if _, ok := ib.AutoReply(at(65*time.Minute), 9, wa("u9", "", "運費"), true); ok {
		t.Error("no rules, but a reply")
	}
}

func TestAutoReplyThroughEngine(t *testing.T) {
	w := newWorld(t, 1, Config{AutoReplies: []AutoReply{{Name: "ack", Text: "Thanks {name}, an agent will answer soon."}}})
	in := router.Inbound{Customer: key("u1"), MessageID: "m1", Name: "Amy", Text: "hi"}
	id, err := w.e.Receive(at(0), in)
	must(t, err)
	w.ib.Sync(w.e)
	w.ib.AddInbound(at(0), id, in)
	r, ok := w.ib.AutoReply(at(0), id, in, false)
	if !ok {
		t.Fatal("no auto-reply")
	}
	w.sendTo(time.Second, w.agentOf(id), key("u1"), r.Message.Text)
	row := w.row(id)
	if row.Outbound != 1 || row.Preview.Text != "Thanks Amy, an agent will answer soon." {
		t.Errorf("row = %+v", row)
	}
	if row.Unread != 1 {
		t.Errorf("an auto-reply marked the conversation read: unread %d", row.Unread)
	}
}

func TestAutoReplyIsNoFirstResponse(t *testing.T) {
	for _, markFirst := range []bool{false, true} {
		t.Run(fmt.Sprintf("marked before the event: %v", markFirst), func(t *testing.T) {
			w := newWorld(t, 1, Config{AutoReplies: []AutoReply{{Name: "ack", Text: "Thanks, an agent will answer soon."}}})
			in := router.Inbound{Customer: key("u1"), MessageID: "m1", Text: "hi"}
			id, err := w.e.Receive(at(0), in)
			must(t, err)
			if !markFirst {
				w.ib.Sync(w.e)
			}
			r, ok := w.ib.AutoReply(at(0), id, in, false)
			if !ok {
				t.Fatal("no auto-reply")
			}
			agent := w.agentOf(id)
			res, err := w.e.Send(t.Context(), at(time.Second), agent, key("u1"), r.Message)
			must(t, err)
			if markFirst {
				w.ib.MarkAutoReply(at(time.Second), id, res.MessageID)
				w.ib.Sync(w.e)
			} else {
				w.ib.Sync(w.e)
				if f := w.ib.Figures(at(time.Second)); f.Answered != 1 {
					t.Fatalf("before the mark: %d answered", f.Answered)
				}
				w.ib.MarkAutoReply(at(time.Second), id, res.MessageID)
			}
			if f := w.ib.Figures(at(2 * time.Second)); f.Answered != 0 || f.Agents[0].Answered != 0 {
				t.Fatalf("the auto-reply counts as a first response: %+v", f)
			}
			w.send(40*time.Second, agent, "u1", "Hello, how can I help?")
			f := w.ib.Figures(at(time.Minute))
			if f.Answered != 1 || f.FirstResponseMean != 40*time.Second || f.Agents[0].FirstResponseMean != 40*time.Second {
				t.Errorf("figures = %+v", f)
			}
			if row := w.row(id); row.Outbound != 2 {
				t.Errorf("outbound = %d", row.Outbound)
			}
		})
	}
}

func TestHistory(t *testing.T) {
	ib := New(Config{})
	convs := []struct {
		id       router.ConversationID
		customer string
		agents   []string
		text     string
		rating   int
		closed   bool
	}{
		{1, "u1", []string{"a1"}, "where is my order", 5, true},
		{2, "u2", []string{"a2"}, "refund please", 1, true},
		{3, "u3", []string{"a1", "a2"}, "ORDER status", 0, false}, // reassigned from a1 to a2
		{4, "u4", []string{"a3"}, "hello", 3, true},
	}
	names := map[string]string{"u1": "Amy Lin", "u2": "amy chen", "u3": "Bob", "u4": "陳小姐"}
	for k, c := range convs {
		d := time.Duration(k) * time.Hour
		ib.SetName(at(d), key(c.customer), names[c.customer])
		ib.Apply(ev(d, router.EventOpened, c.id, c.customer, ""))
		ib.Apply(ev(d, router.EventInbound, c.id, c.customer, ""))
		ib.AddMessage(at(d), c.id, FromCustomer, c.text)
		for _, a := range c.agents {
			ib.Apply(ev(d, router.EventAssigned, c.id, c.customer, a))
		}
		if c.rating != 0 {
			must(t, ib.SetRating(at(d), c.id, c.rating))
		}
		if c.closed {
			ib.Apply(ev(d+time.Minute, router.EventClosed, c.id, c.customer, ""))
		}
	}
	all := Viewer{Agent: "boss", AllConversations: true}
	tests := []struct {
		name string
		v    Viewer
		q    HistoryQuery
		want []router.ConversationID
	}{
		{"everything", all, HistoryQuery{}, []router.ConversationID{4, 3, 2, 1}},
		{"own only", Viewer{Agent: "a1"}, HistoryQuery{}, []router.ConversationID{3, 1}},
		{"own only, other agent asked", Viewer{Agent: "a1"}, HistoryQuery{Agent: "a2"}, []router.ConversationID{3}},
		{"no agent, no permission", Viewer{}, HistoryQuery{}, nil},
		{"by agent", all, HistoryQuery{Agent: "a2"}, []router.ConversationID{3, 2}},
		{"by nickname", all, HistoryQuery{Nickname: "AMY"}, []router.ConversationID{2, 1}},
		{"by nickname CJK", all, HistoryQuery{Nickname: "陳"}, []router.ConversationID{4}},
		{"by rating", all, HistoryQuery{Rating: 5}, []router.ConversationID{1}},
		{"unrated", all, HistoryQuery{Unrated: true}, []router.ConversationID{3}},
		{"by keyword", all, HistoryQuery{Keyword: "order"}, []router.ConversationID{3, 1}},
		{"keyword, own only", Viewer{Agent: "a2"}, HistoryQuery{Keyword: "order"}, []router.ConversationID{3}},
		{"time range", all, HistoryQuery{From: at(time.Hour), To: at(3 * time.Hour)}, []router.ConversationID{3, 2}},
		{"closed only", all, HistoryQuery{ClosedOnly: true, Keyword: "order"}, []router.ConversationID{1}},
		{"channel", all, HistoryQuery{Channel: "webshop"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ids(ib.History(tt.v, tt.q, Page{}).Rows)
			if !slices.Equal(got, tt.want) && !(len(got) == 0 && len(tt.want) == 0) {
				t.Errorf("History = %v, want %v", got, tt.want)
			}
		})
	}
	if _, err := ib.Transcript(Viewer{Agent: "a3"}, 1); !errors.Is(err, ErrUnknownConversation) {
		t.Errorf("a3 reads a1's transcript: %v", err)
	}
	if tr, err := ib.Transcript(Viewer{Agent: "a1"}, 1); err != nil || len(tr) != 1 || tr[0].Text != "where is my order" {
		t.Errorf("transcript = %+v %v", tr, err)
	}
	for _, bad := range []int{0, -1, MaxRating + 1} {
		if err := ib.SetRating(at(5*time.Hour), 1, bad); !errors.Is(err, ErrRating) {
			t.Errorf("SetRating(%d) = %v", bad, err)
		}
	}
	if err := ib.SetRating(at(5*time.Hour), 77, 3); !errors.Is(err, ErrUnknownConversation) {
		t.Errorf("SetRating(unknown) = %v", err)
	}
}

// TestAutoReplyFiringsGoAtClose: a closed conversation, kept for the
// retention, holds no auto-reply firings and takes no auto-reply; an open
// one keeps its firings.
func TestAutoReplyFiringsGoAtClose(t *testing.T) {
	tests := []struct {
		name   string
		closed bool
	}{
		{"open", false},
		{"closed", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ib := New(Config{AutoReplies: []AutoReply{{Name: "hello", Text: "Hi {name}"}}})
			ib.Apply(ev(0, router.EventOpened, 1, "u1", ""))
			in := router.Inbound{Customer: key("u1"), Name: "Amy", Text: "hi"}
			if _, ok := ib.AutoReply(at(0), 1, in, false); !ok {
				t.Fatal("no auto-reply to the first message")
			}
			if tt.closed {
				ib.Apply(ev(time.Minute, router.EventClosed, 1, "u1", ""))
			}
			ib.mu.Lock()
			fired := len(ib.convs[1].fired)
			ib.mu.Unlock()
			if want := map[bool]int{false: 1, true: 0}[tt.closed]; fired != want {
				t.Errorf("firings held = %d, want %d", fired, want)
			}
			if _, ok := ib.AutoReply(at(2*time.Minute), 1, in, false); ok {
				t.Error("the rule fired twice in one conversation")
			}
		})
	}
}

// TestClosedConversationHoldsNoMessageID: a closed conversation kept for
// the retention holds no message id (a string that may hold a sender's
// buffer): its first response is final, so a late MarkAutoReply no longer
// takes it back, as it does while the conversation is open; and the
// auto-replies it waits for go with their sent events.
func TestClosedConversationHoldsNoMessageID(t *testing.T) {
	tests := []struct {
		name     string
		closed   bool
		answered int // after the late mark
	}{
		{"open", false, 0},
		{"closed", true, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t, 1, Config{})
			id := w.receive(0, "u1", "Amy", "hi")
			agent := w.agentOf(id)
			// An auto-reply, marked before its sent event.
			res, err := w.e.Send(t.Context(), at(time.Second), agent, key("u1"), router.Outbound{Kind: router.KindText, Text: "ack"})
			must(t, err)
			w.ib.MarkAutoReply(at(time.Second), id, res.MessageID)
			w.ib.Sync(w.e)
			// An answer, marked as an auto-reply only after the close.
			res, err = w.e.Send(t.Context(), at(time.Minute), agent, key("u1"), router.Outbound{Kind: router.KindText, Text: "hello"})
			must(t, err)
			w.ib.Sync(w.e)
			if tt.closed {
				must(t, w.e.Close(at(2*time.Minute), agent, key("u1")))
				w.ib.Sync(w.e)
			}
			w.ib.mu.Lock()
			c := w.ib.convs[id]
			held := c.respMsg != "" || c.auto != nil
			w.ib.mu.Unlock()
			if held != !tt.closed {
				t.Errorf("message ids held: %v, want %v", held, !tt.closed)
			}
			w.ib.MarkAutoReply(at(3*time.Minute), id, res.MessageID)
			if f := w.ib.Figures(at(3 * time.Minute)); f.Answered != tt.answered {
				t.Errorf("answered = %d, want %d", f.Answered, tt.answered)
			}
		})
	}
}
