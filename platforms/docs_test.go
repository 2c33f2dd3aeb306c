package platforms_test

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/omnisim/omnisim/platforms"
)

// TestDocExamples parses every TOML example of docs/scenarios.md with the
// real platform table, every platform's settings included, and checks that
// each encodes and parses back to the same file.
func TestDocExamples(t *testing.T) {
	doc, err := os.ReadFile("../docs/scenarios.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := strings.Split(string(doc), "```toml\n")[1:]
	if len(blocks) < 3 {
		t.Fatalf("found %d TOML blocks", len(blocks))
	}
	for i, b := range blocks {
		src, _, _ := strings.Cut(b, "```")
		s, err := platforms.Format.Parse("doc.toml", []byte(src))
		if err != nil {
			t.Errorf("block %d: %v\n%s", i, err, src)
			continue
		}
		out, err := platforms.Format.Encode(s)
		if err != nil {
			t.Errorf("block %d: Encode: %v", i, err)
			continue
		}
		back, err := platforms.Format.Parse("encoded.toml", out)
		if err != nil {
			t.Errorf("block %d: Parse(Encode): %v\n%s", i, err, out)
			continue
		}
		again, err := platforms.Format.Encode(back)
		if err != nil || !bytes.Equal(again, out) {
			t.Errorf("block %d: Encode is not stable (%v):\n%s\n---\n%s", i, err, out, again)
		}
	}
}
