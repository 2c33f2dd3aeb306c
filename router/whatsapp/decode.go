package whatsapp

import (
	"bytes"
	"encoding/json"
	"sync"

	"github.com/omnisim/omnisim/jsonscan"
)

// scanner is the package's one-pass JSON reader: the decoders here are its
// methods.
type scanner struct {
	jsonscan.Scanner
	memo    memo   // see decode.go
	arena   arena  // see decode.go
	scratch []byte // where whole gathers the strings it allocates at once
	// strs makes the strings handed out (a sent message's wamid, a text
	// webhook's strings), which live about as long as their conversation.
	strs jsonscan.Arena
	// body is where a webhook's body is read (a buffer up to
	// maxPooledBuf is kept for the next one).
	body bytes.Buffer
	// last is the head read last (see readHead), kept for the next
	// webhook: an account's webhooks all start with the same.
	last lastHead
}

// lastHead is a head head matched: its bytes, and where in them its
// display number and phone number id are.
type lastHead struct {
	b                []byte
	display, account [2]int
}

// maxLastHead bounds the head a scanner keeps.
const maxLastHead = 512

// maxScratch is the largest scratch kept for the next webhook.
const maxScratch = 4 << 10

// The fast decoders: one pass over the body with the scanner, into the same
// types encoding/json fills (envelope.go). They give up (ok false) on
// anything they cannot decode exactly as encoding/json would, and the caller
// then asks encoding/json; decode_test.go checks both agree.

// scanners keeps scanners with their buffers and memo.
var scanners = sync.Pool{New: func() any { return new(scanner) }}

// Memo slots: strings that repeat from one webhook to the next (the business
// number, the customer, the wamid of a sent and a delivered status) are
// allocated once. A string equal to the memo's is the
// memo's.
const (
	memoDisplay = iota
	memoAccount
	memoPhone
	memoID
	numMemo
)

type memo [numMemo]string

// arena holds what the webhook decoder decodes into, reused from one
// webhook to the next: the values parse returns point into it until the
// scanner is released.
type arena struct {
	values   []changeValue
	vptrs    []*changeValue
	contacts []contact
	cptrs    []*contact
	msgs     []message
	texts    []textBody
	statuses []status
	sptrs    []*status
}

// maxArena is the largest arena slice kept for the next webhook.
const maxArena = 256

// resetArena empties s for the next webhook, letting go of what its
// elements point to; nil when it grew past maxArena. A webhook fills most
// slices with one element, or none, which are cleared in place without
// the runtime's call for a longer clear.
func resetArena[T any](s []T) []T {
	if cap(s) > maxArena {
		return nil
	}
	switch len(s) {
	case 0:
	case 1:
		var zero T
		s[0] = zero
	default:
		clear(s)
	}
	return s[:0]
}

// release returns the scanner to the pool; what it decoded is not to be
// used afterwards.
func (d *scanner) release() {
	d.Clear()
	if d.body.Cap() > maxPooledBuf {
		d.body = bytes.Buffer{}
	}
	// Each value a decode gives is in values: without one (a send's
	// answer) the other slices are empty too.
	if len(d.arena.values) != 0 {
		d.arena.reset()
	}
	scanners.Put(d)
}

// reset empties the arena for the next webhook.
//
//go:noinline
func (a *arena) reset() {
	a.values, a.vptrs, a.contacts, a.cptrs = resetArena(a.values), resetArena(a.vptrs), resetArena(a.contacts), resetArena(a.cptrs)
	a.msgs, a.texts, a.statuses, a.sptrs = resetArena(a.msgs), resetArena(a.texts), resetArena(a.statuses), resetArena(a.sptrs)
}

// parse is the package's parse with the fast decoder's values in the
// scanner's arena.
func (d *scanner) parse(body []byte, phoneID string) ([]*changeValue, error) {
	return d.parseHead(body, phoneID, d.readHead(body))
}

// parseHead is parse of a body whose head h is read.
func (d *scanner) parseHead(body []byte, phoneID string, h envHead) ([]*changeValue, error) {
	if values, ok := d.webhookHead(body, phoneID, h); ok {
		return values, nil
	}
	return parseReference(body, phoneID)
}

