package line

import (
	"context"
	"fmt"
	"net/http"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/omnisim/omnisim/fakes/fault"
	"github.com/omnisim/omnisim/fakes/forget/forgettest"
)

// TestKeepDeliveries holds that Config.KeepDeliveries limits the kept
// delivery history to the users it names, while every send is answered,
// counted and journaled as without it.
func TestKeepDeliveries(t *testing.T) {
	type outcome struct {
		replyIDs     []SentMessage
		pushIDs      []any
		counts       Counts
		journaled    int
		keptA, keptB int
	}
	play := func(keep func(string) bool) outcome {
		s, _, _ := newFake(t, Config{KeepDeliveries: keep})
		var o outcome
		for _, u := range []string{userA, userB} {
			in := text(t, s, u, "hello")
			res, e := s.Reply("", ReplyRequest{ReplyToken: in.ReplyToken, Messages: []Message{{Type: "text", Text: "hi"}}})
			if e != nil {
				t.Fatalf("reply to %s: %v", u, e)
			}
			o.replyIDs = append(o.replyIDs, res.SentMessages...)
			resp, out := call(t, s, "POST", PathPush, pushBody(u, "one", "two"), nil)
			if resp.StatusCode != 200 {
				t.Fatalf("push to %s: HTTP %d", u, resp.StatusCode)
			}
			o.pushIDs = append(o.pushIDs, out["sentMessages"])
		}
		o.counts = s.Counts()
		o.journaled = len(s.Journal().Deliveries)
		o.keptA, o.keptB = len(s.Deliveries(userA)), len(s.Deliveries(userB))
		return o
	}
	all := play(nil)
	onlyA := play(func(u string) bool { return u == userA })
	if all.keptA != 3 || all.keptB != 3 {
		t.Errorf("keeping everyone's: %d and %d deliveries kept, want 3 and 3", all.keptA, all.keptB)
	}
	if onlyA.keptA != 3 || onlyA.keptB != 0 {
		t.Errorf("keeping userA's: %d and %d deliveries kept, want 3 and 0", onlyA.keptA, onlyA.keptB)
	}
	if all.counts.Deliveries != 6 || onlyA.journaled != 6 {
		t.Errorf("counted %d, journaled %d, want 6 and 6", all.counts.Deliveries, onlyA.journaled)
	}
	all.keptA, all.keptB, onlyA.keptA, onlyA.keptB = 0, 0, 0, 0
	if !reflect.DeepEqual(all, onlyA) {
		t.Errorf("answers and counts differ:\nall   %+v\nonlyA %+v", all, onlyA)
	}
}

