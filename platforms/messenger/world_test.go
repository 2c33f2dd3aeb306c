package messenger_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/omnisim/omnisim/platforms"
	"github.com/omnisim/omnisim/scenarios"
	"github.com/omnisim/omnisim/serve"
	"github.com/omnisim/omnisim/sim"
	"github.com/omnisim/omnisim/sim/result"
)

// Every shipped Messenger scenario gives the same routing, deliveries,
// refusals, expectations and drift in Memory and in Direct (only the wire
// counters differ), and passes in both.
func TestDirectMatchesMemory(t *testing.T) {
	names, _ := fs.Glob(scenarios.Library, "messenger-*.toml")
	if len(names) < 3 {
		t.Fatalf("scenarios %v", names)
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			b, _ := fs.ReadFile(scenarios.Library, name)
			sc, err := platforms.Format.Parse(name, b)
			if err != nil {
				t.Fatal(err)
			}
			mem := sim.Run(context.Background(), sc, sim.Options{Platforms: platforms.All, Network: sim.Memory, Trace: true})
			dir := sim.Run(context.Background(), sc, sim.Options{Platforms: platforms.All, Network: sim.Direct, Trace: true})
			if mem.Error != "" || dir.Error != "" || !mem.Passed || !dir.Passed {
				t.Fatalf("memory %q passed %v; direct %q passed %v", mem.Error, mem.Passed, dir.Error, dir.Passed)
			}
			mt, dt := mem.Totals, dir.Totals
			mt.Webhooks, dt.Webhooks = 0, 0
			if mt != dt {
				t.Errorf("totals: memory %+v, direct %+v", mt, dt)
			}
			for _, pair := range [][2]any{{mem.Expectations, dir.Expectations}, {mem.Drift, dir.Drift}, {mem.Agents, dir.Agents}, {mem.Trace, dir.Trace}} {
				mj, _ := json.Marshal(pair[0])
				dj, _ := json.Marshal(pair[1])
				if string(mj) != string(dj) {
					t.Errorf("memory\n%s\ndirect\n%s", mj, dj)
				}
			}
		})
	}
}

const serveScenario = `name = "messenger serve"
start = "2026-03-02T09:00:00Z"

[channels.messenger.ad_referrals]
"7240412345678901" = "120210000000000042"

[[agents]]
id = "ana"
capacity = 5

[[customers]]
id = "wang"
channel = "messenger"
psid = "7240412345678901"
`

