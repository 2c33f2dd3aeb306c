package serve_test

import (
	"bufio"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/omnisim/omnisim/platforms"
	"github.com/omnisim/omnisim/router/inbox"
	"github.com/omnisim/omnisim/serve"
)

type inboxRow struct {
	ID        string
	Platform  string
	Customer  string
	Name      string
	State     string
	Unread    int
	Starred   bool
	Archived  bool
	Phones    []string
	Emails    []string
	AdSources []string `json:"ad_sources"`
	Tags      []struct{ Name, Colour string }
	Preview   *struct{ From, Text string }
}

type inboxList struct {
	Rows   []inboxRow
	Total  int
	Counts map[string]struct{ Conversations, Unread, Messages int }
	Tags   []struct{ Name, Colour string }
}

// TestMessageCenter drives the message center through the control API: a
// customer's message lands unread with its phone number and e-mail
// detected, and the folders, bulk actions, tags, search and transcript
// follow the router's inbox.
func TestMessageCenter(t *testing.T) {
	c := newServer(t, serve.Config{Stopped: true})
	c.must("POST", "/customers/whatsapp/maria/messages", `{"text":"Hola, llamadme al 0912-345-678 o escribid a maria@example.com"}`, nil)
	c.must("POST", "/customers/whatsapp/+16505551234/messages", `{"text":"hello"}`, nil)

	var l inboxList
	c.must("GET", "/inbox", "", &l)
	if l.Total != 2 || len(l.Rows) != 2 {
		t.Fatalf("inbox has %d rows (total %d), want 2", len(l.Rows), l.Total)
	}
	if l.Rows[0].Customer != "16505551234" || l.Rows[1].Customer != "34612345678" {
		t.Errorf("rows %s, %s: want newest first (the +1 customer wrote last)", l.Rows[0].Customer, l.Rows[1].Customer)
	}
	maria := l.Rows[1]
	if maria.Unread != 1 || len(maria.Emails) != 1 || maria.Emails[0] != "maria@example.com" || maria.Preview == nil || maria.Preview.From != "customer" {
		t.Errorf("maria's row %+v: want 1 unread, her e-mail detected and her text as preview", maria)
	}
	if maria.Name != "maria" {
		t.Errorf("maria's name %q, want the scenario's id, as she has no name", maria.Name)
	}
	if got := l.Counts["unread"].Unread; got != 2 {
		t.Errorf("unread folder counts %d, want 2", got)
	}

	c.must("POST", "/inbox/star", `{"ids":["`+maria.ID+`"]}`, nil)
	c.must("POST", "/inbox/archive", `{"ids":["`+maria.ID+`"]}`, nil)
	c.must("POST", "/inbox/read", `{"ids":["c1","c2"]}`, nil)
	c.must("GET", "/inbox", "", &l)
	if l.Counts["starred"].Conversations != 0 || l.Counts["archived"].Conversations != 1 || l.Counts["unread"].Unread != 0 || l.Total != 1 {
		t.Errorf("after star, archive and read: counts %+v, total %d", l.Counts, l.Total)
	}
	c.must("GET", "/inbox?view=archived", "", &l)
	if len(l.Rows) != 1 || !l.Rows[0].Starred || !l.Rows[0].Archived {
		t.Fatalf("archived folder %+v, want maria, starred", l.Rows)
	}

	// A reply un-archives, and the transcript keeps both sides.
	c.must("POST", "/agents/ana/send", `{"platform":"whatsapp","customer":"maria","text":"Te llamamos ahora."}`, nil)
	c.must("GET", "/inbox?view=archived", "", &l)
	if len(l.Rows) != 0 {
		t.Errorf("archived after the reply: %+v, want none", l.Rows)
	}
	var conv struct {
		inboxRow
		Transcript []struct{ From, Text string }
		Deadlines  []struct{ Kind, What string }
	}
	c.must("GET", "/conversations/"+maria.ID, "", &conv)
	if len(conv.Transcript) != 2 || conv.Transcript[1].From != "agent" || conv.Transcript[1].Text != "Te llamamos ahora." {
		t.Errorf("transcript %+v", conv.Transcript)
	}

	c.must("POST", "/conversations/"+maria.ID+"/tags", `{"tag":"vip"}`, nil)
	c.must("POST", "/tags/vip", `{"colour":"#15803D"}`, nil)
	c.must("GET", "/inbox?tag=vip", "", &l)
	if len(l.Rows) != 1 || len(l.Rows[0].Tags) != 1 || l.Rows[0].Tags[0].Colour != "#15803D" || len(l.Tags) != 1 {
		t.Errorf("tag vip: rows %+v, tags %+v", l.Rows, l.Tags)
	}
	c.must("POST", "/conversations/"+maria.ID+"/tags", `{"tag":"vip","remove":true}`, nil)
	c.must("GET", "/inbox?tag=vip", "", &l)
	if len(l.Rows) != 0 {
		t.Errorf("after untagging: %+v", l.Rows)
	}

	for _, tt := range []struct{ query, want string }{
		{"q=maria@example", "34612345678"},
		{"q=0912-345-678", "34612345678"},
		{"phone=1", "34612345678"},
		{"q=hello", "16505551234"},
		{"platform=whatsapp&state=assigned&q=hello", "16505551234"},
	} {
		c.must("GET", "/inbox?"+tt.query, "", &l)
		if len(l.Rows) != 1 || l.Rows[0].Customer != tt.want {
			t.Errorf("?%s: rows %+v, want %s", tt.query, l.Rows, tt.want)
		}
	}
}

