package messenger

import (
	"context"
	"reflect"
	"testing"
)

// TestKeepDeliveries holds that Config.KeepDeliveries limits the kept
// delivery history to the customers it names, while every send is
// answered, counted and journaled as without it.
func TestKeepDeliveries(t *testing.T) {
	const other = "7240498765432109"
	type outcome struct {
		answers      []SendResponse
		counts       Counts
		journaled    int
		keptA, keptB int
	}
	play := func(keep func(string) bool) outcome {
		s, _, _ := newFake(t, Config{KeepDeliveries: keep})
		var o outcome
		for _, id := range []string{psid, other} {
			if _, err := s.CustomerText(context.Background(), id, "hi"); err != nil {
				t.Fatal(err)
			}
			for _, text := range []string{"one", "two"} {
				res, e := s.Send(SendRequest{Recipient: Recipient{ID: id}, MessagingType: Response, Message: &Message{Text: text}})
				if e != nil {
					t.Fatalf("send to %s: %v", id, e)
				}
				o.answers = append(o.answers, res)
			}
		}
		o.counts = s.Counts()
		o.journaled = len(s.Journal().Deliveries)
		o.keptA, o.keptB = len(s.Deliveries(psid)), len(s.Deliveries(other))
		return o
	}
	all := play(nil)
	onlyA := play(func(id string) bool { return id == psid })
	if all.keptA != 2 || all.keptB != 2 {
		t.Errorf("keeping everyone's: %d and %d deliveries kept, want 2 and 2", all.keptA, all.keptB)
	}
	if onlyA.keptA != 2 || onlyA.keptB != 0 {
		t.Errorf("keeping %s's: %d and %d deliveries kept, want 2 and 0", psid, onlyA.keptA, onlyA.keptB)
	}
	if all.counts.Deliveries != 4 || onlyA.journaled != 4 {
		t.Errorf("counted %d, journaled %d, want 4 and 4", all.counts.Deliveries, onlyA.journaled)
	}
	all.keptA, all.keptB, onlyA.keptA, onlyA.keptB = 0, 0, 0, 0
	if !reflect.DeepEqual(all, onlyA) {
		t.Errorf("answers and counts differ:\nall   %+v\nonlyA %+v", all, onlyA)
	}
}
