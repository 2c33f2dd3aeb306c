package splitmix

import (
	"strings"
	"testing"
)

// TestNextKnownAnswers holds Next to SplitMix64's published outputs for
// the seed 1234567 (the reference implementation's example).
func TestNextKnownAnswers(t *testing.T) {
	x := uint64(1234567)
	for i, want := range []uint64{6457827717110365317, 3203168211198807973, 9817491932198370423, 4593380528125082431, 16408922859458223821} {
		if got := Next(&x); got != want {
			t.Fatalf("draw %d: %d, want %d", i+1, got, want)
		}
	}
}

// TestStreamsAsDefined holds each stream's k-th draw to Mix(Key(seed, i) +
// k·Gamma), whatever the other streams drew between.
func TestStreamsAsDefined(t *testing.T) {
	for _, seed := range []uint64{0, 1, 7, 1 << 63, ^uint64(0)} {
		s := NewStreams(seed)
		var k [MaxStreams]uint64
		for n := 0; n < 200; n++ {
			i := (n * 5) % MaxStreams
			if n%3 == 0 {
				i = 2
			}
			k[i]++
			if got, want := s.Next(i), Mix(Key(seed, i)+k[i]*Gamma); got != want {
				t.Fatalf("seed %d stream %d draw %d: %#x, want %#x", seed, i, k[i], got, want)
			}
		}
	}
}

// TestStreamsCopy: a copy goes on from where the original stood, and the
// original does not see the copy's draws.
func TestStreamsCopy(t *testing.T) {
	s := NewStreams(3)
	s.Next(1)
	c := s
	a, b := c.Next(1), c.Next(1)
	if got := s.Next(1); got != a {
		t.Fatalf("original after the copy's draws: %#x, want %#x", got, a)
	}
	if a == b {
		t.Fatalf("two draws of one stream are equal: %#x", a)
	}
}

// TestFillAsDefined: Fill draws alphabet64[r&63] for each six bits of a
// draw, low bits first, ten symbols a draw, the last draw cut short.
func TestFillAsDefined(t *testing.T) {
	for _, alphabet64 := range []string{Spread("0123456789abcdef"), Spread("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"), Spread("xy")} {
		got, want := NewStreams(7), NewStreams(7)
		for n := 0; n < 50; n++ {
			b := make([]byte, n)
			got.Fill(b, 4, alphabet64)
			var r uint64
			for i := range n {
				if i%10 == 0 {
					r = want.Next(4)
				}
				if b[i] != alphabet64[r&63] {
					t.Fatalf("length %d: symbol %d is %q, want %q", n, i, b[i], alphabet64[r&63])
				}
				r >>= 6
			}
		}
		if got.Next(4) != want.Next(4) {
			t.Fatal("Fill drew a different number of times")
		}
	}
}

// TestSpread: symbol v%n at index v, 64 symbols.
func TestSpread(t *testing.T) {
	for _, alphabet := range []string{"a", "0123456789abcdef", "0123456789ABCDEFGHJKMNPQRSTVWXYZ", strings.Repeat("z", 63) + "y", strings.Repeat("q", 64)} {
		s := Spread(alphabet)
		if len(s) != 64 {
			t.Fatalf("%q spread to %d symbols", alphabet, len(s))
		}
		for v := range 64 {
			if s[v] != alphabet[v%len(alphabet)] {
				t.Fatalf("%q spread: %q at %d", alphabet, s[v], v)
			}
		}
	}
}
