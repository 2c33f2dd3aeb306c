package messenger

import (
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"github.com/omnisim/omnisim/jsonscan"
)

// Event is one entry of a webhook's messaging array, normalized: what
// [Adapter.Receive] takes.
type Event struct {
	Page      string // the page (entry id)
	Sender    string // the customer's PSID
	Timestamp int64  // milliseconds
	// Kind is message, postback, referral, delivery or read; "" for what
	// the adapter does not use (echoes, reactions, ...).
	Kind           string
	MID            string
	Text           string // the text, or a postback's title
	Payload        string // a postback's payload
	AttachmentType string // image, audio, video, file, ...
	AttachmentURL  string
	Referral       *Referral
	Delivered      []string // a delivery receipt's message ids
}

// Referral is where the customer came from.
type Referral struct {
	Ref    string `json:"ref"`
	AdID   string `json:"ad_id"`
	Source string `json:"source"`
	Type   string `json:"type"`
}

type wirePayload struct {
	Object string      `json:"object"`
	Entry  []wireEntry `json:"entry"`
}

type wireEntry struct {
	ID        string          `json:"id"`
	Time      int64           `json:"time"`
	Messaging []wireMessaging `json:"messaging"`
}

type wireID struct {
	ID string `json:"id"`
}

type wireMessaging struct {
	Sender    wireID        `json:"sender"`
	Recipient wireID        `json:"recipient"`
	Timestamp int64         `json:"timestamp"`
	Message   *wireMessage  `json:"message"`
	Postback  *wirePostback `json:"postback"`
	Referral  *Referral     `json:"referral"`
	Delivery  *wireDelivery `json:"delivery"`
	Read      *wireRead     `json:"read"`
}

type wireMessage struct {
	MID         string           `json:"mid"`
	Text        string           `json:"text"`
	IsEcho      bool             `json:"is_echo"`
	Attachments []wireAttachment `json:"attachments"`
	QuickReply  *wireQuickReply  `json:"quick_reply"`
}

type wireAttachment struct {
	Type    string         `json:"type"`
	Payload wirePayloadURL `json:"payload"`
}

type wirePayloadURL struct {
	URL string `json:"url"`
}

type wireQuickReply struct {
	Payload string `json:"payload"`
}

type wirePostback struct {
	Title   string `json:"title"`
	Payload string `json:"payload"`
	MID     string `json:"mid"`
}

type wireDelivery struct {
	MIDs      []string `json:"mids"`
	Watermark int64    `json:"watermark"`
}

type wireRead struct {
	Watermark int64 `json:"watermark"`
}

// maxEvents bounds the events one webhook may carry.
const maxEvents = 1000

// ParseWebhook reads a Messenger webhook body ({"object":"page","entry":
// [{"id","time","messaging":[...]}]}) into its events, in order. A body
// that is not such a notification is an error.
func ParseWebhook(body []byte) ([]Event, error) { return parseWebhook(body, webhookWords, nil) }

// webhookWords are the values every webhook repeats.
var webhookWords = []string{"page", "message", "ADS", "OPEN_THREAD", "image", "audio", "video", "file"}

