package whatsapp

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
	Reads      []ReadReceipt
}

// Request is one API call the platform answered.
type Request struct {
	At     time.Time
	Method string
	Path   string
	Status int // HTTP status answered
	Code   int // Graph error code; 0 on success
}

// Webhook is one call (one try) the platform made to Config.WebhookURL.
type Webhook struct {
	At     time.Time
	Kind   string // "verify", "messages" or "statuses"
	Status int    // the router's HTTP status; 0 when the call failed
	ID     string // wamid of the message or status; "" for verify
	Err    string // transport error, or Verify's complaint
	// Try numbers the tries of one webhook: 1 for the first, 2 for the
	// first retry, ... (always 1 for verify).
	Try int
	// NextTry is when the webhook is due to be retried after this try
	// failed (a non-2xx answer, a transport error or a timeout); zero when
	// it succeeded or will not be retried.
	NextTry time.Time
	// Body is the exact bytes sent (nil for verify); Server.WebhookHeader
	// gives the headers they were sent with.
	Body []byte
}

// ReadReceipt is one mark-as-read request the platform accepted.
type ReadReceipt struct {
	At   time.Time
	From string // wa_id of the customer who sent the message
	ID   string // the wamid, as given in message_id
}

// Delivery is one message that reached a customer's device.
type Delivery struct {
	At       time.Time
	To       string // wa_id
	ID       string // wamid
	Type     string // text, template, image, audio, video, document, sticker
	Text     string // text body
	Template string // template name
	Caption  string
	MediaID  string // media sent by id
	Link     string // media sent by link
	ReplyTo  string // context.message_id
}

// ErrorEntry is one error the platform returned or reported. At is when the
// platform decided: the call's time, also for Async errors, which enter the
// journal when Flush sends their failed status.
type ErrorEntry struct {
	At         time.Time
	To         string // wa_id, or the raw "to" when it was not a valid number; "" for non-send calls
	Code       int
	HTTPStatus int // HTTP status of the call; 200 for errors reported by a failed status webhook
	Details    string
	Async      bool   // reported by a failed status webhook (Flush)
	ID         string // wamid of the failed message (Async only)
}

// Counts are exact totals, independent of Config.JournalLimit.
type Counts struct {
	Requests   int
	Webhooks   int // every try, retries included
	Deliveries int
	Errors     int
	Retries    int // tries after the first (Webhook.Try > 1)
	Reads      int // accepted mark-as-read requests
}

// ring keeps the newest entries of one journal list.
type ring[T any] = journal.Ring[T]

// delivEntry is a Deliveries journal entry: the compact record a
// customer keeps (delivRec), with the wa_id it went to. Its wamid is
// rebuilt from the record's counter part when the journal is read.
type delivEntry struct {
	delivRec
	to string
}

// deliveryJournal is the Deliveries list of the journal. s.mu must be
// held.
func (s *Server) deliveryJournal() []Delivery {
	return journal.Map(&s.delivs, func(e *delivEntry) Delivery {
		return s.delivery(e.to, &e.delivRec)
	})
}
