package line

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/omnisim/omnisim/httpcall"
	"github.com/omnisim/omnisim/jsonplain"
	"github.com/omnisim/omnisim/router"
	"github.com/omnisim/omnisim/splitmix"
	"github.com/omnisim/omnisim/uuid4"
)

// Message is a message object the router sends.
type Message struct {
	Type               string // text, image, video, audio
	Text               string
	OriginalContentURL string
	PreviewImageURL    string
	Duration           int64 // audio, in milliseconds
}

var contentJSON = []string{"application/json"}

// RetryKeyHeader is the header of a push's retry key.
const RetryKeyHeader = "X-Line-Retry-Key"

// MsgInvalidReplyToken is LINE's message for a reply token that is
// unknown, used or expired.
const MsgInvalidReplyToken = "Invalid reply token"

// Messages converts an outbound message to LINE message objects: a text;
// a template as a text of its name and parameters (LINE has no approved
// templates); an image, video or audio file by an HTTPS URL under
// Config.MediaBaseURL that names its format and size, followed by a text
// of its caption when it has one (LINE's media messages have no captions).
func (a *Adapter) Messages(m router.Outbound) ([]Message, error) {
	return a.messages(m, nil)
}

// messages is Messages, a text made in one's storage.
func (a *Adapter) messages(m router.Outbound, one *[1]Message) ([]Message, error) {
	switch m.Kind {
	case router.KindText:
		if one != nil {
			one[0] = Message{Type: "text", Text: m.Text}
			return one[:], nil
		}
		return []Message{{Type: "text", Text: m.Text}}, nil
	case router.KindTemplate:
		if m.Template == nil {
			return nil, errors.New("line: template message without a template")
		}
		text := m.Template.Name
		if len(m.Template.Params) > 0 {
			text += ": " + strings.Join(m.Template.Params, ", ")
		}
		return []Message{{Type: "text", Text: text}}, nil
	case router.KindAttachment:
		att := m.Attachment
		if att == nil {
			return nil, errors.New("line: attachment message without an attachment")
		}
		name := att.Name
		if name == "" || strings.ContainsAny(name, "/?#%") {
			name = "file"
		}
		name = strings.TrimSuffix(name, "."+att.Format)
		u := a.cfg.MediaBaseURL + "/" + att.Kind + "/" + name + "." + att.Format + "?size=" + strconv.FormatInt(att.Size, 10)
		preview := a.cfg.MediaBaseURL + "/preview/" + name + ".jpg?size=0"
		var out []Message
		switch att.Kind {
		case "image":
			out = []Message{{Type: "image", OriginalContentURL: u, PreviewImageURL: u}}
		case "video":
			out = []Message{{Type: "video", OriginalContentURL: u, PreviewImageURL: preview}}
		case "audio":
			out = []Message{{Type: "audio", OriginalContentURL: u, Duration: 60000}}
		default:
			return nil, fmt.Errorf("line: a bot cannot send %s attachments", att.Kind)
		}
		if m.Text != "" {
			out = append(out, Message{Type: "text", Text: m.Text})
		}
		return out, nil
	}
	return nil, fmt.Errorf("line: unknown outbound kind %q", m.Kind)
}

