package line

import (
	"fmt"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/omnisim/omnisim/fakes/fault"
	"github.com/omnisim/omnisim/fakes/forget"
)

// Message is a message object of a reply or push request. Only the fields
// of the types the fake checks are kept; other types are delivered by
// their type and altText.
type Message struct {
	Type               string `json:"type"`
	Text               string `json:"text,omitempty"`
	OriginalContentURL string `json:"originalContentUrl,omitempty"`
	PreviewImageURL    string `json:"previewImageUrl,omitempty"`
	Duration           int64  `json:"duration,omitempty"`
	PackageID          string `json:"packageId,omitempty"`
	StickerID          string `json:"stickerId,omitempty"`
	Title              string `json:"title,omitempty"`
	AltText            string `json:"altText,omitempty"`
}

// ReplyRequest is the body of POST /v2/bot/message/reply.
type ReplyRequest struct {
	ReplyToken           string    `json:"replyToken"`
	Messages             []Message `json:"messages"`
	NotificationDisabled bool      `json:"notificationDisabled,omitempty"`
}

// PushRequest is the body of POST /v2/bot/message/push.
type PushRequest struct {
	To                   string    `json:"to"`
	Messages             []Message `json:"messages"`
	NotificationDisabled bool      `json:"notificationDisabled,omitempty"`
}

// SentMessage is one entry of a send's sentMessages.
type SentMessage struct {
	ID         string `json:"id"`
	QuoteToken string `json:"quoteToken,omitempty"`
}

// SendResponse is the body of a successful reply or push.
type SendResponse struct {
	SentMessages []SentMessage `json:"sentMessages"`
	// RequestID is the call's X-Line-Request-Id (a header, not in the body).
	RequestID string `json:"-"`
}

// Detail is one entry of an error's details.
type Detail struct {
	Message  string `json:"message"`
	Property string `json:"property"`
}

// Error is LINE's error answer: an HTTP status and the body
// {"message":...,"details":[{"message":...,"property":...}]}.
type Error struct {
	Status  int      `json:"-"`
	Message string   `json:"message"`
	Details []Detail `json:"details,omitempty"`
	// SentMessages is set on a 409: the messages of the accepted request.
	SentMessages []SentMessage `json:"sentMessages,omitempty"`
	// AcceptedRequestID is the X-Line-Accepted-Request-Id header of a 409.
	AcceptedRequestID string `json:"-"`
	// RequestID is the call's X-Line-Request-Id.
	RequestID string `json:"-"`
}

// Error formats the status and message.
func (e *Error) Error() string {
	s := fmt.Sprintf("LINE %d: %s", e.Status, e.Message)
	for _, d := range e.Details {
		s += fmt.Sprintf("; %s: %s", d.Property, d.Message)
	}
	return s
}

// The error messages the fake answers, as LINE writes them.
const (
	MsgInvalidReplyToken = "Invalid reply token"
	MsgRateLimit         = "The API rate limit has been exceeded. Try again later."
	MsgMonthlyLimit      = "You have reached your monthly limit."
	MsgRetryKeyAccepted  = "The retry key is already accepted"
	MsgRetryKeyInvalid   = "The value for the 'X-Line-Retry-Key' header is invalid"
	MsgRetryKeyNotHere   = "X-Line-Retry-Key header is not supported by this API"
	MsgAuthFailed        = "Authentication failed. Confirm that the access token in the authorization header is valid."
	MsgAuthRequired      = "Authorization header required. Must follow the scheme, 'Authorization: Bearer <ACCESS TOKEN>'"
	MsgFailedToSend      = "Failed to send messages"
	MsgNotFound          = "Not found"
	MsgBadJSON           = "The request body could not be parsed as JSON"
)

// bodyErrors is the 400 of a request body with problems.
func bodyErrors(ds []Detail) *Error {
	return &Error{Status: 400, Message: fmt.Sprintf("The request body has %d error(s)", len(ds)), Details: ds}
}

