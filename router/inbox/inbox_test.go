package inbox

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/omnisim/omnisim/router"
)

func TestArchivedConversationComesBack(t *testing.T) {
	tests := []struct {
		name     string
		then     func(w *world, id router.ConversationID)
		archived bool
	}{
		{"customer writes", func(w *world, id router.ConversationID) { w.receive(3*time.Minute, "u1", "", "still there?") }, false},
		{"agent replies", func(w *world, id router.ConversationID) { w.send(3*time.Minute, w.agentOf(id), "u1", "yes") }, false},
		{"a status does not", func(w *world, id router.ConversationID) {
			w.e.Status(at(3*time.Minute), key("u1"), "u1-m1", "read", "")
			w.ib.Sync(w.e)
		}, true},
		{"nothing happens", func(w *world, id router.ConversationID) { w.ib.Advance(at(time.Hour)) }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t, 1, Config{})
			id := w.receive(0, "u1", "Amy", "hello")
			w.send(time.Minute, w.agentOf(id), "u1", "hi Amy")
			if err := w.ib.Archive(at(2*time.Minute), id); err != nil {
				t.Fatal(err)
			}
			if got := w.ib.List(Filter{}, Page{}); len(got.Rows) != 0 {
				t.Fatalf("archived conversation in the all view: %v", ids(got.Rows))
			}
			if got := w.ib.List(Filter{View: ViewArchived}, Page{}); !slices.Equal(ids(got.Rows), []router.ConversationID{id}) {
				t.Fatalf("archived view = %v", ids(got.Rows))
			}
			tt.then(w, id)
			if got := w.row(id).Archived; got != tt.archived {
				t.Errorf("archived = %v, want %v", got, tt.archived)
			}
			inAll := len(w.ib.List(Filter{}, Page{}).Rows) == 1
			if inAll == tt.archived {
				t.Errorf("in the all view: %v, archived %v", inAll, tt.archived)
			}
		})
	}
}

func TestUnarchiveAndUnknownIDs(t *testing.T) {
	w := newWorld(t, 1, Config{})
	id := w.receive(0, "u1", "", "hi")
	if err := w.ib.Archive(at(time.Minute), id, 99); !errors.Is(err, ErrUnknownConversation) {
		t.Fatalf("Archive with an unknown id: %v", err)
	}
	if w.row(id).Archived {
		t.Fatal("a failed Archive changed a conversation")
	}
	if err := w.ib.Archive(at(time.Minute), id); err != nil {
		t.Fatal(err)
	}
	if err := w.ib.Unarchive(at(2*time.Minute), id); err != nil {
		t.Fatal(err)
	}
	if w.row(id).Archived {
		t.Error("still archived after Unarchive")
	}
	if got := w.ib.List(Filter{View: ViewArchived}, Page{}); got.Total != 0 {
		t.Errorf("archived view holds %v", ids(got.Rows))
	}
}

func TestPhoneDetectedInConversation(t *testing.T) {
	tests := []struct {
		text string
		want string
	}{
		{"call me 0912-345-678", "+886912345678"},
		{"call me 0912.345.678", "+886912345678"},
		{"call me +886 912 345 678", "+886912345678"},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			w := newWorld(t, 1, Config{})
			plain := w.receive(0, "u0", "", "no number here")
			id := w.receive(time.Second, "u1", "", tt.text)
			r := w.row(id)
			if len(r.Phones) != 1 || r.Phones[0].E164 != tt.want {
				t.Fatalf("phones = %+v, want %s", r.Phones, tt.want)
			}
			got := w.ib.List(Filter{HasPhone: true}, Page{})
			if !slices.Equal(ids(got.Rows), []router.ConversationID{id}) {
				t.Errorf("has-phone filter = %v, want [%v] (not %v)", ids(got.Rows), id, plain)
			}
			// The number is the customer's: a new conversation shows it.
			must(t, w.e.Close(at(time.Minute), w.agentOf(id), key("u1")))
			w.ib.Sync(w.e)
			next := w.receive(2*time.Minute, "u1", "", "me again")
			if r := w.row(next); next == id || len(r.Phones) != 1 || r.Phones[0].E164 != tt.want {
				t.Errorf("new conversation %v phones = %+v", next, r.Phones)
			}
		})
	}
}

