package whatsapp

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// refSeen is the dedupe memory as a map and a FIFO: the model seenSet is
// held to.
type refSeen struct {
	seen  map[string]int64
	queue []refEntry
}

type refEntry struct {
	id string
	at int64
}

func (r *refSeen) add(id string, now, window int64) bool {
	for len(r.queue) > 0 && now-r.queue[0].at >= window {
		e := r.queue[0]
		if at, ok := r.seen[e.id]; ok && at == e.at {
			delete(r.seen, e.id)
		}
		r.queue = r.queue[1:]
	}
	if at, ok := r.seen[id]; ok && now-at < window {
		return false
	}
	r.seen[id] = now
	r.queue = append(r.queue, refEntry{id: id, at: now})
	return true
}

// TestSeenSetMatchesModel drives seenSet and the model with the same
// random ids and times (the clock sometimes going backwards, ids coming
// back after their window, bursts that grow the index and the FIFO and
// long gaps that empty them) and compares every answer and what is kept.
func TestSeenSetMatchesModel(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		rng := rand.New(rand.NewPCG(seed, 0))
		s := newSeenSet()
		ref := &refSeen{seen: map[string]int64{}}
		window := int64(1 + rng.IntN(500))
		now := int64(0)
		ids := 1 + rng.IntN(3000)
		for op := range 20000 {
			switch r := rng.IntN(100); {
			case r < 2:
				now -= int64(rng.IntN(50)) // backwards
			case r < 3:
				now += window * int64(1+rng.IntN(3)) // a gap
			default:
				now += int64(rng.IntN(3))
			}
			n := rng.IntN(ids)
			id := fmt.Sprintf("wamid.%d", n)
			if n%97 == 0 { // longer than a block of id bytes
				id = strings.Repeat("w", idBlock+n%7) + id
			}
			if got, want := s.add(id, now, window), ref.add(id, now, window); got != want {
				t.Fatalf("seed %d op %d: add(%s, %d) = %v, model %v", seed, op, id, now, got, want)
			}
			if s.used != len(ref.seen) || s.len() != len(ref.queue) {
				t.Fatalf("seed %d op %d: %d ids in %d entries, model %d in %d", seed, op, s.used, s.len(), len(ref.seen), len(ref.queue))
			}
			// The id bytes kept start at the oldest entry's block.
			if s.len() > 0 && s.entry(s.first).blk != s.idBase {
				t.Fatalf("seed %d op %d: id blocks from %d kept for entries from block %d", seed, op, s.idBase, s.entry(s.first).blk)
			}
		}
		for i, e := range ref.queue {
			if got := s.entry(s.first + uint64(i)); string(s.id(got)) != e.id || got.at != e.at {
				t.Fatalf("seed %d: entry %d is %s@%d, model %s@%d", seed, i, s.id(got), got.at, e.id, e.at)
			}
		}
		for id, at := range ref.seen {
			sl, found := s.find(id, s.tag(id))
			if !found || s.indexed(sl).at != at {
				t.Fatalf("seed %d: %s not indexed at %d", seed, id, at)
			}
		}
	}
}

// BenchmarkSeenSet remembers the wamids of one M/M/14 run (about 34,000
// messages in 7 days, none forgotten) in a new set per run, as each world
// does: the time per message includes growing the FIFO and the index.
func BenchmarkSeenSet(b *testing.B) {
	const n = 34000
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("wamid.HBgLMTY1MDUwNzY1MjAVAgASGBQzQTRBNjU5OUFF%08d", i)
	}
	window := int64(7 * 24 * 3600e9)
	b.ReportAllocs()
	for b.Loop() {
		s := newSeenSet()
		for i, id := range ids {
			if !s.add(id, int64(i)*18e9, window) {
				b.Fatal("seen")
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/message")
}
