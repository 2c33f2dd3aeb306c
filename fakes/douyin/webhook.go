package douyin

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/omnisim/omnisim/fakes/fault"
	"github.com/omnisim/omnisim/headmac"
	"github.com/omnisim/omnisim/httpcall"
)

// ErrNoWebhookURL is returned when a webhook is due and neither
// Config.WebhookURL nor Config.Deliver is set.
var ErrNoWebhookURL = errors.New("douyin: Config.WebhookURL is empty")

// The webhook events the fake sends.
const (
	EventVerify  = "verify_webhook"
	EventReceive = "im_receive_msg"
	EventEnter   = "im_enter_direct_msg"
	EventSend    = "im_send_msg"
)

// Push is one webhook as values: what its body says and its Msg-Id header.
type Push struct {
	Event      string
	MsgID      string // the Msg-Id header: the event's id, the same on every try
	ClientKey  string
	FromUserID string // the customer's open_id; "" for verify_webhook
	ToUserID   string // the account's open_id; "" for verify_webhook
	LogID      string
	Content    Content
	Challenge  int64 // verify_webhook's content.challenge
}

// Content is the content of an IM event (a JSON-encoded string on the
// wire).
type Content struct {
	ConversationShortID string
	ServerMessageID     string // "" for im_enter_direct_msg
	ConversationType    int    // 1: private chat
	CreateTime          int64  // Unix milliseconds
	MessageType         string // text, image, video; "" for im_enter_direct_msg
	Text                string
	Source              string // "" when sent from the app
	OpenID              string // user_infos[0].open_id
	NickName            string // user_infos[0].nick_name
	Avatar              string // user_infos[0].avatar
	ResourceType        string // a media message's format (jpeg, mp4, ...)
	ResourceSize        int64  // a media message's size in bytes
	EntryPage           string // routing attributes; see the package documentation
	Region              string
	POIID               string
}

// User is a customer writing to the account, with the routing attributes
// the Douyin app reports.
type User struct {
	OpenID    string
	NickName  string
	EntryPage string // the mini-program page the consultation started on
	Region    string // the user's city
	POIID     string // the store; "" without location permission
}

// Inbound is the fate of a customer's message or event.
type Inbound struct {
	ID     string // the server_message_id; the Msg-Id for an event
	MsgID  string // the Msg-Id header
	Status int    // the router's answer to the first try; 0 when it failed
	Tries  int    // tries made so far (retries and repeats come with Flush)
	// Pending reports that the fault plan (Config.Faults) held the webhook
	// back or failed its first try: Flush delivers it later.
	Pending bool
}

// outgoing is a webhook on its way: its values, bytes, and what of its
// schedule is left.
type outgoing struct {
	due  time.Time
	seq  uint64
	push *Push
	// hv holds the header's values (Content-Type, X-Douyin-Signature,
	// Msg-Id), set at the first call; the body is encoded for each call.
	hv          [3]string
	try         int
	repeat      bool
	retriesLeft int
	repeatsLeft int
	afterNext   bool // held until the next webhook try (a reorder)
	faulted     bool // the fault plan failed the last try
	own         Push // push's storage for a customer's event (pushLocked)
}

// validOpenID accepts the characters of Douyin's open_ids, up to 128.
func validOpenID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.' || c == '=' || c == '+' || c == '/' || c == '@') {
			return false
		}
	}
	return true
}

// customerLocked returns the customer's record, starting a conversation
// for a new one.
func (s *Server) customerLocked(openID string, now time.Time) *customer {
	ns := now.UnixNano()
	c := s.customers[openID]
	if c == nil {
		c = &customer{openID: openID, conversation: s.ids.digits19(streamConversation), keep: s.kept(openID)}
		if s.cfg.JournalLimit > 0 {
			c.deliveries.SetLimit(s.cfg.JournalLimit)
		}
		s.customers[openID] = c
	}
	c.seen = ns
	s.noteLocked(c, ns)
	return c
}

// CustomerText has the customer send a text: it opens the reply window,
// and the webhook is sent at once.
func (s *Server) CustomerText(ctx context.Context, u User, text string) (Inbound, error) {
	if text == "" {
		return Inbound{}, errors.New("douyin: empty text")
	}
	return s.customerMessage(ctx, u, "text", text, "", 0)
}

// CustomerMedia has the customer send an image or a video of a format and
// size (Douyin's webhook carries no URL).
func (s *Server) CustomerMedia(ctx context.Context, u User, kind, format string, size int64) (Inbound, error) {
	if kind != "image" && kind != "video" {
		return Inbound{}, fmt.Errorf("douyin: a user sends image or video, not %q", kind)
	}
	if size < 0 {
		return Inbound{}, fmt.Errorf("douyin: negative size %d", size)
	}
	return s.customerMessage(ctx, u, kind, "", format, size)
}

