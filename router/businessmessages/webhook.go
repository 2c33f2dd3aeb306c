// Package businessmessages is the Google's Business Messages channel
// adapter of the routing engine: the webhook endpoint Google calls
// (verification, X-Goog-Signature, decoding, dedupe by requestId,
// normalization with the message's context as attributes) and the send
// client ([router.Sender]) that authenticates with a service account's
// JWT-bearer grant and posts messages.
//
// # Webhook
//
// [Adapter.ServeHTTP] takes POSTs only (else 405). A body over 1 MB is
// 413. Then:
//
//  1. Without X-Goog-Signature, the body may be the verification request
//     {"clientToken","secret"}: with the configured client token it is
//     answered 200 with the secret as a text/plain body; with another token
//  403. Any other unsigned body is 401.
//  2. A signature that is not base64(HMAC-SHA512(clientToken, body)): 403.
//  3. A body that is not a UserMessage (not JSON, no conversationId or
//     requestId): 400.
//  4. A requestId seen within the dedupe window (8 days: Google retries for
//     7): 200, nothing routed. Retries and duplicates keep the requestId,
//     so a payload retried, duplicated, late or out of order is routed
//     once; the message's createTime is its [router.Inbound.Sent], so a
//     late one anchors the reply window at Google's time.
//  5. A payload for another agent: 200, ignored.
//  6. Otherwise 200 after routing: a message goes to the Receiver with the
//     context as attributes ([Attributes]); receipts become statuses
//     (delivered, read); a user status (typing, a request for a live agent)
//     is counted.
//
// A refused webhook changes no state: nothing is routed or remembered.
package businessmessages

import (
	"crypto/hmac"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"github.com/omnisim/omnisim/httpcall"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/omnisim/omnisim/router"
)

// Channel is the channel's name in customer keys and policies.
const Channel = "businessmessages"

// MaxBodySize is the largest webhook body read.
const MaxBodySize = 1 << 20

// DefaultDedupeWindow is how long requestIds are remembered: longer than
// Google's 7 days of retries.
const DefaultDedupeWindow = 8 * 24 * time.Hour

// The attribute keys the context sets ([router.Inbound.Attributes]); the
// user's display name is the customer's name, which rules match as "name".
const (
	AttrEntryPoint    = "entry_point"
	AttrPlaceID       = "place_id"
	AttrLocale        = "locale"
	AttrWidgetContext = "widget_context"
	AttrCustomContext = "custom_context"
)

// UserMessage is a webhook payload as the adapter reads it.
type UserMessage struct {
	Agent          string           `json:"agent"`
	ConversationID string           `json:"conversationId"`
	CustomAgentID  string           `json:"customAgentId"`
	RequestID      string           `json:"requestId"`
	Message        *UserText        `json:"message"`
	Receipts       *Receipts        `json:"receipts"`
	UserStatus     *UserStatus      `json:"userStatus"`
	Context        Context          `json:"context"`
	SendTime       string           `json:"sendTime"`
	Suggestion     *json.RawMessage `json:"suggestionResponse"`
	// ClientToken and Secret are the verification request's.
	ClientToken string `json:"clientToken"`
	Secret      string `json:"secret"`
}

// UserText is a user's message.
type UserText struct {
	MessageID  string `json:"messageId"`
	Name       string `json:"name"`
	Text       string `json:"text"`
	Image      *Image `json:"image"`
	CreateTime string `json:"createTime"`
}

// Image is a user's image, by its URL.
type Image struct {
	ContentInfo *ContentInfo `json:"contentInfo"`
}

// ContentInfo points at a file.
type ContentInfo struct {
	FileURL string `json:"fileUrl"`
}

// ImageOf is the image of a file URL.
func ImageOf(fileURL string) *Image { return &Image{ContentInfo: &ContentInfo{FileURL: fileURL}} }

// Receipts are receipts of the agent's messages.
type Receipts struct {
	Receipts   []Receipt `json:"receipts"`
	CreateTime string    `json:"createTime"`
}

// Receipt is one message's receipt: DELIVERED or READ.
type Receipt struct {
	Message     string `json:"message"` // conversations/C/messages/M
	ReceiptType string `json:"receiptType"`
}

// UserStatus is a user's typing state or live-agent request.
type UserStatus struct {
	IsTyping           bool   `json:"isTyping"`
	RequestedLiveAgent bool   `json:"requestedLiveAgent"`
	CreateTime         string `json:"createTime"`
}

// Context is where the message came from.
type Context struct {
	EntryPoint  string `json:"entryPoint"`
	PlaceID     string `json:"placeId"`
	NearPlaceID string `json:"nearPlaceId"`
	UserInfo    struct {
		DisplayName      string `json:"displayName"`
		UserDeviceLocale string `json:"userDeviceLocale"`
	} `json:"userInfo"`
	Widget struct {
		URL           string `json:"url"`
		WidgetContext string `json:"widgetContext"`
	} `json:"widget"`
	ResolvedLocale string `json:"resolvedLocale"`
	CustomContext  string `json:"customContext"`
}

