package whatsapp

// Decoding of the webhook envelope:
//
//	{"object":"whatsapp_business_account","entry":[{"id":..,"changes":[{
//	  "value":{"metadata":{"phone_number_id":..},
//	           "contacts":[{"profile":{"name":..},"wa_id":..}],
//	           "messages":[{"from":..,"id":..,"timestamp":..,"type":..,"text":{"body":..},..}],
//	           "statuses":[{"id":..,"status":..,"recipient_id":..,"errors":[{"code":..}]}]},
//	  "field":"messages"}]}]}
//
// The whole body must be valid JSON. In changes with field "messages", the
// fields the adapter reads must have their documented types (a string, an
// object, an array, a number for an error code; null counts as absent);
// every other field is skipped. Values of other fields are only checked to
// be JSON, since Meta puts "value" before "field".

// Message types, as far as the adapter distinguishes them.
type msgType uint8

const (
	typeOther msgType = iota
	typeText
	typeImage
	typeAudio
	typeVideo
	typeDocument
	typeSticker
	typeButton
	typeInteractive
)

// Media kinds index wireMsg.media; mediaKind[t] is the kind of a media
// type, or -1.
const numMedia = 5

var mediaKinds = [numMedia]string{"image", "audio", "video", "document", "sticker"}

func mediaIndex(t msgType) int {
	if t >= typeImage && t <= typeSticker {
		return int(t - typeImage)
	}
	return -1
}

func typeOf(b []byte) msgType {
	switch string(b) {
	case "text":
		return typeText
	case "image":
		return typeImage
	case "audio":
		return typeAudio
	case "video":
		return typeVideo
	case "document":
		return typeDocument
	case "sticker":
		return typeSticker
	case "button":
		return typeButton
	case "interactive":
		return typeInteractive
	}
	return typeOther
}

type wireMedia struct {
	present   bool
	mimeKnown bool   // the MIME type is in the format table
	format    string // FormatOf(mime_type)
	caption   string
	filename  string
}

type wireMsg struct {
	value       int // index of the change value, for contacts
	from, id    string
	typ         msgType
	text        string // text.body
	button      string // button.text
	buttonReply string // interactive.button_reply.title
	listReply   string // interactive.list_reply.title
	hasButton   bool   // interactive.button_reply present
	media       [numMedia]wireMedia
}

type wireStatus struct {
	id, status, recipient, code string
}

type wireContact struct {
	value      int
	waID, name string
}

// notification is one decoded webhook body: the messages, statuses and
// contacts of its "messages" changes for this adapter's phone number id.
// Notifications are pooled and reused.
type notification struct {
	sc       scanner
	values   int
	msgs     []wireMsg
	statuses []wireStatus
	contacts []wireContact
}

func (n *notification) reset() {
	n.values = 0
	n.msgs = n.msgs[:0]
	n.statuses = n.statuses[:0]
	n.contacts = n.contacts[:0]
}

// parse decodes body, keeping the changes of phone number id phoneID. On
// error the notification holds nothing.
func (n *notification) parse(body []byte, phoneID string) error {
	n.reset()
	err := n.parseBody(body, phoneID)
	if err != nil {
		n.reset()
	}
	return err
}

func (n *notification) parseBody(body []byte, phoneID string) error {
	s := &n.sc
	s.reset(body)
	isNull, err := s.beginObject()
	if err != nil {
		return err
	}
	waba := false
	if !isNull {
		for first := true; ; first = false {
			k, more, err := s.key(first)
			if err != nil {
				return err
			}
			if !more {
				break
			}
			switch string(k) {
			case "object":
				v, err := s.strBytes()
				if err != nil {
					return err
				}
				waba = string(v) == "whatsapp_business_account"
			case "entry":
				err = n.entries(phoneID)
			default:
				err = s.skip()
			}
			if err != nil {
				return err
			}
		}
	}
	if !s.end() {
		return errMalformed
	}
	if !waba {
		n.reset()
	}
	return nil
}

func (n *notification) entries(phoneID string) error {
	s := &n.sc
	if isNull, err := s.beginArray(); isNull || err != nil {
		return err
	}
	for first := true; ; first = false {
		if more, err := s.elem(first); !more || err != nil {
			return err
		}
		isNull, err := s.beginObject()
		if err != nil {
			return err
		}
		if isNull {
			continue
		}
		for first := true; ; first = false {
			k, more, err := s.key(first)
			if err != nil {
				return err
			}
			if !more {
				break
			}
			if string(k) == "changes" {
				err = n.changes(phoneID)
			} else {
				err = s.skip()
			}
			if err != nil {
				return err
			}
		}
	}
}

