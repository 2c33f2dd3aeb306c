package wechat

import (
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/omnisim/omnisim/jsonplain"
)

// queryGet is url.Values.Get on the parsed raw query: the first value of
// key. A query that needs no unescaping ('%' or '+'), has no ';' (which
// url.ParseQuery refuses in a pair) and has few pairs is scanned in place;
// any other goes through url.ParseQuery.
func queryGet(raw, key string) string {
	if strings.IndexByte(raw, '%') >= 0 || strings.IndexByte(raw, '+') >= 0 ||
		strings.IndexByte(raw, ';') >= 0 || strings.Count(raw, "&") >= maxQuickPairs {
		q, _ := url.ParseQuery(raw)
		return q.Get(key)
	}
	for raw != "" {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		if k, v, _ := strings.Cut(pair, "="); k == key && pair != "" {
			return v
		}
	}
	return ""
}

// maxQuickPairs bounds the pairs queryGet scans itself; url.ParseQuery
// refuses more than 10000.
const maxQuickPairs = 1000

// Fields of a send request scanSend reads, as spans of the body.
const (
	sToUser = iota
	sMsgType
	sTextContent
	sImageMediaID
	sVoiceMediaID
	sVideoMediaID
	sVideoThumb
	sVideoTitle
	sVideoDescription
	sKfAccount
	numSendFields
)

// Objects of a send request.
const (
	oText = iota
	oImage
	oVoice
	oVideo
	oCustomService
	numSendObjects
)

// sendScan is a send request read by scanSend: each string as a span of the
// body, and which objects were present.
type sendScan struct {
	val [numSendFields][2]int
	has [numSendFields]bool
	obj [numSendObjects]bool
}

// scanSend reads a send body without reflection when it is in the form
// senders write: a JSON object of the SendRequest keys (exact names, each at
// most once), touser and msgtype strings, the message objects holding their
// own string keys (each at most once), and every string without escapes or
// control characters, in valid UTF-8. For such a body, and only then, it
// reports true, and sendRequest gives what encoding/json decodes; anything
// else (null, numbers, unknown or repeated keys, escapes, any error) is left
// to encoding/json.
func scanSend(b []byte, sc *sendScan) bool {
	i := skipJSONSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return false
	}
	i, ok := scanObject(b, i, func(key []byte, i int) (int, bool) {
		obj := -1
		switch string(key) {
		case "touser":
			return scanField(b, i, sc, sToUser)
		case "msgtype":
			return scanField(b, i, sc, sMsgType)
		case "text":
			obj = oText
		case "image":
			obj = oImage
		case "voice":
			obj = oVoice
		case "video":
			obj = oVideo
		case "customservice":
			obj = oCustomService
		default:
			return 0, false
		}
		if sc.obj[obj] || i >= len(b) || b[i] != '{' {
			return 0, false
		}
		sc.obj[obj] = true
		return scanObject(b, i, func(key []byte, i int) (int, bool) {
			f := -1
			switch obj {
			case oText:
				if string(key) == "content" {
					f = sTextContent
				}
			case oImage:
				if string(key) == "media_id" {
					f = sImageMediaID
				}
			case oVoice:
				if string(key) == "media_id" {
					f = sVoiceMediaID
				}
			case oVideo:
				switch string(key) {
				case "media_id":
					f = sVideoMediaID
				case "thumb_media_id":
					f = sVideoThumb
				case "title":
					f = sVideoTitle
				case "description":
					f = sVideoDescription
				}
			case oCustomService:
				if string(key) == "kf_account" {
					f = sKfAccount
				}
			}
			if f < 0 {
				return 0, false
			}
			return scanField(b, i, sc, f)
		})
	})
	return ok && skipJSONSpace(b, i) == len(b)
}

// scanObject reads the object at b[i] ('{'), calling member for each key
// with the index of its value; member returns the index after the value.
// It returns the index after the closing '}'.
func scanObject(b []byte, i int, member func(key []byte, i int) (int, bool)) (int, bool) {
	i = skipJSONSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return i + 1, true
	}
	for {
		key, j, ok := scanString(b, i)
		if !ok {
			return 0, false
		}
		i = skipJSONSpace(b, j)
		if i >= len(b) || b[i] != ':' {
			return 0, false
		}
		if i, ok = member(key, skipJSONSpace(b, i+1)); !ok {
			return 0, false
		}
		i = skipJSONSpace(b, i)
		if i >= len(b) {
			return 0, false
		}
		switch b[i] {
		case ',':
			i = skipJSONSpace(b, i+1)
		case '}':
			return i + 1, true
		default:
			return 0, false
		}
	}
}

// scanField reads the string value of field f at b[i], which must not have
// been read already.
func scanField(b []byte, i int, sc *sendScan, f int) (int, bool) {
	if sc.has[f] {
		return 0, false
	}
	s, j, ok := scanString(b, i)
	if !ok {
		return 0, false
	}
	sc.val[f] = [2]int{i + 1, i + 1 + len(s)}
	sc.has[f] = true
	return j, true
}

// scanString reads the string at b[i] when it has no escapes or control
// characters and is valid UTF-8, returning its contents and the index
// after it.
func scanString(b []byte, i int) ([]byte, int, bool) {
	if i >= len(b) || b[i] != '"' {
		return nil, 0, false
	}
	s := b[i+1:]
	// The words of plain ASCII at the start are taken whole; the rest
	// byte by byte, to the closing quote.
	p := jsonplain.Prefix(s)
	for end := p; end < len(s); end++ {
		switch c := s[end]; {
		case c == '"':
			if !utf8.Valid(s[p:end]) {
				return nil, 0, false
			}
			return s[:end], i + 2 + end, true
		case c < 0x20 || c == '\\':
			return nil, 0, false
		}
	}
	return nil, 0, false
}

func skipJSONSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\n' || b[i] == '\t' || b[i] == '\r') {
		i++
	}
	return i
}

// sendRequestLocked fills *req, which must be empty, with the request sc
// read from body. Strings that name something the server keeps (a
// customer's openid, a message type) reuse the kept string; the others
// are made in s.strs. A text object is s.sendText: req is good while s.mu
// is held, and the server keeps none of a request's objects. s.mu must be
// held.
func (s *Server) sendRequestLocked(body []byte, sc *sendScan, req *SendRequest) {
	str := func(f int) string { return s.strs.Make(body[sc.val[f][0]:sc.val[f][1]]) }
	if sc.has[sToUser] {
		v := body[sc.val[sToUser][0]:sc.val[sToUser][1]]
		if c := s.customers[string(v)]; c != nil {
			req.ToUser = c.openid
		} else {
			req.ToUser = string(v)
		}
	}
	if sc.has[sMsgType] {
		t := body[sc.val[sMsgType][0]:sc.val[sMsgType][1]]
		if req.MsgType = internType(string(t)); req.MsgType == "" {
			req.MsgType = string(t)
		}
	}
	if sc.obj[oText] {
		s.sendText = Text{Content: str(sTextContent)}
		req.Text = &s.sendText
	}
	if sc.obj[oImage] {
		req.Image = &MediaRef{MediaID: str(sImageMediaID)}
	}
	if sc.obj[oVoice] {
		req.Voice = &MediaRef{MediaID: str(sVoiceMediaID)}
	}
	if sc.obj[oVideo] {
		req.Video = &Video{MediaID: str(sVideoMediaID), ThumbMediaID: str(sVideoThumb),
			Title: str(sVideoTitle), Description: str(sVideoDescription)}
	}
	if sc.obj[oCustomService] {
		req.CustomService = &CustomService{KfAccount: str(sKfAccount)}
	}
}