// memoStr decodes a string value through memo slot i.
func (d *scanner) memoStr(i int) string {
	b, ok := d.StrBytes()
	if !ok {
		return ""
	}
	return d.memoBytes(i, b)
}

// stamp decodes a timestamp: a string value (see stampOf).
func (d *scanner) stamp() stamp {
	b, ok := d.StrBytes()
	if !ok {
		return 0
	}
	return stampOf(b)
}

// memoBytes is b as a string, through memo slot i.
func (d *scanner) memoBytes(i int, b []byte) string {
	if d.memo[i] == string(b) {
		return d.memo[i]
	}
	s := string(b)
	d.memo[i] = s
	return s
}

var (
	namesRoot        = []string{"object", "entry"}
	namesEntry       = []string{"id", "changes"}
	namesChange      = []string{"field", "value"}
	namesValue       = []string{"messaging_product", "metadata", "contacts", "messages", "statuses"}
	namesMetadata    = []string{"display_phone_number", "phone_number_id"}
	namesContact     = []string{"profile", "wa_id"}
	namesProfile     = []string{"name"}
	namesMessage     = []string{"context", "from", "id", "timestamp", "type", "text", "image", "audio", "video", "document", "sticker", "button", "interactive", "reaction"}
	namesContext     = []string{"from", "id"}
	namesButton      = []string{"text", "payload"}
	namesReply       = []string{"id", "title"}
	namesReaction    = []string{"message_id", "emoji"}
	namesBody        = []string{"body"}
	namesMedia       = []string{"id", "mime_type", "sha256", "caption", "filename"}
	namesInteractive = []string{"button_reply", "list_reply"}
	namesStatus      = []string{"id", "status", "timestamp", "recipient_id", "errors"}
	namesError       = []string{"code", "title"}

	knownProducts = []string{"whatsapp"}
	knownTypes    = []string{"text", "image", "audio", "video", "document", "sticker", "button", "interactive", "reaction", "location", "contacts", "order", "system", "unsupported"}
	knownStatuses = []string{"sent", "delivered", "read", "failed"}
	knownMIME     = []string{"image/jpeg", "image/png", "image/webp", "audio/ogg", "audio/mpeg", "audio/aac", "audio/amr", "audio/mp4", "video/mp4", "video/3gpp", "application/pdf", "text/plain"}
)

// The head of the webhooks Meta sends, in Meta's order and without white
// space, up to the end of the first change value's metadata:
//
//	{"object":"whatsapp_business_account","entry":[{"id":<id>,"changes":[{"value":{
//	"messaging_product":"whatsapp","metadata":{"display_phone_number":<number>,
//	"phone_number_id":<id>}
//
// with the three strings plain (printable ASCII without escapes). A body
// that starts so is read from there on, in the state reading the head
// member by member leaves the decoders in (see resume); any other body is
// read from its start.
const (
	head0 = `{"object":"whatsapp_business_account","entry":[{"id":`
	head1 = `,"changes":[{"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":`
	head2 = `,"phone_number_id":`
)

// envHead is what head returns.
type envHead struct {
	n                int
	display, account []byte
	ok               bool
}

// readHead is head's results: at once when b starts with the head read
// last, which head would match the same way (it reads nothing past the
// head's end), else from head, keeping what it matched for the next.
func (d *scanner) readHead(b []byte) envHead {
	if l := &d.last; len(l.b) != 0 && len(b) >= len(l.b) && string(b[:len(l.b)]) == string(l.b) {
		return envHead{len(l.b), b[l.display[0]:l.display[1]], b[l.account[0]:l.account[1]], true}
	}
	return d.readNewHead(b)
}

// readNewHead is readHead of a head other than the last.
//
//go:noinline
func (d *scanner) readNewHead(b []byte) envHead {
	n, display, account, ok := head(b)
	if ok && n <= maxLastHead {
		d.last.b = append(d.last.b[:0], b[:n]...)
		d.last.display = offsets(b, display)
		d.last.account = offsets(b, account)
	}
	return envHead{n, display, account, ok}
}

// offsets is where sub, a slice of b, starts and ends in b.
func offsets(b, sub []byte) [2]int {
	start := cap(b) - cap(sub)
	return [2]int{start, start + len(sub)}
}