// TestForgetAfterAnswersAsBefore holds that a user forgotten
// (Config.ForgetAfter) gets the same answers as one never forgotten: a
// push on the wire and by value, the profile on the wire and by value
// (named by the user id once forgotten), the dry-run Check, and
// everything after writing again; a user who blocked the account is not
// forgotten.
func TestForgetAfterAnswersAsBefore(t *testing.T) {
	const userC = "U00000000000000000000000000000c0c"
	type outcome struct {
		statuses []int
		bodies   []map[string]any
		pushes   []SendResponse
		errs     []*Error
		names    []string
		blocked  []bool
		counts   Counts
		journal  []Delivery
		users    []int
	}
	play := func(forget time.Duration) outcome {
		s, _, clk := newFake(t, Config{ForgetAfter: forget, KeepDeliveries: func(string) bool { return false }})
		var o outcome
		wire := func(method, path, body string) {
			resp, out := call(t, s, method, path, body, nil)
			o.statuses, o.bodies = append(o.statuses, resp.StatusCode), append(o.bodies, out)
		}
		reach := func(u string) {
			wire("POST", PathPush, pushBody(u, "still there?"))
			wire("GET", "/v2/bot/profile/"+u, "")
			res, e := s.Push("", PushRequest{To: u, Messages: []Message{{Type: "text", Text: "by value"}}})
			o.pushes, o.errs = append(o.pushes, res), append(o.errs, e, s.Check(u, []Message{{Type: "text", Text: "x"}}))
			name, _ := s.Profile(u)
			o.names, o.blocked = append(o.names, name), append(o.blocked, s.Blocked(u))
		}
		text(t, s, userA, "hello") // as Kenji
		text(t, s, userB, "hello")
		if _, err := s.CustomerUnfollow(t.Context(), userB); err != nil {
			t.Fatal(err)
		}
		clk.Add(2 * time.Hour)
		text(t, s, userC, "hello") // userA is forgotten here; userB blocked the account
		o.users = append(o.users, s.Users())
		reach(userA)
		reach(userB)
		if _, err := s.CustomerText(t.Context(), userA, "", "back again"); err != nil { // no name given
			t.Fatal(err)
		}
		o.users = append(o.users, s.Users())
		reach(userA)
		in := text(t, s, userA, "one more")
		if _, e := s.Reply("", ReplyRequest{ReplyToken: in.ReplyToken, Messages: []Message{{Type: "text", Text: "hi"}}}); e != nil {
			t.Errorf("reply: %v", e)
		}
		o.counts = s.Counts()
		o.journal = s.Journal().Deliveries
		return o
	}
	kept := play(0)
	forgot := play(time.Hour)
	if want := []int{3, 3}; !reflect.DeepEqual(kept.users, want) {
		t.Errorf("without ForgetAfter: records %v, want %v", kept.users, want)
	}
	if want := []int{2, 3}; !reflect.DeepEqual(forgot.users, want) {
		t.Errorf("with ForgetAfter: records %v, want %v", forgot.users, want)
	}
	if want := []int{200, 200, 200, 200, 200, 200}; !reflect.DeepEqual(forgot.statuses, want) {
		t.Errorf("statuses %v, want %v", forgot.statuses, want)
	}
	if want := []string{"Kenji", "Kenji", "Kenji"}; !reflect.DeepEqual(kept.names, want) {
		t.Errorf("without ForgetAfter: names %v, want %v", kept.names, want)
	}
	// userA forgotten, userB (blocked) kept, userA back with no name given.
	if want := []string{userA, "Kenji", userA}; !reflect.DeepEqual(forgot.names, want) {
		t.Errorf("with ForgetAfter: names %v, want %v", forgot.names, want)
	}
	kept.users, forgot.users, kept.names, forgot.names = nil, nil, nil, nil
	for i, b := range forgot.bodies {
		if b["displayName"] == userA {
			b["displayName"] = "Kenji"
		} else if i%2 == 1 && b["displayName"] != "Kenji" {
			t.Errorf("profile %d: %v", i/2, b)
		}
	}
	if !reflect.DeepEqual(kept, forgot) {
		t.Errorf("answers differ:\nkept   %+v\nforgot %+v", kept, forgot)
	}
}

// TestForgetAfterBounded holds that the records of a long run follow the
// users in play: one new user a minute for 2,000 minutes, each writing
// once, leaves the records of the last ForgetAfter (an hour) and of the
// user whose deliveries are kept.
func TestForgetAfterBounded(t *testing.T) {
	s, _, clk := newFake(t, Config{ForgetAfter: time.Hour, KeepDeliveries: func(id string) bool { return id == userA }})
	most := 0
	for i := range 2000 {
		id := userA
		if i > 0 {
			id = fmt.Sprintf("U%032x", i)
		}
		if _, err := s.CustomerText(t.Context(), id, id, "hi"); err != nil { // named by the id, as in the simulator
			t.Fatal(err)
		}
		most = max(most, s.Users())
		clk.Add(time.Minute)
	}
	// 60 users wrote within the last hour; the kept one is never
	// forgotten.
	if n := s.Users(); most != 61 || n != 61 {
		t.Errorf("records: at most %d, at the end %d; want 61 and 61", most, n)
	}
	if n := s.friends.Len(); n != 2000-61 {
		t.Errorf("%d users remembered as friends, want %d", n, 2000-61)
	}
	first := fmt.Sprintf("U%032x", 1)
	if name, ok := s.Profile(first); !ok || name != first {
		t.Errorf("profile of a forgotten user: %q %v", name, ok)
	}
	if _, e := s.Push("", PushRequest{To: first, Messages: []Message{{Type: "text", Text: "x"}}}); e != nil {
		t.Errorf("push to a forgotten user: %v", e)
	}
	if _, err := s.CustomerText(t.Context(), first, "", "back"); err != nil {
		t.Fatal(err)
	}
	if name, _ := s.Profile(first); name != first || s.users[first] == nil {
		t.Errorf("back again: named %q, record %v", name, s.users[first])
	}
}

