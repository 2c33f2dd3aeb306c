package businessmessages_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	fakebm "github.com/omnisim/omnisim/fakes/businessmessages"
	"github.com/omnisim/omnisim/platforms"
	bm "github.com/omnisim/omnisim/platforms/businessmessages"
	"github.com/omnisim/omnisim/router"
	routerbm "github.com/omnisim/omnisim/router/businessmessages"
	"github.com/omnisim/omnisim/scenarios"
	"github.com/omnisim/omnisim/serve"
	"github.com/omnisim/omnisim/sim"
	"github.com/omnisim/omnisim/sim/result"
)

// outcome is what must be the same on every network: expectations,
// drift, and deliveries and refusals.
type outcome struct {
	Pass                                bool
	Checks                              []result.Check
	Drift                               []result.Drift
	Delivered, Refused, Failed, Inbound int
}

func run(t *testing.T, file string, network sim.Network) outcome {
	t.Helper()
	src, err := fs.ReadFile(scenarios.Library, file)
	if err != nil {
		t.Fatal(err)
	}
	sc, err := platforms.Format.Parse(file, src)
	if err != nil {
		t.Fatal(err)
	}
	res := sim.Run(context.Background(), sc, sim.Options{Platforms: platforms.All, Network: network})
	if res.Error != "" {
		t.Fatalf("%s on %s: %s", file, network, res.Error)
	}
	return outcome{Pass: res.Passed, Checks: res.Expectations, Drift: res.Drift, Delivered: res.Totals.Delivered,
		Refused: res.Totals.Refused, Failed: res.Totals.Failed, Inbound: res.Totals.Inbound}
}

// Every shipped Business Messages scenario gives the same deliveries,
// refusals, expectations and drift in Memory (bytes) and Direct (values).
func TestMemoryAndDirectAgree(t *testing.T) {
	files, _ := fs.Glob(scenarios.Library, "businessmessages-*.toml")
	if len(files) < 3 {
		t.Fatalf("%d scenarios", len(files))
	}
	for _, f := range files {
		t.Run(f, func(t *testing.T) {
			mem, direct := run(t, f, sim.Memory), run(t, f, sim.Direct)
			if !mem.Pass {
				t.Fatalf("fails in memory: %+v", mem.Checks)
			}
			if !reflect.DeepEqual(mem, direct) {
				t.Fatalf("memory %+v\ndirect %+v", mem, direct)
			}
		})
	}
}

// The settings are checked.
func TestSettings(t *testing.T) {
	for _, c := range []struct{ settings, want string }{
		{`representative = "ROBOT"`, "representative"},
		{`retirement = "soon"`, "retirement"},
		{`contexts = [{customer = "a"}, {customer = "a"}]`, "two contexts"},
	} {
		_, err := platforms.Format.Parse("t.toml", []byte("[channels.businessmessages]\n"+c.settings+"\n"))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.settings, err, c.want)
		}
	}
	_, err := platforms.Format.Parse("t.toml", []byte("[[customers]]\nid = \"x\"\nchannel = \"businessmessages\"\nconversation_id = \"NOT-A-UUID\"\n"))
	if err == nil || !strings.Contains(err.Error(), "conversation id") {
		t.Errorf("bad handle: %v", err)
	}
}

const serveScenario = `name = "serve"
start = "2024-05-06T09:00:00Z"

[channels.businessmessages]

[[agents]]
id = "ana"
capacity = 5
`

