package douyin

import (
	"encoding/json"
	"fmt"
	"mime"
	"net/url"
	"slices"
	"time"
	"unicode/utf8"
)

// Douyin's error codes (通用状态码), as the fake answers them.
const (
	CodeParam        = 28001007 // 参数不合法: a malformed or inconsistent request
	CodeTokenExpired = 28001008 // access_token过期: a missing, unknown or expired client_token
	CodeScope        = 28001012 // 用户未授权该OpenAPI: the app lacks the scope
	CodeQuota        = 28003017 // quota 已用完: the reply count is used up, and by default the reply window closed (Config.WindowCode)
	CodeRate         = 28003018 // 请求频率过高: more than RateLimit sends in a second
	CodeBusy         = 2100004  // 系统繁忙: an internal error; the call may be retried (fault plans only)
)

var codeTitles = map[int]string{
	CodeParam:        "参数不合法",
	CodeTokenExpired: "access_token过期,请刷新或重新授权",
	CodeScope:        "用户未授权该OpenAPI",
	CodeQuota:        "quota 已用完",
	CodeRate:         "请求频率过高",
	CodeBusy:         "系统繁忙,此时请开发者稍候再试",
}

// Error is an error the platform answers: Douyin's error_code and
// description.
type Error struct {
	Code        int
	Description string
}

// Error formats the code and description.
func (e *Error) Error() string {
	return fmt.Sprintf("douyin: error_code %d: %s", e.Code, e.Description)
}

// Title is the code's meaning as Douyin's status-code table words it.
func (e *Error) Title() string { return codeTitles[e.Code] }

// newError is the error of code with detail after the code's title; a
// code without a title (a Config.WindowCode the table does not list) has
// the detail alone.
func newError(code int, detail string) *Error {
	if t := codeTitles[code]; t != "" {
		return &Error{Code: code, Description: t + ": " + detail}
	}
	return &Error{Code: code, Description: detail}
}

// SendRequest is a send to the IM API, as values.
type SendRequest struct {
	OpenID         string // the open_id query parameter: the merchant account
	MsgID          string // the customer message replied to (server_message_id)
	ConversationID string // its conversation_short_id
	ToUserID       string // the customer's open_id
	Scene          string // im_reply_msg
	MsgType        string // text
	Text           string
}

// sendBody is the JSON of a send request.
type sendBody struct {
	MsgID          *string `json:"msg_id"`
	ConversationID *string `json:"conversation_id"`
	ToUserID       *string `json:"to_user_id"`
	Scene          *string `json:"scene"`
	Content        *struct {
		MsgType *string `json:"msg_type"`
		Text    *struct {
			Text *string `json:"text"`
		} `json:"text"`
	} `json:"content"`
}

// decodeSend decodes a send body into req; false when it is not a JSON
// object whose members have the types of a send request. Missing members
// stay empty (and fail the rules).
func decodeSend(raw []byte, req *SendRequest) bool {
	var fast SendRequest
	if fastSend(raw, &fast) {
		*req = fast
		return true
	}
	return decodeReference(raw, req)
}

// decodeReference is decodeSend with encoding/json alone: the reference the
// fast decoder is held to.
func decodeReference(raw []byte, req *SendRequest) bool {
	var b sendBody
	if !utf8.Valid(raw) || json.Unmarshal(raw, &b) != nil {
		return false
	}
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&req.MsgID, b.MsgID)
	set(&req.ConversationID, b.ConversationID)
	set(&req.ToUserID, b.ToUserID)
	set(&req.Scene, b.Scene)
	if c := b.Content; c != nil {
		set(&req.MsgType, c.MsgType)
		if c.Text != nil {
			set(&req.Text, c.Text.Text)
		}
	}
	return true
}

// checkLocked applies the send rules after the credentials: the scope, the
// request's consistency, the window and the reply count. It changes
// nothing.
func (s *Server) checkLocked(req *SendRequest, now time.Time) (*customer, *Error) {
	if !slices.Contains(s.cfg.Scopes, ScopeIM) {
		return nil, newError(CodeScope, "the app does not hold "+ScopeIM)
	}
	c := s.customers[req.ToUserID]
	switch {
	case req.OpenID != s.cfg.AccountOpenID:
		return c, newError(CodeParam, "open_id is not the authorized account")
	case c == nil || !c.hasMessage:
		return c, newError(CodeParam, "to_user_id has no conversation with the account")
	case req.Scene != "im_reply_msg":
		return c, newError(CodeParam, "scene must be im_reply_msg")
	case req.ConversationID != c.conversation:
		return c, newError(CodeParam, "conversation_id is not the user's conversation")
	case !c.knows(req.MsgID):
		return c, newError(CodeParam, "msg_id is not a recent message of the user")
	case req.MsgType != "text":
		return c, newError(CodeParam, "unsupported msg_type "+fmt.Sprintf("%q", req.MsgType))
	case req.Text == "":
		return c, newError(CodeParam, "empty text")
	case !s.windowOpen(c, now):
		return c, newError(s.cfg.WindowCode, fmt.Sprintf("reply window closed: more than %s since the user's last message", s.cfg.Window))
	case s.cfg.ReplyLimit >= 0 && c.sent >= s.cfg.ReplyLimit:
		return c, newError(CodeQuota, fmt.Sprintf("reply quota used up: %d replies per user message", s.cfg.ReplyLimit))
	}
	return c, nil
}