// Attributes is the context as workstream attributes: entry_point,
// place_id (or the near place), locale (the resolved locale, else the
// device's), widget_context and custom_context, each when present.
func (c *Context) Attributes() map[string]string { return c.values().attributes() }

// attrValues are the values of the attributes, in the order of attrKeys
// ("" for one not present).
type attrValues [5]string

var attrKeys = attrValues{AttrEntryPoint, AttrPlaceID, AttrLocale, AttrWidgetContext, AttrCustomContext}

func (c *Context) values() attrValues {
	return attrValues{c.EntryPoint, cmpOr(c.PlaceID, c.NearPlaceID), cmpOr(c.ResolvedLocale, c.UserInfo.UserDeviceLocale),
		c.Widget.WidgetContext, c.CustomContext}
}

// attributes is the map of v, nil when it is empty.
func (v attrValues) attributes() map[string]string {
	var m map[string]string
	for i, x := range v {
		if x == "" {
			continue
		}
		if m == nil {
			m = map[string]string{}
		}
		m[attrKeys[i]] = x
	}
	return m
}

// attrMemo is the attributes of the last message's context, handed out
// again while the context is the same: every message of a place and
// surface has the same. Nothing writes to a map once made.
type attrMemo struct {
	v attrValues
	m map[string]string
}

// attributes is c.Attributes(), the same map as the last message's when
// its values are the same.
func (a *Adapter) attributes(c *Context) map[string]string {
	v := c.values()
	if p := a.attrs.Load(); p != nil && p.v == v {
		return p.m
	}
	m := &attrMemo{v: v, m: v.attributes()}
	a.attrs.Store(m)
	return m.m
}

// ParseUserMessage decodes a webhook body. It reports a body that is not a
// JSON object of the payload's shape.
func ParseUserMessage(body []byte) (UserMessage, error) { return parseUserMessage(body, nil, "") }

// parseUserMessage is ParseUserMessage, with strings the body is expected
// to repeat (the agent, the custom agent id) reused rather than copied,
// and a message decoded into slot when it is not nil.
func parseUserMessage(body []byte, slot *UserText, known ...string) (UserMessage, error) {
	var m UserMessage
	if decodeFast(body, &m, slot, known...) {
		return m, nil
	}
	return unmarshalUserMessage(body)
}

// unmarshalUserMessage is encoding/json's answer, apart so that m above
// stays on the stack: only this path hands its value to reflection.
func unmarshalUserMessage(body []byte) (UserMessage, error) {
	var m UserMessage
	err := json.Unmarshal(body, &m)
	return m, err
}

// Stats counts what an [Adapter] has seen and done.
type Stats struct {
	Received     int // customer messages handed to the Receiver
	Statuses     int // receipts handed to the Receiver
	Events       int // user statuses (typing, live agent) and other payloads
	Duplicates   int // payloads dropped as already seen
	Rejected     int // webhooks refused: 400, 401, 403, 405, 413
	Ignored      int // payloads for another agent
	Verified     int // verification requests answered with the secret
	Sent         int // Send calls that succeeded
	Failed       int // Send calls that returned an error
	TokenFetches int // token requests made
}