// An app reaches the fake and the router through plain HTTP: it
// downloads the service account, gets a token with a signed assertion,
// answers Google's verification, sends a signed webhook, and sends a
// message to a conversation that a customer opened.
func TestServe(t *testing.T) {
	sc, err := platforms.Format.Parse("serve.toml", []byte(serveScenario))
	if err != nil {
		t.Fatal(err)
	}
	seed := uint64(1)
	srv, err := serve.Start(context.Background(), serve.Config{Addr: "127.0.0.1:0", Scenario: sc, Seed: &seed, Stopped: true})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	urls := srv.URLs()
	api, hook := urls.Platforms["businessmessages"]["api"], urls.Platforms["businessmessages"]["webhook"]

	do := func(method, u, ctype, auth, body string, h map[string]string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(method, u, strings.NewReader(body))
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		if auth != "" {
			req.Header.Set("Authorization", "Bearer "+auth)
		}
		for k, v := range h {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}

	// The service account the fake issues points at serve's token URL.
	status, body := do("GET", api+fakebm.PathCredentials, "", "", "", nil)
	var sa fakebm.ServiceAccount
	if status != 200 || json.Unmarshal([]byte(body), &sa) != nil || sa.TokenURI != api+"/token" {
		t.Fatalf("credentials: %d %s", status, body)
	}
	key, err := fakebm.ParsePrivateKey(sa.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	assertion, err := routerbm.SignAssertion(key, sa.PrivateKeyID, sa.ClientEmail, sa.TokenURI, time.Date(2024, 5, 6, 9, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	form := url.Values{"grant_type": {fakebm.GrantTypeJWTBearer}, "assertion": {assertion}}
	status, body = do("POST", sa.TokenURI, "application/x-www-form-urlencoded", "", form.Encode(), nil)
	var tr struct {
		AccessToken string `json:"access_token"`
	}
	if status != 200 || json.Unmarshal([]byte(body), &tr) != nil || tr.AccessToken == "" {
		t.Fatalf("token: %d %s", status, body)
	}

	// Google's verification, then a signed webhook, straight to the router.
	status, body = do("POST", hook, "application/json", "", `{"clientToken":"`+fakebm.DefaultClientToken+`","secret":"abc123"}`, nil)
	if status != 200 || body != "abc123" {
		t.Fatalf("verification: %d %q", status, body)
	}
	const conv = "7b2a1c4e-3f5d-4e6a-9b8c-1d2e3f4a5b6c"
	msg := fmt.Sprintf(`{"agent":"brands/%s/agents/%s","conversationId":"%s","requestId":"req-1","message":{"messageId":"m-1","name":"conversations/%s/messages/m-1","text":"Hi from an app","createTime":"2024-05-06T09:00:00Z"},"context":{"entryPoint":"MAPS"},"sendTime":"2024-05-06T09:00:00Z"}`,
		fakebm.DefaultBrandID, fakebm.DefaultAgentID, conv, conv)
	mac := hmac.New(sha512.New, []byte(fakebm.DefaultClientToken))
	mac.Write([]byte(msg))
	sig := base64.StdEncoding.EncodeToString(mac.Sum(nil))
	if status, body = do("POST", hook, "application/json", "", msg, map[string]string{"X-Goog-Signature": sig}); status != 200 {
		t.Fatalf("webhook: %d %s", status, body)
	}
	if status, _ = do("POST", hook, "application/json", "", msg, map[string]string{"X-Goog-Signature": "AAAA"}); status != 403 {
		t.Fatalf("forged webhook: %d", status)
	}

	// The customer writes through the fake; the app answers by the API.
	send := `{"messageId":"app-1","representative":{"representativeType":"HUMAN","displayName":"Ana"},"text":"Hello!"}`
	if status, body = do("POST", api+"/v1/conversations/"+conv+"/messages", "application/json", tr.AccessToken, send, nil); status != 403 || !strings.Contains(body, "PERMISSION_DENIED") {
		t.Fatalf("send before the customer wrote: %d %s", status, body)
	}
	if status, body = do("POST", urls.Control+"/customers/businessmessages/"+conv+"/messages", "application/json", "", `{"text":"Hello?"}`, nil); status != 200 {
		t.Fatalf("customer message: %d %s", status, body)
	}
	if status, body = do("POST", api+"/v1/conversations/"+conv+"/messages", "application/json", tr.AccessToken, send, nil); status != 200 || !strings.Contains(body, `"messageId":"app-1"`) {
		t.Fatalf("send: %d %s", status, body)
	}
	if status, body = do("POST", api+"/v1/conversations/"+conv+"/messages", "application/json", "", send, nil); status != 401 || !strings.Contains(body, "UNAUTHENTICATED") {
		t.Fatalf("send without a token: %d %s", status, body)
	}
}

// The verification request, signed or not, is answered by the router.
func TestSignedVerification(t *testing.T) {
	for _, net := range []sim.Network{sim.Memory, sim.Loopback} {
		sc, err := platforms.Format.Parse("t.toml", []byte("[channels.businessmessages]\nsign_verification = true\n[[agents]]\nid = \"a\"\n"))
		if err != nil {
			t.Fatal(err)
		}
		w, err := sim.NewWorld(context.Background(), sc, sim.Options{Platforms: platforms.All, Network: net})
		if err != nil {
			t.Fatalf("%s: %v", net, err)
		}
		b, _ := w.Binding("businessmessages")
		j := b.Journal(sim.JournalFilter{})
		if len(j) != 1 || j[0].Header["X-Goog-Signature"] == nil || j[0].Status != 200 {
			t.Fatalf("%s: journal %+v", net, j)
		}
		w.Close()
	}
}

// A customer's typing and request for a live agent reach the router as
// user statuses: signed, accepted, and not messages.
func TestUserStatus(t *testing.T) {
	sc, err := platforms.Format.Parse("t.toml", []byte("start = \"2024-05-06T09:00:00Z\"\n[channels.businessmessages]\nreceipts = true\n[[agents]]\nid = \"a\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	w, err := sim.NewWorld(context.Background(), sc, sim.Options{Platforms: platforms.All})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	b, _ := w.Binding("businessmessages")
	key, err := w.Customer("businessmessages", b.NewHandle(1))
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range []string{"typing", "live_agent"} {
		if in, err := w.Say(key, sim.Message{Event: ev}); err != nil || in.Status != 200 || in.ID != "" {
			t.Fatalf("%s: %+v %v", ev, in, err)
		}
	}
	if _, err := w.Say(key, sim.Message{Event: "subscribe"}); err == nil {
		t.Fatal("an event Business Messages does not have was sent")
	}
	if st := b.Stats(); st.Webhooks != 3 || st.Rejected != 0 {
		t.Fatalf("stats %+v", st)
	}
	// A message, a reply, and the reply's DELIVERED receipt as a webhook.
	if _, err := w.Say(key, sim.Message{Text: "hello"}); err != nil {
		t.Fatal(err)
	}
	res, err := w.Send("a", key, router.Outbound{Kind: router.KindText, Text: "hi"})
	if err != nil || res.Err != nil {
		t.Fatalf("send %+v %v", res, err)
	}
	var receipt bool
	for _, r := range b.Journal(sim.JournalFilter{}) {
		receipt = receipt || r.Kind == sim.RecordWebhook && strings.Contains(r.Body, `"receiptType":"DELIVERED"`)
	}
	if !receipt {
		t.Fatal("no DELIVERED receipt")
	}
}

// The shipped scenarios survive the scenario encoder: Encode, then Parse,
// gives the same settings.
func TestEncodeRoundTrip(t *testing.T) {
	files, _ := fs.Glob(scenarios.Library, "businessmessages-*.toml")
	for _, f := range files {
		src, _ := fs.ReadFile(scenarios.Library, f)
		sc, err := platforms.Format.Parse(f, src)
		if err != nil {
			t.Fatal(err)
		}
		out, err := platforms.Format.Encode(sc)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		back, err := platforms.Format.Parse(f, out)
		if err != nil {
			t.Fatalf("%s: %v\n%s", f, err, out)
		}
		if !reflect.DeepEqual(back.Channels["businessmessages"].Settings, sc.Channels["businessmessages"].Settings) {
			t.Fatalf("%s: settings %+v, then %+v", f, sc.Channels["businessmessages"].Settings, back.Channels["businessmessages"].Settings)
		}
	}
}

// A webhook the app does not take is retried at the world's time, for
// retry_for, through the binding's deadline and Flush.
func TestRetriesThroughTheWorld(t *testing.T) {
	for _, c := range []struct {
		retry string
		tries int
	}{{"", 2}, {`retry_for = "0s"`, 1}} {
		sc, err := platforms.Format.Parse("t.toml", []byte("start = \"2024-05-06T09:00:00Z\"\n[channels.businessmessages]\n"+c.retry+"\n[[agents]]\nid = \"a\"\n"))
		if err != nil {
			t.Fatal(err)
		}
		var calls int
		app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			if strings.Contains(string(b), `"secret"`) {
				var v struct{ Secret string }
				json.Unmarshal(b, &v)
				io.WriteString(w, v.Secret)
				return
			}
			calls++
			if calls == 1 {
				w.WriteHeader(http.StatusServiceUnavailable)
			}
		}))
		w, err := sim.NewWorld(context.Background(), sc, sim.Options{Platforms: platforms.All, Network: sim.Loopback,
			Webhooks: map[string]string{"businessmessages": app.URL}})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := w.Binding("businessmessages")
		key, _ := w.Customer("businessmessages", b.NewHandle(1))
		if in, err := w.Say(key, sim.Message{Text: "hello"}); err != nil || in.Status != 503 {
			t.Fatalf("first try %+v %v", in, err)
		}
		next, ok := b.NextDeadline()
		if c.tries == 1 {
			if ok {
				t.Fatalf("%s: a retry is due at %v", c.retry, next)
			}
		} else {
			if !ok || !next.Equal(time.Date(2024, 5, 6, 9, 0, 10, 0, time.UTC)) {
				t.Fatalf("next retry %v %v", next, ok)
			}
			if err := w.RunUntil(next); err != nil {
				t.Fatal(err)
			}
			if _, ok := b.NextDeadline(); ok {
				t.Fatal("a retry is still due after the app took it")
			}
		}
		if calls != c.tries {
			t.Fatalf("%s: the app got %d calls, want %d", c.retry, calls, c.tries)
		}
		w.Close()
		app.Close()
	}
}

// The shipped fault scenario passes on every network, and the platform did
// misbehave: webhooks held, duplicated, timed out and refused at the edge,
// sends refused with each transient status and retried with the same
// messageId (never ALREADY_EXISTS), the router restarted mid-run.
func TestFaultScenarioMisbehaves(t *testing.T) {
	const file = "businessmessages-faults.toml"
	src, err := fs.ReadFile(scenarios.Library, file)
	if err != nil {
		t.Fatal(err)
	}
	sc, err := platforms.Format.Parse(file, src)
	if err != nil {
		t.Fatal(err)
	}
	for _, network := range []sim.Network{sim.Memory, sim.Direct, sim.Loopback} {
		t.Run(string(network), func(t *testing.T) {
			ctx := context.Background()
			w, err := sim.NewWorld(ctx, sc, sim.Options{Platforms: platforms.All, Network: network, Trace: true})
			if err != nil {
				t.Fatal(err)
			}
			defer w.Close()
			w.Schedule()
			if err := w.RunUntil(time.Time{}); err != nil {
				t.Fatal(err)
			}
			res := w.Finish()
			if !res.Passed {
				t.Fatalf("the scenario fails: %s %+v", res.Error, res.Expectations)
			}
			restarts := 0
			for _, l := range res.Trace {
				if l.Kind == "restart" {
					restarts++
				}
			}
			b, _ := w.Binding("businessmessages")
			s := b.Stats()
			if restarts < 2 || s.Faults == 0 || s.Duplicates == 0 || s.Webhooks <= res.Totals.Inbound {
				t.Fatalf("%d restarts, stats %+v for %d messages: the faults were not put to the test", restarts, s, res.Totals.Inbound)
			}
			codes := map[string]int{}
			for _, r := range b.Journal(sim.JournalFilter{Kind: sim.RecordError}) {
				codes[r.Code]++
			}
			if codes["RESOURCE_EXHAUSTED"] == 0 || codes["UNAVAILABLE"]+codes["INTERNAL"] == 0 || codes["ALREADY_EXISTS"] != 0 {
				t.Fatalf("send refusals %v", codes)
			}
			if res.Totals.Failed != 0 || res.Totals.Delivered != res.Totals.Sent {
				t.Fatalf("totals %+v: a refused send was not retried", res.Totals)
			}
			var timeouts, edge int
			for _, r := range b.Journal(sim.JournalFilter{Kind: sim.RecordWebhook}) {
				switch {
				case strings.Contains(r.Text, fakebm.ErrFaultTimeout.Error()):
					timeouts++
				case strings.Contains(r.Text, fakebm.ErrFaultEdge.Error()):
					edge++
				}
			}
			if timeouts == 0 || edge == 0 {
				t.Fatalf("%d timed-out and %d edge-refused tries", timeouts, edge)
			}
		})
	}
}

// The new settings are checked, each bad value naming its key with a hint.
func TestSettingsDeviceAndWindow(t *testing.T) {
	for _, c := range []struct{ settings, key string }{
		{`window_status = "FAILED_PRECONDITION"`, ""},
		{`window_status = "PERMISSION_DENIED"`, ""},
		{`cannot_show = ["richCard", "suggestions"]`, ""},
		{`cannot_show = []`, ""},
		{`contexts = [{customer = "a", cannot_show = []}, {customer = "b", cannot_show = ["suggestions"]}]`, ""},
		{`window_status = "NOT_FOUND"`, "window_status"},
		{`window_status = "failed_precondition"`, "window_status"},
		{`cannot_show = ["rich_cards"]`, "cannot_show"},
		{`cannot_show = ["image"]`, "cannot_show"},
		{`contexts = [{customer = "a", cannot_show = ["carousel"]}]`, "contexts[0].cannot_show"},
	} {
		t.Run(c.settings, func(t *testing.T) {
			_, err := platforms.Format.Parse("t.toml", []byte("[channels.businessmessages]\n"+c.settings+"\n"))
			switch {
			case c.key == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case c.key != "" && (err == nil || !strings.Contains(err.Error(), "channels.businessmessages."+c.key+":") &&
				!strings.Contains(err.Error(), `channels.businessmessages."`+c.key+`":`)):
				t.Fatalf("error %v, want one of %s", err, c.key)
			case c.key != "" && !strings.Contains(err.Error(), "FAILED_PRECONDITION") && !strings.Contains(err.Error(), `"richCard"`):
				t.Fatalf("error %v without its hint", err)
			}
		})
	}
}

// window_status decides the platform's answer after the 30 days, on every
// network, and the refusal of a router that believes in a longer window is
// drift whichever status it is; with PERMISSION_DENIED, the retired
// platform's refusal stays its own business.
func TestWindowStatusThroughTheWorld(t *testing.T) {
	const window = `seed = 41
start = "2024-03-04T09:00:00Z"
[channels.businessmessages]
%s
[channels.businessmessages.router]
window = "40d"
[[agents]]
id = "maya"
[[customers]]
id = "olivia"
channel = "businessmessages"
[[steps]]
at = "0s"
customer = "olivia"
says = "Do you repair wheels?"
[[steps]]
at = "720h"
agent = "maya"
to = "olivia"
says = "Still interested?"
[[expect]]
at = "720h1m"
customer = "olivia"
received = 0
last_error = "%s"
[[expect]]
drift = "sent_refused"
count = 1
`
	retired, err := fs.ReadFile(scenarios.Library, "businessmessages-retirement.toml")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ name, src string }{
		{"default", fmt.Sprintf(window, "", "FAILED_PRECONDITION")},
		{"FAILED_PRECONDITION", fmt.Sprintf(window, `window_status = "FAILED_PRECONDITION"`, "FAILED_PRECONDITION")},
		{"PERMISSION_DENIED", fmt.Sprintf(window, `window_status = "PERMISSION_DENIED"`, "PERMISSION_DENIED")},
		{"retired, PERMISSION_DENIED", strings.Replace(string(retired), `retirement = "2024-07-31"`, `retirement = "2024-07-31"`+"\nwindow_status = \"PERMISSION_DENIED\"", 1)},
	} {
		t.Run(c.name, func(t *testing.T) {
			sc, err := platforms.Format.Parse("t.toml", []byte(c.src))
			if err != nil {
				t.Fatal(err)
			}
			for _, net := range []sim.Network{sim.Memory, sim.Direct} {
				res := sim.Run(context.Background(), sc, sim.Options{Platforms: platforms.All, Network: net})
				if res.Error != "" || !res.Passed {
					t.Fatalf("%s: %s %+v %+v", net, res.Error, res.Expectations, res.Drift)
				}
			}
		})
	}
}

// What customers' devices cannot show reaches the fake: the channel's
// cannot_show, and a customer's own in contexts (by name), an empty one a
// device that shows everything.
func TestCannotShow(t *testing.T) {
	src := `start = "2024-05-06T09:00:00Z"
[channels.businessmessages]
cannot_show = ["richCard"]
contexts = [{customer = "Bo", cannot_show = []}, {customer = "Cy", cannot_show = ["suggestions"]}, {customer = "Di", locale = "de"}]
[[agents]]
id = "a"
[[customers]]
id = "ava"
name = "Ava"
channel = "businessmessages"
[[customers]]
id = "bo"
name = "Bo"
channel = "businessmessages"
[[customers]]
id = "cy"
name = "Cy"
channel = "businessmessages"
[[customers]]
id = "di"
name = "Di"
channel = "businessmessages"
`
	sc, err := platforms.Format.Parse("t.toml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	card := json.RawMessage(`{"standaloneCard":{"cardContent":{"title":"Hours"}}}`)
	suggestions := []json.RawMessage{json.RawMessage(`{"reply":{"text":"Yes"}}`)}
	for _, net := range []sim.Network{sim.Memory, sim.Direct} {
		w, err := sim.NewWorld(context.Background(), sc, sim.Options{Platforms: platforms.All, Network: net})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := w.Binding("businessmessages")
		fake := bm.Fake(b)
		for _, c := range []struct {
			customer              string
			cardOK, suggestionsOK bool
		}{{"ava", false, true}, {"bo", true, true}, {"cy", true, false}, {"di", false, true}} {
			key, err := w.Customer("businessmessages", c.customer)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := w.Say(key, sim.Message{Text: "hello"}); err != nil {
				t.Fatal(err)
			}
			rep := &fakebm.Representative{RepresentativeType: "HUMAN"}
			e := fake.Check(key.Customer, fakebm.SendRequest{MessageID: "c", Representative: rep, RichCard: card})
			if (e == nil) != c.cardOK || e != nil && e.Status != "FAILED_PRECONDITION" {
				t.Errorf("%s: %s: rich card: %v", net, c.customer, e)
			}
			e = fake.Check(key.Customer, fakebm.SendRequest{MessageID: "s", Representative: rep, Text: "Open?", Suggestions: suggestions})
			if (e == nil) != c.suggestionsOK || e != nil && e.Status != "FAILED_PRECONDITION" {
				t.Errorf("%s: %s: suggestions: %v", net, c.customer, e)
			}
			if e := fake.Check(key.Customer, fakebm.SendRequest{MessageID: "f", Representative: rep, RichCard: card, Fallback: "Open 9-5"}); e != nil {
				t.Errorf("%s: %s: a rich card with a fallback: %v", net, c.customer, e)
			}
		}
		w.Close()
	}
}
