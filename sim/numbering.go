package sim

import (
	"cmp"
	"slices"
	"sync"
	"time"
)

// JournalNumbering numbers the records of a fake's journal for
// [Binding.Journal]. A fake keeps separate lists (requests, webhooks,
// deliveries, errors), each of its newest entries; the records are numbered
// across the lists the first time they are seen, in time order, so that a
// number never changes and a later record never gets a smaller one. Its
// zero value is ready; it is safe for concurrent use.
type JournalNumbering struct {
	mu   sync.Mutex
	last uint64 // the last Seq handed out
	// lists holds, per list, the Seq of each entry from the absolute index
	// first on (the index counts the list's entries ever added).
	lists []numberedList
}

type numberedList struct {
	first int
	seqs  []uint64
}

// Number sets the Seq of every record in lists. lists[i] holds the newest
// entries of one of the fake's lists, totals[i] entries having ever been
// added to it, and limit is the fake's journal limit (0: it keeps all).
// Entries seen before keep their numbers; new ones are numbered in time
// order, ties in list order.
func (n *JournalNumbering) Number(lists [][]Record, totals []int, limit int) {
	n.mu.Lock()
	defer n.mu.Unlock()
	for len(n.lists) < len(lists) {
		n.lists = append(n.lists, numberedList{})
	}
	type fresh struct {
		list, i int
		at      time.Time
	}
	var news []fresh
	start := make([]int, len(lists))
	for li, kept := range lists {
		// The absolute index of the first kept entry: 0 unless the fake's
		// list is full and has dropped older entries.
		base := 0
		if limit > 0 && len(kept) >= limit {
			base = max(totals[li]-len(kept), 0)
		}
		l := &n.lists[li]
		switch {
		case len(l.seqs) == 0 || l.first > base:
			l.first, l.seqs = base, nil
		case l.first < base:
			// Forget the entries the fake no longer keeps.
			l.seqs = l.seqs[min(base-l.first, len(l.seqs)):]
			l.first = base
		}
		start[li] = min(len(l.seqs), len(kept))
		for i := range kept {
			if i < start[li] {
				kept[i].Seq = l.seqs[i]
				continue
			}
			news = append(news, fresh{li, i, kept[i].At})
		}
	}
	slices.SortStableFunc(news, func(x, y fresh) int {
		if c := x.at.Compare(y.at); c != 0 {
			return c
		}
		return cmp.Compare(x.list, y.list)
	})
	for _, e := range news {
		n.last++
		lists[e.list][e.i].Seq = n.last
	}
	for li := range lists {
		l := &n.lists[li]
		for _, r := range lists[li][start[li]:] {
			l.seqs = append(l.seqs, r.Seq)
		}
	}
}

// Select names every record of lists for platform, keeps those f matches,
// and returns them in Seq order.
func Select(platform string, lists [][]Record, f JournalFilter) []Record {
	var out []Record
	for _, l := range lists {
		for i := range l {
			r := &l[i]
			r.Platform = platform
			if f.Match(r) {
				out = append(out, *r)
			}
		}
	}
	slices.SortFunc(out, func(x, y Record) int { return cmp.Compare(x.Seq, y.Seq) })
	return out
}