// Send delivers m to a user. It replies with the user's reply token while
// the token is fresh (younger than Config.ReplyTokenTTL) and unused, and
// pushes otherwise: a reply token is good for one request and a reply has
// no retry key, so a reply the platform refuses as "Invalid reply token"
// or transiently (a 5xx, or 429 for the rate limit) is pushed instead. A
// reply that got no answer at all is not: it may have been delivered, and
// a push could show it twice; its error is returned. Every push carries a
// new X-Line-Retry-Key; a push that got no answer, a 5xx or a rate-limit
// 429 is retried at once with the same key (Config.PushRetries times), and
// a 409 to a retry means an earlier try was accepted: it counts as sent,
// with the accepted request's message ids. A push whose last allowed try
// got a 5xx or no answer may have been delivered: it is tried up to
// SettleTries more times with the same key to learn whether it was. The id
// returned is the first sent message's.
func (a *Adapter) Send(ctx context.Context, to router.CustomerKey, m router.Outbound) (string, error) {
	// A text's message lives on the stack: nothing keeps it (the rule
	// API gets a copy, see call).
	var one [1]Message
	msgs, err := a.messages(m, &one)
	if err != nil {
		return "", err
	}
	user := to.Customer
	now := a.cfg.Clock()
	a.mu.Lock()
	var token string
	if t := a.tokens[user]; t != nil && !t.used && now.Sub(t.at) < a.cfg.ReplyTokenTTL {
		t.used = true
		token = t.token
	}
	a.mu.Unlock()
	if token != "" {
		res, err := a.call(ctx, "", token, user, msgs)
		if err != nil {
			return "", err
		}
		if res.Status == http.StatusOK {
			a.count(func(s *Stats) { s.Replies++ })
			return first(res.IDs), nil
		}
		invalid := res.Status == http.StatusBadRequest && res.Error.Message == MsgInvalidReplyToken
		if !invalid && !transient(res) {
			return "", platformError(res)
		}
		// The token is spent or unusable (a reply token answers one
		// request, and a reply has no retry key): push instead.
		a.count(func(s *Stats) { s.ReplyFallbacks++ })
	}
	key := a.retryKey()
	unsure := false
	for try := 0; ; try++ {
		res, err := a.call(ctx, key, "", user, msgs)
		retryable := err != nil || transient(res)
		// No answer or a 5xx: the push may have been accepted. A try more
		// with the same key learns which (a 409 says it was), so that the
		// answer Send acts on is a definite one where LINE gives one.
		unsure = unsure || err != nil || res.Status >= 500
		if retryable && ctx.Err() == nil && (try < a.cfg.PushRetries || unsure && try < a.cfg.PushRetries+SettleTries) {
			a.count(func(s *Stats) { s.PushRetries++ })
			continue
		}
		if err != nil {
			return "", err
		}
		switch {
		case res.Status == http.StatusOK:
			a.count(func(s *Stats) { s.Pushes++ })
			return first(res.IDs), nil
		case res.Status == http.StatusConflict && try > 0:
			// The earlier try was accepted after all.
			a.count(func(s *Stats) { s.Pushes++ })
			if id := first(res.IDs); id != "" {
				return id, nil
			}
			return res.AcceptedRequestID, nil
		}
		return "", platformError(res)
	}
}

// SettleTries is how many tries a push may take beyond Config.PushRetries
// when its last answer was a 5xx or none at all: LINE warns that such a
// push may have been delivered, and only a retry with the same
// X-Line-Retry-Key tells (409: it was).
const SettleTries = 2

// MsgRateLimit is LINE's message for a call over the API's rate limit.
const MsgRateLimit = "The API rate limit has been exceeded. Try again later."

// transient reports whether an answer refuses a request for now only: a
// 5xx, or a 429 for the rate limit (not the monthly limit, which the next
// try would meet as well).
func transient(res APIResult) bool {
	return res.Status >= 500 || res.Status == http.StatusTooManyRequests && res.Error.Message == MsgRateLimit
}

func first(ids []string) string {
	if len(ids) == 0 {
		return ""
	}
	return ids[0]
}

func (a *Adapter) count(f func(*Stats)) {
	a.mu.Lock()
	f(&a.stats)
	a.mu.Unlock()
}

// platformError is the router's error for a refused send; its code is the
// HTTP status, LINE's errors having no code of their own.
func platformError(res APIResult) *router.PlatformError {
	msg := res.Error.Message
	for _, d := range res.Error.Details {
		msg += "; " + d.Property + ": " + d.Message
	}
	return &router.PlatformError{Code: strconv.Itoa(res.Status), HTTPStatus: res.Status, Message: msg}
}