func TestMessageCenterErrors(t *testing.T) {
	c := newServer(t, serve.Config{Stopped: true})
	c.must("POST", "/customers/whatsapp/maria/messages", `{"text":"hi"}`, nil)
	tests := []struct {
		method, path, body string
		status             int
		want               string
	}{
		{"GET", "/inbox?view=spam", "", 400, `view "spam"`},
		{"GET", "/inbox?phone=yes", "", 400, `phone "yes": want 1 or 0`},
		{"GET", "/inbox?platform=telegram", "", 400, `unknown platform "telegram"`},
		{"GET", "/inbox?state=open", "", 400, `state "open"`},
		{"GET", "/inbox?limit=5000", "", 400, "limit"},
		{"GET", "/inbox?colour=red", "", 400, `unknown query parameter "colour"`},
		{"POST", "/inbox/delete", `{"ids":["c1"]}`, 404, `unknown action "delete" (known: archive, read, star, unarchive, unread, unstar)`},
		{"POST", "/inbox/star", `{}`, 400, `want "ids"`},
		{"POST", "/inbox/star", `{"ids":["1"]}`, 400, `"1" is not a conversation id`},
		{"POST", "/inbox/star", `{"ids":["c99"]}`, 400, "c99"},
		{"GET", "/conversations/c99", "", 404, "no conversation c99"},
		{"GET", "/conversations/x", "", 404, "not a conversation id"},
		{"POST", "/conversations/c1/tags", `{"tag":""}`, 400, "tag"},
		{"POST", "/tags/vip", `{"colour":"red"}`, 400, "colour"},
		{"POST", "/quick-replies", `{"title":"","body":"x"}`, 400, "title"},
		{"POST", "/agents/ana/quick-reply", `{"conversation":"c1","quick_reply":"nope"}`, 404, `no quick reply "nope"`},
		{"POST", "/agents/ana/quick-reply", `{"conversation":"7","quick_reply":"q1"}`, 400, "not a conversation id"},
		{"POST", "/agents/zoe/transfer", `{"platform":"whatsapp","customer":"maria","agent":"ana"}`, 404, `unknown agent "zoe"`},
		{"POST", "/agents/ana/transfer", `{"platform":"whatsapp","customer":"maria"}`, 400, `want "group" or "agent"`},
		{"GET", "/figures?x=1", "", 400, "unknown query parameter"},
		{"DELETE", "/inbox", "", 405, "method not allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			var e struct{ Error string }
			if status := c.call(tt.method, tt.path, tt.body, &e); status != tt.status || !strings.Contains(e.Error, tt.want) {
				t.Errorf("HTTP %d %q, want %d with %q", status, e.Error, tt.status, tt.want)
			}
		})
	}
}