// serve reaches the fake and the router over plain HTTP, as an app and
// as Meta would: the handshake, a signed webhook (and a forged and a
// replayed one), and a send through the Graph API.
func TestServe(t *testing.T) {
	sc, err := platforms.Format.Parse("s.toml", []byte(serveScenario))
	if err != nil {
		t.Fatal(err)
	}
	seed := uint64(1)
	srv, err := serve.Start(context.Background(), serve.Config{Scenario: sc, Seed: &seed, Stopped: true})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	urls := srv.URLs()
	api, hook := urls.Platforms["messenger"]["api"], urls.Platforms["messenger"]["webhook"]
	do := func(method, u, ctype, body string, hdr ...string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(method, u, strings.NewReader(body))
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}

	// The handshake, as Meta makes it.
	if st, body := do("GET", hook+"?hub.mode=subscribe&hub.verify_token=omnisim-messenger-verify-token&hub.challenge=4242", "", ""); st != 200 || body != "4242" {
		t.Fatalf("handshake: %d %q", st, body)
	}
	if st, _ := do("GET", hook+"?hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1", "", ""); st != 403 {
		t.Errorf("wrong verify token: %d", st)
	}
	// A signed webhook, as Meta sends it; then forged and unsigned ones.
	body := `{"object":"page","entry":[{"id":"104857392016483","time":1772442000000,"messaging":[{"sender":{"id":"7240498765432109"},"recipient":{"id":"104857392016483"},"timestamp":1772442000000,"message":{"mid":"m_from_meta","text":"hello"}}]}]}`
	m := hmac.New(sha256.New, []byte("omnisim-messenger-app-secret"))
	m.Write([]byte(body))
	m1 := hmac.New(sha1.New, []byte("omnisim-messenger-app-secret"))
	m1.Write([]byte(body))
	sig, sig1 := "sha256="+hex.EncodeToString(m.Sum(nil)), "sha1="+hex.EncodeToString(m1.Sum(nil))
	if st, _ := do("POST", hook, "application/json", body, "X-Hub-Signature-256", sig, "X-Hub-Signature", sig1); st != 200 {
		t.Fatalf("signed webhook: %d", st)
	}
	if st, _ := do("POST", hook, "application/json", body, "X-Hub-Signature-256", "sha256="+strings.Repeat("0", 64)); st != 403 {
		t.Errorf("forged webhook: %d", st)
	}
	if st, _ := do("POST", hook, "application/json", body); st != 401 {
		t.Errorf("unsigned webhook: %d", st)
	}
	do("POST", hook, "application/json", body, "X-Hub-Signature-256", sig) // replayed
	var convs struct {
		Conversations []json.RawMessage `json:"conversations"`
	}
	_, cj := do("GET", urls.Control+"/conversations", "", "")
	json.Unmarshal([]byte(cj), &convs)
	if len(convs.Conversations) != 1 {
		t.Errorf("conversations after a replay: %s", cj)
	}

	// The scripted customer writes through the fake (from the ad), and an
	// app answers through the Send API with the token in the query.
	if st, body := do("POST", urls.Control+"/customers/messenger/wang/messages", "application/json", `{"text":"from the ad"}`); st != 200 {
		t.Fatalf("customer message: %d %s", st, body)
	}
	st, ans := do("POST", api+"/v25.0/me/messages?access_token=omnisim-messenger-page-token", "application/json",
		`{"recipient":{"id":"7240412345678901"},"messaging_type":"RESPONSE","message":{"text":"Hello from my app"}}`)
	var ok struct {
		RecipientID string `json:"recipient_id"`
		MessageID   string `json:"message_id"`
	}
	if st != 200 || json.Unmarshal([]byte(ans), &ok) != nil || ok.RecipientID != "7240412345678901" || !strings.HasPrefix(ok.MessageID, "m_") {
		t.Fatalf("send: %d %s", st, ans)
	}
	st, ans = do("POST", api+"/v25.0/me/messages", "application/json", `{}`, "Authorization", "Bearer wrong")
	if st != 400 || !strings.Contains(ans, `"code":190`) || !strings.Contains(ans, "fbtrace_id") {
		t.Errorf("wrong token: %d %s", st, ans)
	}
	_, dev := do("GET", urls.Control+"/customers/messenger/wang/device", "", "")
	if !strings.Contains(dev, "Hello from my app") {
		t.Errorf("device: %s", dev)
	}
	_, j := do("GET", urls.Control+"/journal?platform=messenger&kind=webhook", "", "")
	if !strings.Contains(j, "120210000000000042") {
		t.Errorf("the ad referral is not in the journal: %s", j)
	}
}

// The Messenger example of docs/scenarios.md parses with the real table.
func TestDocExample(t *testing.T) {
	doc, err := os.ReadFile("../../docs/scenarios.md")
	if err != nil {
		t.Skipf("no docs: %v", err)
	}
	found := false
	for _, b := range strings.Split(string(doc), "```toml\n")[1:] {
		src, _, _ := strings.Cut(b, "```")
		if !strings.Contains(src, "[channels.messenger") {
			continue
		}
		found = true
		if _, err := platforms.Format.Parse("doc.toml", []byte(src)); err != nil {
			t.Errorf("%v\n%s", err, src)
		}
	}
	if !found {
		t.Error("no Messenger example in docs/scenarios.md")
	}
}

// In messenger-human-agent.toml the reply at 30 hours goes with the
// HUMAN_AGENT tag and the one inside 24 hours as RESPONSE: the platform's
// journal says how each was sent.
func TestHumanAgentTagOnTheWire(t *testing.T) {
	b, _ := fs.ReadFile(scenarios.Library, "messenger-human-agent.toml")
	sc, err := platforms.Format.Parse("messenger-human-agent.toml", b)
	if err != nil {
		t.Fatal(err)
	}
	w, err := sim.NewWorld(context.Background(), sc, sim.Options{Platforms: platforms.All})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	w.Schedule()
	if err := w.RunUntil(time.Time{}); err != nil {
		t.Fatal(err)
	}
	bind, _ := w.Binding("messenger")
	var got []string
	for _, r := range bind.Journal(sim.JournalFilter{Kind: sim.RecordDelivery}) {
		got = append(got, r.Text)
	}
	want := []string{"有的，明天可以出貨。", "您的外套已經出貨了。 [HUMAN_AGENT]"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("deliveries %q, want %q", got, want)
	}
}

// journaler is a binding that shows the platform's journal.
type journaler interface {
	Journal(sim.JournalFilter) []sim.Record
}

