// Package splitmix is SplitMix64 (Steele, Lea and Flood, "Fast splittable
// pseudorandom number generators", OOPSLA 2014): its output function, its
// generator step, and the counter-based streams the fakes draw their ids
// from. Every draw is a function of a seed and a count alone, so the same
// seed gives the same ids in every run.
package splitmix

// Gamma is SplitMix64's increment: 2^64 over the golden ratio, made odd.
const Gamma = 0x9e3779b97f4a7c15

// Mix is SplitMix64's output function (Stafford's Mix13): a bijection of
// uint64 in which every output bit depends on every input bit.
func Mix(z uint64) uint64 {
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// Next moves the generator state *x on by Gamma and answers the new
// state's Mix: SplitMix64's step.
func Next(x *uint64) uint64 {
	*x += Gamma
	return Mix(*x)
}

// MaxStreams is the number of streams a Streams holds.
const MaxStreams = 8

// Streams is a set of independent counter-based streams of one seed:
// stream i's k-th draw (k from 1) is Mix(Key(seed, i) + k·Gamma). A draw
// from one stream never moves another, so, for example, an error answer
// that draws a trace id does not shift the message ids that follow. A
// Streams is a value: a copy goes on from where the original stood, and
// the original does not see the copy's draws. It is not safe for
// concurrent use.
type Streams struct {
	key [MaxStreams]uint64
	ctr [MaxStreams]uint64
}

// Key is stream i's key under seed: Mix(seed ^ (i+1)·0xd1b54a32d192ed03).
func Key(seed uint64, i int) uint64 {
	return Mix(seed ^ (uint64(i)+1)*0xd1b54a32d192ed03)
}

// NewStreams returns the MaxStreams streams of seed, none drawn from.
func NewStreams(seed uint64) Streams {
	var s Streams
	for i := range s.key {
		s.key[i] = Key(seed, i)
	}
	return s
}

// Next answers stream i's next draw.
func (s *Streams) Next(i int) uint64 {
	s.ctr[i]++
	return Mix(s.key[i] + s.ctr[i]*Gamma)
}

// Fill writes len(b) symbols drawn from stream i, ten to a draw: six bits
// each, low bits first, indexing alphabet64. alphabet64 has 64 symbols:
// an alphabet of n < 64 symbols is spread over 64 by repeating it
// (symbol v%n at index v; see Spread), so that a symbol is drawn with a
// mask rather than a division.
func (s *Streams) Fill(b []byte, i int, alphabet64 string) {
	a := alphabet64[:64] // a length the compiler knows: r&63 needs no bounds check
	for ; len(b) >= 10; b = b[10:] {
		r := s.Next(i)
		_ = b[9]
		b[0], b[1], b[2], b[3], b[4] = a[r&63], a[r>>6&63], a[r>>12&63], a[r>>18&63], a[r>>24&63]
		b[5], b[6], b[7], b[8], b[9] = a[r>>30&63], a[r>>36&63], a[r>>42&63], a[r>>48&63], a[r>>54&63]
	}
	if len(b) > 0 {
		r := s.Next(i)
		for j := range b {
			b[j] = a[r&63]
			r >>= 6
		}
	}
}

// Spread repeats alphabet (1 to 64 symbols) to 64 symbols: symbol v%n at
// index v, the alphabet Fill takes.
func Spread(alphabet string) string {
	b := make([]byte, 64)
	for v := range b {
		b[v] = alphabet[v%len(alphabet)]
	}
	return string(b)
}
