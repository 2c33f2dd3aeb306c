package whatsapp

import (
	"context"
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/omnisim/omnisim/internal/blockpool/pooltest"
	"github.com/omnisim/omnisim/internal/race"
	"github.com/omnisim/omnisim/openaddr"
)

// releaseCases are the configurations the Release tests play: each keeps
// and forgets customers, and journals, in its own way.
var releaseCases = []struct {
	name string
	cfg  Config
}{
	{"defaults", Config{Seed: 5}},
	{"forgetting, reads, short journal", Config{Seed: 6, ForgetAfter: 25 * time.Hour, JournalLimit: 40,
		KeepDeliveries: func(w string) bool { return w[len(w)-1] == '3' },
		Limits:         Limits{ReadProbability: 0.5, ReadAfter: time.Minute}}},
	{"async window, pair rate, forgetting all", Config{Seed: 7, WindowErrors: Async, ForgetAfter: 25 * time.Hour,
		KeepDeliveries: func(string) bool { return false }, Limits: Limits{PairInterval: time.Hour, PairBurst: 2}}},
	{"no journal, no statuses, solo", Config{Seed: 8, JournalLimit: -1, DisableStatuses: true, Solo: true,
		ForgetAfter: 25 * time.Hour, KeepDeliveries: func(w string) bool { return w[len(w)-1] == '1' }}},
	{"pooled wamids, as a simulator's world", Config{Seed: 9, JournalLimit: -1, Solo: true, PoolWamids: true,
		ForgetAfter: 25 * time.Hour, KeepDeliveries: func(string) bool { return false }}},
}

// releaseCustomers is how many customers playRelease has write: records
// of more than one block, a table grown several times, and forget queue
// blocks past the first.
const releaseCustomers = 2*customerBlock + 100

// newReleaseServer is a server of cfg on a test clock, with every number
// of digits vouched for (no libphonenumber).
func newReleaseServer(cfg Config) (*Server, *fakeClock) {
	cfg.KnownValid = func(string) bool { return true }
	return newTest(cfg)
}

// playRelease plays a fixed sequence of calls on s, a server of
// newReleaseServer, through a Direct: customers (numbers from base on)
// write, texts and media, get texts and templates, bad sends, marks as
// read and status rounds, over three rounds 13 hours apart, so that
// windows close and customers are forgotten and come back. It returns
// every observable result in order (wamids, wa_ids, errors with their
// fbtrace_ids, verdicts, statuses; at the end each customer's Device,
// LastError, window and read marks, the Counts, Customers, the journal),
// and the values it was handed, as they are kept (for
// TestReleasedMemoryLeavesHandedOut).
func playRelease(t *testing.T, s *Server, clk *fakeClock, base int) (trace []string, handed []any) {
	t.Helper()
	d := s.Direct("v21.0")
	note := func(v ...any) {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		trace = append(trace, string(b))
	}
	who := func(i int) string { return strconv.Itoa(base + i) }
	last := make([]string, releaseCustomers) // each customer's last inbound wamid
	statuses := func() {
		n := d.Statuses(func(q QueuedStatus) {
			note("status", q.Status(), q.ID(), q.State(), q.RecipientID())
			handed = append(handed, q)
		})
		note("statuses", n)
	}
	for round := range 3 {
		for i := range releaseCustomers {
			clk.Add(time.Second)
			w := who(i)
			switch (i + round) % 4 {
			case 0, 1:
				waID, id, now, err := d.CustomerText(w)
				note("text", waID, id, now, err)
				last[i] = id
				handed = append(handed, id, waID)
			case 2:
				m, err := d.CustomerMessage(w, "image", "jpeg", "caption", 10)
				note("image", m, err)
				last[i] = m.ID
				handed = append(handed, m)
			}
			req := text(w, "hello "+strconv.Itoa(round))
			if i%5 == 0 {
				req = tmpl(w, "order_update")
			}
			note("verdict", s.Check(req))
			waID, id, e := d.Send(&req)
			note("send", waID, id, e)
			handed = append(handed, id, e)
			if i%7 == 0 {
				bad := text(w, "")
				_, _, e := d.Send(&bad)
				note("bad", e)
				handed = append(handed, e)
			}
			if i%11 == 0 && last[i] != "" {
				read := SendRequest{MessagingProduct: "whatsapp", Status: "read", MessageID: last[i]}
				_, _, e := d.Send(&read)
				note("read", last[i], e)
			}
			if i%50 == 0 {
				statuses()
			}
		}
		statuses()
		note("customers", s.Customers(), s.Pending(), s.ReadStatuses())
		clk.Add(13 * time.Hour)
	}
	for i := range releaseCustomers {
		w := who(i)
		ds, le := s.Deliveries(w), s.LastError(w)
		note("customer", w, ds, le, s.WindowOpen(w), last[i] != "" && s.Read(last[i]))
		if i%9 == 0 {
			handed = append(handed, ds, le)
		}
	}
	j := s.Journal()
	note("end", s.Customers(), s.Counts(), j, s.Pending(), s.ReadStatuses())
	handed = append(handed, j)
	return trace, handed
}

