package wechat

import (
	"bytes"
	"encoding/binary"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/omnisim/omnisim/jsonscan"
)

// The elements a webhook body is read for, indexes into doc.
const (
	fToUserName = iota
	fFromUserName
	fCreateTime
	fMsgType
	fContent
	fMsgID
	fPicURL
	fMediaID
	fFormat
	fThumbMediaID
	fEvent
	fEventKey
	fTicket
	fEncrypt
	numFields
)

// fieldIndex returns the index of the element named name, or -1 for an
// element that is not read. Names match exactly, as encoding/xml matches
// the struct tags of message.
func fieldIndex(name []byte) int {
	switch string(name) {
	case "ToUserName":
		return fToUserName
	case "FromUserName":
		return fFromUserName
	case "CreateTime":
		return fCreateTime
	case "MsgType":
		return fMsgType
	case "Content":
		return fContent
	case "MsgId":
		return fMsgID
	case "PicUrl":
		return fPicURL
	case "MediaId":
		return fMediaID
	case "Format":
		return fFormat
	case "ThumbMediaId":
		return fThumbMediaID
	case "Event":
		return fEvent
	case "EventKey":
		return fEventKey
	case "Ticket":
		return fTicket
	case "Encrypt":
		return fEncrypt
	}
	return -1
}

// doc is a decoded webhook body: the decoded text of each element read (the
// last one when an element is repeated), as spans of buf, and CreateTime
// parsed. It is the working form of a body; [doc.message] turns it into a
// message. buf is the caller's (pooled) storage, so a doc is used and
// dropped within one request.
type doc struct {
	buf        []byte
	src        []byte            // the document scanXML read
	val        [numFields][2]int // start and end in buf, or in src when inSrc
	inSrc      [numFields]bool   // the text is a part of src as it stands
	has        [numFields]bool   // the element was present (told apart from empty)
	createTime int64
}

// reset empties d, keeping buf's storage.
func (d *doc) reset(buf []byte) { *d = doc{buf: buf[:0]} }

// text returns the decoded text of field f ("" or nil when absent).
func (d *doc) text(f int) []byte {
	if d.inSrc[f] {
		return d.src[d.val[f][0]:d.val[f][1]]
	}
	return d.buf[d.val[f][0]:d.val[f][1]]
}

// message returns d's fields as a message. The strings share one string,
// made in strs when it is short; Encrypt, which is never routed, is left
// out.
func (d *doc) message(strs *jsonscan.Arena) message {
	var at [fEncrypt][2]int
	n := 0
	for f := range fEncrypt {
		at[f][0] = n
		n += d.val[f][1] - d.val[f][0]
		at[f][1] = n
	}
	var s string
	if n <= maxArenaString {
		var small [maxArenaString]byte
		b := small[:0]
		for f := range fEncrypt {
			b = append(b, d.text(f)...)
		}
		s = strs.Make(b)
	} else {
		var b strings.Builder
		b.Grow(n)
		for f := range fEncrypt {
			b.Write(d.text(f))
		}
		s = b.String()
	}
	get := func(f int) string { return s[at[f][0]:at[f][1]] }
	return message{
		ToUserName:   get(fToUserName),
		FromUserName: get(fFromUserName),
		CreateTime:   d.createTime,
		MsgType:      get(fMsgType),
		Content:      get(fContent),
		MsgID:        get(fMsgID),
		PicURL:       get(fPicURL),
		MediaID:      get(fMediaID),
		Format:       get(fFormat),
		ThumbMediaID: get(fThumbMediaID),
		Event:        get(fEvent),
		EventKey:     get(fEventKey),
		Ticket:       get(fTicket),
	}
}

// maxArenaString is the longest string message makes in an arena: what a
// jsonscan.Arena carves from its blocks (a longer one it allocates on its
// own).
const maxArenaString = 512

// setMessage fills d from a message decoded by decodeXML.
func (d *doc) setMessage(m *message) {
	d.reset(d.buf)
	for f, v := range [...]string{
		fToUserName: m.ToUserName, fFromUserName: m.FromUserName, fMsgType: m.MsgType,
		fContent: m.Content, fMsgID: m.MsgID, fPicURL: m.PicURL, fMediaID: m.MediaID,
		fFormat: m.Format, fThumbMediaID: m.ThumbMediaID, fEvent: m.Event,
		fEventKey: m.EventKey, fTicket: m.Ticket,
	} {
		d.set(f, v)
	}
	d.createTime = m.CreateTime
	if m.Encrypt != nil {
		d.set(fEncrypt, *m.Encrypt)
		d.has[fEncrypt] = true
	}
}

func (d *doc) set(f int, v string) {
	d.val[f][0] = len(d.buf)
	d.buf = append(d.buf, v...)
	d.val[f][1] = len(d.buf)
}

