package douyin_test

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	fakedy "github.com/omnisim/omnisim/fakes/douyin"
	"github.com/omnisim/omnisim/platforms"
	"github.com/omnisim/omnisim/serve"
)

const serveScenario = `name = "douyin serve"
start = "2026-03-02T10:00:00+08:00"

[tenant]
split = "region"

[channels.douyin]

[[groups]]
name = "hz"
regions = ["hangzhou"]

[[agents]]
id = "hq"
[[agents]]
id = "li"
groups = ["hz"]
reception = false
`

func startServe(t *testing.T, webhooks map[string]string) serve.URLs {
	t.Helper()
	sc, err := platforms.Format.Parse("serve.toml", []byte(serveScenario))
	if err != nil {
		t.Fatal(err)
	}
	seed := uint64(1)
	srv, err := serve.Start(context.Background(), serve.Config{Scenario: sc, Seed: &seed, Stopped: true, Webhooks: webhooks})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv.URLs()
}

// post makes a plain HTTP POST and returns the status and the body.
func post(t *testing.T, url string, header map[string]string, body string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func get(t *testing.T, url string, out any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		t.Fatal(err)
	}
}

func signature(body string) string {
	sum := sha1.Sum([]byte(fakedy.DefaultClientSecret + body))
	return hex.EncodeToString(sum[:])
}

// An app takes Douyin's webhooks from serve, checks their signatures, and
// replies through the fake's API with a client_token, as it would against
// open.douyin.com.
func TestServeToApp(t *testing.T) {
	var mu sync.Mutex
	var bodies []string
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if r.Header.Get("X-Douyin-Signature") != signature(string(b)) {
			http.Error(w, "bad signature", http.StatusForbidden)
			return
		}
		var ev struct {
			Event   string          `json:"event"`
			Content json.RawMessage `json:"content"`
		}
		json.Unmarshal(b, &ev)
		if ev.Event == "verify_webhook" {
			w.Write(ev.Content) // {"challenge":N}
			return
		}
		mu.Lock()
		bodies = append(bodies, string(b))
		mu.Unlock()
	}))
	defer app.Close()
	urls := startServe(t, map[string]string{"douyin": app.URL})
	const openID = "_000Iuoq1hxt4Kva16Y6szdms7qujIqiwvOx"
	if status, b := post(t, urls.Control+"/customers/douyin/"+openID+"/messages", nil, `{"text":"你好"}`); status != 200 {
		t.Fatalf("customer message: HTTP %d %s", status, b)
	}
	mu.Lock()
	if len(bodies) != 1 {
		t.Fatalf("app got %d webhooks", len(bodies))
	}
	var ev struct {
		Event, FromUserID, ToUserID string
		Content                     string `json:"content"`
	}
	json.Unmarshal([]byte(bodies[0]), &ev)
	mu.Unlock()
	var content struct {
		ConversationShortID string `json:"conversation_short_id"`
		ServerMessageID     string `json:"server_message_id"`
		Text                string `json:"text"`
	}
	if err := json.Unmarshal([]byte(ev.Content), &content); err != nil || content.Text != "你好" {
		t.Fatalf("content %q: %v", ev.Content, err)
	}

	api := urls.Platforms["douyin"]["api"]
	_, b := post(t, api+"/oauth/client_token/", nil, `{"client_key":"`+fakedy.DefaultClientKey+`","client_secret":"`+fakedy.DefaultClientSecret+`","grant_type":"client_credential"}`)
	var tok struct {
		Data struct {
			AccessToken string `json:"access_token"`
		}
	}
	if json.Unmarshal(b, &tok) != nil || tok.Data.AccessToken == "" {
		t.Fatalf("client_token: %s", b)
	}
	send := `{"msg_id":"` + content.ServerMessageID + `","conversation_id":"` + content.ConversationShortID + `","to_user_id":"` + openID +
		`","scene":"im_reply_msg","content":{"msg_type":"text","text":{"text":"您好，请问有什么可以帮您？"}}}`
	status, b := post(t, api+"/im/send/msg/?open_id="+fakedy.DefaultAccountOpenID, map[string]string{"access-token": tok.Data.AccessToken}, send)
	var ans struct {
		Data struct {
			MsgID string `json:"msg_id"`
		}
		Extra struct {
			ErrorCode int `json:"error_code"`
		}
	}
	if status != 200 || json.Unmarshal(b, &ans) != nil || ans.Data.MsgID == "" {
		t.Fatalf("send: HTTP %d %s", status, b)
	}
	var dev struct{ Deliveries []struct{ Text string } }
	get(t, urls.Control+"/customers/douyin/"+openID+"/device", &dev)
	if len(dev.Deliveries) != 1 || dev.Deliveries[0].Text != "您好，请问有什么可以帮您？" {
		t.Fatalf("device %+v", dev)
	}
	// A wrong token: Douyin's error envelope.
	_, b = post(t, api+"/im/send/msg/?open_id="+fakedy.DefaultAccountOpenID, map[string]string{"access-token": "clt.wrong"}, send)
	if !strings.Contains(string(b), `"error_code":28001008`) {
		t.Errorf("wrong token: %s", b)
	}
}

// An app plays Douyin against serve's embedded router: the handshake, a
// signed message carrying the customer's region (routed by it), a forged
// one (refused) and a repeat (deduped).
func TestServeRouterFromWire(t *testing.T) {
	urls := startServe(t, nil)
	hook := urls.Platforms["douyin"]["webhook"]
	verify := `{"event":"verify_webhook","client_key":"` + fakedy.DefaultClientKey + `","content":{"challenge":9876}}`
	if status, b := post(t, hook, map[string]string{"X-Douyin-Signature": signature(verify)}, verify); status != 200 || string(b) != `{"challenge":9876}` {
		t.Fatalf("verify_webhook: HTTP %d %s", status, b)
	}
	content, _ := json.Marshal(map[string]any{"conversation_short_id": "7000000000000000009", "server_message_id": "@wire1",
		"conversation_type": 1, "create_time": 1772416800000, "message_type": "text", "text": "杭州店在吗", "source": "",
		"user_infos": []map[string]string{{"open_id": "_000wire", "nick_name": "小周", "avatar": ""}}, "region": "hangzhou"})
	body, _ := json.Marshal(map[string]string{"event": "im_receive_msg", "client_key": fakedy.DefaultClientKey, "from_user_id": "_000wire",
		"to_user_id": fakedy.DefaultAccountOpenID, "content": string(content), "log_id": "1"})
	if status, b := post(t, hook, map[string]string{"X-Douyin-Signature": signature(string(body)) + "0"}, string(body)); status != 403 {
		t.Fatalf("forged: HTTP %d %s", status, b)
	}
	for i := 0; i < 2; i++ {
		if status, b := post(t, hook, map[string]string{"X-Douyin-Signature": signature(string(body)), "Msg-Id": "111"}, string(body)); status != 200 {
			t.Fatalf("try %d: HTTP %d %s", i, status, b)
		}
	}
	var convs struct {
		Conversations []struct {
			Customer, Group, Agent string
			Inbound                int
		}
	}
	get(t, urls.Control+"/conversations", &convs)
	if cv := convs.Conversations; len(cv) != 1 || cv[0].Group != "hz" || cv[0].Agent != "li" || cv[0].Inbound != 1 {
		t.Fatalf("conversations %+v", convs.Conversations)
	}
}
