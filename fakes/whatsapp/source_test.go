package whatsapp

import (
	"bytes"
	"context"
	"testing"
	"time"
)

// TestJournalBodiesAreTheBytesSent: every webhook try in the journal
// carries the exact bytes the router received in that try, whether the
// body was kept as bytes or as what it is encoded from: text messages
// (Unicode, escapes), media, statuses with and without a conversation
// expiration, a failed status, and a webhook retried after failing.
func TestJournalBodiesAreTheBytesSent(t *testing.T) {
	clk := &fakeClock{t: t0}
	// The router fails the first call (the text message's first try) and
	// answers 200 to everything else.
	rt := newScripted(t, clk.Now, 500, 200)
	s := New(Config{WebhookURL: rt.srv.URL, Clock: clk.Now, WindowErrors: Async})
	ctx := context.Background()
	if _, err := s.CustomerText(ctx, cust, "Jörg / 100% <ok> & \"q\"", "héllo 😀 a/b @x %"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CustomerMedia(ctx, cust2, "Ann", "image", "jpeg", "cap/tion", 10); err != nil {
		t.Fatal(err)
	}
	wantOK(t, sendReq(s, text(cust, "one")))
	wantOK(t, sendReq(s, tmpl(cust2, "hello_world")))
	if _, err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	clk.Add(DefaultWindow) // the window closes: the next send fails asynchronously
	wantOK(t, sendReq(s, text(cust, "late")))
	clk.Add(time.Minute) // the failed text message webhook is due for a retry
	if _, err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	calls := rt.snapshot()
	j := s.Journal()
	if len(j.Webhooks) != len(calls) {
		t.Fatalf("%d webhook tries journaled, %d calls made", len(j.Webhooks), len(calls))
	}
	kinds := map[string]int{}
	for i, w := range j.Webhooks {
		kinds[w.Kind]++
		if !bytes.Equal(w.Body, []byte(calls[i].body)) {
			t.Errorf("try %d (%s %s, try %d): journal body\n%s\nrouter got\n%s", i, w.Kind, w.ID, w.Try, w.Body, calls[i].body)
		}
		if h := s.WebhookHeader(w.Body).Get("X-Hub-Signature-256"); h != calls[i].sig {
			t.Errorf("try %d: journal body signs as %s, sent with %s", i, h, calls[i].sig)
		}
	}
	if kinds["messages"] != 3 || kinds["statuses"] != 5 || s.Counts().Retries != 1 {
		t.Fatalf("tries by kind %v, counts %+v: the test no longer covers what it should", kinds, s.Counts())
	}
}