// MediaLimit is what the platform accepts for one media message type.
type MediaLimit struct {
	Formats  []string // file extensions in lower case
	MaxBytes int64    // 0 is unlimited
}

// DefaultMedia returns LINE's media limits: image JPEG or PNG up to 10 MB,
// video MP4 up to 200 MB, audio M4A or MP3 up to 200 MB.
func DefaultMedia() map[string]MediaLimit {
	const mb = 1 << 20
	return map[string]MediaLimit{
		"image": {Formats: []string{"jpeg", "jpg", "png"}, MaxBytes: 10 * mb},
		"video": {Formats: []string{"mp4"}, MaxBytes: 200 * mb},
		"audio": {Formats: []string{"m4a", "mp3"}, MaxBytes: 200 * mb},
	}
}

// messageTypes are the message object types LINE sends.
var messageTypes = []string{"text", "sticker", "image", "video", "audio", "location", "imagemap", "template", "flex"}

// MediaFile reads a media URL the way the fake judges it: the format is
// the extension of the URL's last path segment, and the size the value of
// its "size" query parameter (in bytes; -1 when absent). LINE fetches the
// file from the business's server; the fake, which fetches nothing, reads
// what the URL says of it.
func MediaFile(raw string) (format string, size int64, ok bool) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return "", -1, false
	}
	format = strings.ToLower(strings.TrimPrefix(path.Ext(u.Path), "."))
	size = -1
	if s := u.Query().Get("size"); s != "" {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil && n >= 0 {
			size = n
		}
	}
	return format, size, true
}

// Validate checks the message objects of a request the way LINE does:
// between 1 and Config.MaxMessages of them, known types, texts of at most
// Config.MaxTextLength characters, media by HTTPS URLs of allowed formats
// and sizes. It returns nil when they pass.
func (s *Server) Validate(msgs []Message) *Error {
	var ds []Detail
	if n := len(msgs); n < 1 || n > s.cfg.MaxMessages {
		ds = append(ds, Detail{Message: fmt.Sprintf("Size must be between 1 and %d", s.cfg.MaxMessages), Property: "messages"})
	}
	for i := range msgs {
		ds = s.validateMessage(ds, i, &msgs[i])
	}
	if ds != nil {
		return bodyErrors(ds)
	}
	return nil
}

func (s *Server) validateMessage(ds []Detail, i int, m *Message) []Detail {
	prop := func(f string) string { return "messages[" + strconv.Itoa(i) + "]." + f }
	switch m.Type {
	case "text":
		n := utf8.RuneCountInString(m.Text)
		switch {
		case m.Text == "":
			ds = append(ds, Detail{Message: "must be specified", Property: prop("text")})
		case s.cfg.MaxTextLength > 0 && n > s.cfg.MaxTextLength:
			ds = append(ds, Detail{Message: fmt.Sprintf("Length must be between 0 and %d", s.cfg.MaxTextLength), Property: prop("text")})
		}
	case "image", "video", "audio":
		if m.OriginalContentURL == "" {
			ds = append(ds, Detail{Message: "must be specified", Property: prop("originalContentUrl")})
			break
		}
		if m.Type != "audio" && m.PreviewImageURL == "" {
			ds = append(ds, Detail{Message: "must be specified", Property: prop("previewImageUrl")})
		}
		if m.Type == "audio" && m.Duration <= 0 {
			ds = append(ds, Detail{Message: "must be specified", Property: prop("duration")})
		}
		ds = s.validateMedia(ds, m.Type, m.OriginalContentURL, prop("originalContentUrl"))
	case "sticker":
		if m.PackageID == "" || m.StickerID == "" {
			ds = append(ds, Detail{Message: "must be specified", Property: prop("stickerId")})
		}
	case "location", "imagemap", "template", "flex":
		if m.Type != "location" && m.AltText == "" {
			ds = append(ds, Detail{Message: "must be specified", Property: prop("altText")})
		}
	default:
		ds = append(ds, Detail{Message: "Must be one of the following values: [" + strings.Join(messageTypes, ", ") + "]", Property: prop("type")})
	}
	return ds
}