// sameTrace reports the first difference of got from want.
func sameTrace(t *testing.T, what string, got, want []string) {
	t.Helper()
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] {
			t.Fatalf("%s: result %d is\n%s\nwant\n%s", what, i, got[i], want[i])
		}
	}
	if len(got) != len(want) {
		t.Fatalf("%s: %d results, want %d", what, len(got), len(want))
	}
}

// recordBlockSet is the blocks of customer records some servers took.
type recordBlockSet map[*[customerBlock]customerRecord]bool

func (b recordBlockSet) add(s *Server) {
	for _, p := range s.blocks {
		b[p] = true
	}
}

func (b recordBlockSet) any(s *Server) bool {
	for _, p := range s.blocks {
		if b[p] {
			return true
		}
	}
	return false
}

// TestReleasedMemoryReused: a server that takes the memory another
// server played with and released (the blocks of records, the table's
// arrays, the forget queue's blocks, from the pools) answers and records
// exactly as a fresh one on the same sequence of calls, whatever the
// released one played (other customers, another seed). A pool may drop
// what it holds (always under the race detector, now and then, and at a
// collection), so the test plays again until the new server has taken
// at least one released block of records.
func TestReleasedMemoryReused(t *testing.T) {
	for _, tc := range releaseCases {
		t.Run(tc.name, func(t *testing.T) {
			s, clk := newReleaseServer(tc.cfg)
			want, _ := playRelease(t, s, clk, 16505550000)
			released := recordBlockSet{}
			for attempt := 0; ; attempt++ {
				other := tc.cfg
				other.Seed += 100
				f, fclk := newReleaseServer(other)
				playRelease(t, f, fclk, 4915110000000)
				released.add(f)
				f.Release()
				if n := f.Customers(); n != 0 {
					t.Fatalf("%d customers after Release", n)
				}
				s, clk := newReleaseServer(tc.cfg)
				got, _ := playRelease(t, s, clk, 16505550000)
				sameTrace(t, "a server of released memory", got, want)
				if released.any(s) {
					break
				}
				if attempt == 10 {
					t.Fatal("no server took a released block of records")
				}
			}
		})
	}
}

// TestReleasedMemoryLeavesHandedOut: nothing a server handed out before
// Release (wamids, wa_ids, messages, errors, statuses, deliveries, the
// journal) changes when other servers take the memory it released and
// write over it.
func TestReleasedMemoryLeavesHandedOut(t *testing.T) {
	for _, tc := range releaseCases {
		if tc.cfg.PoolWamids {
			continue // its wamids go back: TestPooledWamidsAreWrittenOver
		}
		t.Run(tc.name, func(t *testing.T) {
			f, fclk := newReleaseServer(tc.cfg)
			_, handed := playRelease(t, f, fclk, 16505550000)
			before, err := json.Marshal(handed)
			if err != nil {
				t.Fatal(err)
			}
			f.Release()
			for range 3 {
				other := tc.cfg
				other.Seed++
				s, clk := newReleaseServer(other)
				playRelease(t, s, clk, 4915110000000)
			}
			after, _ := json.Marshal(handed)
			if string(after) != string(before) {
				t.Fatal("what the released server handed out changed after others reused its memory")
			}
		})
	}
}

