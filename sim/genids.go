package sim

import "strconv"

// idBatch is how many generated customers' ids share one allocation.
const idBatch = 32

// genIDs makes the ids of generated customers, "t" and their number:
// idBatch of them at a time, in one string, from the number asked for on
// (numbers are asked for in increasing order, by one mostly).
type genIDs struct {
	lo   int    // the number of the first id in all
	n    int    // how many ids all holds
	all  string // the ids, one after the other
	ends [idBatch]int
}

// id returns "t" + the decimal number n.
func (g *genIDs) id(n int) string {
	if n < g.lo || n >= g.lo+g.n {
		var buf [idBatch * 21]byte // "t" and at most 20 digits each
		b := buf[:0]
		for i := range idBatch {
			b = strconv.AppendInt(append(b, 't'), int64(n)+int64(i), 10)
			g.ends[i] = len(b)
		}
		g.all, g.lo, g.n = string(b), n, idBatch
	}
	i, from := n-g.lo, 0
	if i > 0 {
		from = g.ends[i-1]
	}
	return g.all[from:g.ends[i]]
}