// validateMedia checks one media URL against the limits of its type.
func (s *Server) validateMedia(ds []Detail, typ, raw, prop string) []Detail {
	format, size, ok := MediaFile(raw)
	if !ok || len(raw) > 2000 {
		return append(ds, Detail{Message: "must be a valid HTTPS URL of at most 2000 characters", Property: prop})
	}
	lim, known := s.cfg.Media[typ]
	if !known {
		return ds
	}
	if len(lim.Formats) > 0 && !slices.Contains(lim.Formats, format) {
		return append(ds, Detail{Message: "The file format must be one of: " + strings.Join(lim.Formats, ", "), Property: prop})
	}
	if lim.MaxBytes > 0 && size > lim.MaxBytes {
		return append(ds, Detail{Message: fmt.Sprintf("The file size must be at most %d bytes", lim.MaxBytes), Property: prop})
	}
	return ds
}

// tokenState is one reply token the platform issued, at Unix nanoseconds
// issued: a time without a location to point to, which the expiry checks
// compare with forget.Old (no overflow for instants more than 292 years
// apart).
type tokenState struct {
	token  string
	user   string
	issued int64
	used   bool
}

// keyState is one accepted retry key, accepted at Unix nanoseconds at.
type keyState struct {
	key       string
	at        int64
	requestID string
	sent      []SentMessage
}

// retryKeyLife is how long LINE remembers an accepted retry key.
const retryKeyLife = 24 * time.Hour

// jst is the time zone LINE's monthly message count runs in.
var jst = time.FixedZone("JST", 9*60*60)

// rateLocked counts a call to endpoint and answers 429 when the
// endpoint's calls in the current second exceed Config.RateLimit.
func (s *Server) rateLocked(endpoint string, now time.Time) *Error {
	if s.cfg.RateLimit <= 0 {
		return nil
	}
	sec := now.Unix()
	w := s.rate[endpoint]
	if w.sec != sec {
		w = rateWindow{sec: sec}
	}
	w.n++
	s.rate[endpoint] = w
	if w.n > s.cfg.RateLimit {
		return &Error{Status: 429, Message: MsgRateLimit}
	}
	return nil
}

// Reply is the rule API of POST /v2/bot/message/reply: it checks the rate
// limit, the messages and the reply token (unknown, used, or older than
// Config.ReplyTokenExpiry: 400 Invalid reply token), then spends the
// token and delivers. retryKey is the X-Line-Retry-Key header, which
// replies do not take. The wire path and the Direct path both call it.
func (s *Server) Reply(retryKey string, req ReplyRequest) (SendResponse, *Error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	rid := s.ids.requestID()
	var res SendResponse
	var e *Error
	switch s.sendFaultLocked() {
	case fault.SendThrottle:
		s.faultN++
		e = &Error{Status: http.StatusTooManyRequests, Message: MsgRateLimit}
	case fault.SendError:
		s.faultN++
		e = &Error{Status: http.StatusInternalServerError, Message: MsgInternalError}
	default:
		res, e = s.replyLocked(now, retryKey, &req, rid)
	}
	if e != nil {
		e.RequestID = rid
		s.addErrorLocked(ErrorEntry{At: now, To: s.tokenUser(req.ReplyToken), Path: PathReply, Status: e.Status, Message: e.Message, Details: e.Details})
	}
	return res, e
}

func (s *Server) tokenUser(tok string) string {
	if t := s.tokens[tok]; t != nil {
		return t.user
	}
	return ""
}

func (s *Server) replyLocked(now time.Time, retryKey string, req *ReplyRequest, rid string) (SendResponse, *Error) {
	if e := s.rateLocked(PathReply, now); e != nil {
		return SendResponse{}, e
	}
	if retryKey != "" {
		return SendResponse{}, &Error{Status: 400, Message: MsgRetryKeyNotHere}
	}
	if e := s.Validate(req.Messages); e != nil {
		return SendResponse{}, e
	}
	s.pruneTokensLocked(now)
	t := s.tokens[req.ReplyToken]
	if t == nil || t.used || forget.Old(now.UnixNano(), t.issued, int64(s.cfg.ReplyTokenExpiry)) {
		return SendResponse{}, &Error{Status: 400, Message: MsgInvalidReplyToken}
	}
	t.used = true
	delete(s.tokens, t.token) // a used token answers as an unknown one
	return s.deliverLocked(now, t.user, req.Messages, "reply", rid), nil
}

