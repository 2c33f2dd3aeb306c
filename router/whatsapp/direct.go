package whatsapp

import (
	"time"

	"github.com/omnisim/omnisim/router"
)

// Graph is the Graph API called with values instead of HTTP: what an
// Adapter sends through when [Config.Graph] is set, for a simulator that
// plays a world without bytes. Its calls take what the adapter would
// encode and answer what it would decode: a refusal is a
// *[router.PlatformError] formed as from the wire's Graph error (Code the
// error's code, HTTPStatus the answer's status, Message its
// error_data.details, else its message).
type Graph interface {
	// Message posts a send to the messages endpoint and returns the
	// wamid. It does not keep req, or what req points to, once it has
	// returned: the adapter reuses them. It must not send through the
	// adapter: the adapter makes one call at a time.
	Message(req *Request) (id string, err error)
	// Upload posts a file of size zero bytes, of MIME type mimeType, named
	// filename, to the media endpoint and returns the media id.
	Upload(mimeType, filename string, size int64) (id string, err error)
}

// TextGraph is a [Graph] that also takes a text send by its values, the
// usual send: the adapter calls Text for it instead of building the
// request Message would take. The same promises hold: one call at a
// time, none that sends through the adapter.
type TextGraph interface {
	Graph
	// Text posts a text send to the messages endpoint, as Message does
	// the request the adapter builds for one (messaging_product
	// "whatsapp", recipient_type "individual", the recipient to, type
	// "text" and a text object of body body with preview_url false), and
	// returns the wamid.
	Text(to, body string) (id string, err error)
}

// Request is the body of a send to the messages endpoint, as the adapter
// builds it before encoding: Meta's field names, the message types the
// adapter sends.
type Request = sendRequest

// Message is a customer message as a "messages" webhook carries it, for
// [Adapter.ReceiveMessage]: the sender's wa_id and profile name, the
// wamid, the type and its content (Text for text, Caption, MIMEType and
// Filename for media; for a "button" Text and Payload are the button's
// text and payload; for an "interactive" Interactive is button_reply or
// list_reply and Text and Payload the item's title and id; for a
// "reaction" ReactionTo and Emoji are its message_id and emoji), and
// Context, the id of the business message it replies to ("" when none).
type Message struct {
	From, Name, ID, Type string
	Text                 string
	Caption              string
	MIMEType, Filename   string
	Payload              string
	Interactive          string
	ReactionTo, Emoji    string
	Context              string
}

// ReceiveMessage takes a customer message as the webhook endpoint takes
// one that passed its signature check: dropped when its wamid was seen
// within the dedupe window, otherwise normalized and handed to the
// Receiver.
func (a *Adapter) ReceiveMessage(m *Message) {
	now, ok := a.admit(m.From, m.ID)
	if !ok {
		return
	}
	var in router.Inbound
	a.received(&in, m)
	a.rcv.Receive(now, in)
}

// ReceiveText is ReceiveMessage for a text message that replies to
// nothing, the usual one: the customer from, named name, wrote text in
// the message of wamid id. It hands the Receiver the same Inbound
// without a Message to fill and read back.
func (a *Adapter) ReceiveText(from, name, id, text string) {
	a.ReceiveTextAt(a.cfg.Clock(), from, name, id, text)
}

// ReceiveTextAt is ReceiveText at now, a reading of the adapter's Clock
// that the caller has made: for a platform that shares the adapter's
// clock and has read it for the message.
func (a *Adapter) ReceiveTextAt(now time.Time, from, name, id, text string) {
	if from == "" || id == "" {
		return
	}
	// Filled field by field, and before the dedupe: a composite literal
	// of an Inbound is built in a temporary of its own and copied to the
	// call's arguments, and the strings, once in the Inbound, need no
	// saving across the dedupe's call.
	var in router.Inbound
	in.Customer.Channel, in.Customer.Account, in.Customer.Customer = Channel, a.account, from
	in.MessageID, in.Name, in.Text = id, name, text
	// remember, written out: a call of its own cost more than its body.
	a.mu.Lock()
	fresh := a.seen.Add(id, now.UnixNano())
	if fresh {
		a.stats.Received++
	} else {
		a.stats.Duplicates++
	}
	a.mu.Unlock()
	if fresh {
		a.rcv.Receive(now, in)
	}
}

// admit is the Clock's time and whether a message of wamid id from the
// customer from is to be handed on: one with both, not seen within the
// dedupe window.
func (a *Adapter) admit(from, id string) (time.Time, bool) {
	if from == "" || id == "" {
		return time.Time{}, false
	}
	now := a.cfg.Clock()
	return now, a.remember(id, now.UnixNano())
}

// received sets in, which is zero, to m normalized as inbound normalizes
// the webhook message it stands for: the same Inbound, but for Sent, which
// m does not carry. It reads m's fields directly rather than through a
// message value, whose pointers to its parts would each be allocated.
func (a *Adapter) received(in *router.Inbound, m *Message) {
	in.Customer, in.MessageID, in.Name, in.ReplyTo = a.key(m.From), m.ID, m.Name, m.Context
	switch m.Type {
	case "text":
		in.Text = m.Text
	case "button":
		in.Text, in.Payload = m.Text, m.Payload
	case "interactive":
		if m.Interactive == "button_reply" || m.Interactive == "list_reply" {
			in.Text, in.Payload = m.Text, m.Payload
		}
	case "reaction":
		in.ReplyTo, in.Reaction = m.ReactionTo, m.Emoji
	case "image", "audio", "video", "document", "sticker":
		in.Text = m.Caption
		in.Attachment = attachment(m.Type, m.MIMEType, m.Filename)
	}
}

// ReceiveStatus takes a status as a "statuses" webhook carries it (the
// recipient's wa_id, the wamid, the status and the code of its first
// error, "" when none) and hands it to the Receiver.
func (a *Adapter) ReceiveStatus(recipientID, id, status, errorCode string) {
	now := a.cfg.Clock()
	a.mu.Lock()
	a.stats.Statuses++
	a.mu.Unlock()
	a.rcv.Status(now, a.key(recipientID), id, status, errorCode)
}
