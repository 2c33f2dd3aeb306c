package line

import (
	"encoding/json"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// scanner reads the JSON shapes LINE sends in one pass, without
// reflection. It gives up (ok false) on anything it does not decode
// exactly as encoding/json would (null values, case-folded keys, invalid
// UTF-8, surrogate escapes, non-integer numbers, repeated arrays), and the
// caller then falls back to encoding/json; FuzzDecoders holds the two to
// the same answers. It checks the syntax of everything it passes over, so
// that a body it accepts is one encoding/json accepts.
type scanner struct {
	b  []byte
	i  int
	ok bool
	// known is a string the body is expected to repeat (the bot's user
	// id, every webhook's destination): read, it is returned as is
	// rather than copied.
	known string
}

func (s *scanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// next returns the next non-space byte without taking it; 0 at the end.
func (s *scanner) next() byte {
	s.ws()
	if s.i < len(s.b) {
		return s.b[s.i]
	}
	return 0
}

func (s *scanner) take(c byte) bool {
	if s.next() == c {
		s.i++
		return true
	}
	return false
}

func (s *scanner) fail() bool {
	s.ok = false
	return false
}

// str reads a string.
func (s *scanner) str() string {
	if !s.take('"') {
		s.fail()
		return ""
	}
	start := s.i
	for s.i < len(s.b) {
		c := s.b[s.i]
		if c == '"' {
			raw := s.b[start:s.i]
			s.i++
			if !utf8.Valid(raw) {
				s.fail()
				return ""
			}
			if s.known != "" && string(raw) == s.known {
				return s.known
			}
			return intern(raw)
		}
		if c == '\\' {
			return s.escaped(start)
		}
		if c < 0x20 {
			break
		}
		s.i++
	}
	s.fail()
	return ""
}

// intern returns the keys and common values of LINE's JSON without
// allocating.
func intern(raw []byte) string {
	switch string(raw) {
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
	case "file":
		return "file"
	case "sticker":
		return "sticker"
	case "follow":
		return "follow"
	case "unfollow":
		return "unfollow"
	case "group":
		return "group"
	case "room":
		return "room"
	case "destination":
		return "destination"
	case "events":
		return "events"
	case "mode":
		return "mode"
	case "timestamp":
		return "timestamp"
	case "source":
		return "source"
	case "userId":
		return "userId"
	case "webhookEventId":
		return "webhookEventId"
	case "deliveryContext":
		return "deliveryContext"
	case "isRedelivery":
		return "isRedelivery"
	case "replyToken":
		return "replyToken"
	case "id":
		return "id"
	case "quoteToken":
		return "quoteToken"
	case "fileName":
		return "fileName"
	case "fileSize":
		return "fileSize"
	case "contentProvider":
		return "contentProvider"
	case "duration":
		return "duration"
	case "sentMessages":
		return "sentMessages"
	case "details":
		return "details"
	case "property":
		return "property"
	case "type":
		return "type"
	}
	return string(raw)
}

// escaped finishes a string with escapes that started at start.
func (s *scanner) escaped(start int) string {
	var sb strings.Builder
	sb.Write(s.b[start:s.i])
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			s.i++
			out := sb.String()
			if !utf8.ValidString(out) {
				s.fail()
				return ""
			}
			return out
		case c < 0x20:
			s.fail()
			return ""
		case c != '\\':
			sb.WriteByte(c)
			s.i++
			continue
		}
		if s.i+1 >= len(s.b) {
			break
		}
		e := s.b[s.i+1]
		s.i += 2
		switch e {
		case '"', '\\', '/':
			sb.WriteByte(e)
		case 'b':
			sb.WriteByte('\b')
		case 'f':
			sb.WriteByte('\f')
		case 'n':
			sb.WriteByte('\n')
		case 'r':
			sb.WriteByte('\r')
		case 't':
			sb.WriteByte('\t')
		case 'u':
			if s.i+4 > len(s.b) {
				s.fail()
				return ""
			}
			var r rune
			for _, h := range s.b[s.i : s.i+4] {
				v, ok := fromHex(h)
				if !ok {
					s.fail()
					return ""
				}
				r = r<<4 | rune(v)
			}
			s.i += 4
			if utf16.IsSurrogate(r) {
				s.fail()
				return ""
			}
			sb.WriteRune(r)
		default:
			s.fail()
			return ""
		}
	}
	s.fail()
	return ""
}

