package businessmessages

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/omnisim/omnisim/fakes/forget"
	"github.com/omnisim/omnisim/fakes/journal"
)

// SendRequest is the body of conversations.messages.create.
type SendRequest struct {
	Name             string            `json:"name,omitempty"`
	MessageID        string            `json:"messageId"`
	Representative   *Representative   `json:"representative,omitempty"`
	Text             string            `json:"text,omitempty"`
	Image            *Image            `json:"image,omitempty"`
	RichCard         json.RawMessage   `json:"richCard,omitempty"`
	Fallback         string            `json:"fallback,omitempty"`
	ContainsRichText bool              `json:"containsRichText,omitempty"`
	Suggestions      []json.RawMessage `json:"suggestions,omitempty"`
}

// Representative is who sends a message or an event: a bot or a human.
type Representative struct {
	RepresentativeType string `json:"representativeType"` // BOT or HUMAN
	DisplayName        string `json:"displayName,omitempty"`
	AvatarImage        string `json:"avatarImage,omitempty"`
}

// Image is an image message: a file Google fetches by URL, or one uploaded
// before (imageId, not modelled).
type Image struct {
	ContentInfo *ContentInfo `json:"contentInfo,omitempty"`
	ImageID     string       `json:"imageId,omitempty"`
}

// ContentInfo points at a file.
type ContentInfo struct {
	FileURL      string `json:"fileUrl"`
	ThumbnailURL string `json:"thumbnailUrl,omitempty"`
	ForceRefresh bool   `json:"forceRefresh,omitempty"`
	AltText      string `json:"altText,omitempty"`
}

// EventRequest is the body of conversations.events.create.
type EventRequest struct {
	Name           string          `json:"name,omitempty"`
	EventType      string          `json:"eventType"`
	Representative *Representative `json:"representative,omitempty"`
}

// The event types an agent may send.
var eventTypes = []string{"TYPING_STARTED", "TYPING_STOPPED", "REPRESENTATIVE_JOINED", "REPRESENTATIVE_LEFT"}

// decodeStrict decodes one JSON object into v the way Google's front end
// does: unknown fields and trailing data are refused.
func decodeStrict(body []byte, v any) *Error {
	d := json.NewDecoder(bytes.NewReader(body))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		msg := err.Error()
		if f, ok := strings.CutPrefix(msg, "json: unknown field "); ok {
			return errInvalid("Invalid JSON payload received. Unknown name " + f + ": Cannot find field.")
		}
		return errInvalid("Invalid JSON payload received. " + strings.TrimPrefix(msg, "json: ") + ".")
	}
	if _, err := d.Token(); !errors.Is(err, io.EOF) {
		return errInvalid("Invalid JSON payload received. Unexpected data after the object.")
	}
	return nil
}

// ParseSendRequest decodes and checks the shape of a message body: a
// representative of type BOT or HUMAN and exactly one content (text,
// image or rich card). The messageId may come from the query instead.
func ParseSendRequest(body []byte) (SendRequest, *Error) {
	var rep Representative
	req, hasRep, e := parseSend(body, &rep)
	if hasRep {
		req.Representative = &rep
	}
	return req, e
}

// parseSend is ParseSendRequest with the representative apart: in *rep,
// and hasRep reports whether the body has one; req's is nil. The handler's
// rep stays on its stack.
func parseSend(body []byte, rep *Representative) (req SendRequest, hasRep bool, e *Error) {
	var ok bool
	if ok, hasRep = decodeSendFast(body, &req, rep); !ok {
		slow, e := parseStrict(body)
		if e != nil {
			return SendRequest{}, false, e
		}
		req, hasRep = slow, slow.Representative != nil
		if hasRep {
			*rep = *slow.Representative
		}
		req.Representative = nil
	}
	var r *Representative
	if hasRep {
		r = rep
	}
	return req, hasRep, checkShapeOf(&req, r)
}