// TestConversationIDSpellings holds that a conversation id is taken only
// as the inbox writes it (c<N>, N without a sign or leading zeros), and
// that a bulk action counts the conversations it changed, not the ids.
func TestConversationIDSpellings(t *testing.T) {
	c := newServer(t, serve.Config{Stopped: true})
	c.must("POST", "/customers/whatsapp/maria/messages", `{"text":"hi"}`, nil)
	tests := []struct {
		method, path, body string
		status             int
		changed            int
	}{
		{"GET", "/conversations/c1", "", 200, 0},
		{"GET", "/conversations/c+1", "", 404, 0},
		{"GET", "/conversations/c01", "", 404, 0},
		{"GET", "/conversations/c", "", 404, 0},
		{"POST", "/inbox/star", `{"ids":["c1"]}`, 200, 1},
		{"POST", "/inbox/star", `{"ids":["c1","c1"]}`, 200, 1},
		{"POST", "/inbox/star", `{"ids":["c+1"]}`, 400, 0},
		{"POST", "/inbox/star", `{"ids":["c01"]}`, 400, 0},
		{"POST", "/inbox/star", `{"ids":["c1","c1","c+1","c01"]}`, 400, 0},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path+" "+tt.body, func(t *testing.T) {
			var out struct{ Changed int }
			if status := c.call(tt.method, tt.path, tt.body, &out); status != tt.status || out.Changed != tt.changed {
				t.Errorf("HTTP %d changed %d, want %d changed %d", status, out.Changed, tt.status, tt.changed)
			}
		})
	}
}

// TestQuickReplyAndRefusal sends a quick reply with the customer's name,
// then jumps past WhatsApp's window: the next reply is refused with the
// router's reason in words and the platform's own answer beside it.
func TestQuickReplyAndRefusal(t *testing.T) {
	c := newServer(t, serve.Config{Stopped: true})
	c.must("POST", "/customers/whatsapp/maria/messages", `{"text":"hi"}`, nil)
	var q struct{ ID string }
	c.must("POST", "/quick-replies", `{"title":"greeting","body":"Hello {name}, how can we help?"}`, &q)
	var sent struct {
		Sent []struct {
			MessageID string `json:"message_id"`
			Refusal   string
		}
	}
	c.must("POST", "/agents/ana/quick-reply", `{"conversation":"c1","quick_reply":"`+q.ID+`"}`, &sent)
	if len(sent.Sent) != 1 || sent.Sent[0].MessageID == "" {
		t.Fatalf("quick reply: %+v", sent)
	}
	var dev struct{ Deliveries []struct{ Text string } }
	c.must("GET", "/customers/whatsapp/maria/device", "", &dev)
	if len(dev.Deliveries) != 1 || dev.Deliveries[0].Text != "Hello maria, how can we help?" {
		t.Errorf("device %+v", dev.Deliveries)
	}

	var ck struct {
		Next []struct{ Kind, What, Conversation string }
	}
	c.must("GET", "/clock", "", &ck)
	if len(ck.Next) == 0 {
		t.Fatal("no timers listed")
	}
	c.must("POST", "/clock", `{"advance":"13h"}`, nil) // the scenario's window is 12h
	var res struct {
		Refusal     string
		Explanation string
		Platform    *struct {
			Accepted bool
			Code     string
		}
	}
	c.must("POST", "/agents/ana/send", `{"platform":"whatsapp","customer":"maria","text":"Still there?"}`, &res)
	if res.Refusal != "window_closed" || !strings.Contains(res.Explanation, "reply window has closed") || res.Platform == nil {
		t.Fatalf("send after the window: %+v", res)
	}
	// The scenario's rules set the window for both sides: the platform
	// refuses it too, with its own code.
	if res.Platform.Accepted || res.Platform.Code != "131047" {
		t.Errorf("platform verdict %+v, want WhatsApp's 131047", res.Platform)
	}
}