// TestReleaseForgetsEveryone: after Release a server has no customer and
// gives back nothing more; it is used as before (its Direct too, made
// before Release), a customer who writes again starting afresh, as one
// ForgetAfter forgot (a pair rate bucket that is not full kept), and a
// second Release, before and after more use, is harmless. The journal
// and the counts stay.
func TestReleaseForgetsEveryone(t *testing.T) {
	const a, b = "16505550001", "16505550002"
	for _, tc := range []struct {
		name    string
		cfg     Config
		rate    bool // the pair rate refuses a's second send
		release int  // Releases in a row
	}{
		{"once", Config{}, false, 1},
		{"twice", Config{}, false, 2},
		{"pair rate", Config{Limits: Limits{PairInterval: 100 * time.Hour, PairBurst: 1}}, true, 1},
		{"pair rate, twice", Config{Limits: Limits{PairInterval: 100 * time.Hour, PairBurst: 1}}, true, 2},
		{"forgetting, solo", Config{ForgetAfter: time.Hour, KeepDeliveries: func(string) bool { return false }, Solo: true}, false, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, clk := newReleaseServer(tc.cfg)
			d := s.Direct("v21.0")
			s.Release() // a new server's
			s.Release()
			if s.Customers() != 0 || len(s.blocks) != 0 {
				t.Fatalf("a new server's Release: %d customers, %d blocks", s.Customers(), len(s.blocks))
			}
			_, first, _, err := d.CustomerText(a)
			if err != nil {
				t.Fatal(err)
			}
			req := text(a, "hello")
			if _, _, e := d.Send(&req); e != nil {
				t.Fatal(e)
			}
			if _, _, e := d.Send(&req); (e != nil) != tc.rate {
				t.Fatalf("second send: %v", e)
			}
			for i := range customerBlock + 3 {
				if _, _, _, err := d.CustomerText(strconv.Itoa(16505560000 + i)); err != nil {
					t.Fatal(err)
				}
			}
			read := SendRequest{MessagingProduct: "whatsapp", Status: "read", MessageID: first}
			if _, _, e := d.Send(&read); e != nil {
				t.Fatal(e)
			}
			bad := text(a, "")
			if _, _, e := d.Send(&bad); e == nil {
				t.Fatal("a send without a body was accepted")
			}
			counts, journal := s.Counts(), s.Journal()
			for range tc.release {
				s.Release()
			}
			if n := s.Customers(); n != 0 || len(s.blocks) != 0 || s.records != nil || s.free != nil || s.forget.len() != 0 ||
				s.customers.t.Len() != 0 || tableArray(&s.customers.t) != 0 {
				t.Fatalf("after Release: %d customers, %d blocks, forget queue %d, a table array of %d slots",
					n, len(s.blocks), s.forget.len(), tableArray(&s.customers.t))
			}
			for _, r := range s.customers.recent {
				if r.c != nil {
					t.Fatal("the table's recent records outlived Release")
				}
			}
			if s.WindowOpen(a) || s.LastError(a) != nil || s.Deliveries(a) != nil || s.Read(first) {
				t.Errorf("a released customer: window %v, last error %v, deliveries %v, read %v",
					s.WindowOpen(a), s.LastError(a), s.Deliveries(a), s.Read(first))
			}
			// The pair rate, checked first, refuses while the bucket kept
			// is full; else the window, closed with the record gone.
			want := CodeReEngagement
			if tc.rate {
				want = CodePairRate
			}
			if _, _, e := d.Send(&req); e == nil || e.Code != want {
				t.Errorf("send to a released customer: %v, want %d", e, want)
			}
			if c, j := s.Counts(), s.Journal(); c.Deliveries != counts.Deliveries || c.Errors != counts.Errors+1 ||
				len(j.Deliveries) != len(journal.Deliveries) || len(j.Reads) != len(journal.Reads) {
				t.Errorf("counts %+v and journal %d deliveries after Release, were %+v and %d",
					c, len(j.Deliveries), counts, len(journal.Deliveries))
			}
			clk.Add(time.Hour + time.Second)
			if _, _, _, err := d.CustomerText(a); err != nil {
				t.Fatal(err)
			}
			if _, _, _, err := d.CustomerText(b); err != nil {
				t.Fatal(err)
			}
			if _, _, e := d.Send(&req); (e != nil) != tc.rate || (tc.rate && e.Code != CodePairRate) {
				t.Errorf("send to a customer back after Release: %v (pair rate kept: %v)", e, tc.rate)
			}
			if n := s.Customers(); n != 2 || !s.WindowOpen(a) || !s.WindowOpen(b) {
				t.Errorf("after writing again: %d customers, windows %v %v", n, s.WindowOpen(a), s.WindowOpen(b))
			}
			s.Release()
			s.Release()
			if n := s.Customers(); n != 0 {
				t.Errorf("%d customers after the last Release", n)
			}
		})
	}
}

