package whatsapp

import (
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/omnisim/omnisim/splitmix"
)

// TestIDsNeverRepeat: servers with different seeds (as omnisim serve gets
// from the wall clock at each start) never share a wamid, media id,
// fbtrace_id or conversation id, and one server never repeats one.
func TestIDsNeverRepeat(t *testing.T) {
	const start = 1_749_463_200_000_000_000 // a wall-clock seed in nanoseconds
	seeds := map[uint64]bool{}
	for i := uint64(0); i < 200; i++ {
		for _, s := range []uint64{start + i, i, math.MaxUint64 - i, i << 32, i << 56} {
			seeds[s] = true
		}
	}
	seen := map[string]uint64{}
	for seed := range seeds {
		g := newIDGen(seed)
		for i := 0; i < 20; i++ {
			for _, id := range []string{g.wamid(cust, true), g.wamid(cust, false), g.mediaID(), g.fbtraceID(), g.conversationID()} {
				if prev, dup := seen[id]; dup {
					t.Fatalf("id %s from seed %d repeats one of seed %d", id, seed, prev)
				}
				seen[id] = seed
			}
		}
	}
}

// TestIDsDeterministic: a fixed seed gives the same ids.
func TestIDsDeterministic(t *testing.T) {
	a, b := newIDGen(42), newIDGen(42)
	for i := 0; i < 10; i++ {
		if a.wamid(cust, true) != b.wamid(cust, true) || a.mediaID() != b.mediaID() || a.fbtraceID() != b.fbtraceID() ||
			a.conversationID() != b.conversationID() {
			t.Fatal("same seed, different ids")
		}
	}
}

func TestPermuteInverts(t *testing.T) {
	for _, v := range [][2]uint64{{0, 0}, {1, 2}, {math.MaxUint64, 7}, {0x0123456789abcdef, 0xfedcba9876543210}} {
		for stream := 0; stream < numStreams; stream++ {
			hi, lo := permute(v[0], v[1], stream)
			if h, l := unpermute(hi, lo, stream); h != v[0] || l != v[1] {
				t.Fatalf("stream %d: %x -> %x %x -> %x %x", stream, v, hi, lo, h, l)
			}
		}
	}
}

// refPermute is permute as the Feistel network is defined, a round at a
// time: round r maps (hi, lo) to (lo, hi^Mix(lo+k+r*step)).
func refPermute(hi, lo uint64, stream int) (uint64, uint64) {
	k := (uint64(stream) + 1) * 0xa0761d6478bd642f
	for r := uint64(0); r < 4; r++ {
		hi, lo = lo, hi^splitmix.Mix(lo+k+r*0xe7037ed1a0b428db)
	}
	return hi, lo
}

// TestPermuteRounds: permute, which goes two rounds at a time without
// the swaps, is the network round by round, for every stream.
func TestPermuteRounds(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 10_000; i++ {
		hi, lo, stream := r.Uint64(), r.Uint64(), r.IntN(numStreams)
		if i < 4 {
			hi, lo = uint64(i&1)*math.MaxUint64, uint64(i>>1)*math.MaxUint64
		}
		gh, gl := permute(hi, lo, stream)
		if wh, wl := refPermute(hi, lo, stream); gh != wh || gl != wl {
			t.Fatalf("permute(%#x, %#x, %d) = %#x %#x, want %#x %#x", hi, lo, stream, gh, gl, wh, wl)
		}
	}
}

// TestWamidsMatchLayout: for many seeds, every wa_id length up to past
// the stem's limit and random parts, the wamids wamidLocked, appendWamid
// and appendStemmedWamid make are "wamid." and the standard base64 of
// Meta's layout, the part permuted round by round (refPermute) and in
// upper-case hex.
func TestWamidsMatchLayout(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	digits := strings.Repeat("1234567890", 3)
	for seed := uint64(0); seed < 64; seed++ {
		s := &Server{ids: newIDGen(seed ^ r.Uint64())}
		for n := 0; n <= 21; n++ {
			c := &customer{customerHot: customerHot{waID: digits[:n]}}
			for i := 0; i < 4; i++ {
				part, out := r.Uint64(), i&1 == 0
				hi, lo := refPermute(s.ids.tag, part, streamWamid)
				dir := byte(0x12)
				if out {
					dir = 0x11
				}
				raw := append(append([]byte{0x1c, 0x18, byte(n)}, c.waID...), 0x15, 0x02, 0x00, dir, 0x18, 32)
				raw = append(fmt.Appendf(raw, "%016X%016X", hi, lo), 0)
				want := "wamid." + base64.StdEncoding.EncodeToString(raw)
				var stem wamidStem
				for _, got := range []string{s.wamidLocked(c, part, out), string(s.ids.appendWamid(nil, c.waID, part, out)),
					string(s.ids.appendStemmedWamid(nil, &stem, c.waID, part, out))} {
					if got != want {
						t.Fatalf("seed %d, wa_id %q, part %#x: %q, want %q", seed, c.waID, part, got, want)
					}
				}
			}
		}
	}
}

