package douyin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/omnisim/omnisim/httpcall"
	"github.com/omnisim/omnisim/router"
)

// maxAnswer caps how much of an API answer is read.
const maxAnswer = 1 << 20

// TokenRefreshMargin is how long before its expiry a client_token is
// replaced (at most half its lifetime).
const TokenRefreshMargin = time.Minute

// codeTokenExpired is the error_code of an expired or unknown token: a
// send that fails with it fetches a new token and is retried once.
const codeTokenExpired = "28001008"

// SendRequest is a reply as values: the body of POST /im/send/msg/ and its
// open_id query parameter.
type SendRequest struct {
	OpenID         string // the merchant account
	MsgID          string // the customer message replied to
	ConversationID string
	ToUserID       string
	Scene          string // im_reply_msg
	MsgType        string // text
	Text           string
}

// AppendJSON appends the request body.
func (r *SendRequest) AppendJSON(b []byte) []byte {
	b = appendField(append(b, '{'), "msg_id", r.MsgID)
	b = appendField(b, "conversation_id", r.ConversationID)
	b = appendField(b, "to_user_id", r.ToUserID)
	b = appendField(b, "scene", r.Scene)
	b = appendField(append(b, `,"content":{`...), "msg_type", r.MsgType)
	b = appendField(append(b, `,"text":{`...), "text", r.Text)
	return append(b, "}}}"...)
}

// token is a cached client_token and the Clock time to replace it.
type token struct {
	value     string
	refreshAt time.Time
}

// Send replies to the Douyin user to.Customer (an open_id) in their
// conversation and returns Douyin's msg_id. It implements
// [router.Sender]. A platform refusal is a *[router.PlatformError]; a
// transport failure, an unparseable answer, a customer who never wrote, or
// an attachment is an ordinary error.
func (a *Adapter) Send(ctx context.Context, to router.CustomerKey, m router.Outbound) (string, error) {
	id, err := a.send(ctx, to, m)
	a.mu.Lock()
	if err != nil {
		a.stats.Failed++
	} else {
		a.stats.Sent++
	}
	a.mu.Unlock()
	return id, err
}

func (a *Adapter) send(ctx context.Context, to router.CustomerKey, m router.Outbound) (string, error) {
	if to.Channel != "" && to.Channel != Channel || to.Account != "" && to.Account != a.cfg.AccountOpenID {
		return "", fmt.Errorf("douyin: send: customer %s is not on channel %s, account %s", to, Channel, a.cfg.AccountOpenID)
	}
	text := m.Text
	switch {
	case m.Kind == router.KindAttachment || m.Kind == "" && m.Attachment != nil:
		return "", errors.New("douyin: send: the IM reply API takes text, not attachments")
	case m.Kind == router.KindTemplate || m.Kind == "" && m.Template != nil:
		if m.Template == nil {
			return "", errors.New("douyin: send: template message without its template")
		}
		text = m.Template.Name
	}
	a.mu.Lock()
	var rc replyContext
	p := a.contexts[to.Customer]
	ok := p != nil
	if ok {
		rc = *p // a copy: a webhook may change the context
	}
	a.mu.Unlock()
	if !ok || rc.msgID == "" {
		return "", fmt.Errorf("douyin: send: %s has sent no message to reply to", to.Customer)
	}
	req := SendRequest{OpenID: a.cfg.AccountOpenID, MsgID: rc.msgID, ConversationID: rc.conversation,
		ToUserID: to.Customer, Scene: "im_reply_msg", MsgType: "text", Text: text}
	if a.cfg.Post != nil {
		return retryTransient(func() (string, error) { return a.cfg.Post(req) })
	}
	return retryTransient(func() (string, error) {
		tok, err := a.token(ctx, "")
		if err != nil {
			return "", err
		}
		id, err := a.post(ctx, &req, tok)
		if err != nil && tokenExpired(err) {
			if tok, err = a.token(ctx, tok); err != nil {
				return "", err
			}
			id, err = a.post(ctx, &req, tok)
		}
		return id, err
	})
}

// post makes one send call of req, encoded for it.
func (a *Adapter) post(ctx context.Context, req *SendRequest, tok string) (string, error) {
	status, got, err := a.call(ctx, a.sendURL, tok, req, nil)
	if err != nil {
		return "", fmt.Errorf("douyin: send: %w", err)
	}
	defer got.Release()
	answer := got.Bytes()
	var ans apiAnswer
	if err := ans.check("send", status, answer); err != nil {
		return "", err
	}
	if ans.Data.MsgID == "" {
		return "", fmt.Errorf("douyin: send: HTTP %d: answer without msg_id: %q", status, truncate(answer))
	}
	return ans.Data.MsgID, nil
}

