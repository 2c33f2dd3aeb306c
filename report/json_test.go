package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/omnisim/omnisim/sim/result"
)

// jsonReport is the top-level object of the JSON report, for decoding it.
// Field order is the output order.
type jsonReport struct {
	Schema    string          `json:"schema"`
	Version   string          `json:"version"`
	Passed    bool            `json:"passed"`
	Summary   summary         `json:"summary"`
	Scenarios []result.Result `json:"scenarios"`
}

// encodeWhole is the JSON report as one Encode of the whole document
// makes it, which the streamed report must match byte for byte.
func encodeWhole(t *testing.T, results []result.Result, opt Options) []byte {
	t.Helper()
	rep := jsonReport{Schema: Schema, Version: opt.Version, Summary: summarize(results), Scenarios: make([]result.Result, len(results))}
	rep.Passed = rep.Summary.Failed == 0
	for i, r := range results {
		if r.Expectations == nil {
			r.Expectations = []result.Check{}
		}
		if r.Drift == nil {
			r.Drift = []result.Drift{}
		}
		if r.Agents == nil {
			r.Agents = []result.Agent{}
		}
		rep.Scenarios[i] = r
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(rep); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestJSONStreamedAsOneDocument(t *testing.T) {
	odd := failing()
	odd.Name = "<b>odd</b> & \"quoted\"\n\ttabbed \u2028 名前"
	odd.Series = &result.Series{Bucket: time.Minute, Buckets: 2, Waiting: []int{1, 0}}
	many := make([]result.Result, 0, 40)
	for range 8 {
		many = append(many, all()...)
	}
	for _, tc := range []struct {
		name    string
		results []result.Result
		version string
	}{
		{"none", nil, "v1"},
		{"empty", []result.Result{}, ""},
		{"one", []result.Result{passing()}, "v1.2.3"},
		{"skipped", []result.Result{skipped(), passing()}, "dev"},
		{"all", all(), "v1.2.3 <dev> & more"},
		{"odd", []result.Result{odd, {}}, "v1"},
		{"many", many, "v1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opt := Options{Version: tc.version}
			var got bytes.Buffer
			if err := WriteJSON(&got, tc.results, opt); err != nil {
				t.Fatal(err)
			}
			if want := encodeWhole(t, tc.results, opt); !bytes.Equal(got.Bytes(), want) {
				t.Errorf("streamed report differs from the whole document's encoding:\ngot:\n%s\nwant:\n%s", got.Bytes(), want)
			}
		})
	}
}

// stopAfter accepts one write, then fails as a writer whose run was
// interrupted does.
type stopAfter struct {
	first  int
	writes int
}

var errStopped = errors.New("stopped")

func (s *stopAfter) Write(p []byte) (int, error) {
	s.writes++
	if s.writes > 1 {
		return 0, errStopped
	}
	s.first = len(p)
	return len(p), nil
}

// The report goes to the writer as it is encoded, a result at a time, and
// a failing writer stops it at once.
func TestJSONStreamsAndStopsOnAWriteError(t *testing.T) {
	many := make([]result.Result, 0, 100)
	for range 20 {
		many = append(many, all()...)
	}
	whole := encodeWhole(t, many, Options{})
	w := &stopAfter{}
	err := WriteJSON(w, many, Options{})
	if !errors.Is(err, errStopped) || strings.HasPrefix(err.Error(), "json report") {
		t.Errorf("err = %v, want the writer's own", err)
	}
	if w.writes != 2 || w.first*10 > len(whole) {
		t.Errorf("%d writes, the first of %d bytes of %d; want the report streamed in small pieces and nothing written after the writer failed", w.writes, w.first, len(whole))
	}
}
