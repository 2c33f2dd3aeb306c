package wechat

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
	Status int // HTTP status answered (200 for every errcode; an unknown path's is Config.UnknownPathStatus)
	Code   int // errcode; 0 on success
}

// Webhook is one HTTP call the platform made to Config.WebhookURL: each try
// of a delivery is its own entry.
type Webhook struct {
	At     time.Time
	Kind   string // "verify", "message" or "event"
	OpenID string // the customer; "" for verify
	MsgID  string // MsgId of a message; "" for events and verify
	Event  string // event name for events
	Try    int    // 1-based try number
	URL    string // the full URL with its query
	Header http.Header
	Body   []byte // exact bytes sent (nil for verify)
	Status int    // the router's HTTP status; 0 when the call failed
	Reply  []byte // the router's answer body (at most 1 MiB)
	Err    string // transport error or timeout, or Verify's complaint
}

// Delivery is one message that reached a customer's device, by the
// customer-service send API or as a passive reply.
type Delivery struct {
	At           time.Time
	To           string // openid
	Type         string // text, image, voice, video
	Text         string // text content
	MediaID      string
	ThumbMediaID string // video
	Title        string // video
	Description  string // video
	Passive      bool   // a passive reply in the router's webhook answer
}

// ErrorEntry is one error the platform answered or, for passive replies,
// decided. Code is the errcode; refused passive replies carry a send-rule
// errcode or a WXBizMsgCrypt SDK code (CodeSDK*).
type ErrorEntry struct {
	At      time.Time
	To      string // openid of a send or passive reply; "" otherwise
	Path    string // API path; "" for passive replies
	Code    int
	Message string // errmsg without the rid suffix
	Passive bool   // a refused passive reply
}

// Counts are exact totals, independent of Config.JournalLimit.
type Counts struct {
	Requests   int
	Webhooks   int // HTTP calls, one per try
	Deliveries int
	Errors     int
}

// ring keeps the newest entries of one journal list.
type ring[T any] = journal.Ring[T]
