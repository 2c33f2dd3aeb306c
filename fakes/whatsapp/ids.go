package whatsapp

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"math/bits"
	"slices"
	"strconv"
	"strings"

	"github.com/omnisim/omnisim/splitmix"
)

// Id streams: each kind of id has its own counter so that, for example,
// calling Check or getting an error does not shift the wamids that follow.
const (
	streamWamid = iota
	streamMedia
	streamTrace
	streamChallenge
	streamConversation
	numStreams
)

// idgen is a counter-based generator. It is not safe for concurrent use;
// the Server guards it with its mutex.
//
// Wamids, media ids, fbtrace_ids and conversation ids are 128-bit values
// permute(tag, part): tag is a bijection of the seed (the same for every id
// of a server), part a bijection of the stream's counter, and permute a
// Feistel network, itself a bijection. So a server never repeats an id, and
// two servers with different seeds never produce the same id, while the ids
// still look random.
type idgen struct {
	// Streams' draws are the counter parts: each a bijection of its
	// stream's counter.
	splitmix.Streams
	tag uint64
}

func newIDGen(seed uint64) idgen {
	return idgen{Streams: splitmix.NewStreams(seed), tag: splitmix.Mix(seed ^ 0x6a09e667f3bcc909)}
}

// permute is a 4-round Feistel network over (hi, lo) keyed by the stream:
// a bijection of the 128-bit input for each stream. Round r adds
// r*roundStep (mod 2^64) to the stream's key; the rounds go two at a time
// (permuteHalf), which putStemmedWamid calls itself: permute is too large
// to be inlined.
func permute(hi, lo uint64, stream int) (uint64, uint64) {
	k := streamKey(stream)
	hi, lo = permuteHalf(hi, lo, k)
	return permuteHalf(hi, lo, k+halfStep)
}

// roundStep is what each round of permute adds to its key, and
// halfStep what two rounds add (2*roundStep mod 2^64).
const (
	roundStep = 0xe7037ed1a0b428db
	halfStep  = 0xce06fda3416851b6
)

// streamKey is permute's key for a stream.
func streamKey(stream int) uint64 { return (uint64(stream) + 1) * 0xa0761d6478bd642f }

// permuteHalf is two rounds of permute, the first keyed k and the second
// k+roundStep: each round (hi, lo) -> (lo, hi^Mix(lo+key)), written
// without the swaps, which two rounds undo.
func permuteHalf(hi, lo, k uint64) (uint64, uint64) {
	hi ^= splitmix.Mix(lo + k)
	lo ^= splitmix.Mix(hi + k + roundStep)
	return hi, lo
}

// id128 draws the next 128-bit id of a stream.
func (g *idgen) id128(stream int) (uint64, uint64) {
	return permute(g.tag, g.Next(stream), stream)
}

const upperHex = "0123456789ABCDEF"

// wamid draws a new wamid for waID.
func (g *idgen) wamid(waID string, outbound bool) string {
	return g.formatWamid(waID, g.wamidPart(), outbound)
}

// wamidPart draws the counter part of a wamid; formatWamid rebuilds the
// wamid from it.
func (g *idgen) wamidPart() uint64 { return g.Next(streamWamid) }

// formatWamid builds "wamid." + base64 of Meta's id layout:
// 1c 18 <len> <wa_id> 15 02 00 <11 outbound | 12 inbound> 18 20 <32 hex> 00.
func (g *idgen) formatWamid(waID string, part uint64, outbound bool) string {
	var buf [maxWamid]byte
	return string(g.appendWamid(buf[:0], waID, part, outbound))
}

// maxWamid is the longest wamid formatWamid makes.
const maxWamid = 6 + (256+2)/3*4

// wamidLen is the length of the wamids of a wa_id of n bytes: "wamid."
// and the base64 of 42 bytes and the wa_id (cut at 200 bytes).
func wamidLen(n int) int { return 6 + (min(n, 200)+42+2)/3*4 }

