package serve_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/omnisim/omnisim/platforms"
	"github.com/omnisim/omnisim/serve"
)

// consoleScenario is the world the browser test serves: one agent, one
// WhatsApp customer, a clock that moves only when the page jumps it.
const consoleScenario = `
name = "console"
start = "2026-03-02T09:00:00Z"

[[agents]]
id = "ana"
capacity = 3

[[customers]]
id = "mei"
name = "Mei Lin"
phone = "+886912345678"
`

// holdInbox makes the page's requests for the inbox wait a second before
// they go, counting those on their way in window.omnisimHeld, and keeps
// the page's own fetch in window.omnisimFetch.
const holdInbox = `(() => {
	const f = window.fetch;
	window.omnisimFetch = f;
	window.omnisimHeld = 0;
	window.fetch = (u, o) => {
		if (!String(u).includes("/inbox")) return f(u, o);
		window.omnisimHeld++;
		return new Promise((r) => setTimeout(r, 1000)).then(() => f(u, o)).finally(() => { window.omnisimHeld--; });
	};
	return true;
})()`

// browser finds Chromium: skipped without one, except in CI (CI set),
// where the test fails instead.
func browser(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("chromium is not on PATH; CI must install it (apt-get install chromium)")
	}
	t.Skip("chromium is not on PATH")
	return ""
}