// TestStream reads the live stream: a change at once, then one after a
// customer's message.
func TestStream(t *testing.T) {
	c := newServer(t, serve.Config{Stopped: true})
	resp, err := http.Get(c.urls.Control + "/stream")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("Content-Type %q", ct)
	}
	events := make(chan map[string]any, 8)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				var m map[string]any
				if json.Unmarshal([]byte(data), &m) == nil {
					events <- m
				}
			}
		}
		close(events)
	}()
	next := func() map[string]any {
		select {
		case m := <-events:
			return m
		case <-time.After(10 * time.Second):
			t.Fatal("no change event")
		}
		return nil
	}
	first := next()
	if first["world"] != true || first["seed"].(float64) != 1 {
		t.Fatalf("first event %v", first)
	}
	c.must("POST", "/customers/whatsapp/maria/messages", `{"text":"hi"}`, nil)
	ev := next()
	if ev["event"].(float64) <= first["event"].(float64) {
		t.Errorf("after a message: event %v, before %v", ev["event"], first["event"])
	}
}

func TestConsoleFiles(t *testing.T) {
	c := newServer(t, serve.Config{Stopped: true})
	for _, tt := range []struct {
		method, path string
		status       int
		want         string
	}{
		{"GET", "/", 200, "<title>omnisim console</title>"},
		{"GET", "/console.js", 200, "EventSource"},
		{"GET", "/console.css", 200, "--accent"},
		{"POST", "/", 405, "method not allowed"},
	} {
		status, body := c.raw(tt.method, c.urls.Base+tt.path, "")
		if status != tt.status || !strings.Contains(string(body), tt.want) {
			t.Errorf("%s %s: HTTP %d %.80q, want %d with %q", tt.method, tt.path, status, body, tt.status, tt.want)
		}
	}
}

// TestFiguresWarn raises the service warning: with the only agent offline,
// two waiting conversations break a standard of at most one.
func TestFiguresWarn(t *testing.T) {
	c := newServer(t, serve.Config{Stopped: true, Standard: &inbox.Standard{MaxWaiting: 1}})
	c.must("POST", "/agents/ana/presence", `{"online":false}`, nil)
	var f struct {
		Waiting  int
		Warnings []struct {
			Metric string
			Raised bool
			Value  float64
			Limit  float64
		}
	}
	c.must("POST", "/customers/whatsapp/maria/messages", `{"text":"hi"}`, nil)
	c.must("GET", "/figures", "", &f)
	if f.Waiting != 1 || len(f.Warnings) != 0 {
		t.Fatalf("one waiting: %+v, want no warning", f)
	}
	c.must("POST", "/customers/whatsapp/+16505551234/messages", `{"text":"hello"}`, nil)
	c.must("GET", "/figures", "", &f)
	if f.Waiting != 2 || len(f.Warnings) != 1 || !f.Warnings[0].Raised || f.Warnings[0].Value != 2 || f.Warnings[0].Limit != 1 {
		t.Fatalf("two waiting: %+v, want a raised warning 2 over 1", f)
	}
}

// TestInboxPhoneRegion: the message center reads a number written without
// a country code in the scenario's tenant.phone_region.
func TestInboxPhoneRegion(t *testing.T) {
	for _, tc := range []struct{ region, want string }{
		{"", ""},
		{"US", "+12015550123"},
	} {
		t.Run(tc.region, func(t *testing.T) {
			sc, err := platforms.Format.Parse("region.toml", []byte("[tenant]\nphone_region = \""+tc.region+"\"\n[[agents]]\nid = \"ana\"\n"))
			if tc.region == "" {
				sc, err = platforms.Format.Parse("region.toml", []byte("[[agents]]\nid = \"ana\"\n"))
			}
			if err != nil {
				t.Fatal(err)
			}
			c := newServer(t, serve.Config{Scenario: sc, Stopped: true})
			c.must("POST", "/customers/whatsapp/+16505551234/messages", `{"text":"call me at 201-555-0123"}`, nil)
			var l inboxList
			c.must("GET", "/inbox", "", &l)
			if len(l.Rows) != 1 {
				t.Fatalf("%d rows, want 1", len(l.Rows))
			}
			if got := strings.Join(l.Rows[0].Phones, ","); got != tc.want {
				t.Errorf("phones %q, want %q", got, tc.want)
			}
		})
	}
}