// appendWamid appends the wamid formatWamid makes to b. It reads only the
// generator's tag, which New sets once.
//
// The raw id is a head (1c 18 <len> <wa_id> 15 02 00 <dir> 18 20), the 32
// hex digits of the permuted part and 00. A wa_id of up to 17 bytes (any
// phone number) has its stem made on the way (appendStemmedWamid); a
// longer one is written by appendLongWamid.
func (g *idgen) appendWamid(b []byte, waID string, part uint64, outbound bool) []byte {
	var stem wamidStem
	return g.appendStemmedWamid(b, &stem, waID, part, outbound)
}

// appendLongWamid is appendWamid for a wa_id whose stem does not fit a
// wamidStem: appendWamidHead encodes the head up to its last whole group
// of three bytes, appendWamidTail the rest.
func (g *idgen) appendLongWamid(b []byte, waID string, part uint64, outbound bool) []byte {
	b = slices.Grow(b, wamidLen(len(waID)))
	b = append(b, "wamid."...)
	return g.appendWamidTail(appendWamidHead(b, waID, outbound), len(waID), part)
}

// appendStemmedWamid appends the wamid appendWamid makes, with the stem
// (appendWamidStem) stem holds, or, when it holds none, made and kept in
// stem if it fits (putStemmedWamid).
func (g *idgen) appendStemmedWamid(b []byte, stem *wamidStem, waID string, part uint64, outbound bool) []byte {
	if stem.n == 0 && !stem.make(waID) {
		return g.appendLongWamid(b, waID, part, outbound)
	}
	b = slices.Grow(b, stemmedRoom)
	at := len(b)
	return b[:at+g.putStemmedWamid((*[stemmedRoom]byte)(b[at:at+stemmedRoom]), stem, part, outbound)]
}

// putStemmedWamid writes at w the wamid appendWamid makes for the wa_id
// whose stem stem holds (appendWamidTail passes an empty stem with the
// wa_id's r, for the tail alone), and returns its length: fixed copies of
// "wamid." and the stem, the direction's group and the tail put in place
// (w's bytes past it are left as they were or overwritten). The tail is the base64 of the permuted part's 32 hex
// digits and 00 after the head's last one or two bytes, if any (r of
// them, the wa_id's length mod 3): the lead that joins those bytes to the
// first digits and the trail of the last digits and 00 take one table
// look-up each (wamidDigits), and the ten groups of three digits between
// them two small ones each (hexDigits). The tail is made here, not in a function of its own, so
// that a wamid takes one call.
func (g *idgen) putStemmedWamid(w *[stemmedRoom]byte, stem *wamidStem, part uint64, outbound bool) int {
	binary.LittleEndian.PutUint64(w[:8], wamidPrefix)
	*(*[len(stem.b)]byte)(w[6:]) = stem.b
	// The direction's group and the tail, past the stem, which is at
	// most len(stem.b) long: min says so, and the compiler checks no
	// bounds.
	k := 6 + min(int(stem.n), len(stem.b))
	t := (*[4 + 48]byte)(w[k : k+4+48])
	binary.LittleEndian.PutUint32(t[:4], wamidDirGroups[stem.r][b2i(outbound)])
	// permute(g.tag, part, streamWamid), by halves.
	hi, lo := permuteHalf(g.tag, part, streamKey(streamWamid))
	hi, lo = permuteHalf(hi, lo, streamKey(streamWamid)+halfStep)
	lead, j, yh, yl, trail := wamidDigits(hi, lo, int(stem.r))
	// With no lead (j 0), the digits' first group writes over it.
	binary.LittleEndian.PutUint32(t[4:], lead)
	p := (*[44]byte)(t[4+j : 4+j+44])
	var x hexDigits
	x.set(yh, yl)
	x.putGroups((*[8]byte)(p[0:]), 0)
	x.putGroups((*[8]byte)(p[8:]), 1)
	x.putGroups((*[8]byte)(p[16:]), 2)
	x.putGroups((*[8]byte)(p[24:]), 3)
	x.putGroups((*[8]byte)(p[32:]), 4)
	binary.LittleEndian.PutUint32(p[40:], trail)
	return k + 4 + j + 44
}

// stemmedRoom is the room appendStemmedWamid writes a wamid with a stem
// in: "wamid.", the longest stem, the direction's group and the tail's 48
// bytes (of which it uses 44 or 48).
const stemmedRoom = 6 + len(wamidStem{}.b) + 4 + 48