// retryKey returns a new X-Line-Retry-Key: a version-4 UUID drawn from the
// adapter's seed.
func (a *Adapter) retryKey() string {
	a.mu.Lock()
	a.keyCtr++
	n := a.keyCtr
	a.mu.Unlock()
	// Each half is a SplitMix64 step from the seed and a step from its
	// count: hi from 2n, lo from 2n+1.
	x, y := 2*n, 2*n+1
	hi, lo := splitmix.Next(&x), splitmix.Next(&y)
	x, y = a.cfg.Seed^hi, a.cfg.Seed^lo
	hi, lo = splitmix.Next(&x), splitmix.Next(&y)
	var b [uuid4.Len]byte
	return string(uuid4.Append(b[:0], hi, lo))
}

// maxAnswer bounds how much of an answer to a reply or push is read.
const maxAnswer = 1 << 20

// call makes one reply (token set) or push (retryKey set) call. An error
// is a transport failure; a platform answer is in the result.
func (a *Adapter) call(ctx context.Context, retryKey, token, to string, msgs []Message) (APIResult, error) {
	if a.cfg.API != nil {
		own := slices.Clone(msgs) // the rule API may keep them
		if token != "" {
			return a.cfg.API.Reply(token, own), nil
		}
		return a.cfg.API.Push(retryKey, to, own), nil
	}
	// Recycled: the request, the body's buffer, a copy of the URL parsed
	// in New, the header map.
	q := httpcall.New()
	defer q.Release()
	body := q.Scratch()
	target, u := a.pushTo, a.pushURL
	if token != "" {
		target, u = a.replyTo, a.replyURL
		body = AppendReply(body, token, msgs)
	} else {
		body = AppendPush(body, to, msgs)
	}
	var req *http.Request
	if u == nil || ctx == nil {
		// Not a URL New could parse: let http.NewRequest say why.
		r, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
		if err != nil {
			return APIResult{}, err
		}
		req = r
		req.Header = http.Header{}
	} else {
		req = q.Prepare(ctx, http.MethodPost, u, body)
	}
	req.Header["Authorization"] = a.auth
	req.Header["Content-Type"] = contentJSON
	if retryKey != "" {
		req.Header[RetryKeyHeader] = []string{retryKey}
	}
	resp, err := a.cfg.Client.Do(req)
	if err != nil {
		q.Abandon() // the transport may still hold the request
		return APIResult{}, err
	}
	accepted := first(resp.Header["X-Line-Accepted-Request-Id"])
	// An answer made in process is read where it is, until released; any
	// other into a pooled buffer. q stays this call's to give back, after.
	answer, err := httpcall.Hold(nil, resp, maxAnswer)
	if err != nil {
		return APIResult{}, err
	}
	defer answer.Release()
	return ReadAnswer(resp.StatusCode, accepted, answer.Bytes()), nil
}

// parseURL parses a URL as http.NewRequest does; nil when it does not
// parse.
func parseURL(raw string) *url.URL {
	u, err := url.Parse(raw)
	if err != nil {
		return nil
	}
	if h := u.Host; strings.LastIndex(h, ":") > strings.LastIndex(h, "]") {
		u.Host = strings.TrimSuffix(h, ":") // an empty port, as http.NewRequest drops it
	}
	return u
}

// ReadAnswer reads an answer of the send API: sentMessages on success (and
// on a 409), LINE's error body otherwise. A body that is neither keeps the
// status with an empty message.
func ReadAnswer(status int, accepted string, body []byte) APIResult {
	res := APIResult{Status: status, AcceptedRequestID: accepted}
	if scanAnswer(body, &res) {
		return res
	}
	res.IDs = nil
	var v struct {
		ErrorBody
		SentMessages []struct {
			ID string `json:"id"`
		} `json:"sentMessages"`
	}
	if json.Unmarshal(body, &v) == nil {
		res.Error = v.ErrorBody
		for _, m := range v.SentMessages {
			res.IDs = append(res.IDs, m.ID)
		}
	}
	return res
}

