package line

import (
	"encoding/json"
	"sync"

	"github.com/omnisim/omnisim/jsonscan"
)

// scanner is the package's one-pass JSON reader: the reply and push
// decoders are its methods. It gives up on anything it does not decode
// exactly as encoding/json would, and the caller then decodes the body
// with encoding/json; FuzzDecoders holds the two to the same answers.
type scanner struct {
	jsonscan.Scanner
	// strs makes the strings read (texts, URLs, tokens, recipients),
	// which live about as long as their conversation.
	strs jsonscan.Arena
}

// scanners keeps scanners with their unquoting buffers.
var scanners = sync.Pool{New: func() any { return new(scanner) }}

func getScanner(body []byte) *scanner {
	s := scanners.Get().(*scanner)
	s.Reset(body)
	return s
}

func (s *scanner) release() {
	s.Clear()
	scanners.Put(s)
}

var (
	replyKeys   = []string{"replyToken", "messages", "notificationDisabled"}
	pushKeys    = []string{"to", "messages", "notificationDisabled"}
	messageKeys = []string{"type", "text", "originalContentUrl", "previewImageUrl", "duration", "packageId", "stickerId", "title", "altText"}
	// sendWords are the strings read without a copy: the message types.
	sendWords = []string{"text", "image", "video", "audio", "sticker", "location", "flex", "template", "imagemap"}
)

// str decodes a string value: one of words without a copy, any other
// made in the scanner's arena.
func (s *scanner) str(words []string) string { return s.StrInArena(words, &s.strs) }

// messages reads a messages array, into *msgs's storage when it has room
// (the caller's, for a request it does not keep).
func (s *scanner) messages(msgs *[]Message) {
	if !s.Open('[') {
		return
	}
	if *msgs == nil {
		*msgs = make([]Message, 0, 1) // [] decodes to an empty slice, not nil
	}
	*msgs = (*msgs)[:0]
	for n := 0; s.Element(n); n++ {
		if n == cap(*msgs) {
			// Grown by hand, not by append: storing append's
			// result through msgs would send the caller's storage
			// to the heap.
			grown := make([]Message, n, 2*n+1)
			copy(grown, *msgs)
			*msgs = grown
		}
		*msgs = (*msgs)[:n+1]
		(*msgs)[n] = Message{}
		s.message(&(*msgs)[n])
	}
}

func (s *scanner) message(m *Message) {
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
				m.Type = s.str(sendWords)
			}
		case "text":
			if s.Seen(&mask, 2) {
				m.Text = s.str(sendWords)
			}
		case "originalContentUrl":
			if s.Seen(&mask, 4) {
				m.OriginalContentURL = s.str(nil)
			}
		case "previewImageUrl":
			if s.Seen(&mask, 8) {
				m.PreviewImageURL = s.str(nil)
			}
		case "duration":
			if s.Seen(&mask, 16) {
				m.Duration = s.Int64()
			}
		case "packageId":
			if s.Seen(&mask, 32) {
				m.PackageID = s.str(nil)
			}
		case "stickerId":
			if s.Seen(&mask, 64) {
				m.StickerID = s.str(nil)
			}
		case "title":
			if s.Seen(&mask, 128) {
				m.Title = s.str(nil)
			}
		case "altText":
			if s.Seen(&mask, 256) {
				m.AltText = s.str(nil)
			}
		default:
			s.Unknown(key, messageKeys...)
		}
	}
}

// scanReply reads a reply body in one pass; ok is false when it needs
// encoding/json.
func scanReply(body []byte, r *ReplyRequest) bool {
	return scanSend(body, "replyToken", replyKeys, &r.ReplyToken, &r.Messages, &r.NotificationDisabled)
}

// scanPush reads a push body in one pass; ok is false when it needs
// encoding/json.
func scanPush(body []byte, p *PushRequest) bool {
	return scanSend(body, "to", pushKeys, &p.To, &p.Messages, &p.NotificationDisabled)
}

// scanSend reads a reply or a push body, which differ in the key that
// names the recipient (target, read into to): keys are the body's
// declared keys.
func scanSend(body []byte, target string, keys []string, to *string, msgs *[]Message, quiet *bool) bool {
	s := getScanner(body)
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
		case target:
			if s.Seen(&mask, 1) {
				*to = s.str(nil)
			}
		case "messages":
			if s.Seen(&mask, 2) {
				s.messages(msgs)
			}
		case "notificationDisabled":
			if s.Seen(&mask, 4) {
				*quiet = s.Bool()
			}
		default:
			s.Unknown(key, keys...)
		}
	}
	return s.End()
}

// DecodeReply reads a reply request body: in one pass when it can, else
// with encoding/json, to the same values. The messages are decoded into
// req.Messages's storage when it has room.
func DecodeReply(body []byte, req *ReplyRequest) error {
	if scanReply(body, req) {
		return nil
	}
	var slow ReplyRequest // on the heap (encoding/json) only on this path, not req
	err := json.Unmarshal(body, &slow)
	*req = slow
	return err
}

// DecodePush reads a push request body: in one pass when it can, else
// with encoding/json, to the same values. The messages are decoded into
// req.Messages's storage when it has room.
func DecodePush(body []byte, req *PushRequest) error {
	if scanPush(body, req) {
		return nil
	}
	var slow PushRequest // on the heap (encoding/json) only on this path, not req
	err := json.Unmarshal(body, &slow)
	*req = slow
	return err
}
