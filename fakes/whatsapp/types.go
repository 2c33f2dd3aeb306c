package whatsapp

import "strconv"

// SendRequest is the JSON body of POST /{version}/{phone-number-id}/messages.
// Field names are Meta's. Only the message types the fake models are listed.
// A body with a status field is not a send but a mark-as-read request
// ({"messaging_product":"whatsapp","status":"read","message_id":"wamid..."});
// it answers [SuccessResponse].
type SendRequest struct {
	MessagingProduct string `json:"messaging_product"`
	RecipientType    string `json:"recipient_type,omitempty"`
	To               string `json:"to"`
	Status           string `json:"status,omitempty"`     // "read": mark MessageID as read
	MessageID        string `json:"message_id,omitempty"` // the customer's wamid to mark as read
	// TypingIndicator may accompany a mark-as-read; its type must be "text".
	TypingIndicator *TypingIndicator `json:"typing_indicator,omitempty"`
	Type            string           `json:"type,omitempty"`
	Context         *Context         `json:"context,omitempty"`
	Text            *Text            `json:"text,omitempty"`
	Template        *Template        `json:"template,omitempty"`
	Image           *Media           `json:"image,omitempty"`
	Audio           *Media           `json:"audio,omitempty"`
	Video           *Media           `json:"video,omitempty"`
	Document        *Media           `json:"document,omitempty"`
	Sticker         *Media           `json:"sticker,omitempty"`
}

// TypingIndicator is the typing_indicator object of a mark-as-read request.
type TypingIndicator struct {
	Type string `json:"type"`
}

// SuccessResponse is the 200 answer of a mark-as-read request:
// {"success":true}.
type SuccessResponse struct {
	Success bool `json:"success"`
}

// MediaURLResponse is the 200 answer of GET /{version}/{media-id}. URL is
// where the file can be downloaded with the same bearer token. FileSize is
// a JSON number.
type MediaURLResponse struct {
	MessagingProduct string `json:"messaging_product"`
	URL              string `json:"url"`
	MimeType         string `json:"mime_type"`
	SHA256           string `json:"sha256"`
	FileSize         int64  `json:"file_size"`
	ID               string `json:"id"`
}

// Context marks a send as a reply to an earlier message.
type Context struct {
	MessageID string `json:"message_id"`
}

// Text is a text message body (outbound "text" object and inbound
// messages[].text).
type Text struct {
	PreviewURL bool   `json:"preview_url,omitempty"`
	Body       string `json:"body"`
}

// Template is the "template" object of a template send.
type Template struct {
	Name       string              `json:"name"`
	Language   TemplateLanguage    `json:"language"`
	Components []TemplateComponent `json:"components,omitempty"`
}

// TemplateLanguage selects the template translation.
type TemplateLanguage struct {
	Code   string `json:"code"`
	Policy string `json:"policy,omitempty"`
}

// TemplateComponent fills one component (header, body, button) of a template.
type TemplateComponent struct {
	Type       string              `json:"type"`
	SubType    string              `json:"sub_type,omitempty"`
	Index      string              `json:"index,omitempty"`
	Parameters []TemplateParameter `json:"parameters,omitempty"`
}

// TemplateParameter is one template parameter; the fake reads only text ones.
type TemplateParameter struct {
	Type string `json:"type"`
	Text string `json:"text,omitempty"`
}

// SetMedia sets r's media object of kind ("image", "audio", "video",
// "document" or "sticker") to md; any other kind sets nothing.
func (r *SendRequest) SetMedia(kind string, md *Media) {
	switch kind {
	case "image":
		r.Image = md
	case "audio":
		r.Audio = md
	case "video":
		r.Video = md
	case "document":
		r.Document = md
	case "sticker":
		r.Sticker = md
	}
}

// Media is the outbound image/audio/video/document/sticker object: exactly
// one of ID (an uploaded media id) and Link.
type Media struct {
	ID       string `json:"id,omitempty"`
	Link     string `json:"link,omitempty"`
	Caption  string `json:"caption,omitempty"`
	Filename string `json:"filename,omitempty"`
}

// SendResponse is the 200 answer of the send endpoint.
type SendResponse struct {
	MessagingProduct string            `json:"messaging_product"`
	Contacts         []ResponseContact `json:"contacts"`
	Messages         []ResponseMessage `json:"messages"`
}

// ResponseContact echoes the recipient: the input as sent and its wa_id
// (digits only).
type ResponseContact struct {
	Input string `json:"input"`
	WaID  string `json:"wa_id"`
}

