package businessmessages

import (
	"net/http"
	"time"

	"github.com/omnisim/omnisim/fakes/journal"
)

// Journal is a copy of everything the platform saw and did. With
// Config.JournalLimit > 0 each list holds only the newest entries.
type Journal struct {
	Requests   []Request
	Webhooks   []Webhook
	Deliveries []Delivery
	Errors     []ErrorEntry
}

// Request is one API call the platform answered.
type Request struct {
	At     time.Time
	Method string
	Path   string
	Status int    // HTTP status answered
	Code   string // Google's status ("INVALID_ARGUMENT", "invalid_grant"); "" on success
}

// Webhook is one call the platform made to Config.WebhookURL (or, on the
// Direct network, to Config.Direct): each try of a delivery is its own
// entry.
type Webhook struct {
	At           time.Time
	Kind         string    // "verify", "message", "receipts" or "userStatus"
	Conversation string    // the conversationId; "" for verify
	RequestID    string    // the payload's requestId; "" for verify
	MessageID    string    // the user's messageId, for a message
	Made         time.Time // sendTime of a message
	Try          int       // 1-based try number
	URL          string
	Header       http.Header
	Body         []byte // exact bytes sent; nil on the Direct network
	Status       int    // the receiver's HTTP status; 0 when the call failed
	Err          string // transport error, or Verify's complaint
}

// Delivery is one message that reached a user's device.
type Delivery struct {
	At             time.Time
	Conversation   string
	MessageID      string
	Type           string // "text", "image" or "richCard"
	Text           string // the text, or the image's URL
	Representative string // BOT or HUMAN
	// Fallback reports that the user was shown the message's fallback
	// text (Type "text", Text the fallback) instead of its content: the
	// call forced it, or the device cannot show the content (Config.Device).
	Fallback bool
}

// ErrorEntry is one error the platform answered.
type ErrorEntry struct {
	At           time.Time
	Conversation string // "" when the request named none
	Path         string
	Status       int    // HTTP status
	Code         string // Google's status string
	Message      string
}

// Counts are exact totals, independent of Config.JournalLimit.
type Counts struct {
	Requests   int
	Webhooks   int // calls, one per try
	Deliveries int
	Errors     int
}

// webhookRec is a Webhook as the journal keeps it: a payload's try keeps
// the payload (um) rather than the bytes encoded from it, and its
// signature rather than the header map; Journal encodes them again, which
// gives the same bytes, since a payload does not change once made.
type webhookRec struct {
	Webhook
	um  *UserMessage // the payload whose encoding was the body; nil: Body
	sig []string     // X-Goog-Signature of a call; nil: Header
}

// webhook is the journal's entry.
func (r *webhookRec) webhook() Webhook {
	w := r.Webhook
	if r.um != nil {
		w.Body = r.um.AppendJSON(nil)
	}
	if r.sig != nil {
		w.Header = http.Header{"Content-Type": hdrJSON, "X-Goog-Signature": r.sig}
	}
	return w
}

// ring keeps the newest entries of one journal list.
type ring[T any] = journal.Ring[T]

// delivRec is a delivery as a conversation's history keeps it: its type
// as an index and its representative as a flag, without the conversation
// id.
type delivRec struct {
	at        time.Time
	messageID string
	text      string
	kind      uint8 // index in kindNames
	human     bool  // representative HUMAN; false: BOT
	fallback  bool  // the fallback text was shown instead of the content
}

// The types of message the agent sends, indexes in kindNames.
const (
	kindText uint8 = iota
	kindImage
	kindRichCard
)

var kindNames = [...]string{kindText: "text", kindImage: "image", kindRichCard: "richCard"}

// delivEntry is a Deliveries journal entry: the record a conversation
// keeps, with the conversation's id.
type delivEntry struct {
	delivRec
	conversation string
}

// delivery is the Delivery r records of a message to conversation id.
func (r *delivRec) delivery(id string) Delivery {
	d := Delivery{At: r.at, Conversation: id, MessageID: r.messageID, Type: kindNames[r.kind], Text: r.text, Representative: "BOT",
		Fallback: r.fallback}
	if r.human {
		d.Representative = "HUMAN"
	}
	return d
}
