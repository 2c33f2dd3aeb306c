package report

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/omnisim/omnisim/sim/result"
)

func writeMarkdown(t *testing.T, results []result.Result, opt Options) string {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteMarkdown(&buf, results, opt); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func TestMarkdownGolden(t *testing.T) {
	for _, tt := range []struct {
		name    string
		results []result.Result
		opt     Options
	}{
		{"report.md", pageResults(), Options{Version: "v0.1.0"}},
		{"report_empty.md", nil, Options{}},
		{"report_hostile.md", hostileResults(), Options{}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := writeMarkdown(t, tt.results, tt.opt)
			goldenFile(t, tt.name, []byte(got))
			if again := writeMarkdown(t, tt.results, tt.opt); again != got {
				t.Error("two writes of the same results differ")
			}
			var buf bytes.Buffer
			if err := Write(&buf, Markdown, tt.results, tt.opt); err != nil || buf.String() != got {
				t.Errorf("Write(Markdown) differs from WriteMarkdown (err %v)", err)
			}
		})
	}
}

func TestMarkdownContent(t *testing.T) {
	md := writeMarkdown(t, pageResults(), Options{Version: "v0.1.0"})
	for _, want := range []string{
		"**FAIL**: 5 scenarios, 2 passed, 3 failed (1 not run). omnisim v0.1.0.\n",
		"| **SKIP** | Load: a month | scenarios/load/month.toml | 0 | 0 | none |\n",
		"### SKIP: Load: a month\n\nNot run: interrupted. File scenarios/load/month.toml, seed 30.\n",
		"| PASS | WhatsApp: a working day | scenarios/day.toml | 1 | 0 | none |\n",
		"| **FAIL** | WeChat: 5 replies per customer message, then the 48-hour window |",
		"### FAIL: Douyin: bad webhook secret\n",
		"| 12 | +2m00s | customer u1 received | 5 | 6 |\n",
		"| 12 | +2m00s | customer u1 last\\_error | 45047 | \"\" |\n",
		"<details><summary>timeline of conversation 4 (line 12)</summary>\n\n",
		// Offsets are the text report's.
		"| " + offset(pageStart, pageAt(time.Minute+1500*time.Millisecond)) + ` | refused | customer u1, agent li, "reply\_limit \<\\"6\\"\> \& \*more\*\\nsecond line" |`,
		"| +2d00h00m05s | sent\\_refused | wechat | u1 | li | sent | 45047 |\n",
		"> router: webhook setup for douyin: verify challenge: status 403\n> the app secret does not match the fake's\n",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("summary lacks %q\n%s", want, md)
		}
	}
	// One timeline per [[expect]] and conversation.
	if n := strings.Count(md, "<details>"); n != 1 {
		t.Errorf("%d timelines, want 1", n)
	}
	// Passing scenarios get no section.
	if strings.Contains(md, "### FAIL: WhatsApp") || strings.Contains(md, "### PASS") {
		t.Error("a passing scenario has a section")
	}
}

// TestMarkdownTablesHold: whatever the values, every table row keeps its
// number of cells and every value stays on its line.
func TestMarkdownTablesHold(t *testing.T) {
	md := writeMarkdown(t, hostileResults(), Options{})
	// The only HTML is the summary's own; every other < is escaped.
	bare := md
	for _, own := range []string{"<details><summary>", "</summary>", "</details>", `\<`} {
		bare = strings.ReplaceAll(bare, own, "")
	}
	if i := strings.Index(bare, "<"); i >= 0 {
		t.Errorf("summary has unescaped HTML: %q", bare[i:min(len(bare), i+40)])
	}
	for _, bad := range []string{"[link](", "**bold**", "~~s~~", "$x$", "` |"} {
		if strings.Contains(md, bad) {
			t.Errorf("summary contains unescaped %q", bad)
		}
	}
	cols := 0
	for _, line := range strings.Split(md, "\n") {
		if !strings.HasPrefix(line, "|") {
			cols = 0
			continue
		}
		// Cells are split by pipes that are not escaped.
		n := strings.Count(line, "|") - strings.Count(line, `\|`)
		if cols == 0 {
			cols = n
		} else if n != cols {
			t.Errorf("row has %d pipes, the table %d: %s", n, cols, line)
		}
	}
}