// parseStrict is decodeStrict into a value of its own, apart so that
// ParseSendRequest's stays on the stack: only this path hands its value
// to reflection.
func parseStrict(body []byte) (SendRequest, *Error) {
	var req SendRequest
	e := decodeStrict(body, &req)
	return req, e
}

func checkShape(req *SendRequest) *Error { return checkShapeOf(req, req.Representative) }

// checkShapeOf is checkShape of req with the representative rep.
func checkShapeOf(req *SendRequest, rep *Representative) *Error {
	if rep == nil {
		return errInvalid("Invalid argument: representative is required.")
	}
	if t := rep.RepresentativeType; t != "BOT" && t != "HUMAN" {
		return errInvalid(fmt.Sprintf("Invalid value at 'message.representative.representative_type' (type.googleapis.com/google.communications.businessmessages.v1.Representative.RepresentativeType), %q", t))
	}
	n := 0
	if req.Text != "" {
		n++
	}
	if req.Image != nil {
		n++
	}
	if len(req.RichCard) > 0 {
		n++
	}
	if n != 1 {
		return errInvalid("Invalid argument: a message has exactly one of text, image and richCard.")
	}
	if req.Image != nil && (req.Image.ContentInfo == nil || req.Image.ContentInfo.FileURL == "") && req.Image.ImageID == "" {
		return errInvalid("Invalid argument: image needs contentInfo.fileUrl or imageId.")
	}
	return nil
}

// ParseEvent decodes an event body and checks its type.
func ParseEvent(body []byte) (EventRequest, *Error) {
	var ev EventRequest
	if e := decodeStrict(body, &ev); e != nil {
		return EventRequest{}, e
	}
	if !slices.Contains(eventTypes, ev.EventType) {
		return EventRequest{}, errInvalid(fmt.Sprintf("Invalid value at 'event.event_type', %q", ev.EventType))
	}
	return ev, nil
}

// Message is a message the platform accepted, as its API answers it.
type Message struct {
	Conversation string
	MessageID    string
	Type         string // text, image or richCard
	Text         string // the text, or the image's URL
	Rep          string // BOT or HUMAN
	DisplayName  string
	CreateTime   time.Time
}

// AppendJSON appends the created Message resource.
func (m *Message) AppendJSON(b []byte) []byte {
	b = append(b, `{"name":`...)
	b = appendStrings(b, "conversations/", m.Conversation, "/messages/", m.MessageID)
	b = append(b, `,"messageId":`...)
	b = appendString(b, m.MessageID)
	b = append(b, `,"representative":{"representativeType":`...)
	b = appendString(b, m.Rep)
	if m.DisplayName != "" {
		b = append(b, `,"displayName":`...)
		b = appendString(b, m.DisplayName)
	}
	b = append(b, '}')
	switch m.Type {
	case "text":
		b = append(b, `,"text":`...)
		b = appendString(b, m.Text)
	case "image":
		b = append(b, `,"image":{"contentInfo":{"fileUrl":`...)
		b = appendString(b, m.Text)
		b = append(b, "}}"...)
	}
	b = append(b, `,"createTime":`...)
	b = appendTime(b, m.CreateTime) // RFC 3339 needs no escaping
	return append(b, '}')
}

// FileHost is the simulated file host: Google fetches an image's fileUrl,
// and a URL on this host answers with as many bytes as its "bytes" query
// parameter says (https://files.omnisim.invalid/photo.png?bytes=204800).
// A URL elsewhere cannot be fetched by the simulator and counts as size 0.
const FileHost = "files.omnisim.invalid"

// imageSize reads the format and size of an image URL.
func imageSize(u string) (format string, size int64, e *Error) {
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" {
		return "", 0, errInvalid(fmt.Sprintf("Invalid argument: %q is not a file URL.", u))
	}
	format = strings.ToLower(strings.TrimPrefix(path.Ext(p.Path), "."))
	if p.Host == FileHost {
		if n, err := strconv.ParseInt(p.Query().Get("bytes"), 10, 64); err == nil && n >= 0 {
			size = n
		}
	}
	return format, size, nil
}

