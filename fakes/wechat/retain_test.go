package wechat

import (
	"encoding/base64"
	"encoding/binary"
	"reflect"
	"testing"
	"time"

	"github.com/omnisim/omnisim/fakes/forget/forgettest"
)

// TestForgetAfterAnswersAsBefore holds that a customer forgotten
// (Config.ForgetAfter) gets, for every kind of send, through the API and
// Direct, and after writing again, the same answers as one never
// forgotten; an openid of WeChat's form (cust) and another (short) alike.
func TestForgetAfterAnswersAsBefore(t *testing.T) {
	const short, late, never = "oShort_1", "oLate", "oNever"
	type outcome struct {
		bodies    []string
		direct    []*Error
		open      []bool
		left      []int
		counts    Counts
		journal   Journal
		customers []int
		gone      int // openids remembered as forgotten, at the end
	}
	play := func(forget time.Duration) outcome {
		s, clk := newTest(Config{Seed: 5, ForgetAfter: forget, KeepDeliveries: func(string) bool { return false }})
		d := s.Direct()
		var o outcome
		tok := token(t, s)
		img := upload(t, s, tok, "image", "a.jpg", 10)
		sends := func(to string) {
			for _, req := range []SendRequest{
				textReq(to, "hello"),
				textReq(to, ""),
				{ToUser: to, MsgType: "image", Image: &MediaRef{MediaID: img}},
				{ToUser: to, MsgType: "image", Image: &MediaRef{MediaID: "nope"}},
				{ToUser: to, MsgType: "news"},
			} {
				o.bodies = append(o.bodies, sendReq(s, tok, req).Body.String())
				o.direct = append(o.direct, d.Send(&req))
			}
			o.open = append(o.open, s.WindowOpen(to))
			o.left = append(o.left, s.RepliesLeft(to))
		}
		write(t, s, cust)
		write(t, s, short)
		event(t, s, short, EventClick)
		sends(cust)
		sends(short)
		clk.Add(50 * time.Hour) // both grants of cust and short closed
		write(t, s, late)       // cust and short are forgotten here
		o.customers = append(o.customers, s.Customers())
		tok = token(t, s)
		img = upload(t, s, tok, "image", "a.jpg", 10)
		sends(cust)
		sends(short)
		sends(never)
		write(t, s, cust) // cust writes again
		event(t, s, short, EventSubscribe)
		o.customers = append(o.customers, s.Customers())
		sends(cust)
		sends(short)
		o.counts = s.Counts()
		o.journal = s.Journal()
		o.gone = s.gone.Len()
		return o
	}
	kept := play(0)
	forgot := play(time.Nanosecond) // raised to the longer window, 48 h
	if want := []int{3, 3}; !reflect.DeepEqual(kept.customers, want) {
		t.Errorf("without ForgetAfter: records %v, want %v", kept.customers, want)
	}
	if want := []int{1, 3}; !reflect.DeepEqual(forgot.customers, want) {
		t.Errorf("with ForgetAfter: records %v, want %v", forgot.customers, want)
	}
	if forgot.gone != 0 {
		t.Errorf("%d openids remembered as forgotten after both wrote again, want 0", forgot.gone)
	}
	var codes []int
	for _, e := range forgot.direct {
		code := 0
		if e != nil {
			code = e.Code
		}
		codes = append(codes, code)
	}
	// cust and short within their grants; both past them (forgotten);
	// never wrote; both back (short by an event: 3 replies, of which the
	// wire and Direct take two each).
	closed := []int{CodeOutOfTimeLimit, CodeEmptyContent, CodeOutOfTimeLimit, CodeInvalidMediaID, CodeInvalidMessageType}
	unknown := []int{CodeInvalidOpenID, CodeInvalidOpenID, CodeInvalidOpenID, CodeInvalidOpenID, CodeInvalidOpenID}
	var want []int
	for _, w := range [][]int{
		{0, CodeEmptyContent, 0, CodeInvalidMediaID, CodeInvalidMessageType},
		{0, CodeEmptyContent, 0, CodeInvalidMediaID, CodeInvalidMessageType},
		closed, closed, unknown,
		{0, CodeEmptyContent, 0, CodeInvalidMediaID, CodeInvalidMessageType},
		{0, CodeEmptyContent, CodeOutOfCountLimit, CodeInvalidMediaID, CodeInvalidMessageType},
	} {
		want = append(want, w...)
	}
	if !reflect.DeepEqual(codes, want) {
		t.Errorf("direct codes %v, want %v", codes, want)
	}
	kept.customers, forgot.customers = nil, nil
	if !reflect.DeepEqual(kept, forgot) {
		t.Errorf("answers differ:\nkept   %+v\nforgot %+v", kept, forgot)
	}
}