// head matches the head at the start of b and, when it does, returns its
// length, display number and phone number id.
func head(b []byte) (n int, display, account []byte, ok bool) {
	if !bytes.HasPrefix(b, []byte(head0)) {
		return 0, nil, nil, false
	}
	i := len(head0)
	if i = plainString(b, i); i < 0 || !bytes.HasPrefix(b[i:], []byte(head1)) {
		return 0, nil, nil, false
	}
	i += len(head1)
	start := i
	if i = plainString(b, i); i < 0 || !bytes.HasPrefix(b[i:], []byte(head2)) {
		return 0, nil, nil, false
	}
	display = b[start+1 : i-1]
	i += len(head2)
	start = i
	if i = plainString(b, i); i < 0 || i >= len(b) || b[i] != '}' {
		return 0, nil, nil, false
	}
	account = b[start+1 : i-1]
	return i + 1, display, account, true
}

// plainString returns the index after the plain JSON string starting at
// b[i] (jsonscan.PlainEnd: printable ASCII other than '"' and '\\'), or
// -1 when there is none.
func plainString(b []byte, i int) int {
	if i >= len(b) || b[i] != '"' {
		return -1
	}
	if j := jsonscan.PlainEnd(b, i+1); j < len(b) && b[j] == '"' {
		return j + 1
	}
	return -1
}

// The rest of the two webhooks Meta sends most, after the head: a status
// without an error (a conversation and pricing, the expiration only on
// "sent"), and a text message from one contact. In
// each, <s> is a plain string; the head's change value ends there, and
// its change is the only one, with field "messages".
//
//	,"statuses":[{"id":<s>,"status":<s>,"timestamp":<s>,"recipient_id":<s>,
//	"conversation":{"id":<s>[,"expiration_timestamp":<s>],"origin":{"type":<s>}},
//	"pricing":{"billable":true,"pricing_model":<s>,"category":<s>}}]}
//
//	,"contacts":[{"profile":{"name":<s>},"wa_id":<s>}],"messages":[{"from":<s>,
//	"id":<s>,"timestamp":<s>,"type":"text","text":{"body":<s>}}]}
const (
	tailStatus0 = `,"statuses":[{"id":`
	tailStatus1 = `,"status":`
	tailStatus2 = `,"timestamp":`
	tailStatus3 = `,"recipient_id":`
	tailStatus4 = `,"conversation":{"id":`
	tailStatus5 = `,"expiration_timestamp":`
	tailStatus6 = `,"origin":{"type":`
	tailStatus7 = `}},"pricing":{"billable":true,"pricing_model":`
	tailStatus8 = `,"category":`
	tailStatus9 = `}}]}`
	tailText0   = `,"contacts":[{"profile":{"name":`
	tailText1   = `},"wa_id":`
	tailText2   = `}],"messages":[{"from":`
	tailText3   = `,"id":`
	tailText4   = `,"timestamp":`
	tailText5   = `,"type":"text","text":{"body":`
	tailText6   = `}}]}`
	tailEnd     = `,"field":"messages"}]}]}`
)

// matcher reads a body against one of the forms above.
type matcher struct {
	b  []byte
	i  int
	ok bool
}

// lit consumes lit.
func (m *matcher) lit(lit string) {
	m.ok = m.try(lit)
}

// try consumes lit when it is next, and reports whether it was. lit is a
// constant where the method is inlined, and compared as one: a short one
// in a few loads rather than a call.
func (m *matcher) try(lit string) bool {
	if m.ok && len(m.b)-m.i >= len(lit) && string(m.b[m.i:m.i+len(lit)]) == lit {
		m.i += len(lit)
		return true
	}
	return false
}

// str consumes a plain string and returns its contents.
func (m *matcher) str() []byte {
	if !m.ok {
		return nil
	}
	j := plainString(m.b, m.i)
	if j < 0 {
		m.ok = false
		return nil
	}
	s := m.b[m.i+1 : j-1]
	m.i = j
	return s
}

// end checks that only white space is left.
func (m *matcher) end() bool {
	if !m.ok {
		return false
	}
	for _, c := range m.b[m.i:] {
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return false
		}
	}
	return true
}

