package messenger

import (
	"fmt"
	"strings"
	"time"
)

// SendRequest is a Send API body (POST /{version}/{page-id}/messages), as
// JSON or as form fields whose values are JSON.
type SendRequest struct {
	Recipient     Recipient `json:"recipient"`
	MessagingType string    `json:"messaging_type,omitempty"`
	Tag           string    `json:"tag,omitempty"`
	Message       *Message  `json:"message,omitempty"`
	SenderAction  string    `json:"sender_action,omitempty"`
	// NotificationType is REGULAR, SILENT_PUSH or NO_PUSH; accepted and
	// otherwise ignored.
	NotificationType string `json:"notification_type,omitempty"`
}

// Recipient names whom a message is for: a page-scoped id.
type Recipient struct {
	ID string `json:"id"`
}

// Message is the message of a send: a text or one attachment.
type Message struct {
	Text       string      `json:"text,omitempty"`
	Attachment *Attachment `json:"attachment,omitempty"`
	Metadata   string      `json:"metadata,omitempty"`
}

// Attachment is a sent file: by attachment_id (from the Attachment Upload
// API) or by url.
type Attachment struct {
	Type    string            `json:"type"` // image, audio, video, file (or template)
	Payload AttachmentPayload `json:"payload"`
}

// AttachmentPayload locates an attachment's file.
type AttachmentPayload struct {
	AttachmentID string `json:"attachment_id,omitempty"`
	URL          string `json:"url,omitempty"`
	IsReusable   bool   `json:"is_reusable,omitempty"`
}

// SendResponse is the Send API's answer to an accepted message.
type SendResponse struct {
	RecipientID string `json:"recipient_id"`
	MessageID   string `json:"message_id,omitempty"`
}

// Error is a Graph API error: the body of the error envelope
// {"error":{...}} and the HTTP status it is answered with.
type Error struct {
	Message   string `json:"message"`
	Type      string `json:"type"`
	Code      int    `json:"code"`
	Subcode   int    `json:"error_subcode,omitempty"`
	FBTraceID string `json:"fbtrace_id"`
	// IsTransient is Graph's hint that the same call may succeed later.
	IsTransient bool `json:"is_transient,omitempty"`
	HTTPStatus  int  `json:"-"`
}

// Error formats the code, subcode and message.
func (e *Error) Error() string {
	if e.Subcode != 0 {
		return fmt.Sprintf("messenger: graph error %d/%d: %s", e.Code, e.Subcode, e.Message)
	}
	return fmt.Sprintf("messenger: graph error %d: %s", e.Code, e.Message)
}

// Title is the message without its "(#code) " prefix.
func (e *Error) Title() string {
	if strings.HasPrefix(e.Message, "(#") {
		if i := strings.Index(e.Message, ") "); i > 0 {
			return e.Message[i+2:]
		}
	}
	return e.Message
}

// Referral is where a customer came from: for a Click-to-Messenger ad,
// source ADS with the ad's id.
type Referral struct {
	Ref    string `json:"ref,omitempty"`
	AdID   string `json:"ad_id,omitempty"`
	Source string `json:"source"` // ADS, SHORTLINK, ...
	Type   string `json:"type"`   // OPEN_THREAD
}

// Event is one entry of a webhook's messaging array as the fake made it:
// a customer's message or postback (with a referral when it came from an
// ad), or a delivery receipt. The Direct network hands Events over as
// values instead of bytes.
type Event struct {
	Sender    string    // the customer's PSID (the page for none)
	Timestamp time.Time // when the platform took it
	MID       string    // the message id; "" for a delivery
	// Kind is "message", "postback" or "delivery".
	Kind       string
	Text       string // the text, or a postback's title
	Payload    string // a postback's payload
	Attachment *InboundAttachment
	Referral   *Referral
	// Delivered lists the message ids a delivery receipt reports.
	Delivered []string
}

// InboundAttachment is a file a customer sent.
type InboundAttachment struct {
	Type string // image, audio, video, file
	URL  string
}
