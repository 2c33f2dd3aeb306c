package sim

import "time"

// Record is one entry of a platform's journal, in one shape for every
// platform: an API request the fake answered, a webhook it sent (one per
// try), a message delivered to a customer's device, or an error it
// answered or reported.
type Record struct {
	// Seq numbers the platform's records from 1 in journal order. Numbers
	// are never reused and a record keeps its number, so a reader polls
	// with [JournalFilter.Since] set to the last Seq it saw.
	Seq uint64
	// At is the platform's (virtual) time of the record.
	At time.Time
	// Platform is the channel name ("whatsapp").
	Platform string
	// Kind is one of RecordRequest, RecordWebhook, RecordDelivery and
	// RecordError.
	Kind string
	// Customer is the platform's customer id (a wa_id, an openid), when
	// the record concerns one customer and the platform's journal says
	// which.
	Customer string
	// Method and Path are the HTTP method and URL path of a request or a
	// webhook.
	Method, Path string
	// Status is the HTTP status: answered to a request, or the receiver's
	// answer to a webhook (0 when the call failed).
	Status int
	// Code is the platform's error code, as the platform writes it; "" for
	// success.
	Code string
	// Header and Body are the exact headers and body sent, where the
	// platform's journal keeps them (webhooks).
	Header map[string][]string
	Body   string
	// Made is, on a webhook record carrying a message (a customer's; on
	// Douyin also the account's own, echoed as im_send_msg), when the
	// platform made that message, as its payload writes the time
	// (whole seconds on WeChat and WhatsApp, milliseconds on Douyin, LINE
	// and Messenger, nanoseconds on Business Messages), where the
	// platform's journal gives it apart from the body; zero otherwise. A
	// fault plan may deliver the webhook later than that.
	Made time.Time
	// Text says what the record is about in a few words: the text
	// delivered, a webhook's kind and message id, an error's details.
	Text string
}

// The record kinds.
const (
	RecordRequest  = "request"  // an API call the fake answered
	RecordWebhook  = "webhook"  // one try of a webhook the fake sent
	RecordDelivery = "delivery" // a message that reached a customer's device
	RecordError    = "error"    // an error the fake answered or reported
)

// RecordKinds lists the record kinds. The slice is a new copy on every
// call.
func RecordKinds() []string {
	return []string{RecordRequest, RecordWebhook, RecordDelivery, RecordError}
}

// JournalFilter selects records of a platform's journal; its zero value
// selects every record.
type JournalFilter struct {
	// Kind keeps the records of one kind; "" keeps every kind.
	Kind string
	// Customer keeps the records about one customer, by the platform's
	// customer id; "" keeps every record, also those about nobody.
	Customer string
	// Since keeps the records with a Seq greater than it.
	Since uint64
}

// Match reports whether r passes the filter.
func (f JournalFilter) Match(r *Record) bool {
	return r.Seq > f.Since && (f.Kind == "" || r.Kind == f.Kind) && (f.Customer == "" || r.Customer == f.Customer)
}