// whole decodes rest, what follows the head, when it has one of the
// forms above, into the change value reading it member by member gives;
// nil when it has not.
func (d *scanner) whole(rest, display, account []byte) *changeValue {
	m := matcher{b: rest, ok: true}
	if m.try(tailStatus0) {
		id := m.str()
		m.lit(tailStatus1)
		st := m.str()
		m.lit(tailStatus2)
		ts := m.str()
		m.lit(tailStatus3)
		to := m.str()
		m.lit(tailStatus4)
		m.str()
		if m.try(tailStatus5) {
			m.str()
		}
		m.lit(tailStatus6)
		m.str()
		m.lit(tailStatus7)
		m.str()
		m.lit(tailStatus8)
		m.str()
		m.lit(tailStatus9)
		m.lit(tailEnd)
		if !m.end() {
			return nil
		}
		v := d.newValue(display, account)
		a := &d.arena
		if a.sptrs == nil {
			a.sptrs = make([]*status, 0, 4)
		}
		a.statuses = append(a.statuses, status{ID: d.memoBytes(memoID, id), Status: internBytes(st, knownStatuses),
			Timestamp: stampOf(ts), RecipientID: d.memoBytes(memoPhone, to)})
		start := len(a.sptrs)
		a.sptrs = append(a.sptrs, &a.statuses[len(a.statuses)-1])
		v.Statuses = a.sptrs[start:len(a.sptrs):len(a.sptrs)]
		return v
	}
	m.lit(tailText0)
	name := m.str()
	m.lit(tailText1)
	waID := m.str()
	m.lit(tailText2)
	from := m.str()
	m.lit(tailText3)
	id := m.str()
	m.lit(tailText4)
	ts := m.str()
	m.lit(tailText5)
	body := m.str()
	m.lit(tailText6)
	m.lit(tailEnd)
	if !m.end() {
		return nil
	}
	v := d.newValue(display, account)
	a := &d.arena
	if a.cptrs == nil {
		a.cptrs = make([]*contact, 0, 4)
	}
	if a.msgs == nil {
		a.msgs = make([]message, 0, 4)
	}
	// The name, the text, and the wa_id and wamid when the memo does not
	// hold them already, share one allocation: they are handed to the
	// Receiver together and live about as long as each other (dedupe
	// keeps a copy of the wamid, see package dedupe).
	phoneNew, idNew := d.memo[memoPhone] != string(waID), d.memo[memoID] != string(id)
	b := append(append(d.scratch[:0], name...), body...)
	if phoneNew {
		b = append(b, waID...)
	}
	if idNew {
		b = append(b, id...)
	}
	all := d.strs.Make(b)
	if cap(b) <= maxScratch {
		d.scratch = b[:0]
	}
	nameStr, all := all[:len(name)], all[len(name):]
	bodyStr, all := all[:len(body)], all[len(body):]
	if phoneNew {
		d.memo[memoPhone], all = all[:len(waID)], all[len(waID):]
	}
	if idNew {
		d.memo[memoID] = all[:len(id)]
	}
	a.contacts = append(a.contacts, contact{WaID: d.memo[memoPhone]})
	c := &a.contacts[len(a.contacts)-1]
	c.Profile.Name = nameStr
	start := len(a.cptrs)
	a.cptrs = append(a.cptrs, c)
	v.Contacts = a.cptrs[start:len(a.cptrs):len(a.cptrs)]
	a.texts = append(a.texts, textBody{Body: bodyStr})
	a.msgs = append(a.msgs, message{From: d.memoBytes(memoPhone, from), ID: d.memoBytes(memoID, id),
		Timestamp: stampOf(ts), Type: knownTypes[0], Text: &a.texts[len(a.texts)-1]})
	v.Messages = a.msgs[len(a.msgs)-1 : len(a.msgs) : len(a.msgs)]
	return v
}

// newValue is a new change value in the arena with the head's product
// and metadata.
func (d *scanner) newValue(display, account []byte) *changeValue {
	a := &d.arena
	a.values = append(a.values, changeValue{MessagingProduct: knownProducts[0]})
	v := &a.values[len(a.values)-1]
	v.Metadata.DisplayPhoneNumber = d.memoBytes(memoDisplay, display)
	v.Metadata.PhoneNumberID = d.memoBytes(memoAccount, account)
	return v
}

