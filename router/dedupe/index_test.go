package dedupe

import (
	"fmt"
	"testing"
	"time"
)

// checkIndex holds s's index to its layout, once the slot Add left
// pending is written: a slot's control byte is 0 exactly when the slot is
// empty and is its tag's (ctrlOf) otherwise; every id is in its home
// slot or after it with no empty slot between (linear probing, which
// backward-shift deletion keeps); used counts the occupied slots; and
// every slot points to an entry of its tag.
func checkIndex(t *testing.T, s *Set) {
	t.Helper()
	s.flush()
	mask := uint32(len(s.ctrl) - 1)
	if len(s.ctrl) != len(s.slots) {
		t.Fatalf("%d control bytes for %d slots", len(s.ctrl), len(s.slots))
	}
	used := 0
	for i, sl := range s.slots {
		c := s.ctrl[i]
		if (c == 0) != (sl.tag == 0) || c != ctrlOf(sl.tag) {
			t.Fatalf("slot %d: control byte %#x for tag %#x", i, c, sl.tag)
		}
		if sl.tag == 0 {
			continue
		}
		used++
		for j := sl.tag & mask; j != uint32(i); j = (j + 1) & mask {
			if s.ctrl[j] == 0 {
				t.Fatalf("slot %d (home %d): slot %d between them is empty", i, sl.tag&mask, j)
			}
		}
		if e := s.indexed(&s.slots[i]); e.tag != sl.tag {
			t.Fatalf("slot %d: tag %#x points to an entry of tag %#x", i, sl.tag, e.tag)
		}
	}
	if used != s.used {
		t.Fatalf("%d slots occupied, used %d", used, s.used)
	}
}

// picker finds ids whose tags, under a Set's seed, put them where a test
// wants them in an index of 64 slots (the first length).
type picker struct {
	s    *Set
	next int
	took map[string]bool
}

// pick returns an id not taken before whose home slot is home and, unless
// ctrl is 0, whose control byte is ctrl.
func (p *picker) pick(home uint32, ctrl uint8) string {
	for ; ; p.next++ {
		id := fmt.Sprintf("wamid.%d", p.next)
		tg := p.s.tagOf(id)
		if tg&63 == home && (ctrl == 0 || ctrlOf(tg) == ctrl) && !p.took[id] {
			p.took[id] = true
			return id
		}
	}
}

// TestIndexLayout places ids in chosen slots of the index (ids that share
// a home slot, control bytes that match for different tags, a run of
// slots that wraps around the index's end), forgets some of them (the
// gaps closed by backward shift) and grows the index, checking after
// each step what Add and Has answer and the index's layout (checkIndex).
func TestIndexLayout(t *testing.T) {
	// A step adds (or, forget, lets the window pass for) the ids of the
	// named picks: a pick is a home slot and a control byte (0: any) or,
	// with same, the control byte of an earlier pick.
	type pick struct {
		home uint32
		ctrl uint8
		same int // 1 + the index of the pick whose control byte to share; 0: none
	}
	tests := []struct {
		name  string
		picks []pick
		// forget is how many of the picks (the oldest) leave the window
		// before the others are looked up again.
		forget int
	}{
		{"one home", []pick{{home: 5}, {home: 5}, {home: 5}}, 0},
		{"one home, the first forgotten", []pick{{home: 5}, {home: 5}, {home: 5}}, 1},
		{"one home, two forgotten", []pick{{home: 5}, {home: 5}, {home: 6}, {home: 5}}, 2},
		{"wrap-around", []pick{{home: 63}, {home: 63}, {home: 62}, {home: 0}}, 0},
		{"wrap-around, shifted back over the end", []pick{{home: 63}, {home: 62}, {home: 63}, {home: 0}, {home: 0}}, 1},
		{"wrap-around, all but the last forgotten", []pick{{home: 62}, {home: 63}, {home: 63}, {home: 0}}, 3},
		{"control byte collision", []pick{{home: 9}, {home: 9, same: 1}, {home: 10, same: 1}}, 0},
		{"control byte collision, the first forgotten", []pick{{home: 9}, {home: 9, same: 1}, {home: 9, same: 1}}, 1},
		{"a home already taken, not by its own", []pick{{home: 20}, {home: 21}, {home: 20}, {home: 21}, {home: 22}}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			const window = 100
			s := New(window)
			p := &picker{s: &s, took: map[string]bool{}}
			ids := make([]string, len(tt.picks))
			for i, pk := range tt.picks {
				c := pk.ctrl
				if pk.same > 0 {
					c = ctrlOf(s.tagOf(ids[pk.same-1]))
				}
				ids[i] = p.pick(pk.home, c)
			}
			for i, id := range ids {
				// The forgotten ones are added at 0, the others at window-1.
				now := int64(window - 1)
				if i < tt.forget {
					now = 0
				}
				if !s.Add(id, now) {
					t.Fatalf("Add(%s) of a new id = false", id)
				}
				if !s.Has(id, now) || s.Add(id, now) {
					t.Fatalf("%s not remembered right after Add", id)
				}
				checkIndex(t, &s)
			}
			// At window, the ones added at 0 leave: the next Add prunes them.
			now := int64(window)
			extra := p.pick(tt.picks[0].home, 0)
			if !s.Add(extra, now) {
				t.Fatalf("Add(%s) of a new id = false", extra)
			}
			checkIndex(t, &s)
			if want := len(ids) - tt.forget + 1; s.Len() != want {
				t.Fatalf("Len = %d after forgetting %d of %d, want %d", s.Len(), tt.forget, len(ids)+1, want)
			}
			for i, id := range ids {
				if got, want := s.Has(id, now), i >= tt.forget; got != want {
					t.Fatalf("Has(%s) = %v, want %v", id, got, want)
				}
			}
			// A new id of the same home and control byte as each is not
			// taken for it.
			for _, id := range ids {
				other := p.pick(s.tagOf(id)&63, ctrlOf(s.tagOf(id)))
				if s.Has(other, now) {
					t.Fatalf("Has(%s) = true for an id never added, of %s's control byte", other, id)
				}
			}
			// Growing the index moves every slot: all are found after it.
			for i := 0; s.Len() <= 48; i++ {
				s.Add(fmt.Sprintf("grow.%d", i), now)
			}
			if len(s.slots) != 128 {
				t.Fatalf("index of %d slots after %d ids, want 128", len(s.slots), s.Len())
			}
			checkIndex(t, &s)
			for i, id := range ids {
				if got, want := s.Has(id, now), i >= tt.forget; got != want {
					t.Fatalf("after growing: Has(%s) = %v, want %v", id, got, want)
				}
			}
			if !s.Has(extra, now) {
				t.Fatalf("after growing: Has(%s) = false", extra)
			}
			s.Release()
		})
	}
}

