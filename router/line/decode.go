package line

import (
	"encoding/json"
	"sync"

	"github.com/omnisim/omnisim/jsonscan"
)

// scanner is the package's one-pass JSON reader: the webhook and send-answer
// decoders are its methods. It gives up on anything it does not decode
// exactly as encoding/json would, and the caller then decodes the body with
// encoding/json; FuzzDecoders holds the two to the same answers.
type scanner struct {
	jsonscan.Scanner
	// known is a string the body is expected to repeat (the bot's user
	// id, every webhook's destination): read, it is returned as is
	// rather than copied.
	known string
	// strs makes the other strings read (ids, tokens, texts), which live
	// about as long as their conversation.
	strs jsonscan.Arena
	// slots is the rest of a block of strings that answers' id lists are
	// carved from, one slot each (see idList): a slot once handed out is
	// never handed out again.
	slots []string
}

// scanners keeps scanners with their unquoting buffers.
var scanners = sync.Pool{New: func() any { return new(scanner) }}

func getScanner(body []byte, known string) *scanner {
	s := scanners.Get().(*scanner)
	s.Reset(body)
	s.known = known
	return s
}

func (s *scanner) release() {
	s.Clear()
	s.known = ""
	scanners.Put(s)
}

var (
	payloadKeys = []string{"destination", "events"}
	eventKeys   = []string{"type", "mode", "timestamp", "source", "webhookEventId", "deliveryContext", "replyToken", "message"}
	sourceKeys  = []string{"type", "userId"}
	contextKeys = []string{"isRedelivery"}
	messageKeys = []string{"id", "type", "text", "fileName", "fileSize"}
	answerKeys  = []string{"sentMessages", "message", "details"}
	sentKeys    = []string{"id"}
)

// str decodes a string value; the known string and webhook words (see
// webhookWord) are returned without a copy, and the others are made in
// the scanner's arena.
func (s *scanner) str() string {
	b, ok := s.StrBytes()
	if !ok {
		return ""
	}
	if s.known != "" && string(b) == s.known {
		return s.known
	}
	if w := webhookWord(b); w != "" {
		return w
	}
	return s.strs.Make(b)
}

// webhookWord returns the constant equal to b among the strings read
// without a copy (the event, mode, source and message types), or "".
// A switch: the compiler looks it up by length and value.
func webhookWord(b []byte) string {
	switch string(b) {
	case "message":
		return "message"
	case "active":
		return "active"
	case "standby":
		return "standby"
	case "user":
		return "user"
	case "text":
		return "text"
	case "image":
		return "image"
	case "video":
		return "video"
	case "audio":
		return "audio"
	case "sticker":
		return "sticker"
	case "file":
		return "file"
	case "follow":
		return "follow"
	case "unfollow":
		return "unfollow"
	case "group":
		return "group"
	case "room":
		return "room"
	}
	return ""
}

// scanPayload reads a webhook body in one pass; ok is false when the body
// needs encoding/json. A string equal to known is given known's storage.
// The first events are stored in blk, a zero eventBlock, when it is not
// nil.
func scanPayload(body []byte, p *Payload, known string, blk *eventBlock) bool {
	s := getScanner(body, known)
	defer s.release()
	if !s.Open('{') {
		return false
	}
	var mask uint32
	for n := 0; ; n++ {
		key, more := s.Member(n)
		if !more {
			break
		}
		switch string(key) {
		case "destination":
			if s.Seen(&mask, 1) {
				p.Destination = s.str()
			}
		case "events":
			if s.Seen(&mask, 2) && s.Open('[') {
				// The first two events and the first one's message
				// share one allocation: blk's when given.
				if blk == nil {
					blk = new(eventBlock)
				}
				p.Events = blk.events[:0]
				for n := 0; s.Element(n); n++ {
					p.Events = append(p.Events, Event{})
					var msg *EventMessage
					if n < len(blk.msgs) {
						msg = &blk.msgs[n]
					}
					s.event(&p.Events[len(p.Events)-1], msg)
				}
			}
		default:
			s.Unknown(key, payloadKeys...)
		}
	}
	return s.End()
}

// eventBlock holds a payload's first two events and the first one's
// message.
type eventBlock struct {
	events [2]Event
	msgs   [1]EventMessage
}