// internBytes is b as a string, the static copy when it is one of known.
func internBytes(b []byte, known []string) string {
	for _, k := range known {
		if k == string(b) {
			return k
		}
	}
	return string(b)
}

// resume is what reading the head leaves to the decoders: the first
// change value with its messaging_product and metadata read, inside the
// first change, of the first entry, whose id is read. Each decoder
// given it takes the part of the head at its level as read, and hands it
// on to the next.
type resume struct {
	display, account []byte
}

// webhook is parse's fast path.
func (d *scanner) webhook(body []byte, phoneID string) ([]*changeValue, bool) {
	return d.webhookHead(body, phoneID, d.readHead(body))
}

// webhookHead is webhook of a body whose head h is read.
func (d *scanner) webhookHead(body []byte, phoneID string, h envHead) ([]*changeValue, bool) {
	d.Reset(body)
	values := d.arena.vptrs[:0]
	waba := false
	var mask uint32
	var r *resume
	n := 0
	if k, display, account, ok := h.n, h.display, h.account, h.ok; ok {
		if v := d.whole(body[k:], display, account); v != nil {
			if v.Metadata.PhoneNumberID == phoneID {
				values = append(values, v)
			}
			d.arena.vptrs = values
			if len(values) == 0 {
				return nil, true
			}
			return values, true
		}
		d.Reset(body[k:]) // the scanner reads the rest
		r = &resume{display, account}
		waba, mask, n = true, 1, 1
		values = d.entries(phoneID, values, r) // the "entry" member
		mask |= 2
		n++
	} else if !d.Open('{') {
		return nil, false
	}
	for ; ; n++ {
		key, more := d.Member(n)
		if !more {
			break
		}
		switch string(key) {
		case "object":
			if d.Seen(&mask, 1) {
				b, ok := d.StrBytes()
				waba = ok && string(b) == "whatsapp_business_account"
			}
		case "entry":
			if d.Seen(&mask, 2) {
				values = d.entries(phoneID, values, nil)
			}
		default:
			d.Unknown(key, namesRoot...)
		}
	}
	if !d.End() {
		return nil, false
	}
	d.arena.vptrs = values
	if !waba || len(values) == 0 {
		return nil, true
	}
	return values, true
}

func (d *scanner) entries(phoneID string, values []*changeValue, r *resume) []*changeValue {
	if r == nil && !d.Open('[') {
		return values
	}
	for n := 0; r != nil || d.Element(n); n++ {
		var mask uint32
		m := 0
		if r != nil { // the first entry, its id read, at its "changes"
			values = d.changes(phoneID, values, r)
			r = nil
			mask, m = 1|2, 2
		} else if !d.Open('{') {
			return values
		}
		for ; ; m++ {
			key, more := d.Member(m)
			if !more {
				break
			}
			switch string(key) {
			case "id":
				if d.Seen(&mask, 1) {
					d.StrBytes()
				}
			case "changes":
				if d.Seen(&mask, 2) {
					values = d.changes(phoneID, values, nil)
				}
			default:
				d.Unknown(key, namesEntry...)
			}
		}
	}
	return values
}

func (d *scanner) changes(phoneID string, values []*changeValue, r *resume) []*changeValue {
	if r == nil && !d.Open('[') {
		return values
	}
	for n := 0; r != nil || d.Element(n); n++ {
		var mask uint32
		messages := false
		var v *changeValue
		m := 0
		if r != nil { // the first change, at its "value"
			v = d.changeValue(r)
			r = nil
			mask, m = 2, 1
		} else if !d.Open('{') {
			return values
		}
		for ; ; m++ {
			key, more := d.Member(m)
			if !more {
				break
			}
			switch string(key) {
			case "field":
				if d.Seen(&mask, 1) {
					b, ok := d.StrBytes()
					messages = ok && string(b) == "messages"
				}
			case "value":
				if d.Seen(&mask, 2) {
					v = d.changeValue(nil)
				}
			default:
				d.Unknown(key, namesChange...)
			}
		}
		if messages && v != nil && v.Metadata.PhoneNumberID != "" && v.Metadata.PhoneNumberID == phoneID {
			values = append(values, v)
		}
	}
	return values
}