// parseWebhook is ParseWebhook with the strings to intern (the adapter
// adds its page id). The first entry, event and message are decoded into
// blk, a zero webhookBlock, when it is not nil: the events returned then
// live in blk.
func parseWebhook(body []byte, intern []string, blk *webhookBlock) ([]Event, error) {
	p, err := decodeWebhook(body, intern, blk)
	if err != nil {
		return nil, err
	}
	if p.Object != "page" {
		return nil, fmt.Errorf("object %q is not \"page\"", p.Object)
	}
	var out []Event
	if blk != nil {
		out = blk.events[:0]
	}
	for _, e := range p.Entry {
		if e.ID == "" {
			return nil, errors.New("an entry has no id")
		}
		for i := range e.Messaging {
			m := &e.Messaging[i]
			if len(out) == maxEvents {
				return nil, errors.New("too many events")
			}
			ev := Event{Page: e.ID, Sender: m.Sender.ID, Timestamp: m.Timestamp, Referral: m.Referral}
			switch {
			case m.Message != nil:
				if m.Message.IsEcho {
					break // the page's own message
				}
				ev.Kind, ev.MID, ev.Text = "message", m.Message.MID, m.Message.Text
				if len(m.Message.Attachments) > 0 {
					a := m.Message.Attachments[0]
					ev.AttachmentType, ev.AttachmentURL = a.Type, a.Payload.URL
				}
			case m.Postback != nil:
				ev.Kind, ev.MID, ev.Text, ev.Payload = "postback", m.Postback.MID, m.Postback.Title, m.Postback.Payload
			case m.Delivery != nil:
				ev.Kind, ev.Delivered = "delivery", m.Delivery.MIDs
			case m.Read != nil:
				ev.Kind = "read"
			case m.Referral != nil:
				ev.Kind = "referral"
			}
			out = append(out, ev)
		}
	}
	return out, nil
}

// decodeWebhook decodes a body as encoding/json would into wirePayload:
// by the one-pass scanner, or by encoding/json where the scanner gives up.
func decodeWebhook(body []byte, intern []string, blk *webhookBlock) (wirePayload, error) {
	if p, ok := decodeWebhookFast(body, intern, blk); ok {
		return p, nil
	}
	return decodeWebhookStd(body)
}

func decodeWebhookStd(body []byte) (wirePayload, error) {
	var p wirePayload
	if err := json.Unmarshal(body, &p); err != nil {
		return p, fmt.Errorf("not JSON: %w", err)
	}
	return p, nil
}

var (
	keysPayload   = []string{"object", "entry"}
	keysEntry     = []string{"id", "time", "messaging"}
	keysID        = []string{"id"}
	keysMessaging = []string{"sender", "recipient", "timestamp", "message", "postback", "referral", "delivery", "read"}
	keysMessage   = []string{"mid", "text", "is_echo", "attachments", "quick_reply"}
	keysAttach    = []string{"type", "payload"}
	keysURL       = []string{"url"}
	keysPayloadQR = []string{"payload"}
	keysPostback  = []string{"title", "payload", "mid"}
	keysReferral  = []string{"ref", "ad_id", "source", "type"}
	keysDelivery  = []string{"mids", "watermark"}
	keysRead      = []string{"watermark"}
)

// scanner is the package's one-pass JSON reader: the fast decoders are its
// methods.
type scanner struct {
	jsonscan.Scanner
	intern []string // the strings str returns without a copy
	// strs makes the other strings str returns (ids, texts), which live
	// about as long as their conversation.
	strs jsonscan.Arena
	// blk, when not nil, holds what is decoded first: its entry, event
	// and message, each given out once (used says which).
	blk  *webhookBlock
	used uint8
}

// webhookBlock holds a webhook's first entry, its first event and that
// event's message, and the first event parsed from them, so that a
// notification of one message costs no allocation for them. A block is
// recycled zeroed: nothing decoded into it is kept past the webhook.
type webhookBlock struct {
	entries   [1]wireEntry
	messaging [1]wireMessaging
	message   wireMessage
	events    [1]Event
}

// What a scanner's block has given out.
const (
	usedEntries = 1 << iota
	usedMessaging
	usedMessage
)

// take reports whether the part of the block that bit names is still to be
// given out, and marks it given.
func (d *scanner) take(bit uint8) bool {
	if d.blk == nil || d.used&bit != 0 {
		return false
	}
	d.used |= bit
	return true
}

// scanners keeps scanners with their unquoting buffers.
var scanners = sync.Pool{New: func() any { return new(scanner) }}

func getScanner(b []byte, intern []string) *scanner {
	d := scanners.Get().(*scanner)
	d.Reset(b)
	d.intern = intern
	return d
}

func (d *scanner) release() {
	d.Clear()
	d.intern = nil
	d.blk, d.used = nil, 0
	scanners.Put(d)
}