// messenger-faults: the platform refused sends with its transient errors
// (613 throttled, 500 code 2), and yet each Messenger received each reply
// exactly once, the one at 30 hours with the HUMAN_AGENT tag; in Memory and
// in Direct alike.
func TestFaultScenarioDevices(t *testing.T) {
	src, err := fs.ReadFile(scenarios.Library, "messenger-faults.toml")
	if err != nil {
		t.Fatal(err)
	}
	sc, err := platforms.Format.Parse("messenger-faults.toml", src)
	if err != nil {
		t.Fatal(err)
	}
	for _, network := range []sim.Network{sim.Memory, sim.Direct} {
		w, err := sim.NewWorld(context.Background(), sc, sim.Options{Platforms: platforms.All, Network: network})
		if err != nil {
			t.Fatal(err)
		}
		w.Schedule()
		if err := w.RunUntil(time.Time{}); err != nil {
			t.Fatal(err)
		}
		if res := w.Finish(); !res.Passed {
			t.Errorf("network %v: the scenario fails: %s", network, res.Error)
		}
		b, _ := w.Binding("messenger")
		codes := map[string]int{}
		for _, r := range b.(journaler).Journal(sim.JournalFilter{Kind: sim.RecordError}) {
			codes[fmt.Sprint(r.Status, " ", r.Code)]++
		}
		t.Logf("network %v: send errors %v, stats %+v", network, codes, b.Stats())
		if codes["429 613"] == 0 || codes["500 2"] == 0 {
			t.Errorf("network %v: errors %v, want 429 613 and 500 2 among them", network, codes)
		}
		seen := map[string]int{}
		var tagged []string
		for _, r := range b.(journaler).Journal(sim.JournalFilter{Kind: sim.RecordDelivery}) {
			seen[r.Customer+" "+r.Text]++
			if strings.HasSuffix(r.Text, "[HUMAN_AGENT]") {
				tagged = append(tagged, r.Text)
			}
		}
		for k, n := range seen {
			if n != 1 {
				t.Errorf("network %v: %q delivered %d times", network, k, n)
			}
		}
		if len(seen) != 7 || len(tagged) != 1 || tagged[0] != "您的外套已經出貨了。 [HUMAN_AGENT]" {
			t.Errorf("network %v: %d deliveries, tagged %q", network, len(seen), tagged)
		}
		w.Close()
	}
}

const pathsScenario = `name = "messenger request paths"
start = "2026-03-02T10:00:00+08:00"
%s
[[agents]]
id = "mei"

[[customers]]
id = "wang"
channel = "messenger"

[[steps]]
at = "0s"
customer = "wang"
says = "hi"

[[steps]]
at = "1m"
agent = "mei"
to = "wang"
says = "hello"

[[steps]]
at = "2m"
agent = "mei"
to = "wang"
attaches = { kind = "image", format = "png", size = "1KB" }
`