// wamidPrefix is "wamid." and two bytes that the stem then overwrites, as
// one little-endian word.
const wamidPrefix = 'w' | 'a'<<8 | 'm'<<16 | 'i'<<24 | 'd'<<32 | '.'<<40

// appendWamidHead appends the base64 of the head of waID's wamids in one
// direction, up to the head's last whole group of three bytes: the same
// for every wamid of waID and the direction. A wa_id past 200 bytes is cut
// there. It is appendWamidStem's and the direction's last group.
func appendWamidHead(b []byte, waID string, outbound bool) []byte {
	return appendWamidDir(appendWamidStem(b, waID), len(waID), outbound)
}

// appendWamidDir appends the head's last group, which holds the
// direction, for a wa_id of n bytes.
func appendWamidDir(b []byte, n int, outbound bool) []byte {
	return binary.LittleEndian.AppendUint32(b, wamidDirGroups[min(n, 200)%3][b2i(outbound)])
}

// b2i is 1 for true and 0 for false.
func b2i(v bool) int {
	if v {
		return 1
	}
	return 0
}

// wamidStemLen is the length of what appendWamidStem makes for a wa_id of
// n bytes.
func wamidStemLen(n int) int { return (min(n, 200)+9)/3*4 - 4 }

// appendWamidStem appends the base64 of the head of waID's wamids but its
// last group: the same in both directions (putWamidStem). A wa_id past
// 200 bytes is cut there.
func appendWamidStem(b []byte, waID string) []byte {
	if len(waID) > 200 {
		waID = waID[:200]
	}
	n := wamidStemLen(len(waID))
	b = slices.Grow(b, n)
	at := len(b)
	putWamidStem(b[at:at+n], waID)
	return b[:at+n]
}

// putWamidStem writes at the start of o, which has room for it
// (wamidStemLen), the stem appendWamidStem appends for waID, of at most
// 200 bytes. The head's first three bytes are a group, the wa_id's whole
// groups follow, and its last n%3 bytes with the six after the wa_id make
// two more (the second the direction's group, then one or two of the six
// are left for appendWamidTail). Each group is put in place: no append
// checks its room.
func putWamidStem(o []byte, waID string) {
	n := len(waID)
	binary.LittleEndian.PutUint32(o, base64Group(0x1c, 0x18, byte(n)))
	k, i := 4, 0
	for ; i+3 <= n; i += 3 {
		v := uint32(waID[i])<<16 | uint32(waID[i+1])<<8 | uint32(waID[i+2])
		binary.LittleEndian.PutUint32(o[k:], base64Triple(v))
		k += 4
	}
	last := base64Group(0x15, 0x02, 0x00)
	switch n - i {
	case 1:
		last = base64Group(waID[i], 0x15, 0x02)
	case 2:
		last = base64Group(waID[i], waID[i+1], 0x15)
	}
	binary.LittleEndian.PutUint32(o[k:], last)
}

// putShortWamidStem is putWamidStem for a wa_id of at most 17 bytes,
// whose stem fits o, in a fixed number of steps: the head's first group
// from a table, five groups of the wa_id's bytes (zeros past its end),
// then the last group in its place, over the first of the groups past the
// wa_id's whole ones. The bytes of o past the stem are left with what
// those groups made.
func putShortWamidStem(o *[28]byte, waID string) {
	var b [18]byte // waID, then zeros
	n := len(waID)
	if n >= 8 && n <= 16 {
		// Two words that cover it, the second overlapping the first but
		// for a waID of 16: no call to memmove.
		binary.LittleEndian.PutUint64(b[:], le64(waID))
		binary.LittleEndian.PutUint64(b[n-8:], le64(waID[n-8:]))
	} else {
		n = copy(b[:17], waID)
	}
	binary.LittleEndian.PutUint32(o[0:], wamidHeadGroups[n])
	// The five groups, written out: constant offsets need no checks.
	binary.LittleEndian.PutUint32(o[4:], base64Triple(binary.BigEndian.Uint32(b[0:])>>8))
	binary.LittleEndian.PutUint32(o[8:], base64Triple(binary.BigEndian.Uint32(b[3:])>>8))
	binary.LittleEndian.PutUint32(o[12:], base64Triple(binary.BigEndian.Uint32(b[6:])>>8))
	binary.LittleEndian.PutUint32(o[16:], base64Triple(binary.BigEndian.Uint32(b[9:])>>8))
	binary.LittleEndian.PutUint32(o[20:], base64Triple(binary.BigEndian.Uint32(b[12:])>>8))
	i := n / 3 * 3
	var v uint32
	switch n - i {
	case 0:
		v = 0x15<<16 | 0x02<<8
	case 1:
		v = uint32(b[i])<<16 | 0x15<<8 | 0x02
	default:
		v = uint32(b[i])<<16 | uint32(b[i+1])<<8 | 0x15
	}
	binary.LittleEndian.PutUint32(o[4+4*(n/3):], base64Triple(v))
}