// str decodes a string value: one of intern without a copy, any other
// made in the scanner's arena.
func (d *scanner) str() string { return d.StrInArena(d.intern, &d.strs) }

// oneStr decodes an object whose one declared member is the string name
// (names lists every key the destination declares, for Unknown): its value
// as str gives it, "" when the object has none.
func (d *scanner) oneStr(name string, names []string) string {
	return d.OneStrArena(name, names, d.intern, &d.strs)
}

// decodeWebhookFast decodes body without reflection; ok is false where
// encoding/json must decide (also for a body that is not JSON).
func decodeWebhookFast(body []byte, intern []string, blk *webhookBlock) (p wirePayload, ok bool) {
	d := getScanner(body, intern)
	defer d.release()
	d.blk = blk
	if !d.Open('{') {
		return p, false
	}
	var mask uint32
	for n := 0; ; n++ {
		key, more := d.Member(n)
		if !more {
			break
		}
		switch string(key) {
		case "object":
			if d.Seen(&mask, 1) {
				p.Object = d.str()
			}
		case "entry":
			if d.Seen(&mask, 2) && d.Open('[') {
				p.Entry = []wireEntry{}
				if d.take(usedEntries) {
					p.Entry = d.blk.entries[:0]
				}
				for i := 0; d.Element(i); i++ {
					p.Entry = append(p.Entry, d.entry())
				}
			}
		default:
			d.Unknown(key, keysPayload...)
		}
	}
	return p, d.End()
}

func (d *scanner) entry() (e wireEntry) {
	if !d.Open('{') {
		return e
	}
	var mask uint32
	for n := 0; ; n++ {
		key, more := d.Member(n)
		if !more {
			return e
		}
		switch string(key) {
		case "id":
			if d.Seen(&mask, 1) {
				e.ID = d.str()
			}
		case "time":
			if d.Seen(&mask, 2) {
				e.Time = d.Int64()
			}
		case "messaging":
			if d.Seen(&mask, 4) && d.Open('[') {
				e.Messaging = []wireMessaging{}
				if d.take(usedMessaging) {
					e.Messaging = d.blk.messaging[:0]
				}
				for i := 0; d.Element(i); i++ {
					e.Messaging = append(e.Messaging, d.messaging())
				}
			}
		default:
			d.Unknown(key, keysEntry...)
		}
	}
}

func (d *scanner) messaging() (m wireMessaging) {
	if !d.Open('{') {
		return m
	}
	var mask uint32
	for n := 0; ; n++ {
		key, more := d.Member(n)
		if !more {
			return m
		}
		switch string(key) {
		case "sender":
			if d.Seen(&mask, 1) {
				m.Sender.ID = d.oneStr("id", keysID)
			}
		case "recipient":
			if d.Seen(&mask, 2) {
				m.Recipient.ID = d.oneStr("id", keysID)
			}
		case "timestamp":
			if d.Seen(&mask, 4) {
				m.Timestamp = d.Int64()
			}
		case "message":
			if d.Seen(&mask, 8) {
				m.Message = d.message()
			}
		case "postback":
			if d.Seen(&mask, 16) {
				m.Postback = d.postback()
			}
		case "referral":
			if d.Seen(&mask, 32) {
				m.Referral = d.referral()
			}
		case "delivery":
			if d.Seen(&mask, 64) {
				m.Delivery = d.delivery()
			}
		case "read":
			if d.Seen(&mask, 128) {
				m.Read = d.read()
			}
		default:
			d.Unknown(key, keysMessaging...)
		}
	}
}

