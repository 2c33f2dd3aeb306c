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
		g.fill(n)
	}
	i, from := n-g.lo, 0
	if i > 0 {
		from = g.ends[i-1]
	}
	return g.all[from:g.ends[i]]
}

// fill makes the batch of ids from number n on: out of line, once per
// idBatch ids.
func (g *genIDs) fill(n int) {
	var buf [idBatch * 21]byte // "t" and at most 20 digits each
	b := buf[:0]
	if n < 0 || n > maxOdometer {
		for i := range idBatch {
			b = strconv.AppendInt(append(b, 't'), int64(n)+int64(i), 10)
			g.ends[i] = len(b)
		}
	} else {
		// The next number's digits are the last one's, counted up
		// by one in place: no division per id.
		var num [20]byte
		d := strconv.AppendInt(num[:0], int64(n), 10)
		for i := range idBatch {
			b = append(append(b, 't'), d...)
			g.ends[i] = len(b)
			d = countUp(d)
		}
	}
	g.all, g.lo, g.n = string(b), n, idBatch
}

// maxOdometer is the largest number whose batch id counts up in place:
// its batch's numbers have at most 19 digits, which countUp's array holds.
const maxOdometer = 1e18

// countUp adds one to the decimal number of digits d, in place when no
// digit is carried past the first, and returns it.
func countUp(d []byte) []byte {
	for i := len(d) - 1; i >= 0; i-- {
		if d[i] != '9' {
			d[i]++
			return d
		}
		d[i] = '0'
	}
	// Every digit was a nine: one digit more, a one and zeros.
	d = d[:len(d)+1]
	d[0] = '1'
	d[len(d)-1] = '0'
	return d
}