func (d *scanner) changeValue(r *resume) *changeValue {
	if r == nil && !d.Open('{') {
		return nil
	}
	a := &d.arena
	a.values = append(a.values, changeValue{})
	v := &a.values[len(a.values)-1]
	var mask uint32
	n := 0
	if r != nil { // messaging_product and metadata read
		v.MessagingProduct = knownProducts[0]
		v.Metadata.DisplayPhoneNumber = d.memoBytes(memoDisplay, r.display)
		v.Metadata.PhoneNumberID = d.memoBytes(memoAccount, r.account)
		mask, n = 1|2, 2
	}
	for ; ; n++ {
		key, more := d.Member(n)
		if !more {
			break
		}
		switch string(key) {
		case "messaging_product":
			if d.Seen(&mask, 1) {
				v.MessagingProduct = d.StrIn(knownProducts)
			}
		case "metadata":
			if d.Seen(&mask, 2) {
				d.metadata(&v.Metadata)
			}
		case "contacts":
			if d.Seen(&mask, 4) {
				v.Contacts = d.contacts()
			}
		case "messages":
			if d.Seen(&mask, 8) {
				v.Messages = d.messages()
			}
		case "statuses":
			if d.Seen(&mask, 16) {
				v.Statuses = d.statuses()
			}
		default:
			d.Unknown(key, namesValue...)
		}
	}
	return v
}

func (d *scanner) metadata(md *metadata) {
	if !d.Open('{') {
		return
	}
	var mask uint32
	for n := 0; ; n++ {
		key, more := d.Member(n)
		if !more {
			break
		}
		switch string(key) {
		case "display_phone_number":
			if d.Seen(&mask, 1) {
				md.DisplayPhoneNumber = d.memoStr(memoDisplay)
			}
		case "phone_number_id":
			if d.Seen(&mask, 2) {
				md.PhoneNumberID = d.memoStr(memoAccount)
			}
		default:
			d.Unknown(key, namesMetadata...)
		}
	}
}

func (d *scanner) contacts() []*contact {
	if !d.Open('[') {
		return nil
	}
	a := &d.arena
	if a.cptrs == nil {
		a.cptrs = make([]*contact, 0, 4) // an empty array decodes as an empty slice, not nil
	}
	start := len(a.cptrs)
	for n := 0; d.Element(n); n++ {
		if !d.Open('{') {
			return nil
		}
		a.contacts = append(a.contacts, contact{})
		c := &a.contacts[len(a.contacts)-1]
		var mask uint32
		for m := 0; ; m++ {
			key, more := d.Member(m)
			if !more {
				break
			}
			switch string(key) {
			case "profile":
				if d.Seen(&mask, 1) {
					c.Profile.Name = d.OneStr("name", namesProfile, nil)
				}
			case "wa_id":
				if d.Seen(&mask, 2) {
					c.WaID = d.memoStr(memoPhone)
				}
			default:
				d.Unknown(key, namesContact...)
			}
		}
		a.cptrs = append(a.cptrs, c)
	}
	return a.cptrs[start:len(a.cptrs):len(a.cptrs)]
}

// twoStrings decodes an object whose declared fields are the strings a
// and b into *va and *vb; it reports whether an object was decoded (false
// for null, which encoding/json leaves as a nil pointer).
func (d *scanner) twoStrings(a, b string, names []string, va, vb *string) bool {
	if !d.Open('{') {
		return false
	}
	var mask uint32
	for n := 0; ; n++ {
		key, more := d.Member(n)
		if !more {
			break
		}
		switch string(key) {
		case a:
			if d.Seen(&mask, 1) {
				*va = d.Str()
			}
		case b:
			if d.Seen(&mask, 2) {
				*vb = d.Str()
			}
		default:
			d.Unknown(key, names...)
		}
	}
	return true
}

func (d *scanner) messages() []message {
	if !d.Open('[') {
		return nil
	}
	a := &d.arena
	if a.msgs == nil {
		a.msgs = make([]message, 0, 4)
	}
	start := len(a.msgs)
	for n := 0; d.Element(n); n++ {
		a.msgs = append(a.msgs, message{})
		d.message(&a.msgs[len(a.msgs)-1])
	}
	return a.msgs[start:len(a.msgs):len(a.msgs)]
}