// ResponseMessage carries the wamid of an accepted send.
type ResponseMessage struct {
	ID string `json:"id"`
}

// MediaResponse is the 200 answer of the media upload endpoint.
type MediaResponse struct {
	ID string `json:"id"`
}

// ErrorEnvelope is the body of every non-2xx answer: {"error":{...}}.
type ErrorEnvelope struct {
	Error *Error `json:"error"`
}

// Error is the Graph API error object. Message is always
// "(#<code>) <title>"; Meta advises branching on Code and ErrorData.Details.
// HTTPStatus is the HTTP status the error is answered with; it is 200 for a
// window error in [Async] mode (the send is accepted and fails later by
// webhook).
type Error struct {
	Message      string     `json:"message"`
	Type         string     `json:"type"`
	Code         int        `json:"code"`
	ErrorData    *ErrorData `json:"error_data,omitempty"`
	ErrorSubcode int        `json:"error_subcode,omitempty"`
	FBTraceID    string     `json:"fbtrace_id,omitempty"`
	HTTPStatus   int        `json:"-"`
}

// ErrorData holds the WhatsApp-specific error details.
type ErrorData struct {
	MessagingProduct string `json:"messaging_product"`
	Details          string `json:"details"`
}

// Error implements error.
func (e *Error) Error() string {
	if e == nil {
		return "<nil>"
	}
	s := "whatsapp: " + e.Message
	if d := e.Details(); d != "" {
		s += ": " + d
	}
	if e.HTTPStatus != 0 {
		s += " (HTTP " + strconv.Itoa(e.HTTPStatus) + ")"
	}
	return s
}

// Details returns error_data.details, or "".
func (e *Error) Details() string {
	if e == nil || e.ErrorData == nil {
		return ""
	}
	return e.ErrorData.Details
}

// Title returns the error's title: Message without the "(#<code>) " prefix.
func (e *Error) Title() string {
	p := "(#" + strconv.Itoa(e.Code) + ") "
	if len(e.Message) >= len(p) && e.Message[:len(p)] == p {
		return e.Message[len(p):]
	}
	return e.Message
}

// WebhookPayload is the envelope of every POST webhook (messages and
// statuses).
type WebhookPayload struct {
	Object string         `json:"object"`
	Entry  []WebhookEntry `json:"entry"`
}

// WebhookEntry is one entry; ID is the WhatsApp Business Account id.
type WebhookEntry struct {
	ID      string          `json:"id"`
	Changes []WebhookChange `json:"changes"`
}

// WebhookChange is one change; Field is "messages".
type WebhookChange struct {
	Value WebhookValue `json:"value"`
	Field string       `json:"field"`
}

// WebhookValue carries either inbound messages (with contacts) or statuses.
type WebhookValue struct {
	MessagingProduct string           `json:"messaging_product"`
	Metadata         Metadata         `json:"metadata"`
	Contacts         []Contact        `json:"contacts,omitempty"`
	Messages         []InboundMessage `json:"messages,omitempty"`
	Statuses         []Status         `json:"statuses,omitempty"`
	Errors           []StatusError    `json:"errors,omitempty"`
}

// Metadata identifies the business phone number a webhook is for.
type Metadata struct {
	DisplayPhoneNumber string `json:"display_phone_number"`
	PhoneNumberID      string `json:"phone_number_id"`
}

// Contact is the sender of an inbound message.
type Contact struct {
	Profile Profile `json:"profile"`
	WaID    string  `json:"wa_id"`
}

// Profile is a customer's WhatsApp profile.
type Profile struct {
	Name string `json:"name"`
}

// InboundMessage is one messages[] entry of an inbound webhook. Timestamp is
// a string of Unix seconds.
type InboundMessage struct {
	// Context, on a reply, names the business message replied to (quick
	// reply buttons and interactive replies always carry it).
	Context   *MessageContext `json:"context,omitempty"`
	From      string          `json:"from"`
	ID        string          `json:"id"`
	Timestamp string          `json:"timestamp"`
	Type      string          `json:"type"`
	Text      *Text           `json:"text,omitempty"`
	Image     *InboundMedia   `json:"image,omitempty"`
	Audio     *InboundMedia   `json:"audio,omitempty"`
	Video     *InboundMedia   `json:"video,omitempty"`
	Document  *InboundMedia   `json:"document,omitempty"`
	Sticker   *InboundMedia   `json:"sticker,omitempty"`
	// Button is a template's quick-reply button the customer tapped.
	Button *InboundButton `json:"button,omitempty"`
	// Interactive is the customer's answer to an interactive message: a
	// reply button or a list row.
	Interactive *InboundInteractive `json:"interactive,omitempty"`
	// Reaction is an emoji reaction to a business message.
	Reaction *Reaction `json:"reaction,omitempty"`
}