func TestAgentTextsAreNotScanned(t *testing.T) {
	w := newWorld(t, 1, Config{})
	id := w.receive(0, "u1", "", "hello")
	w.send(time.Minute, w.agentOf(id), "u1", "call our shop 02-2345-6789 or shop@example.com")
	if r := w.row(id); len(r.Phones) != 0 || len(r.Emails) != 0 {
		t.Errorf("agent's text detected: %+v %v", r.Phones, r.Emails)
	}
	if r := w.row(id); r.Preview.From != FromAgent || r.Preview.Text != "call our shop 02-2345-6789 or shop@example.com" {
		t.Errorf("preview = %+v", r.Preview)
	}
}

func TestTagColourSharedByEveryCustomer(t *testing.T) {
	w := newWorld(t, 1, Config{})
	c1 := w.receive(0, "u1", "Amy", "hi")
	c2 := w.receive(time.Second, "u2", "Bob", "hi")
	c3 := w.receive(2*time.Second, "u3", "Cat", "hi")
	for _, id := range []router.ConversationID{c1, c2} {
		if err := w.ib.Tag(at(time.Minute), id, "VIP"); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.ib.Tag(at(time.Minute), c3, "new"); err != nil {
		t.Fatal(err)
	}
	pal := DefaultPalette()
	if got := w.row(c1).Tags; !slices.Equal(got, []Tag{{"VIP", pal[0]}}) {
		t.Fatalf("c1 tags = %v", got)
	}
	if got := w.row(c3).Tags; !slices.Equal(got, []Tag{{"new", pal[1]}}) {
		t.Fatalf("c3 tags = %v", got)
	}
	tests := []struct {
		colour string
		err    error
	}{
		{pal[4], nil},
		{"#b91c1c", nil}, // palette colour, lower case
		{"#123456", ErrColour},
		{"red", ErrColour},
	}
	for _, tt := range tests {
		t.Run(tt.colour, func(t *testing.T) {
			before := w.row(c1).Tags[0].Colour
			err := w.ib.SetTagColour(at(2*time.Minute), "VIP", tt.colour)
			if !errors.Is(err, tt.err) {
				t.Fatalf("SetTagColour(%q) = %v, want %v", tt.colour, err, tt.err)
			}
			want := before
			if tt.err == nil {
				want, _ = normColour(tt.colour)
			}
			for _, id := range []router.ConversationID{c1, c2} {
				if got := w.row(id).Tags; !slices.Equal(got, []Tag{{"VIP", want}}) {
					t.Errorf("%v tags = %v, want VIP %s", id, got, want)
				}
			}
			if got := w.row(c3).Tags; !slices.Equal(got, []Tag{{"new", pal[1]}}) {
				t.Errorf("another tag changed: %v", got)
			}
		})
	}
	// A new conversation of a tagged customer shows the tag.
	if err := w.e.Close(at(3*time.Minute), w.agentOf(c1), key("u1")); err != nil {
		t.Fatal(err)
	}
	w.ib.Sync(w.e)
	c4 := w.receive(4*time.Minute, "u1", "Amy", "back again")
	if c4 == c1 || len(w.row(c4).Tags) != 1 {
		t.Errorf("the customer's new conversation %v has tags %v", c4, w.row(c4).Tags)
	}
	if got := w.ib.List(Filter{Tag: "VIP"}, Page{}); !slices.Equal(ids(got.Rows), []router.ConversationID{c4, c2, c1}) {
		t.Errorf("tag filter = %v", ids(got.Rows))
	}
	if err := w.ib.Untag(at(5*time.Minute), c2, "VIP"); err != nil {
		t.Fatal(err)
	}
	tags := w.ib.Tags()
	if len(tags) != 2 || tags[0].Name != "VIP" || tags[0].Customers != 1 || tags[1].Customers != 1 {
		t.Errorf("table = %+v", tags)
	}
	for _, bad := range []string{"", "   ", "a\nb", string(make([]rune, MaxTagLength+1))} {
		if err := w.ib.Tag(at(5*time.Minute), c2, bad); !errors.Is(err, ErrTagName) {
			t.Errorf("Tag(%q) = %v", bad, err)
		}
	}
}

func TestNewestFirstWithTies(t *testing.T) {
	ib := New(Config{})
	// Conversations 1..4; 2 and 3 last active at the same time.
	for _, e := range []router.Event{
		ev(0, router.EventOpened, 1, "u1", ""), ev(0, router.EventInbound, 1, "u1", ""),
		ev(time.Second, router.EventOpened, 2, "u2", ""), ev(time.Second, router.EventInbound, 2, "u2", ""),
		ev(2*time.Second, router.EventOpened, 3, "u3", ""), ev(2*time.Second, router.EventInbound, 3, "u3", ""),
		ev(3*time.Second, router.EventOpened, 4, "u4", ""), ev(3*time.Second, router.EventInbound, 4, "u4", ""),
		ev(5*time.Second, router.EventInbound, 2, "u2", ""),
		ev(5*time.Second, router.EventInbound, 3, "u3", ""),
		ev(4*time.Second, router.EventInbound, 1, "u1", ""), // out of order: it keeps its time
	} {
		ib.Apply(e)
	}
	tests := []struct {
		page Page
		want []router.ConversationID
	}{
		{Page{}, []router.ConversationID{3, 2, 1, 4}},
		{Page{Limit: 2}, []router.ConversationID{3, 2}},
		{Page{Offset: 2, Limit: 2}, []router.ConversationID{1, 4}},
		{Page{Offset: 3}, []router.ConversationID{4}},
		{Page{Offset: 9}, []router.ConversationID{}},
		{Page{Offset: -1, Limit: 1}, []router.ConversationID{3}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.page), func(t *testing.T) {
			got := ib.List(Filter{}, tt.page)
			if !slices.Equal(ids(got.Rows), tt.want) || got.Total != 4 {
				t.Errorf("List = %v (total %d), want %v (total 4)", ids(got.Rows), got.Total, tt.want)
			}
		})
	}
}