// CheckImage is the platform's verdict on an image by format and size.
func (s *Server) CheckImage(format string, size int64) *Error {
	if !slices.Contains(s.cfg.ImageFormats, strings.ToLower(format)) {
		return errInvalid(fmt.Sprintf("Invalid argument: image format %q is not supported (supported: %s).", format, strings.Join(s.cfg.ImageFormats, ", ")))
	}
	if s.cfg.ImageMaxBytes > 0 && size > s.cfg.ImageMaxBytes {
		return errInvalid(fmt.Sprintf("Invalid argument: the image is %d bytes, over the limit of %d.", size, s.cfg.ImageMaxBytes))
	}
	return nil
}

// Check is the platform's dry-run verdict on sending req to conversation
// id now: nil when it would accept it. It changes no state.
func (s *Server) Check(id string, req SendRequest) *Error {
	now := s.cfg.Clock()
	if e := checkShape(&req); e != nil {
		return e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	_, e := s.judge(id, &req, now)
	return e
}

// Accept sends req to conversation id as the API does, by value: the
// Direct network's send path, and the HTTP handler's after decoding.
func (s *Server) Accept(id string, req SendRequest) (Message, *Error) {
	now := s.cfg.Clock()
	if e := checkShape(&req); e != nil {
		s.logValueError(now, id, e)
		return Message{}, e
	}
	m, e := s.accept(id, req, req.Representative, now)
	if e != nil {
		s.logValueError(now, id, e)
	}
	return m, e
}

func (s *Server) logValueError(now time.Time, id string, e *Error) {
	s.mu.Lock()
	s.errs.Add(ErrorEntry{At: now, Conversation: id, Path: pathConvPrefix + id + "/messages", Status: e.HTTPStatus, Code: e.Status, Message: e.Message})
	s.counts.Errors++
	s.mu.Unlock()
}

// judge applies the platform's rules, in order: retirement, the
// conversation's existence, the messageId, the 30-day window, a reused
// messageId, the text's length, the image. s.mu is held.
func (s *Server) judge(id string, req *SendRequest, now time.Time) (*conv, *Error) {
	if s.retiredAt(now) {
		return nil, retiredError()
	}
	c := s.convs[id]
	if c == nil || !c.hasUser {
		return nil, &Error{HTTPStatus: 403, Status: "PERMISSION_DENIED",
			Message: "The caller does not have permission: conversation " + strconv.Quote(id) + " does not exist for this agent."}
	}
	if req.MessageID == "" {
		return nil, errInvalid("Invalid argument: messageId is required.")
	}
	if s.cfg.Window > 0 && forget.Old(now.UnixNano(), c.lastUser, int64(s.cfg.Window)) {
		return nil, &Error{HTTPStatus: 400, Status: "FAILED_PRECONDITION",
			Message: fmt.Sprintf("Precondition check failed: the user's last message is more than %s old; the agent can no longer message this conversation.", days(s.cfg.Window))}
	}
	if c.used(req.MessageID) {
		return nil, &Error{HTTPStatus: 409, Status: "ALREADY_EXISTS", Message: "Message " + strconv.Quote(req.MessageID) + " already exists."}
	}
	if req.Text != "" && s.cfg.MaxTextLength > 0 && utf8.RuneCountInString(req.Text) > s.cfg.MaxTextLength {
		return nil, errInvalid(fmt.Sprintf("Invalid argument: text is longer than %d characters.", s.cfg.MaxTextLength))
	}
	if img := req.Image; img != nil && img.ContentInfo != nil {
		format, size, e := imageSize(img.ContentInfo.FileURL)
		if e == nil {
			e = s.CheckImage(format, size)
		}
		if e != nil {
			return nil, e
		}
	}
	return c, nil
}

func days(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		return strconv.Itoa(int(d/(24*time.Hour))) + " days"
	}
	return d.String()
}

