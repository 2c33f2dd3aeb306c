package messenger

import (
	"encoding/base64"
	"encoding/binary"
	"testing"

	"github.com/omnisim/omnisim/splitmix"
)

// putMIDTail writes the 32 bytes of its words as base64.RawURLEncoding
// does, for words of every bit in every place.
func TestMIDTail(t *testing.T) {
	check := func(w [4]uint64) {
		t.Helper()
		var raw [32]byte
		for i, x := range w {
			binary.BigEndian.PutUint64(raw[8*i:], x)
		}
		var out [2 + 43]byte
		putMIDTail(&out, w)
		if got, want := string(out[2:]), base64.RawURLEncoding.EncodeToString(raw[:]); got != want {
			t.Fatalf("% x: %s, want %s", raw, got, want)
		}
	}
	check([4]uint64{})
	check([4]uint64{^uint64(0), ^uint64(0), ^uint64(0), ^uint64(0)})
	for i := range 4 {
		for bit := range 64 {
			var w [4]uint64
			w[i] = 1 << bit
			check(w)
		}
	}
	x := uint64(1)
	for range 10000 {
		check([4]uint64{splitmix.Next(&x), splitmix.Next(&x), splitmix.Next(&x), splitmix.Next(&x)})
	}
}

// A seed's first message ids are the ones the 32 bytes' base64url gave
// before they were written word by word.
func TestMIDKnown(t *testing.T) {
	g := newIDGen(9)
	var got []string
	for range 3 {
		got = append(got, g.mid())
	}
	h := newIDGen(9)
	for i := range 3 {
		b := h.next(streamMID)
		var raw [32]byte
		copy(raw[:], b[:])
		binary.BigEndian.PutUint64(raw[16:], splitmix.Mix(binary.BigEndian.Uint64(b[8:])))
		binary.BigEndian.PutUint64(raw[24:], splitmix.Mix(binary.BigEndian.Uint64(b[:8])^h.seed))
		if want := "m_" + base64.RawURLEncoding.EncodeToString(raw[:]); got[i] != want {
			t.Errorf("id %d: %s, want %s", i, got[i], want)
		}
	}
}
