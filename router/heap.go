package router

// member is an agent's place in one group: the agent, and which of the
// agent's memberships this is (its index in agent.slots).
type member struct {
	a    *agent
	slot int
}

// agentHeap is a binary min-heap of a group's eligible agents ordered by the
// group's strategy key. Each agent records its position in every heap it is
// in (agent.slots[slot].heapPos), so a change of key is fixed in O(log n).
type agentHeap struct {
	items []member
	less  func(a, b *agent) bool
}

func (h *agentHeap) len() int { return len(h.items) }

func (h *agentHeap) top() *agent {
	if len(h.items) == 0 {
		return nil
	}
	return h.items[0].a
}

func (h *agentHeap) push(m member) {
	h.items = append(h.items, m)
	i := len(h.items) - 1
	m.a.slots[m.slot].heapPos = i
	h.up(i)
}

func (h *agentHeap) remove(i int) {
	n := len(h.items) - 1
	gone := h.items[i]
	if i != n {
		h.swap(i, n)
	}
	h.items = h.items[:n]
	gone.a.slots[gone.slot].heapPos = -1
	if i != n {
		if !h.down(i) {
			h.up(i)
		}
	}
}

// fix restores the order after the key of the agent at i changed.
func (h *agentHeap) fix(i int) {
	if !h.down(i) {
		h.up(i)
	}
}

func (h *agentHeap) swap(i, j int) {
	h.items[i], h.items[j] = h.items[j], h.items[i]
	h.items[i].a.slots[h.items[i].slot].heapPos = i
	h.items[j].a.slots[h.items[j].slot].heapPos = j
}

func (h *agentHeap) up(j int) {
	for j > 0 {
		i := (j - 1) / 2
		if !h.less(h.items[j].a, h.items[i].a) {
			break
		}
		h.swap(i, j)
		j = i
	}
}

func (h *agentHeap) down(i0 int) bool {
	i := i0
	n := len(h.items)
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		j := l
		if r := l + 1; r < n && h.less(h.items[r].a, h.items[l].a) {
			j = r
		}
		if !h.less(h.items[j].a, h.items[i].a) {
			break
		}
		h.swap(i, j)
		i = j
	}
	return i > i0
}

// leastLoadedLess orders by (active/capacity, active, last assigned at, id).
func leastLoadedLess(a, b *agent) bool {
	// Compare active/capacity exactly by cross-multiplying.
	if x, y := a.active*b.capacity, b.active*a.capacity; x != y {
		return x < y
	}
	if a.active != b.active {
		return a.active < b.active
	}
	if a.lastAssigned != b.lastAssigned {
		return a.lastAssigned < b.lastAssigned
	}
	return a.id < b.id
}

// longestIdleLess orders assigned-before agents by (last assigned at, id).
// Never-assigned agents are kept apart and drawn at random.
func longestIdleLess(a, b *agent) bool {
	if a.lastAssigned != b.lastAssigned {
		return a.lastAssigned < b.lastAssigned
	}
	return a.id < b.id
}

// deadlineKind says what a deadline is for.
type deadlineKind uint8

const (
	// deadlineMissed: the conversation becomes missed, or (once missed) it
	// closes as missed.
	deadlineMissed deadlineKind = iota
	deadlineIdle
	deadlineWindow

	numDeadlineKinds = iota
)

// deadline is a conversation's pending timer of one kind. A conversation has
// at most one of each kind; its position in the heap is conv.due[kind].
type deadline struct {
	at   int64 // unix nanoseconds
	seq  uint64
	conv *conv
	kind deadlineKind
}

// deadlineHeap is an indexed binary min-heap of deadlines ordered by time,
// then by the order they were (last) set. Every entry is live: a deadline
// that moves is fixed in place, and one that can no longer fire is removed.
type deadlineHeap []deadline

func (h deadlineHeap) less(i, j int) bool {
	if h[i].at != h[j].at {
		return h[i].at < h[j].at
	}
	return h[i].seq < h[j].seq
}

func (h deadlineHeap) swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].conv.due[h[i].kind] = int32(i)
	h[j].conv.due[h[j].kind] = int32(j)
}

func (h deadlineHeap) up(j int) {
	for j > 0 {
		i := (j - 1) / 2
		if !h.less(j, i) {
			break
		}
		h.swap(i, j)
		j = i
	}
}

func (h deadlineHeap) down(i0 int) bool {
	i := i0
	n := len(h)
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		j := l
		if r := l + 1; r < n && h.less(r, l) {
			j = r
		}
		if !h.less(j, i) {
			break
		}
		h.swap(i, j)
		i = j
	}
	return i > i0
}

// set puts the conversation's deadline of d.kind at d.at: it moves the
// pending one, or adds one.
func (h *deadlineHeap) set(d deadline) {
	if i := int(d.conv.due[d.kind]); i >= 0 {
		(*h)[i].at, (*h)[i].seq = d.at, d.seq
		if !h.down(i) {
			h.up(i)
		}
		return
	}
	*h = append(*h, d)
	i := len(*h) - 1
	d.conv.due[d.kind] = int32(i)
	h.up(i)
}

// remove takes the deadline at i out of the heap and returns it.
func (h *deadlineHeap) remove(i int) deadline {
	s := *h
	n := len(s) - 1
	gone := s[i]
	if i != n {
		s.swap(i, n)
	}
	s[n] = deadline{}
	*h = s[:n]
	gone.conv.due[gone.kind] = -1
	if i != n && !h.down(i) {
		h.up(i)
	}
	return gone
}

// pop removes and returns the earliest deadline.
func (h *deadlineHeap) pop() deadline { return h.remove(0) }