// event decodes an event; its message, if any, is decoded into msg when
// msg is not nil.
func (s *scanner) event(e *Event, msg *EventMessage) {
	if !s.Open('{') {
		return
	}
	var mask uint32
	for n := 0; ; n++ {
		key, more := s.Member(n)
		if !more {
			return
		}
		switch string(key) {
		case "type":
			if s.Seen(&mask, 1) {
				e.Type = s.str()
			}
		case "mode":
			if s.Seen(&mask, 2) {
				e.Mode = s.str()
			}
		case "timestamp":
			if s.Seen(&mask, 4) {
				e.Timestamp = s.Int64()
			}
		case "source":
			if s.Seen(&mask, 8) {
				s.source(e)
			}
		case "webhookEventId":
			if s.Seen(&mask, 16) {
				e.WebhookEventID = s.str()
			}
		case "deliveryContext":
			if s.Seen(&mask, 32) {
				s.deliveryContext(e)
			}
		case "replyToken":
			if s.Seen(&mask, 64) {
				e.ReplyToken = s.str()
			}
		case "message":
			if s.Seen(&mask, 128) {
				if msg == nil {
					msg = new(EventMessage)
				}
				e.Message = msg
				s.message(e.Message)
			}
		default:
			s.Unknown(key, eventKeys...)
		}
	}
}

func (s *scanner) source(e *Event) {
	if !s.Open('{') {
		return
	}
	var mask uint32
	for n := 0; ; n++ {
		key, more := s.Member(n)
		if !more {
			return
		}
		switch string(key) {
		case "type":
			if s.Seen(&mask, 1) {
				e.Source.Type = s.str()
			}
		case "userId":
			if s.Seen(&mask, 2) {
				e.Source.UserID = s.str()
			}
		default:
			s.Unknown(key, sourceKeys...)
		}
	}
}

func (s *scanner) deliveryContext(e *Event) {
	if !s.Open('{') {
		return
	}
	var mask uint32
	for n := 0; ; n++ {
		key, more := s.Member(n)
		if !more {
			return
		}
		if string(key) == "isRedelivery" {
			if s.Seen(&mask, 1) {
				e.DeliveryContext.IsRedelivery = s.Bool()
			}
			continue
		}
		s.Unknown(key, contextKeys...)
	}
}

func (s *scanner) message(m *EventMessage) {
	if !s.Open('{') {
		return
	}
	var mask uint32
	for n := 0; ; n++ {
		key, more := s.Member(n)
		if !more {
			return
		}
		switch string(key) {
		case "id":
			if s.Seen(&mask, 1) {
				m.ID = s.str()
			}
		case "type":
			if s.Seen(&mask, 2) {
				m.Type = s.str()
			}
		case "text":
			if s.Seen(&mask, 4) {
				m.Text = s.str()
			}
		case "fileName":
			if s.Seen(&mask, 8) {
				m.FileName = s.str()
			}
		case "fileSize":
			if s.Seen(&mask, 16) {
				m.FileSize = s.Int64()
			}
		default:
			s.Unknown(key, messageKeys...)
		}
	}
}

// decodePayload reads a webhook body: one pass when it can, else
// encoding/json.
func decodePayload(body []byte, p *Payload, known string, blk *eventBlock) error {
	if scanPayload(body, p, known, blk) {
		return nil
	}
	std, err := unmarshalPayload(body)
	*p = std
	return err
}

// unmarshalPayload is encoding/json's answer, apart so that only this
// path hands a Payload to reflection (and the heap).
func unmarshalPayload(body []byte) (Payload, error) {
	var p Payload
	err := json.Unmarshal(body, &p)
	return p, err
}

// scanAnswer reads a successful send's {"sentMessages":[{"id",...}]} in
// one pass; ok is false for anything else (an error body's message or
// details among them).
func scanAnswer(body []byte, res *APIResult) bool {
	s := getScanner(body, "")
	defer s.release()
	if !s.Open('{') {
		return false
	}
	var mask uint32
	for n := 0; ; n++ {
		key, more := s.Member(n)
		if !more {
			break
		}
		switch string(key) {
		case "sentMessages":
			if s.Seen(&mask, 1) && s.Open('[') {
				for n := 0; s.Element(n); n++ {
					if id := s.sentID(); n == 0 {
						res.IDs = s.idList(id)
					} else {
						res.IDs = append(res.IDs, id)
					}
				}
			}
		case "message", "details":
			s.Fail()
		default:
			s.Unknown(key, answerKeys...)
		}
	}
	return s.End()
}

// idList returns a list of the one id, its storage a slot of a block the
// scanner shares among answers (a list of more ids grows out of it into
// an allocation of its own, since its capacity is one).
func (s *scanner) idList(id string) []string {
	if len(s.slots) == 0 {
		s.slots = make([]string, 64)
	}
	l := s.slots[:1:1]
	s.slots = s.slots[1:]
	l[0] = id
	return l
}

// sentID reads one sentMessages entry, returning its id.
func (s *scanner) sentID() string {
	var id string
	if !s.Open('{') {
		return id
	}
	var mask uint32
	for n := 0; ; n++ {
		key, more := s.Member(n)
		if !more {
			return id
		}
		if string(key) == "id" {
			if s.Seen(&mask, 1) {
				id = s.str()
			}
			continue
		}
		s.Unknown(key, sentKeys...)
	}
}