func TestFiltersAndCounts(t *testing.T) {
	w := newWorld(t, 2, Config{})
	c1 := w.receive(0, "u1", "Amy", "hi, my number is 0912-345-678")
	c2 := w.receive(time.Second, "u2", "Bob", "hello")
	w.ib.SetAdSource(at(time.Second), key("u3"), "ad-spring")
	c3 := w.receive(2*time.Second, "u3", "Cat", "from the ad")
	c4 := w.receiveOn(3*time.Second, router.CustomerKey{Channel: "webshop", Account: "shop", Customer: "u4"}, "Dan", "web shop question")
	w.send(4*time.Second, w.agentOf(c2), "u2", "hi Bob")
	must(t, w.ib.MarkRead(at(5*time.Second), c2))
	must(t, w.ib.Star(at(5*time.Second), c1, c4))
	must(t, w.ib.Archive(at(5*time.Second), c4))
	must(t, w.ib.Tag(at(5*time.Second), c2, "VIP"))
	a1 := w.agentOf(c1)

	tests := []struct {
		name   string
		f      Filter
		want   []router.ConversationID
		unread int
	}{
		{"all", Filter{}, []router.ConversationID{c2, c3, c1}, 2},
		{"unread", Filter{View: ViewUnread}, []router.ConversationID{c3, c1}, 2},
		{"starred", Filter{View: ViewStarred}, []router.ConversationID{c1}, 1},
		{"starred with archived", Filter{View: ViewStarred, IncludeArchived: true}, []router.ConversationID{c4, c1}, 2},
		{"archived", Filter{View: ViewArchived}, []router.ConversationID{c4}, 1},
		{"has phone", Filter{HasPhone: true}, []router.ConversationID{c1}, 1},
		{"from an ad", Filter{FromAd: true}, []router.ConversationID{c3}, 1},
		{"this ad", Filter{AdSource: "ad-spring"}, []router.ConversationID{c3}, 1},
		{"another ad", Filter{AdSource: "ad-autumn"}, []router.ConversationID{}, 0},
		{"tag", Filter{Tag: "VIP"}, []router.ConversationID{c2}, 0},
		{"channel", Filter{Channel: "webshop", IncludeArchived: true}, []router.ConversationID{c4}, 1},
		{"account", Filter{Account: "acct"}, []router.ConversationID{c2, c3, c1}, 2},
		{"agent", Filter{Agent: a1, IncludeArchived: true}, filterIDs(w, a1, c4, c2, c3, c1), -1},
		{"state", Filter{State: router.Assigned}, []router.ConversationID{c2, c3, c1}, 2},
		{"ids", Filter{IDs: []router.ConversationID{c1, c4, 42}}, []router.ConversationID{c1}, 1},
		{"unread and phone", Filter{View: ViewUnread, HasPhone: true}, []router.ConversationID{c1}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := w.ib.List(tt.f, Page{})
			if !slices.Equal(ids(got.Rows), tt.want) {
				t.Errorf("List = %v, want %v", ids(got.Rows), tt.want)
			}
			if tt.unread >= 0 && got.Unread != tt.unread {
				t.Errorf("Unread = %d, want %d", got.Unread, tt.unread)
			}
			if got.Total != len(tt.want) {
				t.Errorf("Total = %d, want %d", got.Total, len(tt.want))
			}
		})
	}

	counts := w.ib.Counts(Filter{})
	want := map[View]Count{
		ViewAll:      {Conversations: 3, Unread: 2, Messages: 2},
		ViewUnread:   {Conversations: 2, Unread: 2, Messages: 2},
		ViewStarred:  {Conversations: 1, Unread: 1, Messages: 1},
		ViewArchived: {Conversations: 1, Unread: 1, Messages: 1},
	}
	for v, n := range want {
		if counts[v] != n {
			t.Errorf("Counts[%s] = %+v, want %+v", v, counts[v], n)
		}
	}
	if got := w.ib.Counts(Filter{HasPhone: true, View: ViewArchived}); got[ViewAll].Conversations != 1 || got[ViewArchived].Conversations != 0 {
		t.Errorf("Counts(has phone) = %+v", got)
	}
	// A second customer message counts twice.
	w.receive(6*time.Second, "u1", "Amy", "hello?")
	if got := w.ib.Counts(Filter{})[ViewUnread]; got.Messages != 3 || got.Unread != 2 {
		t.Errorf("after a second message, unread = %+v", got)
	}
	if got := w.row(c1).Unread; got != 2 {
		t.Errorf("c1 unread = %d, want 2", got)
	}
}

