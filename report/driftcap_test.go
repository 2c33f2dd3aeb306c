package report

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/omnisim/omnisim/sim/result"
)

// TestDriftNotListed: every report says how many drift findings the result
// counts but does not list, and counts the unlisted unexpected ones among
// the unexpected.
func TestDriftNotListed(t *testing.T) {
	r := drifting()
	r.DriftDropped, r.DriftDroppedUnexpected = 2000, 1229
	more := "and 2000 more findings not listed, 1229 unexpected"
	for _, tc := range []struct {
		name  string
		write func(io.Writer, []result.Result, Options) error
		want  []string
	}{
		{"text", WriteText, []string{"why      1230 unexpected policy drift findings", "    " + more + "\n"}},
		{"json", WriteJSON, []string{`"drift_dropped": 2000,`, `"drift_dropped_unexpected": 1229,`}},
		{"junit", WriteJUnit, []string{`message="1230 unexpected policy drift findings"`, more + "\n"}},
		{"html", WriteHTML, []string{"2002 findings, 1230 unexpected.", "<p>" + more + ".</p>", "1230 unexpected of 2002"}},
		{"markdown", WriteMarkdown, []string{"**1230 unexpected** of 2002", "and 1229 more unexpected findings."}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := tc.write(&buf, []result.Result{r}, Options{Version: "test"}); err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if !strings.Contains(buf.String(), w) {
					t.Errorf("report lacks %q\n%s", w, buf.String())
				}
			}
		})
	}
}