// CustomerEnter has the customer open the chat (im_enter_direct_msg): no
// message, no window.
func (s *Server) CustomerEnter(ctx context.Context, u User) (Inbound, error) {
	if !validOpenID(u.OpenID) {
		return Inbound{}, fmt.Errorf("douyin: %q is not an open_id", u.OpenID)
	}
	now := s.now()
	s.mu.Lock()
	c := s.customerLocked(u.OpenID, now)
	o, _ := s.pushLocked(EventEnter, u, now, false)
	p := o.push
	p.Content.ConversationShortID = c.conversation
	s.prepareLocked(o)
	s.mu.Unlock()
	return s.first(ctx, o, p.MsgID)
}

func (s *Server) customerMessage(ctx context.Context, u User, kind, text, format string, size int64) (Inbound, error) {
	if !validOpenID(u.OpenID) {
		return Inbound{}, fmt.Errorf("douyin: %q is not an open_id", u.OpenID)
	}
	now := s.now()
	s.mu.Lock()
	c := s.customerLocked(u.OpenID, now)
	o, id := s.pushLocked(EventReceive, u, now, true)
	c.recent[c.nrecent%recentMessages] = id
	c.nrecent++
	c.hasMessage, c.last, c.sent = true, now.UnixNano(), 0
	p := o.push
	p.Content.ConversationShortID = c.conversation
	p.Content.ServerMessageID = id
	p.Content.MessageType = kind
	p.Content.Text = text
	p.Content.ResourceType = format
	p.Content.ResourceSize = size
	s.prepareLocked(o)
	s.mu.Unlock()
	return s.first(ctx, o, id)
}

// pushLocked makes a customer's event, held in the outgoing webhook it
// returns: the caller completes the event and then calls prepareLocked.
// With message, it draws a server_message_id too, returned as id. The
// Msg-Id, the log id and the server_message_id share one string.
func (s *Server) pushLocked(event string, u User, now time.Time, message bool) (o *outgoing, id string) {
	var arr [128]byte
	b := s.ids.appendDigits19(arr[:0], streamEvent)
	n1 := len(b)
	b = s.ids.appendLogID(b, now)
	n2 := len(b)
	if message {
		b = s.ids.appendMessageID(b, streamMessage)
	}
	ids := s.strs.Make(b)
	// Made in a block of webhooks that a webhook never returns to.
	if len(s.outBlock) == 0 {
		s.outBlock = make([]outgoing, 8)
	}
	o = &s.outBlock[0]
	s.outBlock = s.outBlock[1:]
	o.push = &o.own
	*o.push = Push{Event: event, MsgID: ids[:n1], ClientKey: s.cfg.ClientKey,
		FromUserID: u.OpenID, ToUserID: s.cfg.AccountOpenID, LogID: ids[n1:n2],
		Content: Content{ConversationType: 1, CreateTime: now.UnixMilli(), OpenID: u.OpenID, NickName: u.NickName,
			EntryPage: u.EntryPage, Region: u.Region, POIID: u.POIID}}
	return o, ids[n2:]
}

// outgoingLocked prepares a webhook.
func (s *Server) outgoingLocked(p *Push) *outgoing {
	o := &outgoing{push: p}
	s.prepareLocked(o)
	return o
}

// prepareLocked readies o, whose push is complete, to be sent.
func (s *Server) prepareLocked(o *outgoing) {
	o.retriesLeft, o.repeatsLeft = s.cfg.WebhookRetries, s.cfg.Repeats
	if o.push.Event == EventVerify {
		o.retriesLeft, o.repeatsLeft = 0, 0
	}
}

// AppendBody appends the exact JSON body Douyin sends for p.
func AppendBody(b []byte, p *Push) []byte {
	if p.Event == EventVerify {
		b = appendField(append(b, '{'), "event", p.Event)
		b = appendField(b, "client_key", p.ClientKey)
		b = appendIntField(append(b, `,"content":{`...), "challenge", p.Challenge)
		return append(b, "}}"...)
	}
	b = appendField(append(b, '{'), "event", p.Event)
	b = appendField(b, "client_key", p.ClientKey)
	b = appendField(b, "from_user_id", p.FromUserID)
	b = appendField(b, "to_user_id", p.ToUserID)
	b = append(appendContent(append(b, `,"content":"`...), &p.Content), '"')
	b = appendField(b, "log_id", p.LogID)
	return append(b, '}')
}