// TestReleaseAndClose: Close works after Release and Release after
// Close, on a started server and on one that is not, with AutoFlush.
func TestReleaseAndClose(t *testing.T) {
	for _, tc := range []struct {
		name         string
		start, early bool // Start first; Close before Release
		cfg          Config
	}{
		{"unstarted, release first", false, false, Config{}},
		{"unstarted, close first", false, true, Config{}},
		{"started, release first", true, false, Config{}},
		{"started, close first", true, true, Config{}},
		{"autoflush, release first", false, false, Config{AutoFlush: true}},
		{"autoflush, close first", false, true, Config{AutoFlush: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rt := newRouter(t, DefaultAppSecret)
			tc.cfg.WebhookURL = rt.srv.URL
			s, _ := newReleaseServer(tc.cfg)
			if tc.start {
				if err := s.Start(); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := s.CustomerText(context.Background(), cust, "Ann", "hi"); err != nil {
				t.Fatal(err)
			}
			wantOK(t, sendReq(s, text(cust, "hello")))
			if tc.early {
				s.Close()
			}
			s.Release()
			s.Close()
			s.Release()
			if _, err := s.Flush(context.Background()); err != nil {
				t.Fatal(err)
			}
			if n := s.Customers(); n != 0 {
				t.Errorf("%d customers", n)
			}
		})
	}
}

// TestReleaseWhileInUse: Release under the server's lock, while other
// goroutines write and send (go test -race).
func TestReleaseWhileInUse(t *testing.T) {
	s, _ := newReleaseServer(Config{ForgetAfter: time.Nanosecond, KeepDeliveries: func(string) bool { return false }})
	d := s.Direct("v21.0")
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 300 {
				w := strconv.Itoa(16505550000 + 1000*g + i)
				if _, _, _, err := d.CustomerText(w); err != nil {
					t.Error(err)
					return
				}
				req := text(w, "hello")
				d.Send(&req)
				d.Statuses(func(QueuedStatus) {})
			}
		})
	}
	wg.Go(func() {
		for range 50 {
			s.Release()
		}
	})
	wg.Wait()
	s.Release()
	if n := s.Customers(); n != 0 {
		t.Errorf("%d customers", n)
	}
}

// tableArray is the length of a table's array: 0 when it holds none.
func tableArray(t *openaddr.Table[customer]) int {
	return reflect.ValueOf(t).Elem().FieldByName("slots").Len()
}

// TestReleaseClearsWhatItGivesBack: the blocks of records and of the
// forget queue a server gave back are all zero (the table's arrays are
// openaddr's to clear: TestPooledArrays), so that a pool keeps nothing
// of the server alive and a block taken from it is as a new one.
func TestReleaseClearsWhatItGivesBack(t *testing.T) {
	for _, tc := range releaseCases {
		t.Run(tc.name, func(t *testing.T) {
			s, clk := newReleaseServer(tc.cfg)
			playRelease(t, s, clk, 16505550000)
			records := append([]*[customerBlock]customerRecord(nil), s.blocks...)
			forget := append([][]forgetRec(nil), s.forget.blocks...)
			if s.forget.spare != nil {
				forget = append(forget, s.forget.spare)
			}
			if len(records) < 2 || (tc.cfg.ForgetAfter > 0 && len(forget) < 2) {
				t.Fatalf("the play took %d blocks of records and %d of the forget queue: too few to test", len(records), len(forget))
			}
			s.Release()
			for i, b := range records {
				if !reflect.ValueOf(b).Elem().IsZero() {
					t.Errorf("block of records %d is not zero after Release", i)
				}
			}
			for i, b := range forget {
				for j, r := range b[:cap(b)] {
					if r != (forgetRec{}) {
						t.Fatalf("block %d of the forget queue holds %+v at %d after Release", i, r, j)
					}
				}
			}
		})
	}
}

// TestPooledWamidsAreWrittenOver: a server made with Config.PoolWamids
// gives its wamids' memory back at Release, for the next server to write
// over (which is why nothing may hold one of its wamids past Release);
// without PoolWamids, a wamid handed out stays as it was.
func TestPooledWamidsAreWrittenOver(t *testing.T) {
	pooltest.Steady(t) // the next server takes the block the first gave back
	for _, pooled := range []bool{false, true} {
		s, _ := newReleaseServer(Config{Seed: 10, PoolWamids: pooled, JournalLimit: -1})
		_, id, _, err := s.Direct("v21.0").CustomerText("16505551234")
		if err != nil {
			t.Fatal(err)
		}
		held := strings.Clone(id)
		s.Release()
		if id != held {
			t.Fatalf("PoolWamids %v: the wamid %q reads %q after Release, before any other server ran", pooled, held, id)
		}
		next, _ := newReleaseServer(Config{Seed: 11, PoolWamids: true, JournalLimit: -1})
		if _, _, _, err := next.Direct("v21.0").CustomerText("16505550000"); err != nil {
			t.Fatal(err)
		}
		next.Release()
		changed := id != held
		if pooled && race.Enabled && !changed {
			continue // the pool dropped the block: a race build's pools drop at random
		}
		if changed != pooled {
			t.Fatalf("PoolWamids %v: the wamid %q reads %q after the next server wrote its first", pooled, held, id)
		}
	}
}