func TestParseWamid(t *testing.T) {
	g := newIDGen(7)
	part := g.wamidPart()
	for _, out := range []bool{true, false} {
		id := g.formatWamid(cust2, part, out)
		waID, p, o, ok := g.parseWamid(id)
		if !ok || waID != cust2 || p != part || o != out {
			t.Fatalf("%s: %q %d %v %v", id, waID, p, o, ok)
		}
		other := newIDGen(8)
		if _, _, _, ok := other.parseWamid(id); ok {
			t.Fatal("another seed's generator accepted the wamid")
		}
	}
	long := "wamid." + strings.Repeat("A", base64.StdEncoding.EncodedLen(256)) // 258 bytes unpadded
	for _, bad := range []string{"", "wamid.", "wamid.!!", "wamid.HBgL", "xwamid.HBgLMTY1MDU1NTEyMzQVAgASGCA", "wamid.AAAA",
		long, long[:len(long)-1], long + "A", long[:len(long)-4] + "AA==", "wamid." + strings.Repeat("A", 4096)} {
		if _, _, _, ok := g.parseWamid(bad); ok {
			t.Errorf("%q accepted", bad)
		}
	}
}

// parseWamid never panics, and what it accepts is a wamid the generator
// makes: formatWamid gives it back.
func FuzzParseWamid(f *testing.F) {
	g := newIDGen(7)
	f.Add(g.formatWamid(cust2, g.wamidPart(), true))
	f.Add(g.formatWamid(strings.Repeat("9", 200), g.wamidPart(), false))
	f.Add("wamid." + strings.Repeat("A", base64.StdEncoding.EncodedLen(256)))
	f.Add("wamid.HBgLMTY1MDU1NTEyMzQVAgASGCA")
	f.Fuzz(func(t *testing.T, id string) {
		g := newIDGen(7)
		waID, part, out, ok := g.parseWamid(id)
		if ok && g.formatWamid(waID, part, out) != id {
			t.Fatalf("accepted %q, which formats as %q", id, g.formatWamid(waID, part, out))
		}
	})
}

func BenchmarkFormatWamid(b *testing.B) {
	g := newIDGen(1)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		_ = g.formatWamid("16505551234", uint64(i), i&1 == 0)
	}
}

// TestWamidLocked: a wamid made from a customer record's cached head is
// the one formatWamid makes, and stays so while the arena fills block
// after block with wamids of every length a wa_id can give them, both
// directions of each record.
func TestWamidLocked(t *testing.T) {
	s := &Server{ids: newIDGen(7)}
	type made struct {
		id, want string
	}
	var all []made
	cs := map[string]*customer{}
	for i := 0; i < 600; i++ {
		waID := strings.Repeat("1234567890", 25)[:1+i%250]
		c := cs[waID]
		if c == nil {
			c = &customer{customerHot: customerHot{waID: waID}}
			cs[waID] = c
		}
		part := s.ids.wamidPart()
		out := i%3 == 0
		all = append(all, made{s.wamidLocked(c, part, out), s.ids.formatWamid(waID, part, out)})
	}
	for i, m := range all {
		if m.id != m.want {
			t.Fatalf("wamid %d is %q after the arena filled, want %q", i, m.id, m.want)
		}
	}
}

// TestAppendWamid: appendWamid writes "wamid." and the standard base64 of
// Meta's layout with the permuted part in upper-case hex, for every length
// of wa_id (those past 200 bytes cut there), both directions and parts
// whose digits cover every value.
func TestAppendWamid(t *testing.T) {
	g := newIDGen(11)
	digits := strings.Repeat("1234567890", 26)
	for n := 0; n <= len(digits); n++ {
		for i := 0; i < 20; i++ {
			waID, part, out := digits[:n], uint64(n*20+i)*0x9e3779b97f4a7c15, i&1 == 0
			cut := waID[:min(n, 200)]
			hi, lo := permute(g.tag, part, streamWamid)
			raw := append([]byte{0x1c, 0x18, byte(len(cut))}, cut...)
			dir := byte(0x12)
			if out {
				dir = 0x11
			}
			raw = append(raw, 0x15, 0x02, 0x00, dir, 0x18, 32)
			raw = fmt.Appendf(raw, "%016X%016X", hi, lo)
			raw = append(raw, 0)
			want := "wamid." + base64.StdEncoding.EncodeToString(raw)
			if got := string(g.appendWamid([]byte("x"), waID, part, out)); got != "x"+want {
				t.Fatalf("wa_id of %d digits, part %#x: %q, want %q", n, part, got, "x"+want)
			}
		}
	}
}