// TestPendingSlot holds the slot Add leaves pending (pend) to being there
// for every call after it: the id just added is a duplicate to Add, found
// by Has, yielded by All, superseded by Restore, and pruned and forgotten
// by the next Add once its window has passed.
func TestPendingSlot(t *testing.T) {
	const window = 10
	tests := []struct {
		name  string
		after func(s *Set) error
	}{
		{"Add", func(s *Set) error {
			if s.Add("a", 1) {
				return fmt.Errorf("Add of the id just added = true")
			}
			return nil
		}},
		{"Has", func(s *Set) error {
			if !s.Has("a", 1) {
				return fmt.Errorf("Has of the id just added = false")
			}
			return nil
		}},
		{"All", func(s *Set) error {
			if got := all(s); len(got) != 1 || got[0] != (modelEntry{id: "a", at: 0}) {
				return fmt.Errorf("All = %v, want a@0", got)
			}
			return nil
		}},
		{"Add during All", func(s *Set) error {
			// An id a loop body adds is yielded in its turn, its slot
			// written by All's next step.
			var got []modelEntry
			for id, at := range s.All() {
				got = append(got, modelEntry{id: id, at: at})
				if id == "a" {
					s.Add("b", 1)
				}
			}
			if len(got) != 2 || got[0] != (modelEntry{id: "a", at: 0}) || got[1] != (modelEntry{id: "b", at: 1}) {
				return fmt.Errorf("All with an Add in its loop = %v, want a@0 b@1", got)
			}
			return nil
		}},
		{"Restore", func(s *Set) error {
			s.Restore("a", 5)
			if got := all(s); len(got) != 1 || got[0] != (modelEntry{id: "a", at: 5}) {
				return fmt.Errorf("All after Restore = %v, want a@5", got)
			}
			return nil
		}},
		{"Add after its window", func(s *Set) error {
			if !s.Add("b", window) || s.Has("a", window) || s.Len() != 1 {
				return fmt.Errorf("a not forgotten at the end of its window: Len %d", s.Len())
			}
			return nil
		}},
		{"Release", func(s *Set) error {
			s.Release()
			if s.Has("a", 1) || s.Len() != 0 || s.pend != (slot{}) {
				return fmt.Errorf("a released Set remembers a (pending %v)", s.pend)
			}
			return nil
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := New(time.Duration(window))
			if !s.Add("a", 0) {
				t.Fatal("Add of a new id = false")
			}
			if s.pend.tag == 0 {
				t.Fatal("Add of a new id left no slot pending")
			}
			if err := tt.after(&s); err != nil {
				t.Fatal(err)
			}
			if s.slots != nil {
				checkIndex(t, &s)
			}
			s.Release()
		})
	}
}
