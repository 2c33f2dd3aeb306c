package sim

import "strconv"

// idBatch is how many generated customers' ids share one allocation.
const idBatch = 32

// genIDs makes the ids of generated customers, "t" and their number:
// idBatch of them at a time, in one string, from the number asked for on
// (numbers are asked for in increasing order, by one mostly).
type genIDs struct {
	lo  int    // the number of the first id in all
	n   int    // how many ids all holds: 0 or idBatch
	all string // the ids, one after the other
	// offs are where the ids start in all, and offs[idBatch] where the
	// last ends: id i is all[offs[i]:offs[i+1]].
	offs [idBatch + 1]int
}

// id returns "t" + the decimal number n.
func (g *genIDs) id(n int) string {
	// One unsigned comparison: n-lo is past the batch when n comes before
	// lo (where it wraps, at the ends of int, fill's numbers wrap alike).
	i := uint(n - g.lo)
	if i >= uint(g.n) {
		g.fill(n)
		i = 0
	}
	i %= idBatch // i < idBatch already: offs is read without bounds checks
	return g.all[g.offs[i]:g.offs[i+1]]
}

// fill makes the batch of ids from number n on: out of line, once per
// idBatch ids.
func (g *genIDs) fill(n int) {
	// "t" and at most 20 digits each, and a word's room past the last.
	var buf [idBatch*21 + 8]byte
	end := 0
	if n < 0 || int64(n) > maxOdometer {
		b := buf[:0]
		for i := range idBatch {
			b = strconv.AppendInt(append(b, 't'), int64(n)+int64(i), 10)
			g.offs[i+1] = len(b)
		}
		end = len(b)
	} else {
		// The next number's digits are the last one's, counted up by
		// one in place: no division per id. An id of at most 8 bytes
		// (a number below ten million) is copied as one word, its bytes
		// past the id overwritten by the next id.
		var id [21]byte // "t" and at most 19 digits, a word at least
		id[0] = 't'
		d := strconv.AppendInt(id[1:1], int64(n), 10)
		for i := range idBatch {
			k := 1 + len(d)
			if k <= 8 {
				*(*[8]byte)(buf[end:]) = *(*[8]byte)(id[:])
			} else {
				copy(buf[end:], id[:k])
			}
			end += k
			g.offs[i+1] = end
			d = countUp(d)
		}
	}
	g.all, g.lo, g.n = string(buf[:end]), n, idBatch
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