func (n *notification) changes(phoneID string) error {
	s := &n.sc
	if isNull, err := s.beginArray(); isNull || err != nil {
		return err
	}
	for first := true; ; first = false {
		if more, err := s.elem(first); !more || err != nil {
			return err
		}
		isNull, err := s.beginObject()
		if err != nil {
			return err
		}
		if isNull {
			continue
		}
		messages, valueAt := false, -1
		for first := true; ; first = false {
			k, more, err := s.key(first)
			if err != nil {
				return err
			}
			if !more {
				break
			}
			switch string(k) {
			case "field":
				v, err := s.strBytes()
				if err != nil {
					return err
				}
				messages = string(v) == "messages"
			case "value":
				s.peek()
				valueAt = s.i
				err = s.skip()
			default:
				err = s.skip()
			}
			if err != nil {
				return err
			}
		}
		if messages && valueAt >= 0 {
			end := s.i
			s.i = valueAt
			if err := n.value(phoneID); err != nil {
				return err
			}
			s.i = end
		}
	}
}

// value decodes one change value; its content is dropped unless its
// metadata.phone_number_id is phoneID.
func (n *notification) value(phoneID string) error {
	s := &n.sc
	isNull, err := s.beginObject()
	if isNull || err != nil {
		return err
	}
	m0, st0, c0 := len(n.msgs), len(n.statuses), len(n.contacts)
	idx := n.values
	n.values++
	ours := false
	for first := true; ; first = false {
		k, more, err := s.key(first)
		if err != nil {
			return err
		}
		if !more {
			break
		}
		switch string(k) {
		case "metadata":
			err = n.metadata(phoneID, &ours)
		case "contacts":
			err = n.contactList(idx)
		case "messages":
			err = n.messages(idx)
		case "statuses":
			err = n.statusList()
		default:
			err = s.skip()
		}
		if err != nil {
			return err
		}
	}
	if !ours {
		clear(n.msgs[m0:])
		clear(n.statuses[st0:])
		clear(n.contacts[c0:])
		n.msgs, n.statuses, n.contacts = n.msgs[:m0], n.statuses[:st0], n.contacts[:c0]
	}
	return nil
}

func (n *notification) metadata(phoneID string, ours *bool) error {
	s := &n.sc
	isNull, err := s.beginObject()
	if isNull || err != nil {
		return err
	}
	for first := true; ; first = false {
		k, more, err := s.key(first)
		if err != nil || !more {
			return err
		}
		if string(k) == "phone_number_id" {
			v, err := s.strBytes()
			if err != nil {
				return err
			}
			*ours = string(v) == phoneID
		} else if err := s.skip(); err != nil {
			return err
		}
	}
}

func (n *notification) contactList(idx int) error {
	s := &n.sc
	if isNull, err := s.beginArray(); isNull || err != nil {
		return err
	}
	for first := true; ; first = false {
		if more, err := s.elem(first); !more || err != nil {
			return err
		}
		isNull, err := s.beginObject()
		if err != nil {
			return err
		}
		if isNull {
			continue
		}
		c := wireContact{value: idx}
		for first := true; ; first = false {
			k, more, err := s.key(first)
			if err != nil {
				return err
			}
			if !more {
				break
			}
			switch string(k) {
			case "wa_id":
				c.waID, err = s.str()
			case "profile":
				err = n.object(func(k []byte) (bool, error) {
					if string(k) != "name" {
						return false, nil
					}
					var err error
					c.name, err = s.str()
					return true, err
				})
			default:
				err = s.skip()
			}
			if err != nil {
				return err
			}
		}
		n.contacts = append(n.contacts, c)
	}
}

// object walks an object (or null): field is called for each key and
// reports whether it consumed the value; values it did not consume are
// skipped.
func (n *notification) object(field func(k []byte) (bool, error)) error {
	s := &n.sc
	isNull, err := s.beginObject()
	if isNull || err != nil {
		return err
	}
	for first := true; ; first = false {
		k, more, err := s.key(first)
		if err != nil || !more {
			return err
		}
		used, err := field(k)
		if err != nil {
			return err
		}
		if !used {
			if err := s.skip(); err != nil {
				return err
			}
		}
	}
}

