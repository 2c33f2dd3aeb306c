package report_test

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/omnisim/omnisim/platforms"
	"github.com/omnisim/omnisim/report"
	"github.com/omnisim/omnisim/scenarios"
	"github.com/omnisim/omnisim/sim"
	"github.com/omnisim/omnisim/sim/result"
	"github.com/omnisim/omnisim/sim/scenario"
)

// failingScenario fails an expectation and meets unexpected drift: a
// router that believes in a 48-hour WhatsApp window, and a customer who
// expects two replies.
const failingScenario = `
name = "Failing on purpose: a 48-hour window meets WhatsApp's 24"
seed = 3
start = "2026-03-02T09:00:00+08:00"
[channels.whatsapp.router]
window = "48h"
[[agents]]
id = "sam"
[[customers]]
id = "lee"
[[steps]]
at = "0s"
customer = "lee"
says = "Is the <blue> one back in stock?"
[[steps]]
at = "10m"
agent = "sam"
to = "lee"
says = "Not yet | soon"
[[steps]]
at = "30h"
agent = "sam"
to = "lee"
says = "It is back in stock!"
[[expect]]
customer = "lee"
received = 2
`

// TestHTMLRendersInChromium renders the HTML report of real runs in
// headless Chromium and checks the screenshots: the charts and the
// verdict badges must be drawn. It is skipped when there is no Chromium on
// PATH, except in CI (CI set), where it fails instead. With
// OMNISIM_ARTIFACTS set, the pages and screenshots are kept there.
func TestHTMLRendersInChromium(t *testing.T) {
	browser := ""
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			browser = p
			break
		}
	}
	if browser == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("chromium is not on PATH; CI must install it (apt-get install chromium)")
		}
		t.Skip("chromium is not on PATH")
	}
	dir := os.Getenv("OMNISIM_ARTIFACTS")
	if dir == "" {
		dir = t.TempDir()
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}

	day := run(t, "traffic-day.toml", "")
	failing := run(t, "failing.toml", failingScenario)
	drift := run(t, "policy-drift.toml", "")
	if !day.Passed || failing.Passed || len(failing.Drift) == 0 || day.Series == nil {
		t.Fatalf("unexpected runs: day passed %v with series %v, failing passed %v with %d drift", day.Passed, day.Series != nil, failing.Passed, len(failing.Drift))
	}

	for _, page := range []struct {
		name    string
		results []result.Result
	}{
		{"report-traffic-day", []result.Result{day}},
		{"report-failing", []result.Result{failing, drift}},
	} {
		t.Run(page.name, func(t *testing.T) {
			t.Parallel()
			htmlPath := filepath.Join(dir, page.name+".html")
			var buf bytes.Buffer
			if err := report.WriteHTML(&buf, page.results, report.Options{Version: "render-test"}); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(htmlPath, buf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			pngPath := filepath.Join(dir, page.name+".png")
			os.Remove(pngPath)
			screenshot(t, browser, htmlPath, pngPath)
			checkScreenshot(t, pngPath)
		})
	}
}

// run plays a library scenario, or src when given, recording time series.
func run(t *testing.T, name, src string) result.Result {
	t.Helper()
	var sc *scenario.Scenario
	var err error
	if src != "" {
		sc, err = platforms.Format.Parse(name, []byte(src))
	} else {
		sc, err = platforms.Format.Load(scenarios.Library, name)
	}
	if err != nil {
		t.Fatal(err)
	}
	return sim.Run(context.Background(), sc, sim.Options{Platforms: platforms.All, Series: true})
}

func screenshot(t *testing.T, browser, htmlPath, pngPath string) {
	t.Helper()
	abs, err := filepath.Abs(htmlPath)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-dev-shm-usage", "--hide-scrollbars", "--force-device-scale-factor=1",
		"--user-data-dir="+t.TempDir(), "--screenshot="+pngPath, "--window-size=1280,2400", "file://"+filepath.ToSlash(abs))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", browser, err, out)
	}
	if _, err := os.Stat(pngPath); err != nil {
		t.Fatalf("no screenshot: %v\n%s", err, out)
	}
}

// checkScreenshot decodes the screenshot and checks that it is not blank:
// many colours, and pixels of the charts' blue and of a verdict badge.
func checkScreenshot(t *testing.T, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	b := img.Bounds()
	if b.Dx() < 1000 || b.Dy() < 2000 {
		t.Errorf("screenshot is %dx%d", b.Dx(), b.Dy())
	}
	colours := map[[3]uint8]int{}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			colours[rgb(img, x, y)]++
		}
	}
	if len(colours) < 32 {
		t.Errorf("screenshot has %d colours: blank?", len(colours))
	}
	most := 0
	for _, n := range colours {
		most = max(most, n)
	}
	if total := b.Dx() * b.Dy(); most > total*98/100 {
		t.Errorf("one colour covers %d of %d pixels", most, total)
	}
	// The charts' lines and bars (#0550ae), and the badges (#116329 PASS,
	// #a40e26 FAIL).
	near := func(c [3]uint8, r, g, bl int) bool {
		d := func(a uint8, b int) int { return max(int(a)-b, b-int(a)) }
		return d(c[0], r) <= 12 && d(c[1], g) <= 12 && d(c[2], bl) <= 12
	}
	var blue, badge int
	for c, n := range colours {
		if near(c, 0x05, 0x50, 0xae) {
			blue += n
		}
		if near(c, 0x11, 0x63, 0x29) || near(c, 0xa4, 0x0e, 0x26) {
			badge += n
		}
	}
	if blue < 500 {
		t.Errorf("%d pixels of the charts' blue: were the charts drawn?", blue)
	}
	if badge < 200 {
		t.Errorf("%d pixels of the verdict colours: was the page styled?", badge)
	}
	t.Logf("%s: %dx%d, %d colours, %d chart pixels, %d verdict pixels", path, b.Dx(), b.Dy(), len(colours), blue, badge)
}

func rgb(img image.Image, x, y int) [3]uint8 {
	r, g, b, _ := img.At(x, y).RGBA()
	return [3]uint8{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8)}
}