// base64Triple is the base64 of the three bytes of v (below 1<<24), the
// first in its high byte, as base64Group makes it: two base64Pairs.
func base64Triple(v uint32) uint32 {
	return uint32(base64Pairs[v>>12&4095]) | uint32(base64Pairs[v&4095])<<16
}

// wamidHeadGroups are the first groups of the heads of wa_ids of 0 to 17
// bytes: 1c 18 and the length.
var wamidHeadGroups = func() (t [18]uint32) {
	for n := range t {
		t[n] = base64Group(0x1c, 0x18, byte(n))
	}
	return t
}()

// wamidDirGroups are the head's last groups by the wa_id's length mod 3,
// inbound and outbound.
var wamidDirGroups = [3][2]uint32{
	{base64Group(0x12, 0x18, 32), base64Group(0x11, 0x18, 32)},
	{base64Group(0x00, 0x12, 0x18), base64Group(0x00, 0x11, 0x18)},
	{base64Group(0x02, 0x00, 0x12), base64Group(0x02, 0x00, 0x11)},
}

// appendWamidTail appends the base64 of the wamid of counter part part of
// a wa_id of n bytes after what appendWamidHead makes: what
// putStemmedWamid writes after the direction's group, given a stem of no
// bytes but the length mod 3 of the wa_id (cut at 200 bytes).
func (g *idgen) appendWamidTail(b []byte, n int, part uint64) []byte {
	var w [stemmedRoom]byte
	stem := wamidStem{r: uint8(min(n, 200) % 3)}
	m := g.putStemmedWamid(&w, &stem, part, false)
	return append(b, w[6+4:m]...)
}

// wamidDigits splits the permuted id (hi, lo) as putStemmedWamid encodes it
// after a head that ends r bytes past its last whole group, 20 or 18 20:
// lead is the group of those bytes and the first 3-r digits, which takes
// k (4) bytes (k is 0 when r is 0: no lead); the 30 digits after those
// are shifted to the top of (yh, yl), and trail is the group of the
// digits after them and 00.
func wamidDigits(hi, lo uint64, r int) (lead uint32, k int, yh, yl uint64, trail uint32) {
	switch r {
	case 1:
		return wamidLead1[hi>>56], 4, hi<<8 | lo>>56, lo << 8, 'A' | 'A'<<8 | '='<<16 | '='<<24
	case 2:
		return wamidLead2[hi>>60], 4, hi<<4 | lo>>60, lo << 4, wamidTrail1[lo&15]
	}
	return 0, 0, hi, lo, wamidTrail2[lo&255]
}

// hexDigits holds the 30 digits at the top of (yh, yl) (wamidDigits) as
// the indices of their groups' look-ups (hexHeads, hexTails): the words
// yh and yl, then the same a digit further on, each in little-endian
// order, so that digits 2i and 2i+1 are byte i^7 and digits 2i+1 and
// 2i+2 byte (16+i)^7. A look-up's index is then a byte load, not a copy,
// a shift and a mask in registers.
type hexDigits [32]byte