// TestForgetAfterBounded holds that the records of a long run follow the
// customers in play: one new customer an hour for 2,000 hours, each
// writing once, leaves the records of the last 48 hours (ForgetAfter
// raised to Window) and of the customer whose deliveries are kept.
func TestForgetAfterBounded(t *testing.T) {
	s, clk := newTest(Config{ForgetAfter: time.Nanosecond, KeepDeliveries: func(id string) bool { return id == cust }})
	most := 0
	for i := range 2000 {
		id := cust
		if i > 0 {
			id = openid(i)
		}
		write(t, s, id)
		most = max(most, s.Customers())
		clk.Add(time.Hour)
	}
	// 48 customers wrote within the last 48 hours; the kept one is never
	// forgotten.
	if n := s.Customers(); most != 49 || n != 49 {
		t.Errorf("records: at most %d, at the end %d; want 49 and 49", most, n)
	}
	if n := s.gone.Len(); n != 2000-49 {
		t.Errorf("%d openids remembered as forgotten, want %d", n, 2000-49)
	}
}

// TestForgottenCompact holds that what a forgotten customer leaves behind
// for the rest of the run is a few bytes (the 64-bit hash of its openid in
// a forget.Set): 150,000 customers, one a minute, each writing once.
func TestForgottenCompact(t *testing.T) {
	if testing.Short() {
		t.Skip("150,000 customers")
	}
	s, clk := newTest(Config{ForgetAfter: time.Nanosecond, JournalLimit: -1, KeepDeliveries: func(string) bool { return false }})
	per := forgettest.BytesPerForgotten(func(next int) {
		write(t, s, openid(next))
		clk.Add(time.Minute)
	}, func() int { return s.gone.Len() }, 5000, 145_000)
	if per > 24 {
		t.Errorf("%.1f bytes per customer forgotten, want at most 24", per)
	}
	t.Logf("%.1f bytes per customer forgotten", per)
}

// TestForgetAfterOff holds that nothing is forgotten without ForgetAfter,
// when every customer's deliveries are kept, or when a window never
// closes.
func TestForgetAfterOff(t *testing.T) {
	for _, cfg := range []Config{
		{},
		{ForgetAfter: time.Hour},
		{ForgetAfter: time.Hour, KeepDeliveries: func(string) bool { return false }, Window: -1},
		{ForgetAfter: time.Hour, KeepDeliveries: func(string) bool { return false }, EventWindow: -1},
	} {
		s, clk := newTest(cfg)
		for i := range 100 {
			write(t, s, openid(i))
			clk.Add(24 * time.Hour)
		}
		if n := s.Customers(); n != 100 {
			t.Errorf("ForgetAfter %v, Window %v, EventWindow %v, keeping: %v: %d records, want 100",
				cfg.ForgetAfter, cfg.Window, cfg.EventWindow, cfg.KeepDeliveries == nil, n)
		}
	}
}

// openid is the i-th openid of WeChat's form.
func openid(i int) string {
	var raw [20]byte
	binary.BigEndian.PutUint64(raw[12:], uint64(i))
	return "o" + base64.RawURLEncoding.EncodeToString(raw[:])
}