// filterIDs returns the ids assigned to agent, in the given order.
func filterIDs(w *world, agent string, ids ...router.ConversationID) []router.ConversationID {
	var out []router.ConversationID
	for _, id := range ids {
		if w.agentOf(id) == agent {
			out = append(out, id)
		}
	}
	return out
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestBulkReadUnread(t *testing.T) {
	w := newWorld(t, 1, Config{})
	var all []router.ConversationID
	for k := range 5 {
		all = append(all, w.receive(time.Duration(k)*time.Second, fmt.Sprintf("u%d", k), "", "hi"))
	}
	must(t, w.ib.Tag(at(time.Minute), all[0], "later"))
	must(t, w.ib.Tag(at(time.Minute), all[1], "later"))
	tests := []struct {
		name       string
		do         func() error
		wantUnread []router.ConversationID
	}{
		{"read by ids", func() error { return w.ib.MarkRead(at(time.Minute), all[0], all[1]) }, all[2:]},
		{"unknown id changes nothing", func() error {
			err := w.ib.MarkRead(at(time.Minute), all[2], 77)
			if !errors.Is(err, ErrUnknownConversation) {
				return fmt.Errorf("got %v, want ErrUnknownConversation", err)
			}
			return nil
		}, all[2:]},
		{"read where", func() error {
			if n := w.ib.MarkReadWhere(at(time.Minute), Filter{}); n != 5 {
				return fmt.Errorf("marked %d", n)
			}
			return nil
		}, nil},
		{"unread where tag", func() error {
			if n := w.ib.MarkUnreadWhere(at(time.Minute), Filter{Tag: "later"}); n != 2 {
				return fmt.Errorf("marked %d", n)
			}
			return nil
		}, all[:2]},
		{"unread by ids", func() error { return w.ib.MarkUnread(at(time.Minute), all[4]) }, []router.ConversationID{all[0], all[1], all[4]}},
		{"read where ids", func() error {
			w.ib.MarkReadWhere(at(time.Minute), Filter{IDs: []router.ConversationID{all[0], all[4]}})
			return nil
		}, all[1:2]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.do(); err != nil {
				t.Fatal(err)
			}
			got := ids(w.ib.List(Filter{View: ViewUnread}, Page{}).Rows)
			slices.Sort(got)
			if !slices.Equal(got, tt.wantUnread) && !(len(got) == 0 && len(tt.wantUnread) == 0) {
				t.Errorf("unread = %v, want %v", got, tt.wantUnread)
			}
		})
	}
	// MarkUnread shows one unread message, and keeps a larger count.
	w.receive(2*time.Minute, "u1", "", "again")
	w.receive(2*time.Minute, "u1", "", "and again")
	must(t, w.ib.MarkUnread(at(3*time.Minute), all[1]))
	if r := w.row(all[1]); r.Unread != 3 {
		t.Errorf("unread = %d, want 3", r.Unread)
	}
	must(t, w.ib.MarkRead(at(3*time.Minute), all[1]))
	must(t, w.ib.MarkUnread(at(3*time.Minute), all[1]))
	if r := w.row(all[1]); r.Unread != 1 || !r.ReadAt.Equal(at(3*time.Minute)) {
		t.Errorf("after read and unread: unread %d, read at %v", r.Unread, r.ReadAt)
	}
}