// artifacts is where the screenshots go: OMNISIM_ARTIFACTS when set, so CI
// keeps them, else the test's temporary directory.
func artifacts(t *testing.T) string {
	dir := os.Getenv("OMNISIM_ARTIFACTS")
	if dir == "" {
		return t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestConsoleInChromium walks the console as a person would, in headless
// Chromium: a customer writes, the conversation appears unread with its
// phone-number mark, it is starred and archived, the agent replies (which
// un-archives it), the reply reaches the customer's phone, the clock jumps
// past WhatsApp's 24-hour window and the next reply is refused with its
// reason. The keyboard drives the list, and the page's text meets WCAG AA
// contrast. A screenshot of each screen is kept.
func TestConsoleInChromium(t *testing.T) {
	exe := browser(t)
	dir := artifacts(t)

	sc, err := platforms.Format.Parse("console.toml", []byte(consoleScenario))
	if err != nil {
		t.Fatal(err)
	}
	seed := uint64(7)
	srv, err := serve.Start(context.Background(), serve.Config{Scenario: sc, Seed: &seed, Stopped: true})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	base := srv.URLs().Base

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.WindowSize(1500, 1000),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancelCtx := chromedp.NewContext(actx)
	defer cancelCtx()
	// The first action starts the browser, which lives as long as ctx: the
	// test's deadline goes on the steps, not on it.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting Chromium: %v", err)
	}

	shot := func(name string) chromedp.Action[chromedp.Void] {
		return func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
			buf, err := chromedp.FullScreenshot(100)(ctx, tg)
			if err != nil {
				return chromedp.Void{}, err
			}
			path := filepath.Join(dir, "console-"+name+".png")
			t.Logf("screenshot: %s", path)
			return chromedp.Void{}, os.WriteFile(path, buf, 0o644)
		}
	}
	// waitJS waits until the expression is true.
	waitJS := func(expr, what string) chromedp.Action[chromedp.Void] {
		poll := chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(45*time.Second))
		return func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
			if _, err := poll(ctx, tg); err != nil {
				return chromedp.Void{}, fmt.Errorf("waiting for %s: %w", what, err)
			}
			return chromedp.Void{}, nil
		}
	}
	// waitText waits until the element's text contains want.
	waitText := func(sel, want string) chromedp.Action[chromedp.Void] {
		return waitJS(fmt.Sprintf(`(document.querySelector(%q)||{textContent:""}).textContent.includes(%q)`, sel, want),
			fmt.Sprintf("%s to show %q", sel, want))
	}
	step := func(name string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, 120*time.Second)
		defer cancel()
		if err := chromedp.Do(sctx, actions...); err != nil {
			html, _ := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("main")))
			t.Fatalf("%s: %v\npage: %.3000s", name, err, html)
		}
	}
	click := func(sel string) chromedp.Action[chromedp.Void] { return chromedp.Click(chromedp.CSS(sel)) }
	// focusOn fails unless the element with the id has the focus.
	focusOn := func(id string) chromedp.Action[chromedp.Void] {
		return func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
			got, err := chromedp.Evaluate[string](`document.activeElement ? document.activeElement.id || document.activeElement.tagName : ""`)(ctx, tg)
			if err != nil {
				return chromedp.Void{}, err
			}
			if got != id {
				return chromedp.Void{}, fmt.Errorf("the focus is on %s, not #%s", got, id)
			}
			return chromedp.Void{}, nil
		}
	}
	// clickLive clicks an element of a list the page redraws as the world
	// changes, in the page itself: found and clicked at once, where a
	// pointer click may find a node that a redraw then replaces.
	clickLive := func(sel string) chromedp.Action[chromedp.Void] {
		return waitJS(fmt.Sprintf(`(e => e ? (e.click(), true) : false)(document.querySelector(%q))`, sel), "a click on "+sel)
	}
	// keys types text into the element and waits until its value ends
	// with it: on a loaded machine the last keystrokes may not have
	// reached the input when the next action (a click on submit) does.
	keys := func(sel, text string) chromedp.Action[chromedp.Void] {
		send := chromedp.SendKeys(chromedp.CSS(sel), text)
		held := waitJS(fmt.Sprintf(`(document.querySelector(%q)||{value:""}).value.endsWith(%q)`, sel, text),
			fmt.Sprintf("%s to hold %q", sel, text))
		return func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
			if _, err := send(ctx, tg); err != nil {
				return chromedp.Void{}, err
			}
			return held(ctx, tg)
		}
	}

	step("open", chromedp.Navigate(base+"/"), waitText("#live", "live"), shot("1-empty"))

	step("customer writes",
		chromedp.SetValue(chromedp.CSS("#ph-platform"), "whatsapp"),
		keys("#ph-customer", "mei"),
		keys("#say-text", "Hi! Call me on 0912-345-678 about my order"),
		click(`#say-form button[type="submit"]`),
		waitText("#list", "Mei Lin"),
		waitText("#list li .badge", "1"),
		waitText("#list li .chip.phone", "phone"),
		waitText(`[data-count="unread"]`, "1"),
		shot("2-unread"),
	)

	step("keyboard opens and stars",
		click("h1"),
		chromedp.KeyEvent("j"),
		waitText("#conv-name", "Mei Lin"),
		waitText("#conv-marks", "+886912345678"),
		waitText(`[data-count="unread"]`, "0"),
		chromedp.KeyEvent("s"),
		waitText(`[data-count="starred"]`, "1"),
	)

	// A conversation opened from the keyboard gives its row the focus once
	// it has loaded, unless the user went into a field meanwhile: with the
	// page's requests for the inbox held back a second, a tag's name typed
	// before they come keeps the focus.
	step("the focus stays in a field",
		waitJS(holdInbox, "the inbox's requests held back"),
		click("h1"),
		chromedp.KeyEvent("j"),
		keys("#tag-name", "later"),
		waitJS("window.omnisimHeld === 0", "the held requests' answers"),
		chromedp.Sleep(500*time.Millisecond),
		focusOn("tag-name"),
		waitJS(`(window.fetch = window.omnisimFetch, document.getElementById("tag-name").value = "", true)`, "the page's own fetch"),
	)

	step("tag and archive",
		keys("#tag-name", "vip"),
		chromedp.SetValue(chromedp.CSS("#tag-colour"), "#15803D"),
		click(`#tag-form button[type="submit"]`),
		waitText("#list li .tag", "vip"),
		waitJS(`getComputedStyle(document.querySelector("#list li .tag")).backgroundColor === "rgb(21, 128, 61)"`, "the tag's colour"),
		click("#archive"),
		waitText(`[data-count="archived"]`, "1"),
		waitText("#archive", "Unarchive"),
		shot("3-starred-archived"),
	)

	step("agent replies",
		chromedp.SetValue(chromedp.CSS("#as-agent"), "ana"),
		keys("#reply-text", "Hello Mei, your order ships today."),
		click(`#reply-form button[type="submit"]`),
		waitText("#send-result", "Sent"),
		waitText("#device", "your order ships today"),
		waitText("#seat-assigned", "Mei Lin"),
		waitText(`[data-count="archived"]`, "0"), // a reply un-archives
		waitText("#timers", "reply window ends"),
		shot("4-replied"),
	)

	step("jump past the window",
		click(`[data-advance="25h"]`),
		waitText("#now", "2026-03-03 10:00"),
		keys("#reply-text", "Are you still there?"),
		click(`#reply-form button[type="submit"]`),
		waitText("#send-result", "window_closed"),
		waitText("#send-result", "only a template"),
		waitText("#send-result", "The platform refuses it too"),
		shot("5-refused"),
	)

	// Every text the page shows meets WCAG AA: 4.5:1 against the colour
	// behind it (3:1 for large text).
	// The server restarts on the same address with a new world: the page
	// reconnects on its own and shows the new world.
	addr := srv.Addr().String()
	srv.Close()
	step("server gone", waitText("#live", "reconnecting"))
	seed2 := uint64(8)
	srv2, err := serve.Start(context.Background(), serve.Config{Addr: addr, Scenario: sc, Seed: &seed2, Stopped: true})
	if err != nil {
		t.Fatalf("restarting on %s: %v", addr, err)
	}
	defer srv2.Close()
	step("server back",
		waitText("#live", "live"),
		waitText("#now", "2026-03-02 09:00"),
		waitJS(`document.getElementById("list-empty").hidden === false`, "the new world's empty list"),
		shot("6-restarted"),
	)

	// Another platform's customer: the phone takes that platform's style.
	step("a LINE customer",
		chromedp.SetValue(chromedp.CSS("#ph-platform"), "line"),
		chromedp.SetValue(chromedp.CSS("#ph-customer"), "U0123456789abcdef0123456789abcdef"),
		keys("#say-text", "こんにちは"),
		click(`#say-form button[type="submit"]`),
		waitText("#list", "LINE"),
		clickLive("#list li .open"),
		chromedp.SetValue(chromedp.CSS("#as-agent"), "ana"),
		waitJS(`(document.getElementById("reply-text").value = "") === ""`, "an empty reply box"), // the refused text stays for another try
		keys("#reply-text", "いらっしゃいませ"),
		click(`#reply-form button[type="submit"]`),
		waitText("#device", "いらっしゃいませ"),
		waitJS(`document.getElementById("phone").dataset.platform === "line"`, "the phone in LINE's style"),
		shot("7-line-phone"),
	)

	bad, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](contrastScript))
	if err != nil {
		t.Fatalf("contrast: %v", err)
	}
	if len(bad) > 0 {
		t.Errorf("text below WCAG AA contrast:\n%s", strings.Join(bad, "\n"))
	}
}