// Push is the rule API of POST /v2/bot/message/push: it checks the rate
// limit, the retry key (a UUID; one already accepted gets 409 with the
// accepted request's id and messages), the messages, the recipient and the
// monthly message limit, then delivers. A user who has blocked the account
// is accepted and receives nothing, as LINE does. The wire path and the
// Direct path both call it.
func (s *Server) Push(retryKey string, req PushRequest) (SendResponse, *Error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	rid := s.ids.requestID()
	var res SendResponse
	var e *Error
	switch f := s.sendFaultLocked(); {
	case f == fault.SendThrottle && !s.acceptedLocked(retryKey, now):
		s.faultN++
		e = &Error{Status: http.StatusTooManyRequests, Message: MsgRateLimit}
	default:
		res, e = s.pushLocked(now, retryKey, &req, rid)
		if e == nil && f == fault.SendError {
			// Accepted and delivered, and answered 500 all the same.
			s.faultN++
			res, e = SendResponse{}, &Error{Status: http.StatusInternalServerError, Message: MsgInternalError}
		}
	}
	if e != nil {
		e.RequestID = rid
		s.addErrorLocked(ErrorEntry{At: now, To: req.To, Path: PathPush, Status: e.Status, Message: e.Message, Details: e.Details})
	}
	return res, e
}

// acceptedLocked reports whether retryKey is a retry key accepted within
// the last 24 hours.
func (s *Server) acceptedLocked(retryKey string, now time.Time) bool {
	if retryKey == "" || !IsRetryKey(retryKey) {
		return false
	}
	s.pruneKeysLocked(now)
	return s.keys[strings.ToLower(retryKey)] != nil
}

func (s *Server) pushLocked(now time.Time, retryKey string, req *PushRequest, rid string) (SendResponse, *Error) {
	// The retry key is checked first: the retry of an accepted request is
	// answered 409 whatever the rate.
	if retryKey != "" {
		if !IsRetryKey(retryKey) {
			return SendResponse{}, &Error{Status: 400, Message: MsgRetryKeyInvalid}
		}
		s.pruneKeysLocked(now)
		if k := s.keys[strings.ToLower(retryKey)]; k != nil {
			return SendResponse{}, &Error{Status: 409, Message: MsgRetryKeyAccepted, AcceptedRequestID: k.requestID, SentMessages: k.sent}
		}
	}
	if e := s.rateLocked(PathPush, now); e != nil {
		return SendResponse{}, e
	}
	var ds []Detail
	if !IsUserID(req.To) {
		ds = append(ds, Detail{Message: "must be a valid user id", Property: "to"})
	}
	if e := s.Validate(req.Messages); e != nil {
		ds = append(ds, e.Details...)
	}
	if ds != nil {
		return SendResponse{}, bodyErrors(ds)
	}
	if s.userOfLocked(req.To) == nil {
		return SendResponse{}, &Error{Status: 400, Message: MsgFailedToSend}
	}
	month := now.In(jst).Year()*12 + int(now.In(jst).Month())
	if s.month != month {
		s.month, s.monthSent = month, 0
	}
	if s.cfg.MonthlyLimit > 0 && s.monthSent >= s.cfg.MonthlyLimit {
		return SendResponse{}, &Error{Status: 429, Message: MsgMonthlyLimit}
	}
	s.monthSent++
	res := s.deliverLocked(now, req.To, req.Messages, "push", rid)
	if retryKey != "" {
		k := &keyState{key: strings.ToLower(retryKey), at: now.UnixNano(), requestID: rid, sent: res.SentMessages}
		s.keys[k.key] = k
		s.keyQueue = append(s.keyQueue, k)
	}
	return res, nil
}

