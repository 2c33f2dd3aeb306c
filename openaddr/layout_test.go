package openaddr

import (
	"fmt"
	"testing"
)

// checkLayout holds tab to its layout: its arrays are as long as each
// other; a slot's control byte is 0 exactly when the slot is empty and is
// its hash's (ctrlOf) otherwise; every record is in its home slot or
// after it with no empty slot between (linear probing, which
// backward-shift deletion keeps); and Len counts the full slots.
func checkLayout(t *testing.T, tab *Table[rec]) {
	t.Helper()
	if len(tab.ctrl) != len(tab.slots) {
		t.Fatalf("%d control bytes for %d slots", len(tab.ctrl), len(tab.slots))
	}
	mask := uint64(len(tab.ctrl) - 1)
	full := 0
	for i, s := range tab.slots {
		c := tab.ctrl[i]
		if s.r == nil {
			if c != 0 || s.hash != 0 {
				t.Fatalf("empty slot %d: control byte %#x, hash %#x", i, c, s.hash)
			}
			continue
		}
		full++
		if c != ctrlOf(s.hash) {
			t.Fatalf("slot %d: control byte %#x for hash %#x", i, c, s.hash)
		}
		for j := s.hash & mask; j != uint64(i); j = (j + 1) & mask {
			if tab.ctrl[j] == 0 {
				t.Fatalf("slot %d (home %d): slot %d between them is empty", i, s.hash&mask, j)
			}
		}
	}
	if full != tab.Len() {
		t.Fatalf("%d slots full, Len %d", full, tab.Len())
	}
}

// TestLayout places records by chosen hashes in a table of 16 slots (the
// first length): records that share a home slot, hashes whose control
// bytes match though the hashes differ, a run of slots that wraps around
// the table's end. It removes some of them (by key and by record: the
// gaps closed by backward shift) and grows the table, checking after each
// step what Find answers and the layout (checkLayout), on a table that
// makes its arrays and on one that takes them from Arrays, released and
// grown again from there.
func TestLayout(t *testing.T) {
	// hash is a hash of home slot home (of 16) and control byte
	// 0x80|top: the 7 top bits.
	hash := func(home, top, mid uint64) uint64 { return top<<57 | mid<<4 | home }
	tests := []struct {
		name   string
		hashes []uint64 // of records 0, 1, ...: at most 8, the first length's room
		remove []int    // the records removed, in order
	}{
		{"one home", []uint64{hash(5, 1, 0), hash(5, 2, 0), hash(5, 3, 0)}, nil},
		{"one home, the first removed", []uint64{hash(5, 1, 0), hash(5, 2, 0), hash(5, 3, 0)}, []int{0}},
		{"one home, two removed", []uint64{hash(5, 1, 0), hash(5, 2, 0), hash(6, 3, 0), hash(5, 4, 0)}, []int{1, 0}},
		{"control byte match, other hashes", []uint64{hash(9, 7, 1), hash(9, 7, 2), hash(10, 7, 3)}, nil},
		{"control byte match, the first removed", []uint64{hash(9, 7, 1), hash(9, 7, 2), hash(9, 7, 3)}, []int{0}},
		{"one hash, other keys", []uint64{hash(3, 4, 4), hash(3, 4, 4), hash(3, 4, 4)}, []int{1}},
		{"wrap-around", []uint64{hash(15, 1, 0), hash(15, 2, 0), hash(14, 3, 0), hash(0, 4, 0)}, nil},
		{"wrap-around, shifted back over the end", []uint64{hash(15, 1, 0), hash(14, 2, 0), hash(15, 3, 0), hash(0, 4, 0), hash(0, 5, 0)}, []int{0}},
		{"wrap-around, all but the last removed", []uint64{hash(14, 1, 0), hash(15, 2, 0), hash(15, 3, 0), hash(0, 4, 0)}, []int{0, 1, 2}},
		{"a home already taken, not by its own", []uint64{hash(4, 1, 0), hash(5, 2, 0), hash(4, 3, 0), hash(5, 4, 0), hash(6, 5, 0)}, []int{0, 2}},
		{"top bits zero and all set", []uint64{hash(8, 0, 0), hash(8, 127, 0), hash(8, 0, 1)}, []int{0}},
	}
	var arrays Arrays[rec]
	for _, pooled := range []bool{false, true} {
		for _, tt := range tests {
			t.Run(fmt.Sprintf("%s pooled=%v", tt.name, pooled), func(t *testing.T) {
				var tab Table[rec]
				if pooled {
					tab.UseArrays(&arrays)
				}
				for round := range 2 { // the second after Release
					recs := make([]*rec, len(tt.hashes))
					eq := func(k int) func(*rec) bool { return func(r *rec) bool { return r.key == k } }
					find := func(k int) *rec { return tab.Find(tt.hashes[k], eq(k)) }
					for k, h := range tt.hashes {
						if find(k) != nil {
							t.Fatalf("round %d: Find(%d) before it was added", round, k)
						}
						recs[k] = &rec{key: k}
						if k%2 == 0 {
							tab.Insert(h, recs[k])
						} else {
							tab.Put(h, recs[k], eq(k))
						}
						checkLayout(t, &tab)
						if len(tab.slots) < minSlots || 2*tab.room != minSlots {
							t.Fatalf("round %d: %d slots, grown to %d, want %d", round, len(tab.slots), 2*tab.room, minSlots)
						}
					}
					// Put of a held key replaces its record in place.
					recs[0] = &rec{key: 0, id: 1}
					tab.Put(tt.hashes[0], recs[0], eq(0))
					checkLayout(t, &tab)
					removed := map[int]bool{}
					for n, k := range tt.remove {
						var ok bool
						if n%2 == 0 {
							ok = tab.RemoveRecord(tt.hashes[k], recs[k])
						} else {
							ok = tab.Remove(tt.hashes[k], eq(k))
						}
						if !ok {
							t.Fatalf("round %d: removing %d found nothing", round, k)
						}
						removed[k] = true
						checkLayout(t, &tab)
						if tab.RemoveRecord(tt.hashes[k], recs[k]) || tab.Remove(tt.hashes[k], eq(k)) {
							t.Fatalf("round %d: %d removed twice", round, k)
						}
					}
					check := func(when string) {
						t.Helper()
						for k := range tt.hashes {
							want := recs[k]
							if removed[k] {
								want = nil
							}
							if got := find(k); got != want {
								t.Fatalf("round %d %s: Find(%d) = %v, want %v", round, when, k, got, want)
							}
							// Another key of the same hash, and a
							// hash of the same home and control byte,
							// find nothing.
							if tab.Find(tt.hashes[k], eq(-1)) != nil || tab.Find(tt.hashes[k]^1<<40, func(*rec) bool { return true }) != nil {
								t.Fatalf("round %d %s: a record found for another key of %d's control byte", round, when, k)
							}
						}
					}
					check("")
					// Growing moves every record: all are found after it.
					for i := 0; len(tab.slots) < 2*minSlots || 2*tab.room < 2*minSlots; i++ {
						tab.Insert(uint64(i)*0x9e3779b97f4a7c15, &rec{key: 100 + i})
					}
					checkLayout(t, &tab)
					check("after growing")
					tab.Release()
					if tab.Len() != 0 || tab.ctrl != nil || tab.slots != nil {
						t.Fatalf("round %d: Release left %d records in %d slots", round, tab.Len(), len(tab.slots))
					}
				}
			})
		}
	}
}
