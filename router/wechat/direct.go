package wechat

import "strconv"

// API is the Official Account API called with values instead of HTTP:
// what an Adapter sends through when [Config.API] is set, for a simulator
// that plays a world without bytes. Its calls take what the adapter would
// encode and answer what it would decode: a refusal is a
// *[router.PlatformError] formed as from the wire's answer (Code the
// errcode, HTTPStatus the answer's status, Message the errmsg).
type API interface {
	// Send posts a customer-service send.
	Send(req *Request) error
	// Upload posts a file of size zero bytes as temporary media of
	// mediaType (image, voice, video), named filename, of MIME type
	// mimeType, and returns its media_id.
	Upload(mediaType, filename, mimeType string, size int64) (mediaID string, err error)
}

// Request is the body of a customer-service send, as the adapter builds
// it before encoding: WeChat's field names, the message types the adapter
// sends.
type Request = sendRequest

// Message is a push (a customer's message or event) as its plain XML
// carries it, for [Adapter.ReceiveMessage].
type Message struct {
	ToUserName, FromUserName string
	CreateTime               int64
	MsgType                  string
	Content                  string
	PicURL, MediaID, Format  string
	ThumbMediaID             string
	MsgID                    int64 // 0: none
	Event, EventKey, Ticket  string
}

// ReceiveMessage takes a push as the webhook endpoint takes one that
// passed its signature check (and, in safe mode, opened): ignored when
// addressed to another account, dropped as a duplicate within the dedupe
// window, otherwise a customer message to the Receiver, an event to
// OnEvent.
func (a *Adapter) ReceiveMessage(n Message) {
	m := message{ToUserName: n.ToUserName, FromUserName: n.FromUserName, CreateTime: n.CreateTime, MsgType: n.MsgType,
		Content: n.Content, PicURL: n.PicURL, MediaID: n.MediaID, Format: n.Format, ThumbMediaID: n.ThumbMediaID,
		Event: n.Event, EventKey: n.EventKey, Ticket: n.Ticket}
	if n.MsgID != 0 {
		m.MsgID = strconv.FormatInt(n.MsgID, 10)
	}
	a.deliver(&m)
}