// accept judges req, from representative rep, and, when the platform
// takes it, delivers it.
func (s *Server) accept(id string, req SendRequest, rep *Representative, now time.Time) (Message, *Error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, e := s.judge(id, &req, now)
	if e != nil {
		return Message{}, e
	}
	c.use(req.MessageID)
	m := Message{Conversation: id, MessageID: req.MessageID, Rep: rep.RepresentativeType,
		DisplayName: rep.DisplayName, CreateTime: now}
	var kind uint8
	switch {
	case req.Text != "":
		kind, m.Text = kindText, req.Text
	case req.Image != nil:
		kind = kindImage
		if req.Image.ContentInfo != nil {
			m.Text = req.Image.ContentInfo.FileURL
		} else {
			m.Text = req.Image.ImageID
		}
	default:
		kind, m.Text = kindRichCard, "rich card"
	}
	m.Type = kindNames[kind]
	// The shape checks (checkShapeOf) let only BOT and HUMAN through.
	d := delivRec{at: now, messageID: m.MessageID, text: m.Text, kind: kind, human: m.Rep == "HUMAN"}
	if c.keep {
		c.deliveries.Add(d)
	}
	s.deliveries.Add(delivEntry{delivRec: d, conversation: id})
	s.counts.Deliveries++
	return m, nil
}

// checkEvent applies the rules of events: retirement and the
// conversation's existence.
func (s *Server) checkEvent(id string, ev EventRequest, now time.Time) *Error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.retiredAt(now) {
		return retiredError()
	}
	if c := s.convs[id]; c == nil || !c.hasUser {
		return &Error{HTTPStatus: 403, Status: "PERMISSION_DENIED",
			Message: "The caller does not have permission: conversation " + strconv.Quote(id) + " does not exist for this agent."}
	}
	return nil
}

// SendEvent sends an event (typing, a representative joining) by value.
func (s *Server) SendEvent(id string, ev EventRequest) *Error {
	if !slices.Contains(eventTypes, ev.EventType) {
		return errInvalid(fmt.Sprintf("Invalid value at 'event.event_type', %q", ev.EventType))
	}
	return s.checkEvent(id, ev, s.cfg.Clock())
}

// afterDelivery sends the DELIVERED receipt of m when Receipts is on.
func (s *Server) afterDelivery(ctx context.Context, m Message) {
	if !s.cfg.Receipts {
		return
	}
	s.mu.Lock()
	um := &UserMessage{Agent: s.Agent(), ConversationID: m.Conversation, CustomAgentID: s.cfg.CustomAgentID,
		RequestID: s.uuid(), SendTime: s.cfg.Clock(),
		Receipts: &Receipts{CreateTime: s.cfg.Clock(), Receipts: []Receipt{{
			Message: "conversations/" + m.Conversation + "/messages/" + m.MessageID, ReceiptType: "DELIVERED"}}}}
	s.mu.Unlock()
	s.send(ctx, um)
}

// Deliveries lists what conversation id's user received, oldest first:
// nothing for a conversation Config.KeepDeliveries does not name.
func (s *Server) Deliveries(id string) []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.convs[id]; c != nil && c.deliveries.Len() > 0 {
		return journal.Map(&c.deliveries, func(r *delivRec) Delivery { return r.delivery(id) })
	}
	return nil
}

// Counts returns the exact totals.
func (s *Server) Counts() Counts {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts
}

// Journal returns a copy of the journal.
func (s *Server) Journal() Journal {
	s.mu.Lock()
	defer s.mu.Unlock()
	ds := journal.Map(&s.deliveries, func(e *delivEntry) Delivery { return e.delivery(e.conversation) })
	return Journal{Requests: s.requests.Snapshot(), Webhooks: journal.Map(&s.webhooks, (*webhookRec).webhook), Deliveries: ds,
		Errors: s.errs.Snapshot()}
}