// rateLocked counts a send against RateLimit.
func (s *Server) rateLocked(now time.Time) *Error {
	if s.cfg.RateLimit <= 0 {
		return nil
	}
	if sec := now.Unix(); sec != s.rateSec {
		s.rateSec, s.rateN = sec, 0
	}
	if s.rateN >= s.cfg.RateLimit {
		return newError(CodeRate, fmt.Sprintf("more than %d sends in one second", s.cfg.RateLimit))
	}
	s.rateN++
	return nil
}

// admitLocked is what Douyin checks of an authenticated send before it
// looks at the request: the app's scope, then the rate limit (which
// counts the call).
func (s *Server) admitLocked(now time.Time) *Error {
	if !slices.Contains(s.cfg.Scopes, ScopeIM) {
		return newError(CodeScope, "the app does not hold "+ScopeIM)
	}
	return s.rateLocked(now)
}

// sendLocked applies the scope, the rate limit and the rules to an
// authenticated send and delivers it.
func (s *Server) sendLocked(req *SendRequest, now time.Time) (string, *Error) {
	if e := s.admitLocked(now); e != nil {
		return "", e
	}
	c, e := s.checkLocked(req, now)
	if e != nil {
		return "", e
	}
	c.sent++
	var arr [46]byte
	id := s.strs.Make(s.ids.appendMessageID(arr[:0], streamSent))
	d := delivRec{at: now, msgID: id, text: req.Text} // checkLocked takes texts only
	if c.keep {
		c.deliveries.Add(d)
	}
	s.deliveries.Add(delivEntry{delivRec: d, to: c.openID})
	s.counts.Deliveries++
	if s.cfg.SendEvents {
		// im_send_msg: the account sent a message, here by the API.
		p := &Push{Event: EventSend, MsgID: s.ids.digits19(streamEvent), ClientKey: s.cfg.ClientKey,
			FromUserID: s.cfg.AccountOpenID, ToUserID: c.openID, LogID: s.ids.logID(now),
			Content: Content{ConversationShortID: c.conversation, ServerMessageID: id, ConversationType: 1,
				CreateTime: now.UnixMilli(), MessageType: req.MsgType, Text: req.Text, Source: s.cfg.ClientKey,
				OpenID: s.cfg.AccountOpenID}}
		s.scheduleLocked(s.outgoingLocked(p), now)
	}
	return id, nil
}

// Send is the direct path's send: the fault plan, the rate limit and the rules of the IM
// send API applied to req as values (no token: the direct path has no
// bytes to authenticate), with its delivery or its error journaled as on
// the wire. It returns the sent message's msg_id.
func (s *Server) Send(req SendRequest) (string, *Error) {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.sendFaultLocked()
	var id string
	if e == nil {
		id, e = s.sendLocked(&req, now)
	}
	if e != nil {
		s.addErrorLocked(ErrorEntry{At: now, To: req.ToUserID, Path: PathSend, Code: e.Code, Message: e.Description}, s.customers[req.ToUserID])
	}
	return id, e
}

// Check is the platform's dry-run verdict on req now: the scope and the
// rules (not the token, nor the rate limit, which judge calls rather than
// messages). It changes no state.
func (s *Server) Check(req SendRequest) *Error {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, e := s.checkLocked(&req, s.now())
	return e
}

// CheckReply is Check for a reply to the customer's last message, in the
// customer's conversation, of msgType and text.
func (s *Server) CheckReply(openID, msgType, text string) *Error {
	conv, msg, _ := s.Latest(openID)
	return s.Check(SendRequest{OpenID: s.cfg.AccountOpenID, MsgID: msg, ConversationID: conv, ToUserID: openID,
		Scene: "im_reply_msg", MsgType: msgType, Text: text})
}

// tokenRequest is the body of POST /oauth/client_token/.
type tokenRequest struct {
	ClientKey    string `json:"client_key"`
	ClientSecret string `json:"client_secret"`
	GrantType    string `json:"grant_type"`
}

// parseTokenRequest reads a token request sent as JSON or as a form.
func parseTokenRequest(contentType string, raw []byte) (tokenRequest, bool) {
	var req tokenRequest
	if mt, _, _ := mime.ParseMediaType(contentType); mt == "application/x-www-form-urlencoded" {
		q, err := url.ParseQuery(string(raw))
		if err != nil {
			return req, false
		}
		return tokenRequest{ClientKey: q.Get("client_key"), ClientSecret: q.Get("client_secret"), GrantType: q.Get("grant_type")}, true
	}
	if json.Unmarshal(raw, &req) != nil {
		return req, false
	}
	return req, true
}