func TestSearch(t *testing.T) {
	w := newWorld(t, 1, Config{})
	c1 := w.receive(0, "u1", "Amy Lin", "my mail is Amy.Lin@Example.com")
	c2 := w.receive(time.Second, "u2", "Bob", "call 0912.345.678 please")
	c3 := w.receive(2*time.Second, "u3", "陳小姐", "請問運費多少")
	w.receive(3*time.Second, "u4", "", "+1 415 555 2671")
	tests := []struct {
		q    string
		want []router.ConversationID
	}{
		{"amy.lin@example.com", []router.ConversationID{c1}},
		{"@EXAMPLE.com", []router.ConversationID{c1}},
		{"0912-345-678", []router.ConversationID{c2}},
		{"0912345678", []router.ConversationID{c2}},
		{"+886 912 345 678", []router.ConversationID{c2}},
		{"345 678", []router.ConversationID{c2}},
		{"+886912", []router.ConversationID{c2}},
		{"運費", []router.ConversationID{c3}},
		{"陳", []router.ConversationID{c3}},
		{"amy", []router.ConversationID{c1}},
		{"PLEASE", []router.ConversationID{c2}},
		{"u3", []router.ConversationID{c3}},
		{"nothing like it", nil},
		{"   ", []router.ConversationID{4, c3, c2, c1}},
	}
	for _, tt := range tests {
		t.Run(tt.q, func(t *testing.T) {
			got := ids(w.ib.List(Filter{Search: tt.q}, Page{}).Rows)
			if !slices.Equal(got, tt.want) && !(len(got) == 0 && len(tt.want) == 0) {
				t.Errorf("Search(%q) = %v, want %v", tt.q, got, tt.want)
			}
		})
	}
}

func TestAdSources(t *testing.T) {
	w := newWorld(t, 1, Config{})
	for k := range 12 {
		w.ib.SetAdSource(at(time.Duration(k)*time.Second), key("u1"), fmt.Sprintf("ad%d", k))
	}
	w.ib.SetAdSource(at(time.Minute), key("u1"), "ad5") // seen again: first
	w.ib.SetAdSource(at(time.Minute), key("u1"), "  ")  // ignored
	id := w.receive(2*time.Minute, "u1", "", "hi")
	got := w.row(id).AdSources
	want := []string{"ad5", "ad11", "ad10", "ad9", "ad8", "ad7", "ad6", "ad4", "ad3", "ad2"}
	if !slices.Equal(got, want) {
		t.Errorf("ad sources = %v, want %v", got, want)
	}
}