func fromHex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// int reads an integer that fits an int64.
func (s *scanner) int() int64 {
	s.ws()
	neg := s.i < len(s.b) && s.b[s.i] == '-'
	if neg {
		s.i++
	}
	start := s.i
	var v uint64
	for s.i < len(s.b) && '0' <= s.b[s.i] && s.b[s.i] <= '9' {
		d := uint64(s.b[s.i] - '0')
		if v > (1<<63-d)/10 {
			s.fail()
			return 0
		}
		v = v*10 + d
		s.i++
	}
	if s.i == start || s.i-start > 1 && s.b[start] == '0' || s.i < len(s.b) && (s.b[s.i] == '.' || s.b[s.i] == 'e' || s.b[s.i] == 'E') || !neg && v == 1<<63 {
		s.fail()
		return 0
	}
	if neg {
		return -int64(v)
	}
	return int64(v)
}

// bool reads true or false.
func (s *scanner) bool() bool {
	s.ws()
	switch {
	case strings.HasPrefix(string(s.b[s.i:min(s.i+4, len(s.b))]), "true"):
		s.i += 4
		return true
	case strings.HasPrefix(string(s.b[s.i:min(s.i+5, len(s.b))]), "false"):
		s.i += 5
		return false
	}
	s.fail()
	return false
}

// skip passes over any value.
func (s *scanner) skip() {
	switch s.next() {
	case '"':
		s.str()
	case '{':
		s.object(nil, func(string) { s.skip() })
	case '[':
		s.i++
		if s.take(']') {
			return
		}
		for s.ok {
			s.skip()
			if s.take(']') {
				return
			}
			if !s.take(',') {
				s.fail()
			}
		}
	case 't', 'f':
		s.bool()
	case 'n':
		if !strings.HasPrefix(string(s.b[s.i:min(s.i+4, len(s.b))]), "null") {
			s.fail()
			return
		}
		s.i += 4
	default:
		s.number()
	}
}

// number passes over a number: -? (0 | [1-9][0-9]*) (.[0-9]+)? ([eE][+-]?[0-9]+)?
func (s *scanner) number() {
	digits := func() int {
		n := 0
		for s.i < len(s.b) && '0' <= s.b[s.i] && s.b[s.i] <= '9' {
			s.i++
			n++
		}
		return n
	}
	if s.i < len(s.b) && s.b[s.i] == '-' {
		s.i++
	}
	start := s.i
	if n := digits(); n == 0 || n > 1 && s.b[start] == '0' {
		s.fail()
		return
	}
	if s.i < len(s.b) && s.b[s.i] == '.' {
		s.i++
		if digits() == 0 {
			s.fail()
			return
		}
	}
	if s.i < len(s.b) && (s.b[s.i] == 'e' || s.b[s.i] == 'E') {
		s.i++
		if s.i < len(s.b) && (s.b[s.i] == '+' || s.b[s.i] == '-') {
			s.i++
		}
		if digits() == 0 {
			s.fail()
		}
	}
}

// end checks that nothing but space follows the top-level value.
func (s *scanner) end() bool {
	s.ws()
	if s.i != len(s.b) {
		s.fail()
	}
	return s.ok
}