// Check is the platform's dry-run verdict on pushing msgs to a user now:
// the checks of Push that do not depend on the call (the messages, the
// recipient, the monthly limit), with no state changed.
func (s *Server) Check(to string, msgs []Message) *Error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.Validate(msgs); e != nil {
		return e
	}
	if s.userOfLocked(to) == nil {
		return &Error{Status: 400, Message: MsgFailedToSend}
	}
	now := s.now().In(jst)
	if s.cfg.MonthlyLimit > 0 && s.month == now.Year()*12+int(now.Month()) && s.monthSent >= s.cfg.MonthlyLimit {
		return &Error{Status: 429, Message: MsgMonthlyLimit}
	}
	return nil
}

// deliverLocked gives each message an id and puts it on the user's device
// (unless the user has blocked the account).
func (s *Server) deliverLocked(now time.Time, to string, msgs []Message, via, rid string) SendResponse {
	// The answer's list is carved from a block shared by the answers (a
	// part once handed out is never handed out again; its capacity is its
	// length).
	if len(s.sentBlock) < len(msgs) {
		s.sentBlock = make([]SentMessage, max(64, len(msgs)))
	}
	res := SendResponse{SentMessages: s.sentBlock[:len(msgs):len(msgs)], RequestID: rid}
	s.sentBlock = s.sentBlock[len(msgs):]
	u := s.userOfLocked(to)
	for i := range msgs {
		m := &msgs[i]
		sm := SentMessage{ID: s.ids.messageID()}
		if m.Type == "text" || m.Type == "sticker" || m.Type == "image" || m.Type == "video" {
			sm.QuoteToken = s.ids.quoteToken()
		}
		res.SentMessages[i] = sm
		if u == nil || u.blocked {
			continue
		}
		d := delivRec{at: now, id: sm.ID, typ: m.Type, text: m.Text, url: m.OriginalContentURL, push: via == "push", rid: rid}
		if m.Type != "text" {
			d.text = m.AltText
		}
		if u.keep {
			s.keepDeliveryLocked(u, d)
		}
		s.deliveries.Add(delivEntry{delivRec: d, to: to})
		s.counts.Deliveries++
	}
	if u != nil && u.blocked {
		s.addErrorLocked(ErrorEntry{At: now, To: to, Path: "/v2/bot/message/" + via, Status: 200, Message: "accepted, not delivered: the user has blocked the account"})
	}
	return res
}

// keepDeliveryLocked adds d to u's delivery history. Once the history
// holds Config.JournalLimit deliveries, d takes the place of the oldest,
// so that a user's history, and the list it is kept in, stop growing.
func (s *Server) keepDeliveryLocked(u *user, d delivRec) {
	if n := u.deliveries.Len(); n > 0 && n == s.cfg.JournalLimit {
		at := *u.deliveries.At(0)
		*s.delivered.At(at) = d
		u.deliveries.Add(at)
		return
	}
	u.deliveries.Add(s.delivered.Len())
	s.delivered.Add(d)
}

// pruneTokensLocked forgets reply tokens past their expiry. Tokens are
// issued in time order, so the queue's head is the oldest.
func (s *Server) pruneTokensLocked(now time.Time) {
	ns, i := now.UnixNano(), 0
	for ; i < len(s.tokenQueue); i++ {
		t := s.tokenQueue[i]
		if !forget.Old(ns, t.issued, int64(s.cfg.ReplyTokenExpiry)) {
			break
		}
		if !t.used {
			delete(s.tokens, t.token)
		}
	}
	s.tokenQueue = s.tokenQueue[i:]
}

func (s *Server) pruneKeysLocked(now time.Time) {
	ns, i := now.UnixNano(), 0
	for ; i < len(s.keyQueue); i++ {
		k := s.keyQueue[i]
		if !forget.Old(ns, k.at, int64(retryKeyLife)) {
			break
		}
		delete(s.keys, k.key)
	}
	s.keyQueue = s.keyQueue[i:]
}