func TestMessageTextBeforeEvents(t *testing.T) {
	// The text arrives before the inbox reads the conversation's events.
	w := newWorld(t, 1, Config{PreviewLength: 10})
	in := router.Inbound{Customer: key("u1"), MessageID: "x1", Name: "Amy", Text: "my number  is\n0912-345-678"}
	id, err := w.e.Receive(at(0), in)
	if err != nil {
		t.Fatal(err)
	}
	w.ib.AddInbound(at(0), id, in)
	if _, ok := w.ib.Conversation(id); ok {
		t.Fatal("the inbox holds a conversation before its events")
	}
	w.ib.Sync(w.e)
	r := w.row(id)
	if r.Name != "Amy" || len(r.Phones) != 1 || r.Preview.Text != "my number…" {
		t.Errorf("row = name %q phones %v preview %q", r.Name, r.Phones, r.Preview.Text)
	}
	if st := w.ib.Stats(); st.Pending != 0 {
		t.Errorf("pending = %d", st.Pending)
	}
}

func TestTextCallback(t *testing.T) {
	texts := map[string]string{"in1": "hello, 0912-345-678", "a@m1": "hi!"}
	ib := New(Config{Text: func(e router.Event) (string, bool) {
		s, ok := texts[e.Message]
		return s, ok
	}})
	e1 := ev(0, router.EventOpened, 1, "u1", "")
	e2 := ev(0, router.EventInbound, 1, "u1", "")
	e2.Message = "in1"
	e3 := ev(time.Second, router.EventAssigned, 1, "u1", "a1")
	e4 := ev(2*time.Second, router.EventSent, 1, "u1", "a1")
	e4.Message = "a@m1"
	for _, e := range []router.Event{e1, e2, e3, e4} {
		ib.Apply(e)
	}
	r, _ := ib.Conversation(1)
	if len(r.Phones) != 1 || r.Preview.Text != "hi!" || r.Preview.From != FromAgent {
		t.Errorf("row = %+v", r)
	}
	tr, err := ib.Transcript(Viewer{AllConversations: true}, 1)
	if err != nil || len(tr) != 2 || tr[0].Text != "hello, 0912-345-678" {
		t.Errorf("transcript = %+v, %v", tr, err)
	}
}

func TestApplySkipsSeenEvents(t *testing.T) {
	w := newWorld(t, 1, Config{})
	id := w.receive(0, "u1", "", "hi")
	evs, _, _ := w.e.EventsSince(0, nil)
	for _, e := range evs {
		if w.ib.Apply(e) {
			t.Errorf("event %d applied twice", e.Seq)
		}
	}
	if got := w.row(id).Unread; got != 1 {
		t.Errorf("unread = %d, want 1", got)
	}
}

