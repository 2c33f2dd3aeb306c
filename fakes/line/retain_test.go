package line

import (
	"reflect"
	"testing"
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
