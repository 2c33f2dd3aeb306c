package line_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/omnisim/omnisim/platforms"
	"github.com/omnisim/omnisim/serve"
)

const (
	channelSecret = "8c5d1f2a9b3e4c6d7e8f9a0b1c2d3e4f"  // fakes/line.DefaultChannelSecret
	channelToken  = "omnisim-line-channel-access-token" // fakes/line.DefaultChannelAccessToken
	botUserID     = "U0f1e2d3c4b5a69788796a5b4c3d2e1f0"
	userID        = "U4af4980629a1b2c3d4e5f60718293a4b"
)

func do(t *testing.T, method, url, body string, hdr map[string]string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func signature(body string) string {
	m := hmac.New(sha256.New, []byte(channelSecret))
	m.Write([]byte(body))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// TestServe reaches the LINE fake and the router's LINE webhook through
// plain HTTP, as an app does.
func TestServe(t *testing.T) {
	sc, err := platforms.Format.Parse("line.toml", []byte(`name = "line serve"
start = "2026-03-02T09:00:00+09:00"
[[agents]]
id = "mei"
[[customers]]
id = "kenji"
channel = "line"
user_id = "`+userID+`"
`))
	if err != nil {
		t.Fatal(err)
	}
	seed := uint64(1)
	srv, err := serve.Start(context.Background(), serve.Config{Scenario: sc, Seed: &seed, Stopped: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	urls := srv.URLs()
	api, hook := urls.Platforms["line"]["api"], urls.Platforms["line"]["webhook"]
	if api == "" || hook == "" {
		t.Fatalf("urls %+v", urls)
	}

	// The console's Verify: a signed webhook without events.
	verify := `{"destination":"` + botUserID + `","events":[]}`
	if resp, b := do(t, "POST", hook, verify, map[string]string{"X-Line-Signature": signature(verify)}); resp.StatusCode != 200 {
		t.Fatalf("verify: HTTP %d %s", resp.StatusCode, b)
	}
	if resp, _ := do(t, "POST", hook, verify, nil); resp.StatusCode != 400 {
		t.Errorf("unsigned: HTTP %d, want 400", resp.StatusCode)
	}
	if resp, _ := do(t, "POST", hook, verify, map[string]string{"X-Line-Signature": signature(verify + " ")}); resp.StatusCode != 400 {
		t.Errorf("forged: HTTP %d, want 400", resp.StatusCode)
	}

	// A signed message event from outside reaches the router.
	event := `{"destination":"` + botUserID + `","events":[{"type":"message","mode":"active","timestamp":1772409600000,"source":{"type":"user","userId":"` + userID +
		`"},"webhookEventId":"01KJP0ZHN8JZVADTWJ86R45472","deliveryContext":{"isRedelivery":false},"replyToken":"0123456789abcdef0123456789abcdef","message":{"id":"590000000000000001","type":"text","quoteToken":"q","text":"hello from outside"}}]}`
	for i := 0; i < 2; i++ { // the second is a replay: answered 200, dropped
		if resp, b := do(t, "POST", hook, event, map[string]string{"X-Line-Signature": signature(event)}); resp.StatusCode != 200 {
			t.Fatalf("event: HTTP %d %s", resp.StatusCode, b)
		}
	}
	resp, b := do(t, "GET", urls.Control+"/conversations", "", nil)
	if resp.StatusCode != 200 || strings.Count(b, userID) == 0 {
		t.Fatalf("conversations: HTTP %d %s", resp.StatusCode, b)
	}

	// The customer writes through the fake, then an app pushes to them.
	if resp, b := do(t, "POST", urls.Control+"/customers/line/"+userID+"/messages", `{"text":"is the shop open?"}`, nil); resp.StatusCode != 200 {
		t.Fatalf("customer message: HTTP %d %s", resp.StatusCode, b)
	}
	push := `{"to":"` + userID + `","messages":[{"type":"text","text":"Yes, until 9 pm."}]}`
	hdr := map[string]string{"Authorization": "Bearer " + channelToken, "Content-Type": "application/json", "X-Line-Retry-Key": "123e4567-e89b-12d3-a456-426614174000"}
	resp, b = do(t, "POST", api+"/v2/bot/message/push", push, hdr)
	var sent struct{ SentMessages []struct{ ID string } }
	if resp.StatusCode != 200 || json.Unmarshal([]byte(b), &sent) != nil || len(sent.SentMessages) != 1 || resp.Header.Get("X-Line-Request-Id") == "" {
		t.Fatalf("push: HTTP %d %s", resp.StatusCode, b)
	}
	rid := resp.Header.Get("X-Line-Request-Id")
	resp, b = do(t, "POST", api+"/v2/bot/message/push", push, hdr)
	if resp.StatusCode != 409 || resp.Header.Get("X-Line-Accepted-Request-Id") != rid || !strings.Contains(b, `"message":"The retry key is already accepted"`) {
		t.Errorf("repeat: HTTP %d %s (accepted %q, want %q)", resp.StatusCode, b, resp.Header.Get("X-Line-Accepted-Request-Id"), rid)
	}
	hdr["Authorization"] = "Bearer wrong"
	if resp, b := do(t, "POST", api+"/v2/bot/message/push", push, hdr); resp.StatusCode != 401 || !strings.Contains(b, "Authentication failed") {
		t.Errorf("wrong token: HTTP %d %s", resp.StatusCode, b)
	}
	resp, b = do(t, "GET", urls.Control+"/customers/line/"+userID+"/device", "", nil)
	if resp.StatusCode != 200 || !strings.Contains(b, "Yes, until 9 pm.") {
		t.Errorf("device: HTTP %d %s", resp.StatusCode, b)
	}
}
