package whatsapp

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"
)

func TestSentIsTheTimestamp(t *testing.T) {
	for _, tc := range []struct {
		stamp string
		want  time.Time
	}{
		{`"1749416383"`, time.Unix(1749416383, 0)},
		{`"0"`, time.Time{}},
		{`"-5"`, time.Time{}},
		{`"soon"`, time.Time{}},
		{`""`, time.Time{}},
	} {
		t.Run(tc.stamp, func(t *testing.T) {
			a, rec, _ := newTestAdapter(t)
			body := envelopeOf(testPhoneID, fmt.Sprintf(`"messages":[{"from":"16505551234","id":"wamid.1","timestamp":%s,"type":"text","text":{"body":"hi"}}]`, tc.stamp))
			if st := postSigned(a, body); st != 200 {
				t.Fatalf("status %d", st)
			}
			if len(rec.received) != 1 || !rec.received[0].Sent.Equal(tc.want) {
				t.Fatalf("received %+v, want Sent %v", rec.received, tc.want)
			}
		})
	}
}

// TestUnixTimeAsStrconv: unixTime reads every form as strconv.ParseInt
// does, and the usual ones without allocating.
func TestUnixTimeAsStrconv(t *testing.T) {
	for _, s := range []string{"", "0", "1", "1749416383", "0001749416383", "-5", "+5", "+0", "12a", " 1", "1 ",
		"999999999999999999", "9999999999999999999", "99999999999999999999", "9223372036854775807", "0x10", "1_000"} {
		want := time.Time{}
		if n, err := strconv.ParseInt(s, 10, 64); err == nil && n > 0 {
			want = time.Unix(n, 0)
		}
		if got := unixTime(s); !got.Equal(want) {
			t.Errorf("unixTime(%q) = %v, want %v", s, got, want)
		}
	}
	for _, s := range []string{"", "1749416383"} {
		if n := testing.AllocsPerRun(100, func() { unixTime(s) }); n != 0 {
			t.Errorf("unixTime(%q): %v allocations", s, n)
		}
	}
}

// FuzzUnixTime holds the hand-read timestamp to strconv.ParseInt.
func FuzzUnixTime(f *testing.F) {
	for _, s := range []string{"", "0", "1749416383", "-5", "+5", "9223372036854775807", "99999999999999999999", "1_000"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want := time.Time{}
		if n, err := strconv.ParseInt(s, 10, 64); err == nil && n > 0 {
			want = time.Unix(n, 0)
		}
		if got := unixTime(s); !got.Equal(want) {
			t.Errorf("unixTime(%q) = %v, want %v", s, got, want)
		}
	})
}

// TestStampDecodesAsString: encoding/json refuses a stamp where it would
// refuse a string, and otherwise decodes what unixTime reads from the
// string it would decode.
func TestStampDecodesAsString(t *testing.T) {
	for _, v := range []string{`"1749416383"`, `"\u0031\u0032"`, `"12a"`, `""`, `"-5"`, `"99999999999999999999"`,
		`null`, `1749416383`, `true`, `{}`, `[]`, `"\ud800"`} {
		body := []byte(`{"timestamp":"7","timestamp":` + v + `}`)
		var s struct {
			Timestamp string `json:"timestamp"`
		}
		var st struct {
			Timestamp stamp `json:"timestamp"`
		}
		errS, errSt := json.Unmarshal(body, &s), json.Unmarshal(body, &st)
		if (errS == nil) != (errSt == nil) {
			t.Errorf("%s: string %v, stamp %v", v, errS, errSt)
		} else if errS == nil && !st.Timestamp.time().Equal(unixTime(s.Timestamp)) {
			t.Errorf("%s: stamp %d, string %q", v, st.Timestamp, s.Timestamp)
		}
	}
}

// TestEightDigits holds eightDigits to a byte-by-byte reading: every byte
// value at every position of a word of digits, and random digit words.
func TestEightDigits(t *testing.T) {
	ref := func(b []byte) (uint64, bool) {
		var v uint64
		for _, c := range b {
			if c < '0' || c > '9' {
				return 0, false
			}
			v = v*10 + uint64(c-'0')
		}
		return v, true
	}
	check := func(b []byte) {
		t.Helper()
		v, ok := eightDigits(binary.LittleEndian.Uint64(b))
		if wv, wok := ref(b); v != wv || ok != wok {
			t.Fatalf("eightDigits(%q) = %d, %v; want %d, %v", b, v, ok, wv, wok)
		}
	}
	for _, fill := range []byte("0159") {
		for pos := range 8 {
			for c := range 256 {
				b := bytes.Repeat([]byte{fill}, 8)
				b[pos] = byte(c)
				check(b)
			}
		}
	}
	r := rand.New(rand.NewPCG(3, 4))
	for range 100_000 {
		b := []byte(fmt.Sprintf("%08d", r.IntN(100_000_000)))
		check(b)
	}
}