// stringField reads the string value of key name of an object (or null)
// into *dst, skipping the other keys; present reports whether the object
// was there.
func (n *notification) stringField(name string, dst *string) (present bool, err error) {
	s := &n.sc
	if s.peek() == 'n' {
		return false, s.literal("null")
	}
	return true, n.object(func(k []byte) (bool, error) {
		if string(k) != name {
			return false, nil
		}
		var err error
		*dst, err = s.str()
		return true, err
	})
}

func (n *notification) messages(idx int) error {
	s := &n.sc
	if isNull, err := s.beginArray(); isNull || err != nil {
		return err
	}
	for first := true; ; first = false {
		if more, err := s.elem(first); !more || err != nil {
			return err
		}
		if s.peek() == 'n' {
			if err := s.literal("null"); err != nil {
				return err
			}
			continue
		}
		if len(n.msgs) < cap(n.msgs) {
			n.msgs = n.msgs[:len(n.msgs)+1]
			n.msgs[len(n.msgs)-1] = wireMsg{}
		} else {
			n.msgs = append(n.msgs, wireMsg{})
		}
		m := &n.msgs[len(n.msgs)-1]
		m.value = idx
		if err := n.message(m); err != nil {
			return err
		}
	}
}

func (n *notification) message(m *wireMsg) error {
	s := &n.sc
	return n.object(func(k []byte) (bool, error) {
		var err error
		switch string(k) {
		case "from":
			m.from, err = s.str()
		case "id":
			m.id, err = s.str()
		case "type":
			var v []byte
			v, err = s.strBytes()
			m.typ = typeOf(v)
		case "text":
			_, err = n.stringField("body", &m.text)
		case "button":
			_, err = n.stringField("text", &m.button)
		case "interactive":
			err = n.object(func(k []byte) (bool, error) {
				switch string(k) {
				case "button_reply":
					present, err := n.stringField("title", &m.buttonReply)
					m.hasButton = m.hasButton || present
					return true, err
				case "list_reply":
					_, err := n.stringField("title", &m.listReply)
					return true, err
				}
				return false, nil
			})
		case "image", "audio", "video", "document", "sticker":
			err = n.media(&m.media[mediaIndex(typeOf(k))])
		default:
			return false, nil
		}
		return true, err
	})
}

func (n *notification) media(md *wireMedia) error {
	s := &n.sc
	if s.peek() == 'n' {
		return s.literal("null")
	}
	*md = wireMedia{present: true}
	return n.object(func(k []byte) (bool, error) {
		var err error
		switch string(k) {
		case "mime_type":
			var v []byte
			if v, err = s.strBytes(); err == nil {
				md.format, md.mimeKnown = formatOfBytes(v)
			}
		case "caption":
			md.caption, err = s.str()
		case "filename":
			md.filename, err = s.str()
		default:
			return false, nil
		}
		return true, err
	})
}

func (n *notification) statusList() error {
	s := &n.sc
	if isNull, err := s.beginArray(); isNull || err != nil {
		return err
	}
	for first := true; ; first = false {
		if more, err := s.elem(first); !more || err != nil {
			return err
		}
		if s.peek() == 'n' {
			if err := s.literal("null"); err != nil {
				return err
			}
			continue
		}
		var st wireStatus
		err := n.object(func(k []byte) (bool, error) {
			var err error
			switch string(k) {
			case "id":
				st.id, err = s.str()
			case "status":
				var v []byte
				if v, err = s.strBytes(); err == nil {
					st.status = statusName(v)
				}
			case "recipient_id":
				st.recipient, err = s.str()
			case "errors":
				err = n.errorCodes(&st.code)
			default:
				return false, nil
			}
			return true, err
		})
		if err != nil {
			return err
		}
		n.statuses = append(n.statuses, st)
	}
}

// errorCodes reads an errors array, keeping the code of its first entry.
func (n *notification) errorCodes(code *string) error {
	s := &n.sc
	*code = ""
	if isNull, err := s.beginArray(); isNull || err != nil {
		return err
	}
	for i := 0; ; i++ {
		if more, err := s.elem(i == 0); !more || err != nil {
			return err
		}
		err := n.object(func(k []byte) (bool, error) {
			if string(k) != "code" {
				return false, nil
			}
			v, err := s.number()
			if err == nil && i == 0 {
				*code = string(v)
			}
			return true, err
		})
		if err != nil {
			return err
		}
	}
}

// statusName returns the status without allocating for the known ones.
func statusName(v []byte) string {
	switch string(v) {
	case "sent":
		return "sent"
	case "delivered":
		return "delivered"
	case "read":
		return "read"
	case "failed":
		return "failed"
	case "deleted":
		return "deleted"
	case "warning":
		return "warning"
	}
	return string(v)
}
