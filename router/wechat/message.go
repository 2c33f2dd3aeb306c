package wechat

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/omnisim/omnisim/router"
)

// message is a webhook body as WeChat documents it, decoded with
// encoding/xml:
//
//	<xml><ToUserName><![CDATA[gh_…]]></ToUserName><FromUserName><![CDATA[openid]]></FromUserName>
//	<CreateTime>1348831860</CreateTime><MsgType><![CDATA[text]]></MsgType>
//	<Content><![CDATA[this is a test]]></Content><MsgId>1234567890123456</MsgId></xml>
//
// The same type holds the safe-mode envelope (ToUserName and Encrypt) and
// the compatible-mode body (every field plus Encrypt). Encrypt is a pointer
// so that an empty <Encrypt/> can be told from a missing one.
type message struct {
	XMLName      xml.Name `xml:"xml"`
	ToUserName   string   `xml:"ToUserName"`
	FromUserName string   `xml:"FromUserName"`
	CreateTime   int64    `xml:"CreateTime"`
	MsgType      string   `xml:"MsgType"`
	Content      string   `xml:"Content"`
	MsgID        string   `xml:"MsgId"`
	PicURL       string   `xml:"PicUrl"`
	MediaID      string   `xml:"MediaId"`
	Format       string   `xml:"Format"`
	ThumbMediaID string   `xml:"ThumbMediaId"`
	Event        string   `xml:"Event"`
	EventKey     string   `xml:"EventKey"`
	Ticket       string   `xml:"Ticket"`
	Encrypt      *string  `xml:"Encrypt"`
}

// decodeXML decodes a document whose root element is <xml> into m. Before
// the root only white space, comments and an XML declaration may appear,
// after it only white space and comments; a DOCTYPE or any other markup or
// text outside the root, a second root, a root of another name, invalid
// UTF-8, a declared encoding other than UTF-8, or a field that does not
// parse (CreateTime must be a base-10 int64) is an error.
func decodeXML(doc []byte, m *message) error {
	d := xml.NewDecoder(bytes.NewReader(doc))
	var root *xml.StartElement
	for root == nil {
		tok, err := d.Token()
		if err == io.EOF {
			return errors.New("no root element")
		}
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			root = &t
		case xml.CharData:
			if len(bytes.TrimSpace(t)) != 0 {
				return errors.New("text before the root element")
			}
		case xml.Comment, xml.ProcInst:
		default:
			return fmt.Errorf("unexpected %T before the root element", tok)
		}
	}
	if err := d.DecodeElement(m, root); err != nil {
		return err
	}
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.CharData:
			if len(bytes.TrimSpace(t)) != 0 {
				return errors.New("text after the root element")
			}
		case xml.Comment:
		default:
			return fmt.Errorf("unexpected %T after the root element", tok)
		}
	}
}

// isEvent reports whether m is an event (subscribe, CLICK, …) rather than a
// customer message.
func (m *message) isEvent() bool { return m.MsgType == "event" }

// appendDedupeKey appends the key m is deduplicated by to b: the MsgId for
// a message; the sender, CreateTime, Event and EventKey for an event; the
// sender, CreateTime and MsgType for a message without a MsgId. The parts
// are separated by NUL bytes, and each key kind has its own prefix, so
// keys of different kinds never collide.
func (m *message) appendDedupeKey(b []byte) []byte {
	switch {
	case m.isEvent():
		b = append(append(append(b, "e\x00"...), m.FromUserName...), 0)
		b = append(strconv.AppendInt(b, m.CreateTime, 10), 0)
		return append(append(append(b, m.Event...), 0), m.EventKey...)
	case m.MsgID != "":
		return append(append(b, "m\x00"...), m.MsgID...)
	default:
		b = append(append(append(b, "t\x00"...), m.FromUserName...), 0)
		b = append(strconv.AppendInt(b, m.CreateTime, 10), 0)
		return append(b, m.MsgType...)
	}
}

// inbound normalizes a customer message.
func (a *Adapter) inbound(m *message) router.Inbound {
	in := router.Inbound{Customer: a.key(m.FromUserName), MessageID: m.MsgID, Sent: sentAt(m.CreateTime)}
	switch m.MsgType {
	case "text":
		in.Text = m.Content
	case "image":
		// WeChat gives a PicUrl and a MediaId but no format.
		in.Attachment = &router.Attachment{Kind: "image"}
	case "voice":
		in.Attachment = &router.Attachment{Kind: "audio", Format: strings.ToLower(m.Format)}
	case "video", "shortvideo":
		in.Attachment = &router.Attachment{Kind: "video", Format: "mp4"}
	default:
		// location, link, and types not known yet: customer activity without
		// content the router understands.
	}
	return in
}

// Event is a WeChat event notification (MsgType "event"): a follow, an
// unfollow, a QR-code scan, a menu click, a location report, and so on.
// Events open no conversation; they go to [Config.OnEvent].
type Event struct {
	// Customer is the key of the user the event is about (FromUserName).
	Customer router.CustomerKey
	// Event is WeChat's event name as sent: subscribe, unsubscribe, SCAN,
	// CLICK, VIEW, LOCATION, ...
	Event string
	// EventKey is the menu key, the URL of a VIEW event, or the scene of a
	// QR code ("qrscene_…" for a subscribe through a QR code).
	EventKey string
	// Ticket is the QR code's ticket, for scans.
	Ticket string
	// CreateTime is the event's CreateTime, Unix seconds.
	CreateTime int64
}

func (a *Adapter) event(m *message) Event {
	return Event{
		Customer:   a.key(m.FromUserName),
		Event:      m.Event,
		EventKey:   m.EventKey,
		Ticket:     m.Ticket,
		CreateTime: m.CreateTime,
	}
}