// token returns a client_token other than stale: the cached one while
// Clock is before its refresh time, otherwise a new one.
func (a *Adapter) token(ctx context.Context, stale string) (string, error) {
	a.tokenMu.Lock()
	defer a.tokenMu.Unlock()
	now := a.cfg.Clock()
	if t := a.tok; t.value != "" && t.value != stale && now.Before(t.refreshAt) {
		return t.value, nil
	}
	a.mu.Lock()
	a.stats.TokenFetches++
	a.mu.Unlock()
	body, _ := json.Marshal(map[string]string{"client_key": a.cfg.ClientKey, "client_secret": a.cfg.ClientSecret, "grant_type": "client_credential"})
	status, got, err := a.call(ctx, a.tokenURL, "", nil, body)
	if err != nil {
		return "", fmt.Errorf("douyin: client_token: %w", err)
	}
	defer got.Release()
	answer := got.Bytes()
	var ans apiAnswer
	if err := ans.check("client_token", status, answer); err != nil {
		return "", err
	}
	if ans.Data.AccessToken == "" {
		return "", fmt.Errorf("douyin: client_token: HTTP %d: answer without access_token: %q", status, truncate(answer))
	}
	ttl := time.Duration(min(max(ans.Data.ExpiresIn, 0), 1<<31)) * time.Second
	a.tok = token{value: ans.Data.AccessToken, refreshAt: now.Add(ttl - min(TokenRefreshMargin, ttl/2))}
	a.tokHeader = []string{a.tok.value}
	return a.tok.value, nil
}

// apiAnswer holds what this adapter reads of Douyin's answers: data and
// extra, each of which may carry the error.
type apiAnswer struct {
	Data struct {
		ErrorCode   *int64 `json:"error_code"`
		Description string `json:"description"`
		MsgID       string `json:"msg_id"`
		AccessToken string `json:"access_token"`
		ExpiresIn   int64  `json:"expires_in"`
	} `json:"data"`
	Extra struct {
		ErrorCode   *int64 `json:"error_code"`
		Description string `json:"description"`
	} `json:"extra"`
	ErrNo  *int64 `json:"err_no"`
	ErrMsg string `json:"err_msg"`
}

// check decodes body and returns the error it means: a
// *router.PlatformError for a non-zero error_code (in data, in extra, or
// as err_no), an ordinary error for an undecodable body or a non-2xx
// status.
func (ans *apiAnswer) check(op string, status int, body []byte) error {
	if !fastAnswer(body, ans) {
		var slow apiAnswer // on the heap (encoding/json) only on this path, not ans
		err := json.Unmarshal(body, &slow)
		*ans = slow
		if err != nil {
			return fmt.Errorf("douyin: %s: HTTP %d: unparseable answer %q: %w", op, status, truncate(body), err)
		}
	}
	for _, e := range []struct {
		code *int64
		msg  string
	}{{ans.Data.ErrorCode, ans.Data.Description}, {ans.Extra.ErrorCode, ans.Extra.Description}, {ans.ErrNo, ans.ErrMsg}} {
		if e.code != nil && *e.code != 0 {
			return &router.PlatformError{Code: strconv.FormatInt(*e.code, 10), HTTPStatus: status, Message: e.msg}
		}
	}
	if status < 200 || status > 299 {
		return fmt.Errorf("douyin: %s: HTTP %d: %q", op, status, truncate(body))
	}
	return nil
}

// jsonType is the Content-Type of every call, shared: nothing modifies
// header values in place.
var jsonType = []string{"application/json"}

// call POSTs a JSON body (sr's, or else body) to u and returns the
// status and the answer, which the caller releases once done with it
// (nothing decoded from it keeps a reference): one made in process is
// read where it is, any other into a pooled buffer (httpcall.Hold).
// Errors never contain the token.
func (a *Adapter) call(ctx context.Context, u *url.URL, tok string, sr *SendRequest, body []byte) (int, httpcall.Held, error) {
	if u == nil {
		return 0, httpcall.Held{}, fmt.Errorf("bad BaseURL %q", a.cfg.BaseURL)
	}
	// Recycled: the request, a copy of u, the header map, and the buffer
	// sr's body is encoded into.
	q := httpcall.New()
	if sr != nil {
		body = sr.AppendJSON(q.Scratch())
	}
	req := q.Prepare(ctx, http.MethodPost, u, body)
	h := q.Header()
	h["Content-Type"] = jsonType
	if tok != "" {
		h["Access-Token"] = a.tokenHeader(tok)
	}
	resp, err := a.cfg.Client.Do(req)
	if err != nil {
		q.Abandon() // the transport may still hold the request
		return 0, httpcall.Held{}, err
	}
	// One byte past the cap tells an answer too large.
	ans, err := httpcall.Hold(q, resp, maxAnswer+1)
	if err != nil {
		return 0, httpcall.Held{}, fmt.Errorf("reading the answer: %w", err)
	}
	if len(ans.Bytes()) > maxAnswer {
		ans.Release()
		return 0, httpcall.Held{}, fmt.Errorf("answer larger than %d bytes", maxAnswer)
	}
	return resp.StatusCode, ans, nil
}

func truncate(b []byte) string {
	if len(b) > 256 {
		return string(b[:256]) + "…"
	}
	return string(b)
}

// tokenHeader is the header value of tok, made once per token.
func (a *Adapter) tokenHeader(tok string) []string {
	a.tokenMu.Lock()
	defer a.tokenMu.Unlock()
	if len(a.tokHeader) == 1 && a.tokHeader[0] == tok {
		return a.tokHeader
	}
	return []string{tok}
}

// tokenExpired reports whether err is the refusal of an expired token.
func tokenExpired(err error) bool {
	var pe *router.PlatformError
	return errors.As(err, &pe) && pe.Code == codeTokenExpired
}