// contrastScript lists the visible text elements whose colour contrast
// against their nearest opaque background is below WCAG AA.
const contrastScript = `(() => {
  const parse = (c) => { const m = c.match(/rgba?\(([^)]+)\)/); if (!m) return null; const p = m[1].split(",").map(Number); return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 }; };
  const lum = (c) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }; return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b); };
  const bg = (el) => { for (let e = el; e; e = e.parentElement) { const c = parse(getComputedStyle(e).backgroundColor); if (c && c.a >= 1) return c; } return { r: 255, g: 255, b: 255, a: 1 }; };
  const out = [];
  for (const el of document.querySelectorAll("body *")) {
    if (el.closest("svg")) continue;
    const text = [...el.childNodes].filter((n) => n.nodeType === 3).map((n) => n.textContent.trim()).join("");
    if (!text || el.offsetParent === null) continue;
    const st = getComputedStyle(el);
    const fg = parse(st.color); if (!fg) continue;
    const b = bg(el);
    const l1 = lum(fg), l2 = lum(b);
    const ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
    const size = parseFloat(st.fontSize), bold = parseInt(st.fontWeight, 10) >= 700;
    const need = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
    if (ratio < need) out.push(el.tagName.toLowerCase() + "." + el.className + " " + JSON.stringify(text.slice(0, 30)) + ": " + ratio.toFixed(2));
  }
  return out;
})()`