// parseBody decodes a webhook body into d: with scanXML when the body is in
// the form it reads, otherwise with encoding/xml (decodeXML). Either way the
// result, and whether it is an error, are those of decodeXML.
func parseBody(src []byte, d *doc) error {
	d.reset(d.buf)
	if scanXML(src, d) {
		return nil
	}
	var m message
	if err := decodeXML(src, &m); err != nil {
		d.reset(d.buf)
		return err
	}
	d.setMessage(&m)
	return nil
}

var (
	cdataOpen  = []byte("<![CDATA[")
	cdataClose = []byte("]]>")
)

// scanXML decodes src into d in one pass, without reflection, when src is in
// the form WeChat sends and reports whether it was. That form is: optional
// white space; <xml> (or <xml/>); child elements, separated by white space
// only, each with an ASCII name and no attributes, empty (<Name/>) or
// holding character data (text, with the five predefined entities and
// character references, and CDATA sections) only; </xml>; optional white
// space. For such a document d holds exactly what decodeXML gives: the same
// text, newline normalization and character checks included.
//
// Anything else reports false, and d is then to be discarded: an XML
// declaration, a comment, a DOCTYPE, attributes, nested elements, text in
// the root, a namespace prefix, an undefined entity, a character XML
// forbids, or any error. Those bodies are left to decodeXML, which accepts or
// refuses them; scanXML never refuses one itself, so the two cannot differ.
func scanXML(src []byte, d *doc) bool {
	d.src = src
	i := skipSpace(src, 0)
	if !bytes.HasPrefix(src[i:], []byte("<xml")) {
		return false
	}
	i += len("<xml")
	switch {
	case bytes.HasPrefix(src[i:], []byte("/>")):
		i += 2
	case i < len(src) && src[i] == '>':
		i++
		for {
			i = skipSpace(src, i)
			if i+1 >= len(src) || src[i] != '<' {
				return false
			}
			if src[i+1] == '/' {
				if !bytes.HasPrefix(src[i:], []byte("</xml>")) {
					return false
				}
				i += len("</xml>")
				break
			}
			var ok bool
			if i, ok = d.element(src, i+1); !ok {
				return false
			}
		}
	default:
		return false
	}
	return skipSpace(src, i) == len(src)
}

// element reads the element whose name starts at src[i] (just after its
// '<') and returns the index after its end tag. A text that is one piece of
// src needing no decoding (one CDATA section, or text without references,
// without '\r') is not copied: its span is in src.
func (d *doc) element(src []byte, i int) (int, bool) {
	start := i
	if i >= len(src) || !nameStart(src[i]) {
		return 0, false
	}
	for i++; i < len(src) && nameByte(src[i]); i++ {
	}
	name := src[start:i]
	if i >= len(src) {
		return 0, false
	}
	from := len(d.buf)
	// While raw, the text read so far is src[rs:re] (pieces of them: 0 or
	// 1); otherwise it is d.buf[from:].
	raw, pieces, rs, re := true, 0, i, i
	switch src[i] {
	case '/':
		if i+1 >= len(src) || src[i+1] != '>' {
			return 0, false
		}
		i += 2
	case '>':
		i++
	content:
		for {
			if i >= len(src) {
				return 0, false
			}
			if src[i] != '<' {
				// Character data, up to the next markup.
				k := bytes.IndexByte(src[i:], '<')
				if k < 0 {
					return 0, false
				}
				run := src[i : i+k]
				if pieces == 0 && bytes.IndexByte(run, '&') < 0 && bytes.IndexByte(run, '\r') < 0 {
					if bytes.Contains(run, cdataClose) {
						return 0, false
					}
					rs, re = i, i+k
				} else {
					if raw {
						d.buf, raw = append(d.buf, src[rs:re]...), false
					}
					var ok bool
					if d.buf, ok = appendText(d.buf, run); !ok {
						return 0, false
					}
				}
				pieces++
				i += k
				continue
			}
			switch {
			case i+1 < len(src) && src[i+1] == '/':
				j := i + 2
				if len(src)-j <= len(name) || !bytes.Equal(src[j:j+len(name)], name) || src[j+len(name)] != '>' {
					return 0, false
				}
				i = j + len(name) + 1
				break content
			case bytes.HasPrefix(src[i:], cdataOpen):
				j := i + len(cdataOpen)
				k := bytes.Index(src[j:], cdataClose)
				if k < 0 {
					return 0, false
				}
				if pieces == 0 && bytes.IndexByte(src[j:j+k], '\r') < 0 {
					rs, re = j, j+k
				} else {
					if raw {
						d.buf, raw = append(d.buf, src[rs:re]...), false
					}
					d.buf = appendNewlines(d.buf, src[j:j+k])
				}
				pieces++
				i = j + k + len(cdataClose)
			default:
				return 0, false // a child element, a comment, ...
			}
		}
	default:
		return 0, false // attributes, white space, a namespace prefix, ...
	}
	var val []byte
	if raw {
		val = src[rs:re]
	} else {
		val = d.buf[from:]
	}
	if !xmlChars(val) {
		return 0, false
	}
	f := fieldIndex(name)
	switch f {
	case -1:
		d.buf = d.buf[:from]
		return i, true
	case fCreateTime:
		// As encoding/xml sets an int: empty is 0, else surrounding white
		// space is trimmed and the rest must be a base-10 int64.
		ct := int64(0)
		if len(val) > 0 {
			var err error
			if ct, err = strconv.ParseInt(string(bytes.TrimSpace(val)), 10, 64); err != nil {
				return 0, false
			}
		}
		d.createTime = ct
	}
	if raw {
		d.val[f], d.inSrc[f] = [2]int{rs, re}, true
	} else {
		d.val[f], d.inSrc[f] = [2]int{from, len(d.buf)}, false
	}
	d.has[f] = true
	return i, true
}

