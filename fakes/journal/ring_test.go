package journal

import (
	"slices"
	"strconv"
	"testing"
)

// model is the plain bounded list Ring must behave as.
type model struct {
	entries []int
	limit   int
}

func (m *model) add(v int) {
	m.entries = append(m.entries, v)
	if m.limit > 0 && len(m.entries) > m.limit {
		m.entries = m.entries[1:]
	}
}

func TestRingMatchesModel(t *testing.T) {
	limits := []int{0, 1, 2, 3, blockLen - 1, blockLen, blockLen + 1, 2*blockLen + 7, 10000}
	for _, limit := range limits {
		var r Ring[int]
		r.SetLimit(limit)
		m := model{limit: limit}
		for i := range 3*blockLen + 2*max(limit, 0) + 5 {
			r.Add(i)
			m.add(i)
			if r.Len() != len(m.entries) {
				t.Fatalf("limit %d after %d adds: Len %d, want %d", limit, i+1, r.Len(), len(m.entries))
			}
			if got, want := *r.Last(), m.entries[len(m.entries)-1]; got != want {
				t.Fatalf("limit %d after %d adds: Last %d, want %d", limit, i+1, got, want)
			}
			// A full comparison at every step is quadratic; check the
			// steps around the block and limit boundaries and a sample.
			if i < 2*blockLen+10 || i%97 == 0 || (limit > 0 && i%limit < 3) {
				if got := r.Snapshot(); !slices.Equal(got, m.entries) {
					t.Fatalf("limit %d after %d adds: Snapshot %v, want %v", limit, i+1, got, m.entries)
				}
				for k, want := range m.entries {
					if got := *r.At(k); got != want {
						t.Fatalf("limit %d after %d adds: At(%d) %d, want %d", limit, i+1, k, got, want)
					}
				}
			}
		}
		if got := r.Snapshot(); !slices.Equal(got, m.entries) {
			t.Fatalf("limit %d: final Snapshot differs from the model", limit)
		}
	}
}

func TestRingBoundsItsStorage(t *testing.T) {
	for _, limit := range []int{1, 5, blockLen, blockLen + 3, 3*blockLen - 1} {
		var r Ring[int]
		r.SetLimit(limit)
		for i := range 4 * (limit + blockLen) {
			r.Add(i)
		}
		held := 0
		for i, b := range r.blocks {
			held += len(b)
			if i > 0 && cap(b) > blockLen {
				t.Errorf("limit %d: block %d has room for %d entries, more than a block", limit, i, cap(b))
			}
		}
		if held != limit || r.Len() != limit {
			t.Errorf("limit %d: holds %d entries (Len %d), want the limit", limit, held, r.Len())
		}
		if len(r.blocks) > 1 && cap(r.blocks[len(r.blocks)-1]) != limit-(len(r.blocks)-1)*blockLen {
			t.Errorf("limit %d: the last block has room for %d, want only what the limit leaves (%d)",
				limit, cap(r.blocks[len(r.blocks)-1]), limit-(len(r.blocks)-1)*blockLen)
		}
	}
}

func TestRingLastIsInPlace(t *testing.T) {
	for _, limit := range []int{0, 2, blockLen} {
		var r Ring[[2]int]
		r.SetLimit(limit)
		for i := range blockLen + 5 {
			r.Add([2]int{i, 0})
			r.Last()[1] = i
		}
		for _, e := range r.Snapshot() {
			if e[0] != e[1] {
				t.Fatalf("limit %d: entry %v: a change made through Last was lost", limit, e)
			}
		}
	}
}

func TestRingSnapshotIsACopy(t *testing.T) {
	var r Ring[int]
	r.SetLimit(3)
	for i := range 3 {
		r.Add(i)
	}
	s := r.Snapshot()
	r.Add(9)
	if !slices.Equal(s, []int{0, 1, 2}) {
		t.Fatalf("an Add changed an earlier Snapshot: %v", s)
	}
	if got := r.Snapshot(); !slices.Equal(got, []int{1, 2, 9}) {
		t.Fatalf("Snapshot %v, want [1 2 9]", got)
	}
}

func TestRingLastOfEmpty(t *testing.T) {
	var r Ring[int]
	if !r.Keeps() {
		t.Fatal("the zero Ring keeps nothing")
	}
	if r.Last() != nil {
		t.Fatal("Last of an empty Ring is not nil")
	}
}

// A Ring whose limit is negative keeps nothing.
func TestRingKeepsNone(t *testing.T) {
	var r Ring[int]
	r.SetLimit(-1)
	for i := range 1000 {
		r.Add(i)
	}
	if r.Keeps() || r.Len() != 0 || len(r.Snapshot()) != 0 || len(r.blocks) != 0 || r.Last() != nil {
		t.Fatalf("kept %d entries in %d blocks", r.Len(), len(r.blocks))
	}
}

// TestMap reads a ring back through a function, oldest first: all it holds,
// or its newest when it is bounded; an empty ring gives an empty list.
func TestMap(t *testing.T) {
	for _, c := range []struct {
		limit, add int
		want       []string
	}{
		{limit: 0, add: 0, want: []string{}},
		{limit: 0, add: 3, want: []string{"e0", "e1", "e2"}},
		{limit: 3, add: 5, want: []string{"e2", "e3", "e4"}},
	} {
		var r Ring[int]
		r.SetLimit(c.limit)
		for i := range c.add {
			r.Add(i)
		}
		got := Map(&r, func(v *int) string { return "e" + strconv.Itoa(*v) })
		if !slices.Equal(got, c.want) || got == nil {
			t.Errorf("limit %d, %d added: Map = %q, want %q", c.limit, c.add, got, c.want)
		}
	}
}