// set puts the digits at the top of (yh, yl) in x.
func (x *hexDigits) set(yh, yl uint64) {
	binary.LittleEndian.PutUint64(x[0:], yh)
	binary.LittleEndian.PutUint64(x[8:], yl)
	binary.LittleEndian.PutUint64(x[16:], yh<<4|yl>>60)
	binary.LittleEndian.PutUint64(x[24:], yl<<4)
}

// putGroups writes at p the groups of digits 6i to 6i+5 (i below 5): the
// first group's digits start a byte of the digits, the second's half-way
// through one.
func (x *hexDigits) putGroups(p *[8]byte, i int) {
	putHexGroup((*[4]byte)(p[0:]), x[(3*i)^7], x[(16+3*i)^7])
	putHexGroup((*[4]byte)(p[4:]), x[(17+3*i)^7], x[(3*i+2)^7])
}

// putHexGroup writes at p the base64 group of three upper-case hex
// digits whose first two are head and last two tail (a byte each, the
// earlier digit in the high nibble).
func putHexGroup(p *[4]byte, head, tail byte) {
	binary.LittleEndian.PutUint16(p[0:], hexHeads[head])
	binary.LittleEndian.PutUint16(p[2:], hexTails[tail])
}

// base64Group is the base64 of the three bytes x, y, z, the first
// character in the low byte.
func base64Group(x, y, z byte) uint32 {
	v := uint(x)<<16 | uint(y)<<8 | uint(z)
	return uint32(stdBase64[v>>18]) | uint32(stdBase64[v>>12&63])<<8 | uint32(stdBase64[v>>6&63])<<16 | uint32(stdBase64[v&63])<<24
}

// base64Pairs holds the two base64 characters of each 12 bits, the first
// in the low byte: half a group, so that putWamidStem makes a group of a
// wa_id's bytes with two look-ups.
var base64Pairs = func() (t [4096]uint16) {
	for i := range t {
		t[i] = uint16(stdBase64[i>>6]) | uint16(stdBase64[i&63])<<8
	}
	return t
}()

// The groups at the ends of a wamid's hex digits, by the digits they take:
// wamidLead1 the head's last byte (20) and two digits, wamidLead2 its last
// two (18 20) and one digit; wamidTrail2 two digits and 00, wamidTrail1
// one digit and 00 (padded).
var wamidLead1, wamidLead2, wamidTrail2, wamidTrail1 = func() (l1 [256]uint32, l2 [16]uint32, t2 [256]uint32, t1 [16]uint32) {
	for i := range l1 {
		l1[i] = base64Group(0x20, upperHex[i>>4], upperHex[i&15])
		t2[i] = base64Group(upperHex[i>>4], upperHex[i&15], 0)
	}
	for i := range l2 {
		l2[i] = base64Group(0x18, 0x20, upperHex[i])
		t1[i] = base64Group(upperHex[i], 0, 0)&0x00ffffff | '='<<24
	}
	return
}()

// hexHeads holds the first two characters of the base64 group of three
// upper-case hex digits by the first two digits (the first in the high
// nibble), hexTails the last two characters by the last two digits; the
// first character of each pair is in its low byte. A group's first two
// characters are the top 12 of its 24 bits, which only its first two
// digits set, and its last two the low 12, which only its last two set.
// The two tables take 1 KiB, which stays in the L1 cache from one wamid
// to the next; a table of whole groups by three digits would take 16 KiB,
// whose lines a wamid would seldom find there.
var hexHeads, hexTails = func() (h, t [256]uint16) {
	for i := range h {
		g := base64Group(upperHex[i>>4], upperHex[i&15], upperHex[0])
		h[i] = uint16(g)
		g = base64Group(upperHex[0], upperHex[i>>4], upperHex[i&15])
		t[i] = uint16(g >> 16)
	}
	return
}()

const stdBase64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

func appendHex64(b []byte, v uint64, digits string) []byte {
	for i := 0; i < 16; i++ {
		b = append(b, digits[v>>(60-4*i)&0xf])
	}
	return b
}

