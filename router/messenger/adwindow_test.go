package messenger

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// adHookAt is a message webhook at ts whose messaging event carries a
// Click-to-Messenger ad referral.
func adHookAt(mid string, ts time.Time, sender string) string {
	ms := ts.UnixMilli()
	return fmt.Sprintf(`{"object":"page","entry":[{"id":%q,"time":%d,"messaging":[{"sender":{"id":%q},"recipient":{"id":%q},"timestamp":%d,"message":{"mid":%q,"text":"x"},"referral":{"ad_id":"77","source":"ADS","type":"OPEN_THREAD"}}]}]}`,
		page, ms, sender, page, ms, mid)
}

// adPostbackAt is a postback webhook at ts whose messaging event carries a
// Click-to-Messenger ad referral (a Get Started tap from the ad).
func adPostbackAt(mid string, ts time.Time, sender string) string {
	ms := ts.UnixMilli()
	return fmt.Sprintf(`{"object":"page","entry":[{"id":%q,"time":%d,"messaging":[{"sender":{"id":%q},"recipient":{"id":%q},"timestamp":%d,"postback":{"title":"Get Started","payload":"GET_STARTED","mid":%q},"referral":{"ad_id":"77","source":"ADS","type":"OPEN_THREAD"}}]}]}`,
		page, ms, sender, page, ms, mid)
}

// referralAt is a referral webhook at ts that comes without a message.
func referralAt(ts time.Time, sender string) string {
	ms := ts.UnixMilli()
	return fmt.Sprintf(`{"object":"page","entry":[{"id":%q,"time":%d,"messaging":[{"sender":{"id":%q},"recipient":{"id":%q},"timestamp":%d,"referral":{"ad_id":"77","source":"ADS","type":"OPEN_THREAD"}}]}]}`,
		page, ms, sender, page, ms)
}

// TestMessagingTypeAdWindow: with Config.AdWindow, a reply goes as
// RESPONSE while the ad window of the customer's last message carrying an
// ad referral is open, and by the usual rule (HUMAN_AGENT, then RESPONSE)
// once it has closed; without it (the default) an ad message changes
// nothing.
func TestMessagingTypeAdWindow(t *testing.T) {
	const day = 24 * time.Hour
	type hook struct {
		at time.Duration // after t0
		// "ad", "plain", "referral" (a referral alone), "ad postback" or
		// "late ad" (an ad message sent at t0 that arrives at at)
		kind string
	}
	adAt0 := []hook{{0, "ad"}}
	tests := []struct {
		name     string
		cfg      Config
		hooks    []hook
		at       time.Duration // of the send, after t0
		typ, tag string
	}{
		{"default: an ad message at 30h is tagged", Config{}, adAt0, 30 * time.Hour, MessageTag, HumanAgent},
		{"default: inside 24h", Config{}, adAt0, time.Hour, Response, ""},
		{"negative is the default", Config{AdWindow: -day}, adAt0, 30 * time.Hour, MessageTag, HumanAgent},
		{"ad window: RESPONSE at 30h", Config{AdWindow: 7 * day}, adAt0, 30 * time.Hour, Response, ""},
		{"ad window: RESPONSE at 6d23h", Config{AdWindow: 7 * day}, adAt0, 7*day - time.Hour, Response, ""},
		{"ad window: closed at 7d", Config{AdWindow: 7 * day}, adAt0, 7 * day, Response, ""},
		{"ad window: HUMAN_AGENT after a shorter one", Config{AdWindow: 3 * day}, adAt0, 4 * day, MessageTag, HumanAgent},
		{"ad window: a customer who came by no ad", Config{AdWindow: 7 * day}, []hook{{0, "plain"}}, 30 * time.Hour, MessageTag, HumanAgent},
		{"ad window: a later plain message does not close it", Config{AdWindow: 7 * day}, []hook{{0, "ad"}, {2 * day, "plain"}}, 4 * day, Response, ""},
		{"ad window: a referral alone opens none", Config{AdWindow: 7 * day}, []hook{{0, "referral"}, {time.Minute, "plain"}}, 30 * time.Hour, MessageTag, HumanAgent},
		{"ad window: a postback from an ad opens none", Config{AdWindow: 7 * day}, []hook{{0, "ad postback"}}, 30 * time.Hour, MessageTag, HumanAgent},
		{"ad window: a late ad message moves it no earlier", Config{AdWindow: 7 * day}, []hook{{2 * day, "ad"}, {2*day + time.Minute, "late ad"}}, 8 * day, Response, ""},
		{"ad window, no HUMAN_AGENT: RESPONSE inside it", Config{AdWindow: 7 * day, HumanAgentWindow: -1}, adAt0, 30 * time.Hour, Response, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, rec, clk := newAdapter(tt.cfg)
			for i, h := range tt.hooks {
				clk.now = t0.Add(h.at)
				mid := fmt.Sprintf("m_%d", i)
				switch h.kind {
				case "ad":
					post(a, adHookAt(mid, clk.now, psid))
				case "plain":
					post(a, hookAt(mid, clk.now, psid))
				case "referral":
					post(a, referralAt(clk.now, psid))
				case "ad postback":
					post(a, adPostbackAt(mid, clk.now, psid))
				case "late ad":
					post(a, adHookAt(mid, t0, psid))
				}
			}
			if len(rec.in) == 0 {
				t.Fatal("no message received")
			}
			clk.now = t0.Add(tt.at)
			if typ, tag := a.MessagingType(psid); typ != tt.typ || tag != tt.tag {
				t.Fatalf("MessagingType = %s %s, want %s %s", typ, tag, tt.typ, tt.tag)
			}
		})
	}
}

