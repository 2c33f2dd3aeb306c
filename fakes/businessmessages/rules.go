package businessmessages

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
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

// SendRequest is the body of conversations.messages.create, with its
// forceFallback query parameter.
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
	// ForceFallback is the call's ?forceFallback=true: the user is shown
	// the fallback text instead of the content. It is not part of the
	// body.
	ForceFallback bool `json:"-"`
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
	if string(req.RichCard) == "null" {
		req.RichCard = nil // as for image: a null message field is unset
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
	if len(req.RichCard) > 0 {
		return checkRichCard(req.RichCard)
	}
	return nil
}

// checkRichCard checks a rich card's outer shape: an object with exactly
// one of standaloneCard and carouselCard, each an object, and no other
// member. What the cards hold is not checked.
func checkRichCard(raw json.RawMessage) *Error {
	var card map[string]json.RawMessage
	if err := json.Unmarshal(raw, &card); err != nil || card == nil {
		return errInvalid("Invalid JSON payload received. Invalid value at 'message.rich_card': richCard must be an object.")
	}
	n := 0
	for _, k := range slices.Sorted(maps.Keys(card)) { // in order: the same error every time
		v := card[k]
		switch k {
		case "standaloneCard", "carouselCard":
			if string(v) == "null" {
				continue
			}
			if len(v) == 0 || v[0] != '{' {
				return errInvalid(fmt.Sprintf("Invalid JSON payload received. Invalid value at 'message.rich_card.%s': it must be an object.", k))
			}
			n++
		default:
			return errInvalid(fmt.Sprintf("Invalid JSON payload received. Unknown name %q at 'message.rich_card': Cannot find field.", k))
		}
	}
	if n != 1 {
		return errInvalid("Invalid argument: richCard has exactly one of standaloneCard and carouselCard.")
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

// Message is a message the platform accepted, as its API answers it: the
// created Message, which echoes the content the request sent.
type Message struct {
	Conversation string
	MessageID    string
	Type         string // text, image or richCard
	Text         string // the text, or the image's URL (or imageId), or "rich card"
	Rep          string // BOT or HUMAN
	DisplayName  string
	CreateTime   time.Time
	// AvatarImage is the representative's avatar, as sent.
	AvatarImage string
	// Image is the image as sent; nil for another type (or a Message made
	// with Text alone, whose image is Text's URL).
	Image *Image
	// RichCard is the rich card as sent, compacted.
	RichCard json.RawMessage
	// Fallback and ContainsRichText are the request's, as sent.
	Fallback         string
	ContainsRichText bool
	// Suggestions are the request's suggestions, each compacted.
	Suggestions []json.RawMessage
	// ShownFallback reports that the user was shown the fallback text
	// instead of the content: forceFallback, or a device that cannot show
	// the content (Config.Device). The answer does not say it.
	ShownFallback bool
}

// AppendJSON appends the created Message resource: its name, messageId,
// representative and content as the request sent them (text, image or
// richCard; fallback, containsRichText, suggestions when given), and its
// createTime.
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
	if m.AvatarImage != "" {
		b = append(b, `,"avatarImage":`...)
		b = appendString(b, m.AvatarImage)
	}
	b = append(b, '}')
	switch m.Type {
	case "text":
		b = append(b, `,"text":`...)
		b = appendString(b, m.Text)
	case "image":
		b = append(b, `,"image":`...)
		b = appendImage(b, m.Image, m.Text)
	case "richCard":
		if len(m.RichCard) > 0 {
			b = append(b, `,"richCard":`...)
			b = append(b, m.RichCard...)
		}
	}
	if m.Fallback != "" {
		b = append(b, `,"fallback":`...)
		b = appendString(b, m.Fallback)
	}
	if m.ContainsRichText {
		b = append(b, `,"containsRichText":true`...)
	}
	if len(m.Suggestions) > 0 {
		b = append(b, `,"suggestions":[`...)
		for i, sg := range m.Suggestions {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, sg...)
		}
		b = append(b, ']')
	}
	b = append(b, `,"createTime":`...)
	b = appendTime(b, m.CreateTime) // RFC 3339 needs no escaping
	return append(b, '}')
}

// appendImage appends an image as sent: img, or, when nil, the image of
// the file URL u.
func appendImage(b []byte, img *Image, u string) []byte {
	if img == nil {
		img = &Image{ContentInfo: &ContentInfo{FileURL: u}}
	}
	b = append(b, '{')
	if ci := img.ContentInfo; ci != nil {
		b = append(b, `"contentInfo":{"fileUrl":`...)
		b = appendString(b, ci.FileURL)
		if ci.ThumbnailURL != "" {
			b = append(b, `,"thumbnailUrl":`...)
			b = appendString(b, ci.ThumbnailURL)
		}
		if ci.ForceRefresh {
			b = append(b, `,"forceRefresh":true`...)
		}
		if ci.AltText != "" {
			b = append(b, `,"altText":`...)
			b = appendString(b, ci.AltText)
		}
		b = append(b, '}')
	}
	if img.ImageID != "" {
		if img.ContentInfo != nil {
			b = append(b, ',')
		}
		b = append(b, `"imageId":`...)
		b = appendString(b, img.ImageID)
	}
	return append(b, '}')
}

