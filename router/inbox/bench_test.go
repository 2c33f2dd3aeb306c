package inbox

import (
	"fmt"
	"testing"
	"time"

	"github.com/omnisim/omnisim/router"
)

// load applies n conversations, each opened, assigned, answered and
// given a customer text, one second apart.
func load(b *testing.B, ib *Inbox, n int) {
	b.Helper()
	for k := range n {
		id := router.ConversationID(k + 1)
		c := fmt.Sprintf("u%d", k)
		d := time.Duration(k) * time.Second
		ib.Apply(ev(d, router.EventOpened, id, c, ""))
		ib.Apply(ev(d, router.EventInbound, id, c, ""))
		ib.AddMessage(at(d), id, FromCustomer, "my number is 0912-345-678, mail me at x@example.com")
		ib.Apply(ev(d, router.EventAssigned, id, c, fmt.Sprintf("a%d", k%20)))
		ib.Apply(ev(d+time.Duration(k%90)*time.Second, router.EventSent, id, c, fmt.Sprintf("a%d", k%20)))
	}
}

func BenchmarkApply(b *testing.B) {
	ib := New(Config{Standard: Standard{FirstResponseP90: time.Minute, MaxWaiting: 5}})
	b.ReportAllocs()
	for k := 0; b.Loop(); k++ {
		id := router.ConversationID(k + 1)
		d := time.Duration(k) * time.Second
		ib.Apply(ev(d, router.EventOpened, id, "u", ""))
		ib.Apply(ev(d, router.EventInbound, id, "u", ""))
		ib.Apply(ev(d, router.EventAssigned, id, "u", "a1"))
		ib.Apply(ev(d, router.EventSent, id, "u", "a1"))
		ib.Apply(ev(d, router.EventClosed, id, "u", "a1"))
	}
}

func BenchmarkList10k(b *testing.B) {
	ib := New(Config{})
	load(b, ib, 10000)
	b.ResetTimer()
	for b.Loop() {
		ib.List(Filter{View: ViewUnread, Search: "0912"}, Page{Limit: 50})
	}
}

func BenchmarkDetectPhones(b *testing.B) {
	for b.Loop() {
		DetectPhones("您好,我的電話是 0912-345-678,訂單 20240115 請回電 (02) 2345-6789", "TW")
	}
}