// appendContent appends c's JSON object as the text of a JSON string
// (without its quotes): the object encoded with appendString's rules, then
// each '"' and '\' of it escaped, written in one pass.
func appendContent(b []byte, c *Content) []byte {
	b = quotedField(append(b, '{'), "conversation_short_id", c.ConversationShortID)
	if c.ServerMessageID != "" {
		b = quotedField(b, "server_message_id", c.ServerMessageID)
	}
	b = quotedIntField(b, "conversation_type", int64(c.ConversationType))
	b = quotedIntField(b, "create_time", c.CreateTime)
	if c.MessageType != "" {
		b = quotedField(b, "message_type", c.MessageType)
		if c.MessageType == "text" {
			b = quotedField(b, "text", c.Text)
		} else {
			b = quotedField(b, "resource_type", c.ResourceType)
			b = quotedIntField(b, "resource_size", c.ResourceSize)
		}
		b = quotedField(b, "source", c.Source)
	}
	b = quotedField(append(b, `,\"user_infos\":[{`...), "open_id", c.OpenID)
	b = quotedField(b, "nick_name", c.NickName)
	b = quotedField(b, "avatar", c.Avatar)
	b = append(b, "}]"...)
	if c.EntryPage != "" {
		b = quotedField(b, "entry_page", c.EntryPage)
	}
	if c.Region != "" {
		b = quotedField(b, "region", c.Region)
	}
	if c.POIID != "" {
		b = quotedField(b, "poi_id", c.POIID)
	}
	return append(b, '}')
}