// compact is raw without insignificant spaces, in a slice of its own; raw
// when it is not valid JSON (which the decoder has refused before).
func compact(raw json.RawMessage) json.RawMessage {
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return raw
	}
	return b.Bytes()
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
// conversation's existence, the messageId, forceFallback without a
// fallback, the 30-day window, a reused messageId, the text's length, the
// image, and what the user's device can show. s.mu is held.
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
	if req.ForceFallback && req.Fallback == "" {
		return nil, errInvalid("Invalid argument: forceFallback is true but the message has no fallback text.")
	}
	if s.cfg.Window > 0 && forget.Old(now.UnixNano(), c.lastUser, int64(s.cfg.Window)) {
		msg := fmt.Sprintf("the user's last message is more than %s old; the agent can no longer message this conversation.", days(s.cfg.Window))
		if s.cfg.WindowStatus == DefaultWindowStatus {
			msg = "Precondition check failed: " + msg
		} else {
			msg = "The " + strings.TrimPrefix(msg, "the ")
		}
		return nil, &Error{HTTPStatus: s.windowHTTP, Status: s.cfg.WindowStatus, Message: msg}
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
	// forceFallback without a fallback was refused above.
	if what := c.device.cannotShow(req); what != "" && req.Fallback == "" {
		return nil, &Error{HTTPStatus: 400, Status: "FAILED_PRECONDITION",
			Message: "Precondition check failed: the user's device does not support " + what + " and the message has no fallback text."}
	}
	return c, nil
}

// Device is what a user's device can show. Google does not publish which
// devices and surfaces show what: its guide says only that a device may not
// support a message (suggested replies are its example), that such a
// message is refused 400 FAILED_PRECONDITION unless it has fallback text,
// and that with one the device shows the fallback text instead. This is
// the fake's model of it: text and images every device shows; rich cards
// (standalone or carousel) and suggestions (replies and actions) a device
// may not. The zero Device shows everything.
type Device struct {
	// NoRichCards: the device cannot show rich cards.
	NoRichCards bool
	// NoSuggestions: the device cannot show suggested replies and actions.
	NoSuggestions bool
}

// cannotShow names what of req's content d cannot show; "" when it shows
// all of it.
func (d Device) cannotShow(req *SendRequest) string {
	switch {
	case d.NoRichCards && len(req.RichCard) > 0:
		return "rich cards"
	case d.NoSuggestions && len(req.Suggestions) > 0:
		return "suggestions"
	}
	return ""
}

// HTTPStatusOf is the HTTP status Google's APIs answer a canonical status
// (a google.rpc.Code name) with; 0 for a name that is not one.
func HTTPStatusOf(status string) int {
	switch status {
	case "OK":
		return 200
	case "INVALID_ARGUMENT", "FAILED_PRECONDITION", "OUT_OF_RANGE":
		return 400
	case "UNAUTHENTICATED":
		return 401
	case "PERMISSION_DENIED":
		return 403
	case "NOT_FOUND":
		return 404
	case "ALREADY_EXISTS", "ABORTED":
		return 409
	case "RESOURCE_EXHAUSTED":
		return 429
	case "CANCELLED":
		return 499
	case "UNKNOWN", "INTERNAL", "DATA_LOSS":
		return 500
	case "UNIMPLEMENTED":
		return 501
	case "UNAVAILABLE":
		return 503
	case "DEADLINE_EXCEEDED":
		return 504
	}
	return 0
}

func days(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		return strconv.Itoa(int(d/(24*time.Hour))) + " days"
	}
	return d.String()
}

// accept judges req, from representative rep, and, when the platform
// takes it, delivers it: its content, or its fallback text when the call
// forces it or the user's device cannot show the content.
func (s *Server) accept(id string, req SendRequest, rep *Representative, now time.Time) (Message, *Error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, e := s.judge(id, &req, now)
	if e != nil {
		return Message{}, e
	}
	c.use(req.MessageID)
	m := Message{Conversation: id, MessageID: req.MessageID, Rep: rep.RepresentativeType,
		DisplayName: rep.DisplayName, AvatarImage: rep.AvatarImage, CreateTime: now,
		Fallback: req.Fallback, ContainsRichText: req.ContainsRichText}
	var kind uint8
	switch {
	case req.Text != "":
		kind, m.Text = kindText, req.Text
	case req.Image != nil:
		kind, m.Image = kindImage, req.Image
		if req.Image.ContentInfo != nil {
			m.Text = req.Image.ContentInfo.FileURL
		} else {
			m.Text = req.Image.ImageID
		}
	default:
		kind, m.Text, m.RichCard = kindRichCard, "rich card", compact(req.RichCard)
	}
	m.Type = kindNames[kind]
	if len(req.Suggestions) > 0 {
		m.Suggestions = make([]json.RawMessage, len(req.Suggestions))
		for i, sg := range req.Suggestions {
			m.Suggestions[i] = compact(sg)
		}
	}
	// The shape checks (checkShapeOf) let only BOT and HUMAN through.
	d := delivRec{at: now, messageID: m.MessageID, text: m.Text, kind: kind, human: m.Rep == "HUMAN"}
	if req.ForceFallback || c.device.cannotShow(&req) != "" {
		// judge let it through with a fallback: the user sees that text.
		m.ShownFallback = true
		d.text, d.kind, d.fallback = req.Fallback, kindText, true
	}
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