// mediaID is a 40-digit decimal id: "1" and the 128-bit id as 39 decimal
// digits. (Meta's media ids are 15-16 digits; 128 bits are needed so that
// servers with different seeds never share an id.)
func (g *idgen) mediaID() string {
	hi, lo := g.id128(streamMedia)
	const e19 = 10_000_000_000_000_000_000
	// (hi, lo) = q*1e19 + r0, with q = qh<<64 | ql; then q = d*1e19 + r1.
	qh, rh := hi/e19, hi%e19
	ql, r0 := bits.Div64(rh, lo, e19)
	d, r1 := bits.Div64(qh, ql, e19)
	var buf [40]byte
	b := append(buf[:0], '1', byte('0'+d))
	b = appendPadded(b, r1, 19)
	b = appendPadded(b, r0, 19)
	return string(b)
}

func appendPadded(b []byte, v uint64, width int) []byte {
	var tmp [20]byte
	s := strconv.AppendUint(tmp[:0], v, 10)
	for i := len(s); i < width; i++ {
		b = append(b, '0')
	}
	return append(b, s...)
}

const traceAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

// fbtraceID is a 23-character id like "AaBcD3fG...": 'A' then 22 url-safe
// base64 characters, 11 for each half of the 128-bit id.
func (g *idgen) fbtraceID() string {
	var b [23]byte
	b[0] = 'A'
	hi, lo := g.id128(streamTrace)
	for i := 1; i < 12; i++ {
		b[i] = traceAlphabet[hi&63]
		hi >>= 6
		b[i+11] = traceAlphabet[lo&63]
		lo >>= 6
	}
	return string(b[:])
}

// challenge is a decimal hub.challenge like Meta's ("1158201444").
func (g *idgen) challenge() string {
	return strconv.FormatUint(1_000_000_000+g.Next(streamChallenge)%9_000_000_000, 10)
}

// conversationID is 32 lower-case hex digits.
func (g *idgen) conversationID() string {
	hi, lo := g.id128(streamConversation)
	var raw [16]byte
	binary.BigEndian.PutUint64(raw[:8], hi)
	binary.BigEndian.PutUint64(raw[8:], lo)
	var buf [32]byte
	hex.Encode(buf[:], raw[:]) // as appendHex64 with lowerHex, a byte at a time
	return string(buf[:])
}

// unpermute inverts permute.
func unpermute(hi, lo uint64, stream int) (uint64, uint64) {
	k := (uint64(stream) + 1) * 0xa0761d6478bd642f
	for r := uint64(4); r > 0; r-- {
		hi, lo = lo^splitmix.Mix(hi+k+(r-1)*0xe7037ed1a0b428db), hi
	}
	return hi, lo
}

// parseWamid inverts formatWamid: it returns the wa_id, the direction and
// the counter part of a wamid this generator made; ok is false for
// anything else (another layout, or another seed's wamid).
func (g *idgen) parseWamid(id string) (waID string, part uint64, outbound, ok bool) {
	rest, found := strings.CutPrefix(id, "wamid.")
	var raw [256]byte
	if !found || base64.StdEncoding.DecodedLen(len(rest)) > len(raw) {
		return "", 0, false, false
	}
	n, err := base64.StdEncoding.Decode(raw[:], []byte(rest))
	if err != nil || n < 3 {
		return "", 0, false, false
	}
	b := raw[:n]
	if b[0] != 0x1c || b[1] != 0x18 {
		return "", 0, false, false
	}
	l := int(b[2])
	if len(b) != 3+l+6+32+1 {
		return "", 0, false, false
	}
	waID = string(b[3 : 3+l])
	t := b[3+l:]
	if t[0] != 0x15 || t[1] != 0x02 || t[2] != 0x00 || (t[3] != 0x11 && t[3] != 0x12) || t[4] != 0x18 || t[5] != 32 || t[38] != 0 {
		return "", 0, false, false
	}
	hi, err1 := strconv.ParseUint(string(t[6:22]), 16, 64)
	lo, err2 := strconv.ParseUint(string(t[22:38]), 16, 64)
	if err1 != nil || err2 != nil {
		return "", 0, false, false
	}
	tag, part := unpermute(hi, lo, streamWamid)
	outbound = t[3] == 0x11
	if tag != g.tag || g.formatWamid(waID, part, outbound) != id { // another seed, or not the canonical spelling
		return "", 0, false, false
	}
	return waID, part, outbound, true
}
