package messenger

import (
	"context"
	"fmt"
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/omnisim/omnisim/fakes/forget/forgettest"
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
				res, e := s.Direct("v25.0").Send(SendRequest{Recipient: Recipient{ID: id}, MessagingType: Response, Message: &Message{Text: text}})
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

// TestForgetAfterAnswersAsBefore holds that a customer forgotten
// (Config.ForgetAfter) gets, for every kind of send and after writing
// again, the same answers as one never forgotten.
func TestForgetAfterAnswersAsBefore(t *testing.T) {
	const a, b, c, never = "7240400000000001", "7240400000000002", "7240400000000003", "7240400000000009"
	type outcome struct {
		answers   []SendResponse
		errs      []*Error
		counts    Counts
		journal   []Delivery
		customers []int
	}
	play := func(forget time.Duration) outcome {
		s, _, clk := newFake(t, Config{ForgetAfter: forget, KeepDeliveries: func(string) bool { return false }})
		var o outcome
		write := func(id string) {
			if _, err := s.CustomerText(context.Background(), id, "hi"); err != nil {
				t.Fatal(err)
			}
		}
		send := func(req SendRequest) {
			if req.SenderAction == "" {
				req.Message = &Message{Text: "hello"}
			}
			res, e := s.Direct("v25.0").Send(req)
			o.answers, o.errs = append(o.answers, res), append(o.errs, e)
		}
		sends := func(to string) {
			send(SendRequest{Recipient: Recipient{ID: to}, MessagingType: Response})
			send(SendRequest{Recipient: Recipient{ID: to}, MessagingType: Update})
			send(SendRequest{Recipient: Recipient{ID: to}, MessagingType: MessageTag, Tag: HumanAgent})
			send(SendRequest{Recipient: Recipient{ID: to}, MessagingType: MessageTag, Tag: "ACCOUNT_UPDATE"})
			send(SendRequest{Recipient: Recipient{ID: to}, SenderAction: "typing_on"})
		}
		write(a)
		write(b)
		sends(a)
		clk.now = clk.now.Add(8 * 24 * time.Hour)
		write(c) // a and b are past every window: forgotten here
		o.customers = append(o.customers, s.Customers())
		sends(a)
		sends(never)
		write(a) // a writes again
		o.customers = append(o.customers, s.Customers())
		sends(a)
		sends(b)
		o.counts = s.Counts()
		o.journal = s.Journal().Deliveries
		return o
	}
	kept := play(0)
	forgot := play(time.Nanosecond) // raised to the longest window, 7 days
	if want := []int{3, 3}; !reflect.DeepEqual(kept.customers, want) {
		t.Errorf("without ForgetAfter: records %v, want %v", kept.customers, want)
	}
	if want := []int{1, 2}; !reflect.DeepEqual(forgot.customers, want) {
		t.Errorf("with ForgetAfter: records %v, want %v", forgot.customers, want)
	}
	var codes []int
	for _, e := range forgot.errs {
		if e == nil {
			codes = append(codes, 0)
		} else {
			codes = append(codes, e.Subcode)
		}
	}
	// a: within the window; past it (forgotten); never wrote; back; b past it (forgotten).
	want := []int{0, 0, 0, 0, 0, 2018278, 2018278, 2018278, 0, 2018278, 2018001, 2018001, 2018001, 2018001, 2018001, 0, 0, 0, 0, 0, 2018278, 2018278, 2018278, 0, 2018278}
	if !reflect.DeepEqual(codes, want) {
		t.Errorf("subcodes %v, want %v", codes, want)
	}
	kept.customers, forgot.customers = nil, nil
	if !reflect.DeepEqual(kept, forgot) {
		t.Errorf("answers differ:\nkept   %+v\nforgot %+v", kept, forgot)
	}
}

// TestForgetAfterBounded holds that the records of a long run follow the
// customers in play: one new customer an hour for 2,000 hours, each
// writing once, leaves the records of the last ForgetAfter (7 days) and
// of the customer whose deliveries are kept.
func TestForgetAfterBounded(t *testing.T) {
	const keep = "7240400000000000"
	s, _, clk := newFake(t, Config{ForgetAfter: time.Nanosecond, KeepDeliveries: func(id string) bool { return id == keep }})
	most := 0
	for i := range 2000 {
		id := keep
		if i > 0 {
			id = "72404" + fmt.Sprintf("%011d", i)
		}
		if _, err := s.CustomerText(context.Background(), id, "hi"); err != nil {
			t.Fatal(err)
		}
		most = max(most, s.Customers())
		clk.now = clk.now.Add(time.Hour)
	}
	// 168 customers wrote within the last 7 days; the kept one is never
	// forgotten.
	if n := s.Customers(); most != 169 || n != 169 {
		t.Errorf("records: at most %d, at the end %d; want 169 and 169", most, n)
	}
	if _, e := s.Direct("v25.0").Send(SendRequest{Recipient: Recipient{ID: keep}, MessagingType: MessageTag, Tag: "ACCOUNT_UPDATE", Message: &Message{Text: "x"}}); e != nil {
		t.Errorf("tagged send to the kept customer: %v", e)
	}
}

// TestForgottenCompact holds that what a forgotten customer leaves behind
// for the rest of the run is a few bytes (its PSID's number in a
// forget.Set): 150,000 customers, one a minute, each writing once.
func TestForgottenCompact(t *testing.T) {
	if testing.Short() {
		t.Skip("150,000 customers")
	}
	clk := &clock{now: t0}
	s := New(Config{ForgetAfter: time.Nanosecond, JournalLimit: -1, KeepDeliveries: func(string) bool { return false },
		Clock: clk.Now, Deliver: func(context.Context, Event) int { return http.StatusOK }})
	per := forgettest.BytesPerForgotten(func(next int) {
		if _, err := s.CustomerText(context.Background(), "72404"+fmt.Sprintf("%011d", next), "hi"); err != nil {
			t.Fatal(err)
		}
		clk.now = clk.now.Add(time.Minute)
	}, func() int { return s.wrote.Len() }, 15_000, 135_000)
	if per > 24 {
		t.Errorf("%.1f bytes per customer forgotten, want at most 24", per)
	}
	t.Logf("%.1f bytes per customer forgotten", per)
}