// Signature is Douyin's X-Douyin-Signature of a body: the lowercase hex
// SHA-1 of the client secret followed by the body bytes.
func Signature(secret string, body []byte) string {
	h := sha1.New()
	io.WriteString(h, secret)
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

// encode appends o's body after the secret to buf, so that the digest
// needs no copy, and returns the body; it signs o, unless an earlier call
// did (every call sends the same bytes).
func (s *Server) encode(buf []byte, o *outgoing) []byte {
	buf = append(buf, s.cfg.ClientSecret...)
	buf = AppendBody(buf, o.push)
	if o.hv[1] == "" {
		hx := signHex(buf)
		s.mu.Lock()
		sig := s.strs.Make(hx[:])
		s.mu.Unlock()
		o.hv = [3]string{"application/json", sig, o.push.MsgID}
	}
	return buf[len(s.cfg.ClientSecret):]
}

// sign is the lowercase hex SHA-1 of b, the secret followed by a body.
func sign(b []byte) string {
	hx := signHex(b)
	return string(hx[:])
}

// signHex is sign's bytes.
func signHex(b []byte) [2 * sha1.Size]byte {
	sum := sha1.Sum(b)
	var hx [2 * sha1.Size]byte
	headmac.AppendHex(hx[:0], sum[:])
	return hx
}

// setHeader sets o's header in h: its values shared, since nothing
// changes them.
func (o *outgoing) setHeader(h http.Header) {
	h["Content-Type"], h["X-Douyin-Signature"], h["Msg-Id"] = o.hv[0:1:1], o.hv[1:2:2], o.hv[2:3:3]
}

// first sends a new webhook's first try, unless the fault plan holds it,
// and says how it went.
func (s *Server) first(ctx context.Context, o *outgoing, id string) (Inbound, error) {
	now := s.now()
	s.mu.Lock()
	held := s.holdLocked(o, now)
	s.mu.Unlock()
	if held {
		return Inbound{ID: id, MsgID: o.push.MsgID, Pending: true}, nil
	}
	status, _, err := s.deliver(ctx, o)
	return Inbound{ID: id, MsgID: o.push.MsgID, Status: status, Tries: o.try, Pending: o.faulted}, err
}

// deliver is the one place a webhook is sent: one try (by HTTP, or by
// value to Config.Deliver), journaled, and the rest of its schedule queued:
// a retry WebhookTimeout after a failed try, while retries are left; a
// repeat WebhookTimeout after an accepted one, while repeats are left. A
// try whose answer LostAnswers loses counts as failed, and so does a try
// the fault plan times out (the router got it) or fails at the router's
// edge (the router did not). Every try releases the webhooks a reorder
// held until the next one. It returns the router's status and answer, and
// an error when the webhook is given up: a try failed and no retry is
// left (but not when the plan failed it: the plan's failures are the
// platform's own), or the answer to verify_webhook is not its challenge
// (the complaint journaled with the try).
func (s *Server) deliver(ctx context.Context, o *outgoing) (int, []byte, error) {
	o.try++
	s.mu.Lock()
	// This try is the one a reorder held o for: its retries and repeats
	// wait their WebhookTimeout.
	o.afterNext = false
	f := s.tryFaultLocked(o)
	s.mu.Unlock()
	o.faulted = f != fault.TryOK
	var status int
	var reply []byte
	var err error
	target := ""
	if s.cfg.Deliver == nil {
		target = s.cfg.WebhookURL
	}
	switch {
	case f == fault.TryError:
		status, err = faultEdgeStatus, ErrFaultEdge
	case s.cfg.Deliver != nil:
		status, reply, err = s.cfg.Deliver(ctx, o.push)
	case s.cfg.WebhookURL == "":
		err = ErrNoWebhookURL
	default:
		status, reply, err = s.call(ctx, o)
	}
	if f == fault.TryTimeout {
		status, reply, err = 0, nil, ErrFaultTimeout
	}
	lost := err == nil && o.push.Event != EventVerify && o.try <= s.cfg.LostAnswers
	now := s.now()
	ok := err == nil && status == http.StatusOK && !lost
	var wrong string // the journal's complaint about verify_webhook's answer
	var wrongErr error
	if ok && o.push.Event == EventVerify {
		wrong, wrongErr = wrongChallenge(o.push, reply)
	}
	s.mu.Lock()
	customer := o.push.FromUserID
	if o.push.Event == EventSend {
		customer = o.push.ToUserID
	}
	rec := webhookRec{Webhook: Webhook{At: now, Event: o.push.Event, OpenID: customer, MsgID: o.push.MsgID,
		ServerMessageID: o.push.Content.ServerMessageID, Try: o.try, Repeat: o.repeat, URL: target,
		Status: status, Reply: reply}}
	wh := &rec.Webhook
	if wh.ServerMessageID != "" {
		wh.Made = time.UnixMilli(o.push.Content.CreateTime)
	}
	if s.cfg.Deliver == nil {
		rec.push, rec.sig = o.push, o.hv[1]
	}
	switch {
	case err != nil:
		wh.Err = err.Error()
	case lost:
		wh.Err = fmt.Sprintf("answer lost: no answer within %s", s.cfg.WebhookTimeout)
	case wrongErr != nil:
		wh.Err = wrong
	}
	s.addWebhookLocked(rec)
	retried := false
	switch {
	case !ok && o.retriesLeft > 0:
		retried = true
		o.retriesLeft--
		o.repeat = false
		s.scheduleLocked(o, now.Add(s.cfg.WebhookTimeout))
	case ok && o.repeatsLeft > 0:
		o.repeatsLeft--
		o.repeat = true
		s.scheduleLocked(o, now.Add(s.cfg.WebhookTimeout))
	}
	s.releaseNextLocked(now)
	s.mu.Unlock()
	if wrongErr != nil {
		return status, reply, wrongErr
	}
	if ok || retried || o.faulted {
		return status, reply, nil
	}
	if err != nil {
		return status, reply, fmt.Errorf("douyin: %s webhook Msg-Id %s: gave up after try %d: %w", o.push.Event, o.push.MsgID, o.try, err)
	}
	if lost {
		return status, reply, fmt.Errorf("douyin: %s webhook Msg-Id %s: gave up after try %d: every answer lost", o.push.Event, o.push.MsgID, o.try)
	}
	return status, reply, fmt.Errorf("douyin: %s webhook Msg-Id %s: gave up after try %d: the router answered HTTP %d", o.push.Event, o.push.MsgID, o.try, status)
}

// scheduleLocked queues o for due, after everything due at the same time.
func (s *Server) scheduleLocked(o *outgoing, due time.Time) {
	s.seq++
	o.due, o.seq = due, s.seq
	i, _ := slices.BinarySearchFunc(s.queue, o, compareOutgoing)
	s.queue = slices.Insert(s.queue, i, o)
}

// compareOutgoing orders the queue: by due time, then by seq.
func compareOutgoing(a, b *outgoing) int {
	if c := a.due.Compare(b.due); c != 0 {
		return c
	}
	return cmp.Compare(a.seq, b.seq)
}

// Flush sends the retries and repeats due now, in due order. It returns
// the first failure (a try without an answer, a webhook given up).
func (s *Server) Flush(ctx context.Context) error {
	var first error
	for {
		now := s.now()
		s.mu.Lock()
		if len(s.queue) == 0 || s.queue[0].due.After(now) {
			s.mu.Unlock()
			return first
		}
		o := s.queue[0]
		s.queue[0] = nil
		s.queue = s.queue[1:]
		s.mu.Unlock()
		if _, _, err := s.deliver(ctx, o); err != nil && first == nil {
			first = err
		}
	}
}

// NextDeadline is when the next retry or repeat is due; ok is false when
// none is queued.
func (s *Server) NextDeadline() (t time.Time, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.queue) == 0 {
		return time.Time{}, false
	}
	return s.queue[0].due, true
}

