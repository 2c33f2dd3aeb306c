package messenger

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// TestAdWindow: with Config.AdWindow, a customer message carrying a
// Click-to-Messenger ad referral opens a window of AdWindow from that
// message, in which RESPONSE, UPDATE and tagged messages are accepted; a
// later message without a referral does not shorten it, a later one with
// a referral restarts it, and a send is refused only once both the ad
// window and the last message's windows have closed. Without AdWindow (the
// default) an ad message opens the standard window like any other.
func TestAdWindow(t *testing.T) {
	const day = 24 * time.Hour
	type msg struct {
		at time.Duration // after t0
		ad bool          // carries an ad referral
	}
	adAt0 := []msg{{0, true}}
	tests := []struct {
		name     string
		cfg      Config
		msgs     []msg
		at       time.Duration // of the send, after t0
		typ, tag string
		open     bool
	}{
		{"default: an ad message's window closes at 24h", Config{}, adAt0, day, Response, "", false},
		{"default: inside 24h", Config{}, adAt0, 23 * time.Hour, Response, "", true},
		{"default: the config's zero is not modelled", Config{AdWindow: 0}, adAt0, 30 * time.Hour, Response, "", false},
		{"negative is not modelled", Config{AdWindow: -time.Hour}, adAt0, 30 * time.Hour, Response, "", false},
		{"ad window: response at 30h", Config{AdWindow: 7 * day}, adAt0, 30 * time.Hour, Response, "", true},
		{"ad window: update at 6d23h", Config{AdWindow: 7 * day}, adAt0, 7*day - time.Hour, Update, "", true},
		{"ad window: closed at exactly 7d", Config{AdWindow: 7 * day}, adAt0, 7 * day, Response, "", false},
		{"ad window: human agent after it", Config{AdWindow: 3 * day}, adAt0, 5 * day, MessageTag, HumanAgent, true},
		{"ad window: a customer who came by no ad keeps 24h", Config{AdWindow: 7 * day}, []msg{{0, false}}, 30 * time.Hour, Response, "", false},
		{"ad window: an ad referral on a later message opens it then", Config{AdWindow: 3 * day}, []msg{{0, false}, {day, true}}, 3*day + time.Hour, Response, "", true},
		{"ad window: a later message without a referral does not shorten it", Config{AdWindow: 7 * day}, []msg{{0, true}, {2 * day, false}}, 4 * day, Response, "", true},
		{"ad window: nor lengthen it", Config{AdWindow: 7 * day}, []msg{{0, true}, {2 * day, false}}, 7 * day, Response, "", false},
		{"ad window: a later message's own window outlasts it", Config{AdWindow: 3 * day}, []msg{{0, true}, {60 * time.Hour, false}}, 83 * time.Hour, Response, "", true},
		{"ad window: closed once both are", Config{AdWindow: 3 * day}, []msg{{0, true}, {60 * time.Hour, false}}, 84 * time.Hour, Response, "", false},
		{"ad window: a second ad message restarts it", Config{AdWindow: 2 * day}, []msg{{0, true}, {40 * time.Hour, true}}, 87 * time.Hour, Response, "", true},
		{"ad window shorter than the standard one extends nothing", Config{AdWindow: 12 * time.Hour}, adAt0, day, Response, "", false},
		{"ad window shorter than the standard one shortens nothing", Config{AdWindow: 12 * time.Hour}, adAt0, 20 * time.Hour, Response, "", true},
		{"not approved for HUMAN_AGENT: a tagged message inside the ad window", Config{AdWindow: 7 * day, HumanAgentWindow: -1}, adAt0, 30 * time.Hour, MessageTag, HumanAgent, true},
		{"not approved for HUMAN_AGENT: a tagged message after it", Config{AdWindow: 7 * day, HumanAgentWindow: -1}, adAt0, 7 * day, MessageTag, HumanAgent, false},
		{"not approved for HUMAN_AGENT: a response inside the ad window", Config{AdWindow: 7 * day, HumanAgentWindow: -1}, adAt0, 30 * time.Hour, Response, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _, clk := newFake(t, tt.cfg)
			for _, m := range tt.msgs {
				clk.now = t0.Add(m.at)
				var err error
				if m.ad {
					_, err = s.CustomerAdText(context.Background(), psid, "from the ad", "120210000000000042", "spring")
				} else {
					_, err = s.CustomerText(context.Background(), psid, "hello")
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			clk.now = t0.Add(tt.at)
			req := SendRequest{Recipient: Recipient{ID: psid}, MessagingType: tt.typ, Tag: tt.tag, Message: &Message{Text: "hi"}}
			if e := s.Check(req); (e == nil) != tt.open {
				t.Fatalf("Check: %v, want the window open %v", e, tt.open)
			}
			body := fmt.Sprintf(`{"recipient":{"id":%q},"messaging_type":%q,"message":{"text":"hi"}}`, psid, tt.typ)
			if tt.tag != "" {
				body = fmt.Sprintf(`{"recipient":{"id":%q},"messaging_type":%q,"tag":%q,"message":{"text":"hi"}}`, psid, tt.typ, tt.tag)
			}
			status, v := post(t, s, "/v25.0/me/messages"+tok, "application/json", body)
			code, sub, text := errOf(v)
			if (status == 200) != tt.open || !tt.open && (status != 400 || code != 10 || sub != 2018278 || text != WindowMessage) {
				t.Fatalf("HTTP %d %v, want the window open %v", status, v, tt.open)
			}
		})
	}
}

// TestAdWindowConfig: AdWindow is 0 (not modelled) by default and for a
// negative value, kept as given otherwise, and ForgetAfter is never
// shorter than it.
func TestAdWindowConfig(t *testing.T) {
	const day = 24 * time.Hour
	for _, tc := range []struct {
		cfg                   Config
		wantAd, wantForgetAll time.Duration
	}{
		{Config{}, 0, 0},
		{Config{AdWindow: -time.Hour}, 0, 0},
		{Config{AdWindow: 3 * day}, 3 * day, 0},
		{Config{AdWindow: 10 * day, ForgetAfter: time.Hour}, 10 * day, 10 * day},
		{Config{AdWindow: 3 * day, ForgetAfter: time.Hour}, 3 * day, DefaultHumanAgentWindow},
	} {
		got := New(tc.cfg).Config()
		if got.AdWindow != tc.wantAd || got.ForgetAfter != tc.wantForgetAll {
			t.Errorf("%+v: AdWindow %v, ForgetAfter %v; want %v, %v", tc.cfg, got.AdWindow, got.ForgetAfter, tc.wantAd, tc.wantForgetAll)
		}
	}
	if MaxAdWindow != 7*day {
		t.Errorf("MaxAdWindow %v", MaxAdWindow)
	}
}

// TestAdWindowOutlivesForgetting: a customer whose deliveries are not kept
// is not forgotten while an ad window longer than every other window is
// open, so a reply inside it is accepted on the wire and by value alike.
func TestAdWindowOutlivesForgetting(t *testing.T) {
	const day = 24 * time.Hour
	const other = "7240498765432109"
	s, _, clk := newFake(t, Config{AdWindow: 10 * day, ForgetAfter: time.Hour, KeepDeliveries: func(string) bool { return false }})
	if _, err := s.CustomerAdText(context.Background(), psid, "from the ad", "1", ""); err != nil {
		t.Fatal(err)
	}
	clk.now = t0.Add(9 * day)
	if _, err := s.CustomerText(context.Background(), other, "later"); err != nil { // forgets whoever is due
		t.Fatal(err)
	}
	if n := s.Customers(); n != 2 {
		t.Fatalf("%d customers held, want 2", n)
	}
	if _, e := s.Direct("v25.0").Send(SendRequest{Recipient: Recipient{ID: psid}, MessagingType: Response, Message: &Message{Text: "hi"}}); e != nil {
		t.Fatalf("a reply inside the ad window: %v", e)
	}
	clk.now = t0.Add(10*day + 2*time.Hour)
	if _, err := s.CustomerText(context.Background(), other, "much later"); err != nil {
		t.Fatal(err)
	}
	if n := s.Customers(); n != 1 {
		t.Fatalf("%d customers held after the ad window, want 1", n)
	}
	if _, e := s.Direct("v25.0").Send(SendRequest{Recipient: Recipient{ID: psid}, MessagingType: Response, Message: &Message{Text: "hi"}}); e == nil || e.Subcode != 2018278 {
		t.Fatalf("a reply to the forgotten customer: %v, want 10/2018278", e)
	}
}