func (d *scanner) message(m *message) {
	if !d.Open('{') {
		return
	}
	var mask uint32
	for n := 0; ; n++ {
		key, more := d.Member(n)
		if !more {
			break
		}
		switch string(key) {
		case "from":
			if d.Seen(&mask, 1<<0) {
				m.From = d.memoStr(memoPhone)
			}
		case "id":
			if d.Seen(&mask, 1<<1) {
				m.ID = d.memoStr(memoID)
			}
		case "timestamp":
			if d.Seen(&mask, 1<<2) {
				m.Timestamp = d.stamp()
			}
		case "type":
			if d.Seen(&mask, 1<<3) {
				m.Type = d.StrIn(knownTypes)
			}
		case "text":
			if d.Seen(&mask, 1<<4) {
				body := d.OneStr("body", namesBody, nil)
				d.arena.texts = append(d.arena.texts, textBody{Body: body})
				m.Text = &d.arena.texts[len(d.arena.texts)-1]
			}
		case "image":
			if d.Seen(&mask, 1<<5) {
				m.Image = d.media()
			}
		case "audio":
			if d.Seen(&mask, 1<<6) {
				m.Audio = d.media()
			}
		case "video":
			if d.Seen(&mask, 1<<7) {
				m.Video = d.media()
			}
		case "document":
			if d.Seen(&mask, 1<<8) {
				m.Document = d.media()
			}
		case "sticker":
			if d.Seen(&mask, 1<<9) {
				m.Sticker = d.media()
			}
		case "button":
			if d.Seen(&mask, 1<<10) {
				var bt buttonText
				if d.twoStrings("text", "payload", namesButton, &bt.Text, &bt.Payload) {
					m.Button = &bt
				}
			}
		case "interactive":
			if d.Seen(&mask, 1<<11) {
				m.Interactive = d.interactive()
			}
		case "context":
			if d.Seen(&mask, 1<<12) {
				var c msgContext
				if d.twoStrings("from", "id", namesContext, &c.From, &c.ID) {
					m.Context = &c
				}
			}
		case "reaction":
			if d.Seen(&mask, 1<<13) {
				var r reaction
				if d.twoStrings("message_id", "emoji", namesReaction, &r.MessageID, &r.Emoji) {
					m.Reaction = &r
				}
			}
		default:
			d.Unknown(key, namesMessage...)
		}
	}
}

func (d *scanner) media() *media {
	if !d.Open('{') {
		return nil
	}
	md := new(media)
	var mask uint32
	for n := 0; ; n++ {
		key, more := d.Member(n)
		if !more {
			break
		}
		switch string(key) {
		case "id":
			if d.Seen(&mask, 1) {
				md.ID = d.Str()
			}
		case "mime_type":
			if d.Seen(&mask, 2) {
				md.MIMEType = d.StrIn(knownMIME)
			}
		case "sha256":
			if d.Seen(&mask, 4) {
				md.SHA256 = d.Str()
			}
		case "caption":
			if d.Seen(&mask, 8) {
				md.Caption = d.Str()
			}
		case "filename":
			if d.Seen(&mask, 16) {
				md.Filename = d.Str()
			}
		default:
			d.Unknown(key, namesMedia...)
		}
	}
	return md
}

func (d *scanner) interactive() *interactive {
	if !d.Open('{') {
		return nil
	}
	it := new(interactive)
	var mask uint32
	for n := 0; ; n++ {
		key, more := d.Member(n)
		if !more {
			break
		}
		switch string(key) {
		case "button_reply":
			if d.Seen(&mask, 1) {
				var r reply
				if d.twoStrings("id", "title", namesReply, &r.ID, &r.Title) {
					it.ButtonReply = &r
				}
			}
		case "list_reply":
			if d.Seen(&mask, 2) {
				var r reply
				if d.twoStrings("id", "title", namesReply, &r.ID, &r.Title) {
					it.ListReply = &r
				}
			}
		default:
			d.Unknown(key, namesInteractive...)
		}
	}
	return it
}