// TestMarkdownBounded: a run with many failures stays small.
func TestMarkdownBounded(t *testing.T) {
	var timeline []result.Line
	for k := range 300 {
		timeline = append(timeline, result.Line{At: pageAt(time.Duration(k) * time.Second), Kind: "inbound", Customer: "u1", Detail: strings.Repeat("x", 50)})
	}
	var results []result.Result
	for i := range 100 {
		r := pageFailing()
		r.Name = fmt.Sprintf("failing %d", i)
		for j := range 200 {
			c := r.Expectations[0]
			c.Line = 100 + j
			c.Subject = strings.Repeat("long subject ", 20)
			c.Timeline = timeline
			r.Expectations = append(r.Expectations, c)
		}
		results = append(results, r)
	}
	md := writeMarkdown(t, results, Options{})
	if len(md) > mdBudget+64<<10 {
		t.Errorf("summary is %d bytes, over its budget", len(md))
	}
	for _, want := range []string{"more failed scenarios are not detailed here", "and 173 more failed checks.", "270 earlier entries left out.", "More timelines are in the full report."} {
		if !strings.Contains(md, want) {
			t.Errorf("summary lacks %q", want)
		}
	}
}

// TestMarkdownBudget: however long the values and however many the
// scenarios, the summary stays within its budget and says what it left out.
func TestMarkdownBudget(t *testing.T) {
	long := func(results []result.Result) []result.Result {
		for i := range 20 {
			r := pageFailing()
			r.Name = fmt.Sprintf("failing %d", i)
			r.Expectations = nil
			for j := range 10 {
				conv := strconv.Itoa(j)
				var timeline []result.Line
				for k := range 30 {
					timeline = append(timeline, result.Line{At: pageAt(time.Duration(k) * time.Second), Kind: "inbound", Conversation: conv, Detail: strings.Repeat("d", 10000)})
				}
				r.Expectations = append(r.Expectations, result.Check{Line: 10 + j, At: pageAt(time.Minute), Subject: "customer u1", Field: "received",
					Expected: strings.Repeat("e", 10000), Actual: strings.Repeat("a", 10000), Conversation: conv, Timeline: timeline})
			}
			results = append(results, r)
		}
		return results
	}
	huge := pageFailing()
	huge.Expectations[0].Expected = strings.Repeat("<é>", 1<<20)
	huge.Expectations[0].Conversation = strings.Repeat("c", 1<<20)
	huge.Expectations[0].Timeline[0].Detail = strings.Repeat("d\n", 1<<20)
	huge.Drift[1].Platform = strings.Repeat("p", 1<<20)
	huge.Error = strings.Repeat("error line\n", 1<<20)
	var many []result.Result
	for i := range 20000 {
		r := pagePassing()
		r.Name = fmt.Sprintf("passing %d", i)
		many = append(many, r)
	}
	for _, tt := range []struct {
		name    string
		results []result.Result
		want    []string
	}{
		{"long values", long(nil), []string{"| e" + strings.Repeat("e", mdMaxValue-1) + "… | a", "more failed scenarios are not detailed here"}},
		{"one huge value", []result.Result{huge}, []string{"| " + strings.Repeat(`\<é\>`, mdMaxValue/3) + `\<é…`, "### FAIL: ", "p…", "> error line\n"}},
		{"many scenarios", append(many, long(nil)...), []string{"more scenarios are not listed here", "20 more failed scenarios are not detailed here"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			md := writeMarkdown(t, tt.results, Options{})
			if len(md) > mdBudget+200 {
				t.Errorf("summary is %d bytes, over its budget of %d", len(md), mdBudget)
			}
			for _, want := range tt.want {
				if !strings.Contains(md, want) {
					t.Errorf("summary lacks %q", want)
				}
			}
		})
	}
}
