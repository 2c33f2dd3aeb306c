package line

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// profileAPI is an API that answers profiles by value and counts them.
type profileAPI struct{ profiles int }

func (p *profileAPI) Reply(string, []Message) APIResult        { return APIResult{Status: 200} }
func (p *profileAPI) Push(string, string, []Message) APIResult { return APIResult{Status: 200} }
func (p *profileAPI) Profile(user string) (string, bool) {
	p.profiles++
	return "name of " + user, true
}

// TestNameTTL holds that with Config.NameTTL a display name is fetched
// again only when the user writes NameTTL or more after the user's last
// message, that without it a name is fetched once, and that the names
// remembered follow the users in play.
func TestNameTTL(t *testing.T) {
	event := func(user string, n int) string {
		return `{"type":"message","mode":"active","timestamp":1462629479859,"source":{"type":"user","userId":"` + user +
			`"},"webhookEventId":"ev` + fmt.Sprint(n) + `","deliveryContext":{"isRedelivery":false},"replyToken":"tok` + fmt.Sprint(n) +
			`","message":{"id":"` + fmt.Sprint(n) + `","type":"text","quoteToken":"q","text":"hi"}}`
	}
	for _, tc := range []struct {
		ttl      time.Duration
		profiles int
	}{{0, 1}, {time.Hour, 2}} {
		api := &profileAPI{}
		rcv := &receiver{}
		clk := &clock{t: time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)}
		a := New(Config{ChannelSecret: secret, BotUserID: bot, Clock: clk.Now, API: api, Profiles: true, NameTTL: tc.ttl}, rcv)
		// Minutes after the message before: 30 and 50 are within the TTL
		// of the last message (though 80 after the first); 61 is not.
		for i, gap := range []time.Duration{0, 30, 50, 61} {
			clk.t = clk.t.Add(gap * time.Minute)
			body := payload(event(userA, i))
			if st := post(a, body, sign(secret, body)); st != 200 {
				t.Fatalf("ttl %v: webhook %d: HTTP %d", tc.ttl, i, st)
			}
		}
		if api.profiles != tc.profiles {
			t.Errorf("ttl %v: %d profiles fetched, want %d", tc.ttl, api.profiles, tc.profiles)
		}
		for i, in := range rcv.ins {
			if in.Name != "name of "+userA {
				t.Errorf("ttl %v: message %d named %q", tc.ttl, i, in.Name)
			}
		}
	}

	// One new user a minute for 3,000 minutes, with a one-hour TTL: the
	// names are swept whenever they double past 1,024, so they never hold
	// more than twice the users of the last hour and 1,024 more.
	api := &profileAPI{}
	clk := &clock{t: time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)}
	a := New(Config{ChannelSecret: secret, BotUserID: bot, Clock: clk.Now, API: api, Profiles: true, NameTTL: time.Hour}, &receiver{})
	most := 0
	for i := range 3000 {
		user := "U" + strings.Repeat("0", 32-len(fmt.Sprintf("%x", i))) + fmt.Sprintf("%x", i)
		body := payload(event(user, i))
		if st := post(a, body, sign(secret, body)); st != 200 {
			t.Fatalf("webhook %d: HTTP %d", i, st)
		}
		a.mu.Lock()
		most = max(most, len(a.names))
		a.mu.Unlock()
		clk.t = clk.t.Add(time.Minute)
	}
	if most > 2*60+1024 || api.profiles != 3000 {
		t.Errorf("at most %d names remembered (want <= %d), %d profiles fetched (want 3000)", most, 2*60+1024, api.profiles)
	}
}