func (d *scanner) statuses() []*status {
	if !d.Open('[') {
		return nil
	}
	a := &d.arena
	if a.sptrs == nil {
		a.sptrs = make([]*status, 0, 4)
	}
	start := len(a.sptrs)
	for n := 0; d.Element(n); n++ {
		if !d.Open('{') {
			return nil
		}
		a.statuses = append(a.statuses, status{})
		st := &a.statuses[len(a.statuses)-1]
		var mask uint32
		for m := 0; ; m++ {
			key, more := d.Member(m)
			if !more {
				break
			}
			switch string(key) {
			case "id":
				if d.Seen(&mask, 1) {
					st.ID = d.memoStr(memoID)
				}
			case "status":
				if d.Seen(&mask, 2) {
					st.Status = d.StrIn(knownStatuses)
				}
			case "timestamp":
				if d.Seen(&mask, 4) {
					st.Timestamp = d.stamp()
				}
			case "recipient_id":
				if d.Seen(&mask, 8) {
					st.RecipientID = d.memoStr(memoPhone)
				}
			case "errors":
				if d.Seen(&mask, 16) {
					st.Errors = d.statusErrors()
				}
			default:
				d.Unknown(key, namesStatus...)
			}
		}
		a.sptrs = append(a.sptrs, st)
	}
	return a.sptrs[start:len(a.sptrs):len(a.sptrs)]
}

func (d *scanner) statusErrors() []statusError {
	if !d.Open('[') {
		return nil
	}
	out := []statusError{}
	for n := 0; d.Element(n); n++ {
		if !d.Open('{') {
			return nil
		}
		var e statusError
		var mask uint32
		for m := 0; ; m++ {
			key, more := d.Member(m)
			if !more {
				break
			}
			switch string(key) {
			case "code":
				// A number; a string holding one is left to encoding/json.
				if d.Seen(&mask, 1) {
					if d.Peek() == '"' {
						d.Fail()
						break
					}
					e.Code = json.Number(d.Number())
				}
			case "title":
				if d.Seen(&mask, 2) {
					e.Title = d.Str()
				}
			default:
				d.Unknown(key, namesError...)
			}
		}
		out = append(out, e)
	}
	return out
}

var (
	namesAnswer   = []string{"messages"}
	namesMessage0 = []string{"id"}
)

// The pieces of Meta's answer to a send, around its three plain strings:
//
//	{"messaging_product":"whatsapp","contacts":[{"input":<s>,"wa_id":<s>}],"messages":[{"id":<s>}]}
const (
	answer0 = `{"messaging_product":"whatsapp","contacts":[{"input":`
	answer1 = `,"wa_id":`
	answer2 = `}],"messages":[{"id":`
	answer3 = `}]}`
)

// sendAnswer is messageID's fast path: messages[0].id of a send answer,
// every messages[].id checked to be a string as encoding/json does. An
// answer of Meta's form is matched whole.
func (d *scanner) sendAnswer(answer []byte) (string, bool) {
	m := matcher{b: answer, ok: true}
	m.lit(answer0)
	m.str()
	m.lit(answer1)
	m.str()
	m.lit(answer2)
	b := m.str()
	m.lit(answer3)
	if m.end() {
		return d.strs.Make(b), true
	}
	d.Reset(answer)
	var id string
	var mask uint32
	if !d.Open('{') {
		return "", false
	}
	for n := 0; ; n++ {
		key, more := d.Member(n)
		if !more {
			break
		}
		if string(key) != "messages" {
			d.Unknown(key, namesAnswer...)
			continue
		}
		if !d.Seen(&mask, 1) || !d.Open('[') {
			break
		}
		for m := 0; d.Element(m); m++ {
			if !d.Open('{') {
				break
			}
			var seen uint32
			for k := 0; ; k++ {
				key, more := d.Member(k)
				if !more {
					break
				}
				if string(key) != "id" {
					d.Unknown(key, namesMessage0...)
					continue
				}
				if !d.Seen(&seen, 1) {
					break
				}
				if m == 0 {
					id = d.Str()
				} else {
					d.StrBytes()
				}
			}
		}
	}
	if !d.End() {
		return "", false
	}
	return id, true
}