// TestConversationIDDigits: a conversation id is the 32 lower-case hex
// digits of its 128-bit id, high half first, as appendHex64 writes them.
func TestConversationIDDigits(t *testing.T) {
	for seed := range uint64(20) {
		g, h := newIDGen(seed), newIDGen(seed)
		for range 5 {
			hi, lo := h.id128(streamConversation)
			want := string(appendHex64(appendHex64(nil, hi, lowerHex), lo, lowerHex))
			if got := g.conversationID(); got != want {
				t.Fatalf("seed %d: conversationID = %q, want %q", seed, got, want)
			}
		}
	}
}

// TestWamidLen: wamidLen is the length of the wamids appendWamid makes,
// for every length of wa_id.
func TestWamidLen(t *testing.T) {
	g := newIDGen(3)
	digits := strings.Repeat("1234567890", 26)
	for n := 0; n <= len(digits); n++ {
		if got, want := len(g.appendWamid(nil, digits[:n], uint64(n), n%2 == 0)), wamidLen(n); got != want {
			t.Fatalf("wa_id of %d bytes: wamid of %d bytes, wamidLen %d", n, got, want)
		}
	}
}

// TestWamidStemMake holds the stem make keeps to appendWamidStem's for
// wa_ids of every length that fits (and refuses the first that does not),
// of digits and of arbitrary bytes.
func TestWamidStemMake(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for n := 0; n <= 18; n++ {
		for round := range 200 {
			b := make([]byte, n)
			for i := range b {
				if round%2 == 0 {
					b[i] = byte('0' + r.IntN(10))
				} else {
					b[i] = byte(r.IntN(256))
				}
			}
			waID := string(b)
			var stem wamidStem
			ok := stem.make(waID)
			if ok != (n <= 17) {
				t.Fatalf("make(%q) = %v", waID, ok)
			}
			if !ok {
				continue
			}
			// The standard base64 of Meta's head (its length, the wa_id, the
			// bytes after it) in the whole groups the stem holds.
			raw := append(append([]byte{0x1c, 0x18, byte(n)}, waID...), 0x15, 0x02, 0x00, 0x11)
			want := base64.StdEncoding.EncodeToString(raw)[:wamidStemLen(n)]
			if got := string(stem.b[:stem.n]); got != want || int(stem.r) != n%3 {
				t.Fatalf("make(%q): stem %q r %d, want %q r %d", waID, got, stem.r, want, n%3)
			}
		}
	}
}

// refHexTriples is the table the wamids' digits were encoded with before
// hexHeads and hexTails: the base64 group of the three upper-case hex
// digits of each 12 bits, the first character in the low byte.
var refHexTriples = func() (t [4096]uint32) {
	for i := range t {
		t[i] = base64Group(upperHex[i>>8], upperHex[i>>4&15], upperHex[i&15])
	}
	return t
}()

// refPutDigits writes at p the groups of the 30 digits at the top of (yh,
// yl) as they were written before hexDigits: one refHexTriples look-up a
// group.
func refPutDigits(p *[40]byte, yh, yl uint64) {
	for i, v := range [10]uint64{
		yh >> 52, yh >> 40, yh >> 28, yh >> 16, yh >> 4,
		yh<<8 | yl>>56, yl >> 44, yl >> 32, yl >> 20, yl >> 8,
	} {
		binary.LittleEndian.PutUint32(p[4*i:], refHexTriples[v&4095])
	}
}

// TestHexDigitsMatchTriples: the groups hexDigits writes with two small
// look-ups each are those refPutDigits writes with one large one, for
// every value of every group's 12 bits (the other digits random) and for
// random digits, so the wamids keep their bytes.
func TestHexDigitsMatchTriples(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 9))
	check := func(yh, yl uint64) {
		t.Helper()
		yl &^= 0xff // the 30 digits are the top 120 bits
		var want [40]byte
		refPutDigits(&want, yh, yl)
		got := [40]byte{}
		var x hexDigits
		x.set(yh, yl)
		for i := range 5 {
			x.putGroups((*[8]byte)(got[8*i:]), i)
		}
		if got != want {
			t.Fatalf("digits %016X%014X: groups %q, want %q", yh, yl>>8, got, want)
		}
	}
	for g := range 10 {
		for v := range uint64(4096) {
			// Group g's 12 bits are bits 127-12g down to 116-12g of the
			// 128 bits (yh, yl).
			hi, lo := r.Uint64(), r.Uint64()
			at := 116 - 12*g // the lowest bit of the group
			if at >= 64 {
				hi = hi&^(4095<<(at-64)) | v<<(at-64)
			} else if at+12 <= 64 {
				lo = lo&^(4095<<at) | v<<at
			} else {
				hi = hi&^(4095>>(64-at)) | v>>(64-at)
				lo = lo&^(4095<<at) | v<<at
			}
			check(hi, lo)
		}
	}
	for range 100_000 {
		check(r.Uint64(), r.Uint64())
	}
	check(0, 0)
	check(math.MaxUint64, math.MaxUint64)
}