// The ad windows' anchors are saved and restored with the others, and
// left out of the state when there are none.
func TestStateAdWindow(t *testing.T) {
	const day = 24 * time.Hour
	a, _, clk := newAdapter(Config{AdWindow: 7 * day})
	post(a, adHookAt("m_1", t0, psid))
	state, err := a.SaveState()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(state), `"ad_last":[{"psid":"`+psid+`"`) {
		t.Fatalf("no ad window in %s", state)
	}
	b := New(Config{AppSecret: secret, PageID: page, Clock: clk.Now, AdWindow: 7 * day}, &recorder{})
	if err := b.RestoreState(state); err != nil {
		t.Fatal(err)
	}
	if again, _ := b.SaveState(); string(again) != string(state) {
		t.Errorf("saved again\n%s\nfirst\n%s", again, state)
	}
	clk.now = t0.Add(3 * day)
	if typ, tag := b.MessagingType(psid); typ != Response || tag != "" {
		t.Errorf("the ad window was lost: %s %s", typ, tag)
	}
	if err := b.RestoreState(state); err == nil {
		t.Error("restored into an adapter in use")
	}

	plain, _, _ := newAdapter(Config{})
	post(plain, adHookAt("m_1", t0, psid))
	if s, _ := plain.SaveState(); strings.Contains(string(s), "ad_last") {
		t.Errorf("an adapter without AdWindow saved ad windows: %s", s)
	}
}

// The sweep forgets an ad window once it has closed, and keeps the
// customer's last message as long as the longest window needs it.
func TestSweepAdWindow(t *testing.T) {
	const day = 24 * time.Hour
	a, _, clk := newAdapter(Config{AdWindow: 10 * day})
	post(a, adHookAt("m_ad", t0, psid))
	// Fill the maps past the sweep's threshold 9 days later.
	clk.now = t0.Add(9 * day)
	for i := 0; i < 1100; i++ {
		post(a, hookAt(fmt.Sprintf("m_%d", i), clk.now, fmt.Sprintf("72404%011d", i)))
	}
	if typ, _ := a.MessagingType(psid); typ != Response {
		t.Errorf("inside the 10-day ad window: %s", typ)
	}
	a.mu.Lock()
	_, kept := a.adLast[psid]
	a.mu.Unlock()
	if !kept {
		t.Fatal("an open ad window was swept")
	}
	clk.now = t0.Add(10*day + time.Hour)
	for i := 0; i < 2300; i++ {
		post(a, hookAt(fmt.Sprintf("m2_%d", i), clk.now, fmt.Sprintf("72405%011d", i)))
	}
	a.mu.Lock()
	_, kept = a.adLast[psid]
	_, last := a.last[psid]
	a.mu.Unlock()
	if kept || last {
		t.Errorf("a closed ad window kept: ad %v, last %v", kept, last)
	}
}
