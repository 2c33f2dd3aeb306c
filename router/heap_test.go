package router

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestAgentHeapFirst plays random assignments, closes and presence changes
// on one group's index, with and without the tail, under every heap
// strategy's key, and compares the first agent and the members held with
// a scan of every member by the key. The clock often stands still, so
// agents share last-assigned times and the id decides.
func TestAgentHeapFirst(t *testing.T) {
	keys := map[string]keyFunc{"least-loaded": leastLoadedKey, "longest-idle": longestIdleKey, "most-free-capacity": mostFreeCapacityKey}
	for name, key := range keys {
		for _, ordered := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/ordered=%v", name, ordered), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(7, 8))
				const n = 40
				members := make([]member, n)
				online := make([]bool, n)
				for i := range members {
					a := &agent{id: fmt.Sprint(i), capacity: 1 + rng.IntN(3), lastAssigned: never,
						rank: int32(rng.IntN(1000)*n + i), slots: []slot{{pos: i}}}
					members[i] = member{a: a}
				}
				h := agentHeap{key: key, ordered: ordered}
				h.init(members)
				eligible := func(i int) bool { a := members[i].a; return online[i] && a.active < a.capacity }
				reindex := func(i int) {
					if eligible(i) {
						h.set(members[i])
					} else {
						h.drop(i)
					}
				}
				clock := int64(0)
				for step := range 20000 {
					clock += int64(rng.IntN(2))
					i := rng.IntN(n)
					a := members[i].a
					switch rng.IntN(4) {
					case 0: // the first agent is assigned
						if f := h.top(); f != nil {
							a = f
							i = int(f.slots[0].pos)
						}
						fallthrough
					case 1:
						if a.active < a.capacity {
							a.active++
							a.lastAssigned = clock
						}
					case 2:
						if a.active > 0 {
							a.active--
						}
					case 3:
						online[i] = !online[i]
					}
					reindex(i)
					var want *agent
					var wantIt heapItem
					for j, m := range members {
						if h.has(j) != eligible(j) {
							t.Fatalf("step %d: member %d held %v, eligible %v", step, j, h.has(j), eligible(j))
						}
						if !eligible(j) {
							continue
						}
						var it heapItem
						h.load(&it, m.a)
						if want == nil || it.less(&wantIt) {
							want, wantIt = m.a, it
						}
					}
					if got := h.top(); got != want {
						t.Fatalf("step %d: first agent %v, want %v", step, got, want)
					}
				}
			})
		}
	}
}
