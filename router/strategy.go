package router

import "math/rand/v2"

// picker is the seam between the engine and an assignment strategy: one
// group's index of its eligible agents. The engine decides eligibility
// ([Engine.eligibleIn]) and tells the picker; the picker orders the eligible
// agents by its strategy's key and names the first, in O(log n) of the
// group's size.
type picker interface {
	// set records whether member m of g is eligible now. Called with true
	// for an agent already eligible, it means the agent's key changed.
	set(g *group, m member, eligible bool)
	// pick returns the first eligible agent of g by the strategy, or nil.
	pick(g *group, rng *rand.Rand) *agent
	// assigned tells the strategy that member m of g was just assigned a
	// conversation in g (after set has seen the new key). Only
	// round-robin heeds it, and the engine calls it for that strategy
	// alone (Engine.assign).
	assigned(g *group, m member)
}

// newPicker returns the picker of a strategy.
func newPicker(s Strategy) picker {
	switch s {
	case LongestIdle:
		return &heapPicker{fresh: true}
	case RoundRobin:
		return &rotationPicker{}
	case MostFreeCapacity:
		return &heapPicker{}
	}
	return &heapPicker{}
}

// heapPicker keeps a group's eligible agents in its indexed heap, ordered
// by the strategy's key. With fresh, never-assigned agents are kept apart in the group's
// fresh list and drawn at random first (longest-idle).
type heapPicker struct {
	fresh bool
}

func (p *heapPicker) set(g *group, m member, eligible bool) {
	s := &m.a.slots[m.slot]
	switch {
	case !eligible:
		g.eligible.drop(s.pos)
		if s.freshPos >= 0 {
			g.removeFresh(s.freshPos)
		}
	case p.fresh && m.a.lastAssigned == never:
		if s.freshPos < 0 {
			s.freshPos = len(g.fresh)
			g.fresh = append(g.fresh, m)
		}
	default:
		if s.freshPos >= 0 {
			g.removeFresh(s.freshPos)
		}
		g.eligible.set(m)
	}
}

func (p *heapPicker) pick(g *group, rng *rand.Rand) *agent {
	if n := len(g.fresh); n > 0 {
		return g.fresh[rng.IntN(n)].a
	}
	return g.eligible.top()
}

func (*heapPicker) assigned(*group, member) {}

// rotationPicker is round-robin: the group's members in a fixed rotation
// (their order in [Config.Agents]), a cursor at the member assigned last,
// and the next eligible member after it, wrapping around. The eligible
// members are a bit set in a segment tree, so the next one is found in
// O(log n); an ineligible member keeps its place in the rotation.
type rotationPicker struct{}

func (*rotationPicker) set(g *group, m member, eligible bool) {
	g.rotation.set(m.a.slots[m.slot].pos, eligible)
}

func (*rotationPicker) pick(g *group, _ *rand.Rand) *agent {
	i := g.rotation.next(g.cursor + 1)
	if i < 0 {
		i = g.rotation.next(0)
	}
	if i < 0 {
		return nil
	}
	return g.members[i].a
}

func (*rotationPicker) assigned(g *group, m member) { g.cursor = m.a.slots[m.slot].pos }

// rotation is a set of member positions as a segment tree of counts: leaf
// size+i holds 1 when position i is in the set.
type rotation struct {
	size int
	cnt  []int32
}

func newRotation(n int) rotation {
	size := 1
	for size < n {
		size *= 2
	}
	return rotation{size: size, cnt: make([]int32, 2*size)}
}

func (r *rotation) set(i int, in bool) {
	j := r.size + i
	v := int32(0)
	if in {
		v = 1
	}
	if r.cnt[j] == v {
		return
	}
	d := v - r.cnt[j]
	for ; j > 0; j >>= 1 {
		r.cnt[j] += d
	}
}

// next returns the smallest position at or after k in the set, or -1.
func (r *rotation) next(k int) int {
	if k >= r.size || len(r.cnt) == 0 {
		return -1
	}
	i := r.size + k
	for r.cnt[i] == 0 {
		// Climb while i is a right child, then step to the right sibling.
		for i&1 == 1 {
			i >>= 1
		}
		if i == 0 {
			return -1
		}
		i++
	}
	for i < r.size {
		if r.cnt[2*i] > 0 {
			i = 2 * i
		} else {
			i = 2*i + 1
		}
	}
	return i - r.size
}