// skipSpace returns the index of the first byte at or after i that is not
// XML white space.
func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\n' || b[i] == '\t' || b[i] == '\r') {
		i++
	}
	return i
}

// nameStart reports whether c may start an element's name: an ASCII
// letter or '_'.
func nameStart(c byte) bool { return nameBytes[c]&nameFirst != 0 }

// nameByte reports whether c may follow in an element's name: a byte
// nameStart takes, a digit, '-' or '.'.
func nameByte(c byte) bool { return nameBytes[c]&nameRest != 0 }

// nameBytes marks each byte's place in an element's name (nameFirst,
// nameRest), so that the name is read with one lookup a byte.
var nameBytes = func() (t [256]uint8) {
	for c := range t {
		b := byte(c)
		if b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b == '_' {
			t[c] = nameFirst | nameRest
		} else if b >= '0' && b <= '9' || b == '-' || b == '.' {
			t[c] = nameRest
		}
	}
	return t
}()

const (
	nameFirst = 1 << iota
	nameRest
)

// appendNewlines appends s with "\r\n" and lone "\r" written as "\n", as XML
// (and encoding/xml) normalizes line ends.
func appendNewlines(b, s []byte) []byte {
	for {
		k := bytes.IndexByte(s, '\r')
		if k < 0 {
			return append(b, s...)
		}
		b = append(b, s[:k]...)
		b = append(b, '\n')
		s = s[k+1:]
		if len(s) > 0 && s[0] == '\n' {
			s = s[1:]
		}
	}
}

// appendText appends character data (outside CDATA) decoded: the entities
// lt, gt, amp, apos and quot and character references replaced, line ends
// normalized. It reports false for what encoding/xml refuses ("]]>", an
// entity it does not know or that does not end in ';').
func appendText(b, s []byte) ([]byte, bool) {
	if bytes.Contains(s, cdataClose) {
		return b, false
	}
	for {
		k := bytes.IndexByte(s, '&')
		if k < 0 {
			return appendNewlines(b, s), true
		}
		b = appendNewlines(b, s[:k])
		r, n := entity(s[k:])
		if n == 0 {
			return b, false
		}
		b = utf8.AppendRune(b, r)
		s = s[k+n:]
	}
}

// entity decodes the entity or character reference at the start of s (which
// starts with '&') as encoding/xml does, returning the rune and the length of
// the reference; 0 when it does not decode.
func entity(s []byte) (rune, int) {
	end := bytes.IndexByte(s, ';')
	if end < 0 {
		return 0, 0
	}
	ref := s[1:end]
	if len(ref) > 0 && ref[0] == '#' {
		digits, base := ref[1:], 10
		if len(digits) > 0 && digits[0] == 'x' {
			digits, base = digits[1:], 16
		}
		for _, c := range digits {
			if !(c >= '0' && c <= '9' || base == 16 && (c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F')) {
				return 0, 0
			}
		}
		n, err := strconv.ParseUint(string(digits), base, 64)
		if err != nil || n > unicode.MaxRune {
			return 0, 0
		}
		// string(rune(n)), as encoding/xml writes it: a surrogate becomes
		// U+FFFD, as utf8.AppendRune writes it.
		return rune(n), end + 1
	}
	switch string(ref) {
	case "lt":
		return '<', end + 1
	case "gt":
		return '>', end + 1
	case "amp":
		return '&', end + 1
	case "apos":
		return '\'', end + 1
	case "quot":
		return '"', end + 1
	}
	return 0, 0
}

// xmlChars reports whether b is UTF-8 made of characters XML 1.0 allows, the
// check encoding/xml makes on decoded text.
func xmlChars(b []byte) bool {
	for i := 0; i < len(b); {
		// Eight bytes at a time while they are all printable ASCII
		// (0x20..0x7F): no byte has its high bit set, and none is below
		// 0x20 (subtracting 0x20 from each borrows into no high bit).
		for ; i+8 <= len(b); i += 8 {
			w := binary.LittleEndian.Uint64(b[i:])
			if (w|(w-0x2020202020202020))&0x8080808080808080 != 0 {
				break
			}
		}
		if i >= len(b) {
			break
		}
		c := b[i]
		if c < utf8.RuneSelf {
			if c < 0x20 && c != '\t' && c != '\n' && c != '\r' {
				return false
			}
			i++
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n == 1 || r == 0xFFFE || r == 0xFFFF {
			return false
		}
		i += n
	}
	return true
}
