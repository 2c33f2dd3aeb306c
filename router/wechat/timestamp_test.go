package wechat

import (
	"testing"
	"time"
)

func TestSentIsCreateTime(t *testing.T) {
	a, rec, _ := newTestAdapter(t)
	postPlain(a, textMsg("o1", "1", "hi"))
	if len(rec.received) != 1 {
		t.Fatalf("received %d", len(rec.received))
	}
	if got, want := rec.received[0].Sent, time.Unix(1348831860, 0); !got.Equal(want) {
		t.Errorf("Sent %v, want CreateTime %v", got, want)
	}
	if !sentAt(0).IsZero() || !sentAt(-1).IsZero() {
		t.Error("a CreateTime of 0 or less is a time")
	}
}