func TestSyncAfterLostEvents(t *testing.T) {
	e, err := router.New(router.Config{Retain: true,
		Agents:   []router.AgentConfig{{ID: "a1", Capacity: 10}},
		Policies: map[string]router.Policy{"whatsapp": {}},
		EventLog: 4,
	})
	if err != nil {
		t.Fatal(err)
	}
	e.Handle("whatsapp", &okSender{})
	must(t, e.SetOnline(t0, "a1", true))
	ib := New(Config{})
	for k := range 5 {
		if _, err := e.Receive(at(time.Duration(k)*time.Second), router.Inbound{Customer: key(fmt.Sprintf("u%d", k)), MessageID: fmt.Sprint(k)}); err != nil {
			t.Fatal(err)
		}
	}
	must(t, e.Close(at(10*time.Second), "a1", key("u0")))
	_, lost := ib.Sync(e)
	if lost == 0 {
		t.Fatal("nothing lost")
	}
	if st := ib.Stats(); st.Conversations != 5 || st.Lost != lost {
		t.Errorf("stats = %+v, want 5 conversations and %d lost", st, lost)
	}
	f := ib.Figures(at(11 * time.Second))
	if f.Active != 4 || f.Waiting != 0 {
		t.Errorf("figures: active %d waiting %d, want 4 and 0", f.Active, f.Waiting)
	}
	if r, _ := ib.Conversation(1); r.State != router.Closed {
		t.Errorf("c1 state %s", r.State)
	}

	var a1 AgentFigures
	for _, a := range f.Agents {
		if a.Agent == "a1" {
			a1 = a
		}
	}
	if a1.Active != 4 {
		t.Errorf("a1 active = %d, want 4", a1.Active)
	}
	// A later loss counts once.
	for k := range 6 {
		if _, err := e.Receive(at(time.Duration(20+k)*time.Second), router.Inbound{Customer: key(fmt.Sprintf("v%d", k)), MessageID: fmt.Sprint("v", k)}); err != nil {
			t.Fatal(err)
		}
	}
	_, lost2 := ib.Sync(e)
	if st := ib.Stats(); lost2 == 0 || st.Lost != lost+lost2 || st.Conversations != 11 {
		t.Errorf("stats = %+v after losing %d and %d", st, lost, lost2)
	}
	if f := ib.Figures(at(30 * time.Second)); f.Active != 10 {
		t.Errorf("active = %d, want 10", f.Active)
	}
}

func TestRetention(t *testing.T) {
	w := newWorld(t, 1, Config{Retention: 24 * time.Hour})
	c1 := w.receive(0, "u1", "Amy", "hi")
	c2 := w.receive(time.Second, "u2", "Bob", "hi")
	must(t, w.ib.Tag(at(time.Minute), c1, "VIP"))
	must(t, w.e.Close(at(time.Hour), w.agentOf(c1), key("u1")))
	w.ib.Sync(w.e)
	w.ib.SetAdSource(at(time.Hour), key("u9"), "ad") // a customer without conversations
	tests := []struct {
		at        time.Duration
		held      []router.ConversationID
		customers int
	}{
		{2 * time.Hour, []router.ConversationID{c1, c2}, 3},
		{25 * time.Hour, []router.ConversationID{c1, c2}, 3},             // exactly the retention: kept until past it
		{25*time.Hour + time.Nanosecond, []router.ConversationID{c2}, 1}, // c1 and both u1, u9 dropped
		{90 * 24 * time.Hour, []router.ConversationID{c2}, 1},            // open conversations stay
	}
	for _, tt := range tests {
		t.Run(tt.at.String(), func(t *testing.T) {
			w.ib.Advance(at(tt.at))
			var held []router.ConversationID
			for _, id := range []router.ConversationID{c1, c2} {
				if _, ok := w.ib.Conversation(id); ok {
					held = append(held, id)
				}
			}
			if !slices.Equal(held, tt.held) {
				t.Errorf("held %v, want %v", held, tt.held)
			}
			if st := w.ib.Stats(); st.Customers != tt.customers {
				t.Errorf("customers = %d, want %d", st.Customers, tt.customers)
			}
		})
	}
	// A late status for the dropped conversation does not bring it back.
	st := ev(91*24*time.Hour, router.EventStatus, c1, "u1", "")
	st.Detail = "read"
	w.ib.Apply(st)
	if _, ok := w.ib.Conversation(c1); ok {
		t.Error("a status event recreated a dropped conversation")
	}
	if f := w.ib.Figures(at(91 * 24 * time.Hour)); f.Waiting != 0 {
		t.Errorf("waiting = %d", f.Waiting)
	}
	if tags := w.ib.Tags(); len(tags) != 1 || tags[0].Customers != 0 {
		t.Errorf("tag table = %+v (the table keeps the tag)", tags)
	}
	if st := w.ib.Stats(); st.Dropped != 1 {
		t.Errorf("dropped = %d", st.Dropped)
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		ok   bool
	}{
		{"zero", Config{}, true},
		{"palette", Config{Palette: []string{"#00ff00", "red"}}, false},
		{"rule without text", Config{AutoReplies: []AutoReply{{Name: "x"}}}, false},
		{"rule twice", Config{AutoReplies: []AutoReply{{Name: "x", Text: "a"}, {Name: "x", Text: "b"}}}, false},
		{"negative retention", Config{Retention: -1}, false},
		{"clear 1", Config{Standard: Standard{Clear: 1}}, false},
		{"negative standard", Config{Standard: Standard{MaxWaiting: -1}}, false},
		{"region", Config{Region: "US"}, true},
		{"region in lower case", Config{Region: "jp"}, true},
		{"unknown region", Config{Region: "XX"}, false},
		{"a country code for a region", Config{Region: "886"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.cfg.Validate(); (err == nil) != tt.ok {
				t.Errorf("Validate = %v, want ok %v", err, tt.ok)
			}
			New(tt.cfg) // never panics
		})
	}
	ib := New(Config{Palette: []string{"#00ff00", "red"}})
	if got := ib.Palette(); !slices.Equal(got, []string{"#00FF00"}) {
		t.Errorf("palette = %v", got)
	}
	if err := (Config{Region: "XX"}).Validate(); !errors.Is(err, ErrRegion) || !strings.Contains(err.Error(), `"XX"`) {
		t.Errorf("Validate of region XX = %v, want ErrRegion naming it", err)
	}
	if r := Regions(); len(r) < 200 || !slices.IsSorted(r) || !slices.Contains(r, DefaultRegion) || !slices.Contains(r, "US") {
		t.Errorf("Regions: %d, sorted %v, %s in it %v", len(r), slices.IsSorted(r), DefaultRegion, slices.Contains(r, DefaultRegion))
	}
}

