package whatsapp

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"
)

type nopWriter struct{ h http.Header }

func (w *nopWriter) Header() http.Header         { return w.h }
func (w *nopWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *nopWriter) WriteHeader(int)             {}

// BenchmarkSend sends to one customer at one instant: no throughput or
// pair rate (BenchmarkSendLimited counts them).
func BenchmarkSend(b *testing.B) {
	benchSend(b, Limits{Throughput: -1, PairInterval: -1}, 0)
}

// BenchmarkSendLimited sends with the default throughput and pair rate
// counted, one message every 6 seconds of Clock time (under both).
func BenchmarkSendLimited(b *testing.B) {
	benchSend(b, Limits{}, DefaultPairInterval)
}

func benchSend(b *testing.B, lim Limits, step time.Duration) {
	cfg := Config{DisableStatuses: false, JournalLimit: 1000, Limits: lim}
	if step > 0 {
		cfg.Window = -1 // the clock runs past any window
	}
	s, clk := newTest(cfg)
	openWindow(&testing.T{}, s, cust)
	body := []byte(`{"messaging_product":"whatsapp","recipient_type":"individual","to":"16505551234","type":"text","text":{"body":"Hello, thanks for waiting. How can I help you today?"}}`)
	r := httptest.NewRequest("POST", msgs, nil)
	r.Header.Set("Authorization", bearer)
	w := &nopWriter{h: http.Header{}}
	rd := bytes.NewReader(body)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		rd.Reset(body)
		r.Body = io.NopCloser(rd)
		if step > 0 {
			clk.Add(step)
		}
		s.ServeHTTP(w, r)
		if i%1024 == 0 {
			s.mu.Lock()
			s.queue = s.queue[:0]
			s.mu.Unlock()
		}
	}
}

func BenchmarkCheck(b *testing.B) {
	s, _ := newTest(Config{})
	openWindow(&testing.T{}, s, cust)
	req := text(cust, "Hello, thanks for waiting.")
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if s.Check(req) != nil {
			b.Fatal("refused")
		}
	}
}

func BenchmarkStatusWebhookBuildSign(b *testing.B) {
	s, _ := newTest(Config{})
	p := pending{status: "sent", id: madeWamid(s, cust, 1), to: cust,
		at: t0, convID: "ee1d6e5a3b4f1c6b8e5f3f0b7a2d0c91", category: "service", convExp: t0.Add(24 * time.Hour).Unix()}
	var buf []byte
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		buf = s.appendStatusWebhook(buf[:0], &p)
		body := append([]byte(nil), buf...) // drain keeps a copy of its exact size
		_ = s.sign(body)
	}
}

func BenchmarkInboundBuildSign(b *testing.B) {
	s, _ := newTest(Config{})
	m := InboundMessage{From: cust, ID: madeWamid(s, cust, 2), Timestamp: "1749463200", Type: "text",
		Text: &Text{Body: "Hallo, ich habe eine Frage zu meiner Bestellung äöü 😀"}}
	var buf []byte
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		buf = s.appendInboundWebhook(buf[:0], "Sheena", &m, 1749463200)
		body := append([]byte(nil), buf...) // customerMessage keeps a copy of its exact size
		_ = s.sign(body)
	}
}

// BenchmarkDirectCustomer is the platform's share of one M/M/14 customer
// on the direct network: a new customer (a number the simulator vouches
// for) writes, the business answers, and the clock moves on 18 seconds
// (200 customers an hour), so that customers whose window and last message
// are 25 hours old are forgotten as in a simulated week.
func BenchmarkDirectCustomer(b *testing.B) {
	s, clk := newTest(Config{DisableStatuses: true, JournalLimit: 10000,
		KnownValid:     func(string) bool { return true },
		KeepDeliveries: func(string) bool { return false }, ForgetAfter: 25 * time.Hour})
	d := s.Direct("v21.0")
	numbers := make([]string, 1<<16)
	for i := range numbers {
		numbers[i] = "1650" + strconv.Itoa(1000000+i)
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		who := numbers[i&(len(numbers)-1)]
		if _, err := d.CustomerMessage(who, "text", "", "Hello, where is my order?", 0); err != nil {
			b.Fatal(err)
		}
		req := SendRequest{MessagingProduct: "whatsapp", RecipientType: "individual", To: who, Type: "text",
			Text: &Text{Body: "Thanks, looking into it now."}}
		if _, _, e := d.Send(&req); e != nil {
			b.Fatal(e)
		}
		clk.Add(18 * time.Second)
	}
}