// profile fetches the display name of a user who wrote at now,
// remembered from then on (for Config.NameTTL after the user's last
// message, when set).
func (a *Adapter) profile(ctx context.Context, user string, now time.Time) string {
	var name string
	if a.cfg.API != nil {
		name, _ = a.cfg.API.Profile(user)
	} else if req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.cfg.BaseURL+"/v2/bot/profile/"+user, nil); err == nil {
		req.Header = http.Header{"Authorization": a.auth}
		if resp, err := a.cfg.Client.Do(req); err == nil {
			var p struct {
				DisplayName string `json:"displayName"`
			}
			if resp.StatusCode == http.StatusOK {
				json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&p)
			}
			resp.Body.Close()
			name = p.DisplayName
		}
	}
	a.mu.Lock()
	a.rememberNameLocked(user, name, now)
	a.mu.Unlock()
	return name
}

// rememberNameLocked remembers the display name of a user who wrote at
// now, and, with Config.NameTTL, forgets the names of the users who have
// not written for that long once the names have doubled since the last
// sweep.
func (a *Adapter) rememberNameLocked(user, name string, now time.Time) {
	ns := now.UnixNano()
	if rec := a.names[user]; rec != nil {
		rec.name, rec.at = name, ns
		return
	}
	// user may be made in a webhook scanner's arena, whose block it would
	// keep for as long as the name is remembered: the key is a copy.
	a.names[strings.Clone(user)] = &nameRec{name: name, at: ns}
	if a.cfg.NameTTL > 0 && len(a.names) > 2*a.namesSwept+1024 {
		for u, rec := range a.names {
			if ns-rec.at >= int64(a.cfg.NameTTL) {
				delete(a.names, u)
			}
		}
		a.namesSwept = len(a.names)
	}
}

// AppendReply appends the body of a reply request to b.
func AppendReply(b []byte, token string, msgs []Message) []byte {
	b = append(b, `{"replyToken":`...)
	b = appendString(b, token)
	return appendMessages(b, msgs)
}

// AppendPush appends the body of a push request to b.
func AppendPush(b []byte, to string, msgs []Message) []byte {
	b = append(b, `{"to":`...)
	b = appendString(b, to)
	return appendMessages(b, msgs)
}

func appendMessages(b []byte, msgs []Message) []byte {
	b = append(b, `,"messages":[`...)
	for i, m := range msgs {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"type":`...)
		b = appendString(b, m.Type)
		if m.Type == "text" {
			b = append(b, `,"text":`...)
			b = appendString(b, m.Text)
		}
		if m.OriginalContentURL != "" {
			b = append(b, `,"originalContentUrl":`...)
			b = appendString(b, m.OriginalContentURL)
		}
		if m.PreviewImageURL != "" {
			b = append(b, `,"previewImageUrl":`...)
			b = appendString(b, m.PreviewImageURL)
		}
		if m.Duration > 0 {
			b = append(b, `,"duration":`...)
			b = strconv.AppendInt(b, m.Duration, 10)
		}
		b = append(b, '}')
	}
	return append(b, "]}"...)
}

// appendString appends s as a JSON string, as encoding/json writes it
// without HTML escaping.
func appendString(b []byte, s string) []byte {
	const hexd = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := jsonplain.Prefix(s); i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, `\n`...)
			case '\r':
				b = append(b, `\r`...)
			case '\t':
				b = append(b, `\t`...)
			case '\b':
				b = append(b, `\b`...)
			case '\f':
				b = append(b, `\f`...)
			default:
				b = append(b, `\u00`...)
				b = append(b, hexd[c>>4], hexd[c&15])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			if r == utf8.RuneError {
				b = append(b, `\ufffd`...)
			} else {
				b = append(b, `\u202`...)
				b = append(b, hexd[r&15])
			}
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
