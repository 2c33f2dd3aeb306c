package line

import (
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
	At        time.Time
	Method    string
	Path      string
	Status    int    // HTTP status answered
	RequestID string // the X-Line-Request-Id answered
	RetryKey  string // the X-Line-Retry-Key sent, if any
}

// Webhook is one try of one webhook the platform sent to Config.WebhookURL.
type Webhook struct {
	At time.Time
	// Kind is "verify" (the console's Verify button: no events),
	// "message", "follow" or "unfollow" (the first event's type).
	Kind   string
	UserID string // the user of the first event; "" for verify
	// EventID is the webhookEventId of the first event, which redeliveries
	// keep.
	EventID string
	// MessageID is the message id of the first event's message; "" for
	// other events.
	MessageID string
	// Try numbers the tries: 1 for the delivery, 2 for the first
	// redelivery, ...
	Try    int
	URL    string
	Header map[string][]string // the headers sent (nil on the Direct path)
	Body   []byte              // the exact bytes sent (nil on the Direct path)
	Status int                 // the router's HTTP status; 0 when the call failed
	Err    string              // transport error or timeout
	// NextTry is when a failed try is redelivered; zero when it succeeded
	// or will not be redelivered.
	NextTry time.Time
}

// Delivery is one message object that reached a user's device.
type Delivery struct {
	At        time.Time
	To        string // the user id
	ID        string // the message id answered in sentMessages
	Type      string // text, image, video, audio, sticker, location, flex, template, imagemap
	Text      string // the text; altText of flex and template messages
	URL       string // originalContentUrl of media
	Via       string // "reply" or "push"
	RequestID string // X-Line-Request-Id of the call that sent it
}

// ErrorEntry is one error the platform answered, or a push it accepted but
// could not deliver (Status 200: the user has blocked the account).
type ErrorEntry struct {
	At      time.Time
	To      string // the user of a push or reply, when known
	Path    string
	Status  int
	Message string
	Details []Detail
}

// Counts are exact totals, independent of Config.JournalLimit.
type Counts struct {
	Requests   int
	Webhooks   int // every try, redeliveries included
	Deliveries int
	Errors     int
}

// ring keeps the newest entries of one journal list.
type ring[T any] = journal.Ring[T]

// webhookRec is a Webhook journal entry. A webhook posted to the URL keeps
// the events its body was encoded from rather than the bytes: Journal
// encodes them again, and the same events, destination and secret give
// the same body and signature.
type webhookRec struct {
	Webhook
	events []Event // the events posted, when posted
	posted bool    // Header and Body are those of events
}

// delivRec is a delivery as the platform keeps it for a user's history:
// without the user id, which the history's owner knows, and with the
// call it came by as a flag.
type delivRec struct {
	at                      time.Time
	id, typ, text, url, rid string
	push                    bool // by push; false: by reply
}

// delivEntry is a Deliveries journal entry: a delivery record with the
// user id it went to.
type delivEntry struct {
	delivRec
	to string
}

// delivery is the Delivery r records of a message to user to.
func (r *delivRec) delivery(to string) Delivery {
	d := Delivery{At: r.at, To: to, ID: r.id, Type: r.typ, Text: r.text, URL: r.url, Via: "reply", RequestID: r.rid}
	if r.push {
		d.Via = "push"
	}
	return d
}

// journalDelivery is the Delivery of journal entry e.
func journalDelivery(e *delivEntry) Delivery { return e.delivery(e.to) }
