package line

import (
	"fmt"
	"reflect"
	"testing"
	"time"
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
// push on the wire and by value, the profile on the wire and by value,
// the dry-run Check, and everything after writing again, with the name
// the user gave; a user who blocked the account is not forgotten.
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
	if want := []string{"Kenji", "Kenji", "Kenji"}; !reflect.DeepEqual(forgot.names, want) {
		t.Errorf("names %v, want %v", forgot.names, want)
	}
	kept.users, forgot.users = nil, nil
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
	if n := len(s.friendIDs) + len(s.friends); n != 2000-61 {
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