func (d *scanner) message() *wireMessage {
	var m *wireMessage
	if d.take(usedMessage) {
		m = &d.blk.message
	} else {
		m = &wireMessage{}
	}
	if !d.Open('{') {
		return m
	}
	var mask uint32
	for n := 0; ; n++ {
		key, more := d.Member(n)
		if !more {
			return m
		}
		switch string(key) {
		case "mid":
			if d.Seen(&mask, 1) {
				m.MID = d.str()
			}
		case "text":
			if d.Seen(&mask, 2) {
				m.Text = d.str()
			}
		case "is_echo":
			if d.Seen(&mask, 4) {
				m.IsEcho = d.Bool()
			}
		case "attachments":
			if d.Seen(&mask, 8) && d.Open('[') {
				m.Attachments = []wireAttachment{}
				for i := 0; d.Element(i); i++ {
					m.Attachments = append(m.Attachments, d.attachment())
				}
			}
		case "quick_reply":
			if d.Seen(&mask, 16) {
				m.QuickReply = &wireQuickReply{}
				m.QuickReply.Payload = d.oneStr("payload", keysPayloadQR)
			}
		default:
			d.Unknown(key, keysMessage...)
		}
	}
}

func (d *scanner) attachment() (a wireAttachment) {
	if !d.Open('{') {
		return a
	}
	var mask uint32
	for n := 0; ; n++ {
		key, more := d.Member(n)
		if !more {
			return a
		}
		switch string(key) {
		case "type":
			if d.Seen(&mask, 1) {
				a.Type = d.str()
			}
		case "payload":
			if d.Seen(&mask, 2) {
				a.Payload.URL = d.oneStr("url", keysURL)
			}
		default:
			d.Unknown(key, keysAttach...)
		}
	}
}

func (d *scanner) postback() *wirePostback {
	pb := &wirePostback{}
	if !d.Open('{') {
		return pb
	}
	var mask uint32
	for n := 0; ; n++ {
		key, more := d.Member(n)
		if !more {
			return pb
		}
		switch string(key) {
		case "title":
			if d.Seen(&mask, 1) {
				pb.Title = d.str()
			}
		case "payload":
			if d.Seen(&mask, 2) {
				pb.Payload = d.str()
			}
		case "mid":
			if d.Seen(&mask, 4) {
				pb.MID = d.str()
			}
		default:
			d.Unknown(key, keysPostback...)
		}
	}
}

func (d *scanner) referral() *Referral {
	r := &Referral{}
	if !d.Open('{') {
		return r
	}
	var mask uint32
	for n := 0; ; n++ {
		key, more := d.Member(n)
		if !more {
			return r
		}
		switch string(key) {
		case "ref":
			if d.Seen(&mask, 1) {
				r.Ref = d.str()
			}
		case "ad_id":
			if d.Seen(&mask, 2) {
				r.AdID = d.str()
			}
		case "source":
			if d.Seen(&mask, 4) {
				r.Source = d.str()
			}
		case "type":
			if d.Seen(&mask, 8) {
				r.Type = d.str()
			}
		default:
			d.Unknown(key, keysReferral...)
		}
	}
}

func (d *scanner) delivery() *wireDelivery {
	dl := &wireDelivery{}
	if !d.Open('{') {
		return dl
	}
	var mask uint32
	for n := 0; ; n++ {
		key, more := d.Member(n)
		if !more {
			return dl
		}
		switch string(key) {
		case "mids":
			if d.Seen(&mask, 1) && d.Open('[') {
				dl.MIDs = []string{}
				for i := 0; d.Element(i); i++ {
					dl.MIDs = append(dl.MIDs, d.str())
				}
			}
		case "watermark":
			if d.Seen(&mask, 2) {
				dl.Watermark = d.Int64()
			}
		default:
			d.Unknown(key, keysDelivery...)
		}
	}
}

func (d *scanner) read() *wireRead {
	r := &wireRead{}
	if !d.Open('{') {
		return r
	}
	var mask uint32
	for n := 0; ; n++ {
		key, more := d.Member(n)
		if !more {
			return r
		}
		if string(key) == "watermark" {
			if d.Seen(&mask, 1) {
				r.Watermark = d.Int64()
			}
			continue
		}
		d.Unknown(key, keysRead...)
	}
}