// TestForgetAfterWaitsForWebhooks holds that a user is not forgotten while
// a webhook of its events is still to be delivered (here a redelivery), so
// that the router, handling it, gets the user's profile with its name;
// the user is forgotten when the last try is made.
func TestForgetAfterWaitsForWebhooks(t *testing.T) {
	s, h, clk := newFake(t, Config{ForgetAfter: time.Hour, Redelivery: []time.Duration{3 * time.Hour}, KeepDeliveries: func(string) bool { return false }})
	h.mu.Lock()
	h.status = 500
	h.mu.Unlock()
	text(t, s, userA, "hello") // the router fails it: redelivered in 3 hours
	h.mu.Lock()
	h.status = 200
	h.mu.Unlock()
	clk.Add(2 * time.Hour)
	text(t, s, userB, "hi") // userA's last event is older than ForgetAfter
	if name, ok := s.Profile(userA); s.Users() != 2 || name != "Kenji" || !ok {
		t.Errorf("with a redelivery to come: %d records, userA named %q (%v); want 2, Kenji", s.Users(), name, ok)
	}
	clk.Add(time.Hour)
	if n, err := s.Flush(t.Context()); n != 1 || err != nil {
		t.Fatalf("Flush: %d, %v", n, err)
	}
	if name, ok := s.Profile(userA); s.Users() != 1 || name != userA || !ok {
		t.Errorf("redelivered: %d records, userA named %q (%v); want 1, forgotten", s.Users(), name, ok)
	}
}

// TestForgottenCompact holds that what a forgotten user leaves behind for
// the rest of the run is a few bytes (the 64-bit hash of its user id in a
// forget.Set): 150,000 users, one a minute, each writing once and
// answered, named as the simulator names them (not by the id).
func TestForgottenCompact(t *testing.T) {
	if testing.Short() {
		t.Skip("150,000 users")
	}
	clk := newClock()
	s := New(Config{ForgetAfter: time.Hour, JournalLimit: -1, KeepDeliveries: func(string) bool { return false },
		Clock: clk.Now, Direct: func(context.Context, string, []Event) int { return http.StatusOK }})
	// The warm-up: the records in play (an hour's worth) and the queue
	// reach their size.
	per := forgettest.BytesPerForgotten(func(next int) {
		in, err := s.CustomerText(t.Context(), fmt.Sprintf("U%032x", next), "t"+strconv.Itoa(next), "hi")
		if err != nil {
			t.Fatal(err)
		}
		if _, e := s.Reply("", ReplyRequest{ReplyToken: in.ReplyToken, Messages: []Message{{Type: "text", Text: "hello"}}}); e != nil {
			t.Fatal(e)
		}
		clk.Add(time.Minute)
	}, func() int { return s.friends.Len() }, 5_000, 145_000)
	if per > 24 {
		t.Errorf("%.1f bytes per user forgotten, want at most 24", per)
	}
	t.Logf("%.1f bytes per user forgotten", per)
}

// TestForgetAfterWaitsForDuplicates holds that a duplicate webhook a
// fault plan holds back counts as one still to be delivered: the user is
// not forgotten before it goes.
func TestForgetAfterWaitsForDuplicates(t *testing.T) {
	s, _, clk := newFake(t, Config{ForgetAfter: time.Hour, Faults: fault.Plan{Duplicate: 1, LateBy: 3 * time.Hour},
		KeepDeliveries: func(string) bool { return false }})
	text(t, s, userA, "hello") // delivered, and its duplicate held back
	clk.Add(61 * time.Minute)
	if due, ok := s.NextDeadline(); !ok || !due.After(clk.Now()) {
		t.Fatalf("the duplicate is not held back: due %v (%v)", due, ok)
	}
	text(t, s, userB, "hi") // userA's last event is older than ForgetAfter
	if n := s.Users(); n != 2 {
		t.Errorf("with a duplicate to come: %d records, want 2", n)
	}
}