// SetMedia sets m's media object of kind ("image", "audio", "video",
// "document" or "sticker") to im; any other kind sets nothing.
func (m *InboundMessage) SetMedia(kind string, im *InboundMedia) {
	switch kind {
	case "image":
		m.Image = im
	case "audio":
		m.Audio = im
	case "video":
		m.Video = im
	case "document":
		m.Document = im
	case "sticker":
		m.Sticker = im
	}
}

// InboundMedia describes media a customer sent.
type InboundMedia struct {
	Caption  string `json:"caption,omitempty"`
	Filename string `json:"filename,omitempty"`
	MimeType string `json:"mime_type"`
	SHA256   string `json:"sha256"`
	ID       string `json:"id"`
	Voice    bool   `json:"voice,omitempty"`
	Animated bool   `json:"animated,omitempty"`
}

// Status is one statuses[] entry: sent, delivered, read or failed.
type Status struct {
	ID           string        `json:"id"`
	Status       string        `json:"status"`
	Timestamp    string        `json:"timestamp"`
	RecipientID  string        `json:"recipient_id"`
	Conversation *Conversation `json:"conversation,omitempty"`
	Pricing      *Pricing      `json:"pricing,omitempty"`
	Errors       []StatusError `json:"errors,omitempty"`
}

// Conversation is the billing conversation a status belongs to.
// ExpirationTimestamp (Unix seconds) is only sent with "sent" statuses.
type Conversation struct {
	ID                  string             `json:"id"`
	ExpirationTimestamp string             `json:"expiration_timestamp,omitempty"`
	Origin              ConversationOrigin `json:"origin"`
}

// ConversationOrigin is the conversation category.
type ConversationOrigin struct {
	Type string `json:"type"`
}

// Pricing is the pricing information of a status.
type Pricing struct {
	Billable     bool   `json:"billable"`
	PricingModel string `json:"pricing_model"`
	Category     string `json:"category"`
}

// StatusError is one errors[] entry of a failed status (or of
// value.errors[]).
type StatusError struct {
	Code      int             `json:"code"`
	Title     string          `json:"title"`
	Message   string          `json:"message"`
	ErrorData StatusErrorData `json:"error_data"`
	Href      string          `json:"href"`
}

// StatusErrorData holds a webhook error's details.
type StatusErrorData struct {
	Details string `json:"details"`
}

// MessageContext is the context of an inbound reply: the business number
// (From, its display number) and the wamid of the message replied to.
type MessageContext struct {
	From string `json:"from"`
	ID   string `json:"id"`
}

// InboundButton is a tapped quick-reply button of a template: its label
// and the payload the template defined for it.
type InboundButton struct {
	Text    string `json:"text"`
	Payload string `json:"payload"`
}

// InboundInteractive is the answer to an interactive message. Type is
// "button_reply" or "list_reply"; the object of that name is set.
type InboundInteractive struct {
	Type        string     `json:"type"`
	ButtonReply *ReplyItem `json:"button_reply,omitempty"`
	ListReply   *ReplyItem `json:"list_reply,omitempty"`
}

// ReplyItem is a chosen reply button or list row: the id the business
// gave it, its title and (list rows only) its description.
type ReplyItem struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
}

// Reaction is an emoji reaction to the message MessageID. A removed
// reaction has no emoji.
type Reaction struct {
	MessageID string `json:"message_id"`
	Emoji     string `json:"emoji,omitempty"`
}

// TemplateSpec is an approved template of the registry: its name, the
// languages it was approved in (empty: any) and how many parameters it
// takes, counted over all its components (a negative Params: any number).
type TemplateSpec struct {
	Name      string
	Languages []string
	Params    int
}

// BusinessProfile is the business profile of the phone number, as
// POST /{version}/{phone-number-id}/whatsapp_business_profile sets it and
// GET returns it (data[0]). Vertical is an industry code ([Verticals]).
type BusinessProfile struct {
	About                string   `json:"about,omitempty"`
	Address              string   `json:"address,omitempty"`
	Description          string   `json:"description,omitempty"`
	Email                string   `json:"email,omitempty"`
	ProfilePictureHandle string   `json:"profile_picture_handle,omitempty"`
	Vertical             string   `json:"vertical,omitempty"`
	Websites             []string `json:"websites,omitempty"`
}