// ServeHTTP is the webhook endpoint; see the package documentation.
func (a *Adapter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		a.reject(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	if r.ContentLength > MaxBodySize {
		a.reject(w, "body too large", http.StatusRequestEntityTooLarge)
		return
	}
	// A body handed over in process (httpcall.Body) is read where it is;
	// any other into a pooled buffer.
	body, ok := httpcall.Body(r)
	if !ok {
		bp := bodyPool.Get().(*[]byte)
		var err error
		body, err = readBody(r.Body, (*bp)[:0])
		if cap(body) <= 64<<10 { // a large body's buffer is left to the collector
			*bp = body[:0]
			defer bodyPool.Put(bp)
		}
		if err != nil {
			a.reject(w, "cannot read the body", http.StatusBadRequest)
			return
		}
	}
	if len(body) > MaxBodySize {
		a.reject(w, "body too large", http.StatusRequestEntityTooLarge)
		return
	}
	var sig string // the header map as served holds canonical keys: no Get
	if v := r.Header["X-Goog-Signature"]; len(v) > 0 {
		sig = v[0]
	}
	if sig == "" {
		a.serveVerification(w, body, false)
		return
	}
	if !a.verify(body, sig) {
		a.reject(w, "bad signature", http.StatusForbidden)
		return
	}
	var custom string // the custom agent id of the last payload, reused when repeated
	if p := a.customAgent.Load(); p != nil {
		custom = *p
	}
	// The message is decoded into a pooled UserText, which nothing keeps:
	// Deliver hands the receiver its strings.
	slot := textPool.Get().(*UserText)
	defer func() {
		*slot = UserText{}
		textPool.Put(slot)
	}()
	m, err := parseUserMessage(body, slot, a.cfg.Agent, custom)
	if err == nil && m.CustomAgentID != custom {
		id := m.CustomAgentID
		a.customAgent.Store(&id)
	}
	if err == nil && m.ConversationID == "" && m.Secret != "" {
		a.serveVerification(w, body, true) // a signed verification request
		return
	}
	if err != nil || m.ConversationID == "" || m.RequestID == "" {
		a.reject(w, "not a UserMessage", http.StatusBadRequest)
		return
	}
	a.Deliver(&m)
	w.WriteHeader(http.StatusOK)
}

// textPool holds the UserTexts webhooks are decoded into.
var textPool = sync.Pool{New: func() any { return new(UserText) }}

// bodyPool holds webhook body buffers; nothing decoded keeps a reference
// into one.
var bodyPool = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// readBody appends r to buf, reading at most MaxBodySize+1 bytes.
func readBody(r io.Reader, buf []byte) ([]byte, error) {
	return httpcall.AppendLimited(buf, r, MaxBodySize+1)
}

// serveVerification answers Google's verification request. A body that is
// not one is refused: 400 when it was signed, 401 (unsigned) otherwise.
func (a *Adapter) serveVerification(w http.ResponseWriter, body []byte, signed bool) {
	var v struct {
		ClientToken *string `json:"clientToken"`
		Secret      *string `json:"secret"`
	}
	if json.Unmarshal(body, &v) != nil || v.ClientToken == nil || v.Secret == nil {
		if signed {
			a.reject(w, "not a verification request", http.StatusBadRequest)
		} else {
			a.reject(w, "unsigned", http.StatusUnauthorized)
		}
		return
	}
	if a.cfg.ClientToken == "" || !hmac.Equal([]byte(*v.ClientToken), []byte(a.cfg.ClientToken)) {
		a.reject(w, "wrong client token", http.StatusForbidden)
		return
	}
	a.mu.Lock()
	a.stats.Verified++
	a.mu.Unlock()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	io.WriteString(w, *v.Secret)
}

func (a *Adapter) reject(w http.ResponseWriter, msg string, code int) {
	a.mu.Lock()
	a.stats.Rejected++
	a.mu.Unlock()
	http.Error(w, msg, code)
}

// verify checks sig against base64(HMAC-SHA512(clientToken, body)).
func (a *Adapter) verify(body []byte, sig string) bool {
	if a.cfg.ClientToken == "" || len(sig) != base64.StdEncoding.EncodedLen(sha512.Size) {
		return false
	}
	var got [sha512.Size + 2]byte
	n, err := base64.StdEncoding.Strict().Decode(got[:], []byte(sig))
	if err != nil || n != sha512.Size {
		return false
	}
	m := a.macPool.Get().(*macBuf)
	m.h.Reset()
	m.h.Write(body)
	ok := hmac.Equal(m.h.Sum(m.sum[:0]), got[:n])
	a.macPool.Put(m)
	return ok
}

// Deliver routes an authenticated payload: the value path of the Direct
// network and the end of ServeHTTP's. It dedupes by requestId and ignores
// payloads for another agent.
func (a *Adapter) Deliver(m *UserMessage) {
	now := a.cfg.Clock()
	if a.cfg.Agent != "" && m.Agent != a.cfg.Agent {
		a.mu.Lock()
		a.stats.Ignored++
		a.mu.Unlock()
		return
	}
	if !a.remember(m.RequestID, now.UnixNano()) {
		return
	}
	key := router.CustomerKey{Channel: Channel, Account: a.account, Customer: m.ConversationID}
	switch {
	case m.Message != nil:
		in := router.Inbound{Customer: key, MessageID: m.Message.MessageID, Name: m.Context.UserInfo.DisplayName,
			Text: m.Message.Text, Attributes: a.attributes(&m.Context), Sent: createTime(m.Message.CreateTime)}
		if img := m.Message.Image; img != nil && img.ContentInfo != nil {
			in.Attachment = imageAttachment(img.ContentInfo.FileURL)
		}
		a.count(func(s *Stats) { s.Received++ })
		a.rcv.Receive(now, in)
	case m.Receipts != nil:
		for _, r := range m.Receipts.Receipts {
			_, id, _ := strings.Cut(r.Message, "/messages/")
			a.count(func(s *Stats) { s.Statuses++ })
			a.rcv.Status(now, key, id, strings.ToLower(r.ReceiptType), "")
		}
	default:
		a.count(func(s *Stats) { s.Events++ })
	}
}

// createTime reads a message's createTime (RFC 3339, as Google writes
// it): the platform's time of the message, zero when it is missing or
// unreadable.
func createTime(v string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return time.Time{}
	}
	return t
}

func (a *Adapter) count(f func(*Stats)) {
	a.mu.Lock()
	f(&a.stats)
	a.mu.Unlock()
}

// imageAttachment describes a user's image by its URL's extension.
func imageAttachment(u string) *router.Attachment {
	p := u
	if i := strings.IndexAny(p, "?#"); i >= 0 {
		p = p[:i]
	}
	name := p[strings.LastIndexByte(p, '/')+1:]
	format := ""
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		format = strings.ToLower(name[i+1:])
	}
	return &router.Attachment{Kind: "image", Format: format, Name: name}
}

// remember records key at now and reports whether it is new within the
// dedupe window, counting a duplicate.
func (a *Adapter) remember(key string, now int64) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.seen.Add(key, now) {
		a.stats.Duplicates++
		return false
	}
	return true
}