// maxReply is the most of the router's answer read.
const maxReply = 64 << 10

// call makes one HTTP POST of o to the router with a WebhookTimeout.
func (s *Server) call(ctx context.Context, o *outgoing) (int, []byte, error) {
	if !s.cfg.NoCallTimeout {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, s.cfg.WebhookTimeout)
		defer cancel()
	}
	var req *http.Request
	var q *httpcall.Request
	if u := s.hookURL.Parse(s.cfg.WebhookURL); u != nil && ctx != nil {
		// Recycled: the request, its body buffer, a copy of the URL parsed
		// once, the header map.
		q = httpcall.New()
		defer q.Release()
		req = q.Prepare(ctx, http.MethodPost, u, s.encode(q.Scratch(), o))
		o.setHeader(q.Header())
	} else {
		var err error
		if req, err = http.NewRequestWithContext(ctx, http.MethodPost, s.cfg.WebhookURL, bytes.NewReader(s.encode(nil, o))); err != nil {
			return 0, nil, err
		}
		o.setHeader(req.Header)
	}
	resp, err := s.cfg.Client.Do(req)
	if err != nil {
		q.Abandon() // the transport may still hold the request
		return 0, nil, err
	}
	defer resp.Body.Close()
	var buf []byte // the answer is read into q's buffer, then copied
	if q != nil {
		buf = q.Scratch()
	}
	reply, err := readAnswer(resp.Body, buf)
	if err != nil {
		return 0, nil, fmt.Errorf("reading the answer: %w", err)
	}
	return resp.StatusCode, reply, nil
}

// Verify sends verify_webhook with a fresh challenge and checks that the
// router answered 200 with the JSON text {"challenge":N}: over HTTP and on
// the direct path (Config.Deliver) alike.
func (s *Server) Verify(ctx context.Context) error {
	now := s.now()
	s.mu.Lock()
	p := &Push{Event: EventVerify, MsgID: s.ids.digits19(streamEvent), ClientKey: s.cfg.ClientKey, LogID: s.ids.logID(now),
		Challenge: int64(s.ids.Next(streamChallenge) % 100_000_000)}
	o := s.outgoingLocked(p)
	s.mu.Unlock()
	status, _, err := s.deliver(ctx, o)
	if err != nil {
		return err
	}
	if status != http.StatusOK {
		return fmt.Errorf("douyin: verify_webhook: the router answered HTTP %d", status)
	}
	return nil
}

// wrongChallenge judges the router's answer to verify_webhook p: nil when
// it is {"challenge":N} (challengeEqual), else the error Verify returns
// and note, the complaint journaled with the try.
func wrongChallenge(p *Push, reply []byte) (note string, err error) {
	got := string(bytes.TrimSpace(reply))
	if challengeEqual(got, p.Challenge) {
		return "", nil
	}
	want := `{"challenge":` + strconv.FormatInt(p.Challenge, 10) + `}`
	return fmt.Sprintf("answer %q is not %s", truncate(got, 64), want),
		fmt.Errorf("douyin: verify_webhook: the router answered %q, want %s", truncate(got, 64), want)
}

// challengeEqual reports whether the answer is a JSON object whose only
// member is challenge with the value n (a number, or the number as a
// string, which Douyin's check also accepts; UNCONFIRMED).
func challengeEqual(answer string, n int64) bool {
	var v map[string]any
	if err := jsonUnmarshalNumber([]byte(answer), &v); err != nil || len(v) != 1 {
		return false
	}
	switch c := v["challenge"].(type) {
	case jsonNumber:
		return string(c) == strconv.FormatInt(n, 10)
	case string:
		return c == strconv.FormatInt(n, 10)
	}
	return false
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// readAnswer reads at most maxReply bytes of r into buf's storage (growing
// it when needed) and returns a copy only when there is something: most
// answers to webhooks are empty.
func readAnswer(r io.Reader, buf []byte) ([]byte, error) {
	b, err := httpcall.AppendLimited(buf[:0], r, maxReply)
	if err != nil {
		return nil, err
	}
	if len(b) == 0 {
		return nil, nil
	}
	return append([]byte(nil), b...), nil
}
