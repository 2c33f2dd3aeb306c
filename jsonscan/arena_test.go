package jsonscan

import (
	"fmt"
	"strings"
	"testing"
)

// TestArenaStrings: every string an Arena makes keeps the bytes it was
// made of while the arena fills block after block, whatever their length
// (empty, short, up to arenaMax, and longer ones made on their own).
func TestArenaStrings(t *testing.T) {
	var a Arena
	type made struct{ got, want string }
	var all []made
	for i := 0; i < 3*arenaBlock/20; i++ {
		want := strings.Repeat(fmt.Sprintf("%d,", i), i%7*(1+i%40))
		if i%50 == 0 {
			want = strings.Repeat("x", arenaMax+i%3)
		}
		buf := []byte(want)
		all = append(all, made{a.Make(buf), want})
		for j := range buf {
			buf[j] = '!' // the caller's bytes change; the string must not
		}
	}
	for i, m := range all {
		if m.got != m.want {
			t.Fatalf("string %d is %q after the arena filled, want %q", i, m.got, m.want)
		}
	}
}