// An inbound message from an ad (router.Inbound.AdSource) lists its ad on
// the customer's conversations through the engine's event, without a
// SetAdSource call.
func TestAdSourceFromInbound(t *testing.T) {
	w := newWorld(t, 1, Config{})
	id, err := w.e.Receive(at(0), router.Inbound{Customer: key("u1"), MessageID: "m1", Text: "from the ad", AdSource: "120210000000000042"})
	if err != nil {
		t.Fatal(err)
	}
	w.ib.Sync(w.e)
	if got := w.row(id).AdSources; !slices.Equal(got, []string{"120210000000000042"}) {
		t.Errorf("ad sources = %v", got)
	}
}

// TestDropClosed: the closed conversations of the customers DropClosed
// names go as they close, with the customer's record when it was the
// last, and no later event of theirs but an opening brings them back; the
// others are kept for the retention.
func TestDropClosed(t *testing.T) {
	drop := func(k router.CustomerKey) bool { return k.Customer != "kept" }
	tests := []struct {
		customer string
		held     bool // the conversation and its customer after the close
	}{
		{"gone", false},
		{"kept", true},
	}
	for _, tt := range tests {
		t.Run(tt.customer, func(t *testing.T) {
			ib := New(Config{DropClosed: drop, Standard: Standard{MaxWaiting: 1}})
			ib.Apply(ev(0, router.EventOpened, 1, tt.customer, ""))
			ib.Apply(ev(time.Second, router.EventAssigned, 1, tt.customer, "a1"))
			ib.Apply(ev(time.Minute, router.EventClosed, 1, tt.customer, "a1"))
			// A send the engine logs against the closed conversation.
			sent := ev(2*time.Minute, router.EventSent, 1, tt.customer, "a1")
			sent.Message = "m1"
			ib.Apply(sent)
			_, held := ib.Conversation(1)
			st := ib.Stats()
			if held != tt.held || (st.Customers == 1) != tt.held || (st.Dropped == 1) == tt.held {
				t.Errorf("held %v, stats %+v; want held %v", held, st, tt.held)
			}
			if f := ib.Figures(at(3 * time.Minute)); f.Waiting != 0 || f.Active != 0 {
				t.Errorf("figures %+v after the close", f)
			}
			// A new conversation of the customer comes in with its opening.
			ib.Apply(ev(4*time.Minute, router.EventOpened, 2, tt.customer, ""))
			if _, ok := ib.Conversation(2); !ok {
				t.Error("the customer's next conversation is not held")
			}
		})
	}
}