// object reads an object, calling field for each key; a null value, or an
// unknown key that equals a known one but for case, gives up.
func (s *scanner) object(known []string, field func(key string)) {
	if !s.take('{') {
		s.fail()
		return
	}
	if s.take('}') {
		return
	}
	for s.ok {
		key := s.str()
		if !s.take(':') {
			s.fail()
			return
		}
		if s.next() == 'n' {
			s.fail()
			return
		}
		for _, k := range known {
			if k != key && strings.EqualFold(k, key) {
				s.fail()
				return
			}
		}
		field(key)
		if s.take('}') {
			return
		}
		if !s.take(',') {
			s.fail()
			return
		}
	}
}

// array reads an array, calling elem for each element.
func (s *scanner) array(elem func()) {
	if !s.take('[') {
		s.fail()
		return
	}
	if s.take(']') {
		return
	}
	for s.ok {
		elem()
		if s.take(']') {
			return
		}
		if !s.take(',') {
			s.fail()
			return
		}
	}
}

var (
	payloadKeys = []string{"destination", "events"}
	eventKeys   = []string{"type", "mode", "timestamp", "source", "webhookEventId", "deliveryContext", "replyToken", "message"}
	sourceKeys  = []string{"type", "userId"}
	contextKeys = []string{"isRedelivery"}
	messageKeys = []string{"id", "type", "text", "fileName", "fileSize"}
)

// scanPayload reads a webhook body in one pass; ok is false when the body
// needs encoding/json. A string equal to known is given known's storage.
func scanPayload(body []byte, p *Payload, known string) bool {
	s := scanner{b: body, ok: true, known: known}
	seenEvents := false
	s.object(payloadKeys, func(key string) {
		switch key {
		case "destination":
			p.Destination = s.str()
		case "events":
			if seenEvents {
				s.fail()
				return
			}
			seenEvents = true
			p.Events = make([]Event, 0, 2)
			s.array(func() {
				p.Events = append(p.Events, Event{})
				scanEvent(&s, &p.Events[len(p.Events)-1])
			})
		default:
			s.skip()
		}
	})
	return s.end()
}

func scanEvent(s *scanner, e *Event) {
	s.object(eventKeys, func(key string) {
		switch key {
		case "type":
			e.Type = s.str()
		case "mode":
			e.Mode = s.str()
		case "timestamp":
			e.Timestamp = s.int()
		case "source":
			s.object(sourceKeys, func(key string) {
				switch key {
				case "type":
					e.Source.Type = s.str()
				case "userId":
					e.Source.UserID = s.str()
				default:
					s.skip()
				}
			})
		case "webhookEventId":
			e.WebhookEventID = s.str()
		case "deliveryContext":
			s.object(contextKeys, func(key string) {
				if key == "isRedelivery" {
					e.DeliveryContext.IsRedelivery = s.bool()
				} else {
					s.skip()
				}
			})
		case "replyToken":
			e.ReplyToken = s.str()
		case "message":
			if e.Message == nil {
				e.Message = new(EventMessage)
			}
			m := e.Message
			s.object(messageKeys, func(key string) {
				switch key {
				case "id":
					m.ID = s.str()
				case "type":
					m.Type = s.str()
				case "text":
					m.Text = s.str()
				case "fileName":
					m.FileName = s.str()
				case "fileSize":
					m.FileSize = s.int()
				default:
					s.skip()
				}
			})
		default:
			s.skip()
		}
	})
}

// decodePayload reads a webhook body: one pass when it can, else
// encoding/json.
func decodePayload(body []byte, p *Payload, known string) error {
	if scanPayload(body, p, known) {
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
// one pass; ok is false for anything else.
func scanAnswer(body []byte, res *APIResult) bool {
	s := scanner{b: body, ok: true}
	seen := false
	s.object([]string{"sentMessages", "message", "details"}, func(key string) {
		if key != "sentMessages" || seen {
			if key == "message" || key == "details" || seen {
				s.fail()
				return
			}
			s.skip()
			return
		}
		seen = true
		s.array(func() {
			var id string
			s.object([]string{"id"}, func(key string) {
				if key == "id" {
					id = s.str()
				} else {
					s.skip()
				}
			})
			res.IDs = append(res.IDs, id)
		})
	})
	return s.end()
}