// requestPaths runs src on network and returns the platform's journaled
// requests as "METHOD path status".
func requestPaths(t *testing.T, src string, network sim.Network) []string {
	t.Helper()
	sc, err := platforms.Format.Parse("paths.toml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	w, err := sim.NewWorld(context.Background(), sc, sim.Options{Platforms: platforms.All, Network: network})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	w.Schedule()
	if err := w.RunUntil(time.Time{}); err != nil {
		t.Fatal(err)
	}
	b, _ := w.Binding("messenger")
	var out []string
	for _, r := range b.(journaler).Journal(sim.JournalFilter{Kind: sim.RecordRequest}) {
		out = append(out, fmt.Sprint(r.Method, " ", r.Path, " ", r.Status))
	}
	return out
}

// The journal records the same request paths, the API version in them, in
// Memory and in Direct.
func TestDirectJournalPaths(t *testing.T) {
	for _, tc := range []struct{ settings, version string }{
		{"", "v25.0"},
		{"[channels.messenger]\napi_version = \"v21.0\"\n", "v21.0"},
	} {
		src := fmt.Sprintf(pathsScenario, tc.settings)
		mem, dir := requestPaths(t, src, sim.Memory), requestPaths(t, src, sim.Direct)
		base := "POST /" + tc.version + "/104857392016483/"
		want := []string{base + "messages 200", base + "message_attachments 200", base + "messages 200"}
		if strings.Join(mem, "|") != strings.Join(want, "|") {
			t.Errorf("%s: memory %q, want %q", tc.version, mem, want)
		}
		if strings.Join(dir, "|") != strings.Join(mem, "|") {
			t.Errorf("%s: direct %q, memory %q", tc.version, dir, mem)
		}
	}
}

const namedFileScenario = `name = "messenger named file"
start = "2026-03-02T10:00:00+08:00"

[channels.messenger.rules.media.document]
formats = [%q]
%s
[[agents]]
id = "mei"

[[customers]]
id = "wang"
channel = "messenger"

[[steps]]
at = "0s"
customer = "wang"
says = "the contract?"

[[steps]]
at = "1m"
agent = "mei"
to = "wang"
attaches = { kind = "document", format = %q, size = "1KB"%s }

[[expect]]
at = "2m"
customer = "wang"
received = %d

[[expect]]
drift = "sent_refused"
count = %d
`

// An attachment is judged by its format, whatever its file name, on the
// wire as by value: Memory and Direct accept and refuse the same files. A
// format of two extensions (tar.gz) is read whole from the name the
// adapter uploads the file under, on the wire as by value, and a gz rule
// takes it too; the router's own rule for the format (router) lets through
// the files only the platform refuses, so both networks show the same
// drift.
func TestAttachmentNameDoesNotDecide(t *testing.T) {
	for _, tc := range []struct {
		rule, format, name string
		router             bool
		received, drift    int
	}{
		{"pdf", "pdf", "contract.docx", false, 1, 0},
		{"pdf", "pdf", "contract", false, 1, 0},
		{"pdf", "pdf", "contract.PDF", false, 1, 0},
		{"pdf", "pdf", "", false, 1, 0},
		{"pdf", "docx", "contract.pdf", false, 0, 0},
		{"tar.gz", "tar.gz", "", false, 1, 0},
		{"tar.gz", "tar.gz", "backup", false, 1, 0},
		{"tar.gz", "tar.gz", "backup.tar", false, 1, 0},
		{"tar.gz", "tar.gz", "backup.tar.gz", false, 1, 0},
		{"tar.gz", "TAR.GZ", "backup.TAR.GZ", false, 1, 0},
		{"tar.gz", "gz", "backup.tar", true, 1, 0},
		{"tar.gz", "gz", "backup.tar.gz", true, 1, 0},
		{"tar.gz", "gz", "backup", true, 0, 1},
		{"tar.gz", "zip", "backup.tar.gz", true, 0, 1},
		{"gz", "gz", "backup.tar", false, 1, 0},
		{"gz", "tar.gz", "backup", true, 1, 0},
		{"gz", "svg.gz", "logo", true, 1, 0},
		{"svg.gz", "svg.gz", "logo", false, 0, 1},
		{"tar.bz2", "bz2", "backup.TAR", true, 1, 0},
		{"jpeg", "jpg", "scan.tar", true, 1, 0},
	} {
		name := ""
		if tc.name != "" {
			name = fmt.Sprintf(", name = %q", tc.name)
		}
		router := ""
		if tc.router {
			router = fmt.Sprintf("\n[channels.messenger.router.media.document]\nformats = [%q]\n", tc.format)
		}
		src := fmt.Sprintf(namedFileScenario, tc.rule, router, tc.format, name, tc.received, tc.drift)
		sc, err := platforms.Format.Parse("named.toml", []byte(src))
		if err != nil {
			t.Fatal(err)
		}
		mem := sim.Run(context.Background(), sc, sim.Options{Platforms: platforms.All, Network: sim.Memory, Trace: true})
		dir := sim.Run(context.Background(), sc, sim.Options{Platforms: platforms.All, Network: sim.Direct, Trace: true})
		for _, r := range []struct {
			net string
			res result.Result
		}{{"memory", mem}, {"direct", dir}} {
			if r.res.Error != "" || !r.res.Passed {
				t.Errorf("%s %s %q: %s: %q, checks %v, drift %v", tc.rule, tc.format, tc.name, r.net, r.res.Error, r.res.Expectations, r.res.Drift)
			}
		}
		mt, dt := mem.Totals, dir.Totals
		mt.Webhooks, dt.Webhooks = 0, 0
		mj, _ := json.Marshal([]any{mt, mem.Drift, mem.Trace})
		dj, _ := json.Marshal([]any{dt, dir.Drift, dir.Trace})
		if string(mj) != string(dj) {
			t.Errorf("%s %s %q: memory\n%s\ndirect\n%s", tc.rule, tc.format, tc.name, mj, dj)
		}
	}
}
