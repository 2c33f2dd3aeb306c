package whatsapp

import "encoding/json"

// The webhook envelope as Meta documents it, decoded by the scanner's
// one-pass decoder (decode.go) or, when that gives up, by encoding/json into
// the same types:
//
//	{"object":"whatsapp_business_account","entry":[{"id":..,"changes":[{
//	  "value":{"messaging_product":"whatsapp",
//	           "metadata":{"display_phone_number":..,"phone_number_id":..},
//	           "contacts":[{"profile":{"name":..},"wa_id":..}],
//	           "messages":[{"from":..,"id":..,"timestamp":..,"type":..,"text":{"body":..},..}],
//	           "statuses":[{"id":..,"status":..,"timestamp":..,"recipient_id":..,"errors":[{"code":..,"title":..}]}]},
//	  "field":"messages"}]}]}
//
// Meta puts "value" before "field", so every change's value is decoded as a
// [changeValue] in one pass, whatever its field (see the package
// documentation), and only those of "messages" changes are used.

// webhook is a notification body.
type webhook struct {
	Object string  `json:"object"`
	Entry  []entry `json:"entry"`
}

type entry struct {
	ID      string   `json:"id"`
	Changes []change `json:"changes"`
}

type change struct {
	Field string       `json:"field"`
	Value *changeValue `json:"value"`
}

// changeValue is the value of a change with field "messages". Null elements
// of contacts and statuses decode as nil and are skipped; a null message
// has neither from nor id and is skipped too.
type changeValue struct {
	MessagingProduct string     `json:"messaging_product"`
	Metadata         metadata   `json:"metadata"`
	Contacts         []*contact `json:"contacts"`
	Messages         []message  `json:"messages"`
	Statuses         []*status  `json:"statuses"`
}

type metadata struct {
	DisplayPhoneNumber string `json:"display_phone_number"`
	PhoneNumberID      string `json:"phone_number_id"`
}

type contact struct {
	Profile struct {
		Name string `json:"name"`
	} `json:"profile"`
	WaID string `json:"wa_id"`
}

type message struct {
	Context     *msgContext  `json:"context"`
	From        string       `json:"from"`
	ID          string       `json:"id"`
	Timestamp   stamp        `json:"timestamp"`
	Type        string       `json:"type"`
	Text        *textBody    `json:"text"`
	Image       *media       `json:"image"`
	Audio       *media       `json:"audio"`
	Video       *media       `json:"video"`
	Document    *media       `json:"document"`
	Sticker     *media       `json:"sticker"`
	Button      *buttonText  `json:"button"`
	Interactive *interactive `json:"interactive"`
	Reaction    *reaction    `json:"reaction"`
}

// msgContext names the message a customer's message replies to.
type msgContext struct {
	From string `json:"from"`
	ID   string `json:"id"`
}

// reaction is a customer's emoji reaction; a removed reaction has no emoji.
type reaction struct {
	MessageID string `json:"message_id"`
	Emoji     string `json:"emoji"`
}

type textBody struct {
	Body string `json:"body"`
}

type buttonText struct {
	Text    string `json:"text"`
	Payload string `json:"payload"`
}

type interactive struct {
	ButtonReply *reply `json:"button_reply"`
	ListReply   *reply `json:"list_reply"`
}

type media struct {
	ID       string `json:"id"`
	MIMEType string `json:"mime_type"`
	SHA256   string `json:"sha256"`
	Caption  string `json:"caption"`
	Filename string `json:"filename"`
}

type reply struct {
	ID    string `json:"id"`
	Title string `json:"title"`
}

type status struct {
	ID          string        `json:"id"`
	Status      string        `json:"status"`
	Timestamp   stamp         `json:"timestamp"`
	RecipientID string        `json:"recipient_id"`
	Errors      []statusError `json:"errors"`
}

type statusError struct {
	Code  json.Number `json:"code"`
	Title string      `json:"title"`
}

// media returns the media object of a message of an attachment type: the
// object named by its type, or nil when it has none (or is not of a media
// type).
func (m *message) media() *media {
	switch m.Type {
	case "image":
		return m.Image
	case "audio":
		return m.Audio
	case "video":
		return m.Video
	case "document":
		return m.Document
	case "sticker":
		return m.Sticker
	}
	return nil
}

// errorCode is the code of a status's first error, or "".
func (s *status) errorCode() string {
	if len(s.Errors) == 0 {
		return ""
	}
	return s.Errors[0].Code.String()
}

// contactName is the profile name of the contact whose wa_id is waID; when
// there is none and exactly one other contact, that contact's name.
func contactName(contacts []*contact, waID string) string {
	var other *contact
	n := 0
	for _, c := range contacts {
		if c == nil {
			continue
		}
		if c.WaID == waID {
			return c.Profile.Name
		}
		other = c
		n++
	}
	if n == 1 {
		return other.Profile.Name
	}
	return ""
}

// parse decodes a (verified) webhook body and returns the values of its
// "messages" changes for phone number id phoneID, in order. Every change is
// decoded, whatever its object, field and phone number id, so that a
// malformed one is an error however it is addressed; an error means nothing
// of the body is to be processed. The fast decoder answers when it can, and
// encoding/json (parseReference) otherwise; both give the same result.
func parse(body []byte, phoneID string) ([]*changeValue, error) {
	return new(scanner).parse(body, phoneID)
}

// parseReference is parse with encoding/json alone: the definition of what
// is accepted and how it is decoded.
func parseReference(body []byte, phoneID string) ([]*changeValue, error) {
	var w webhook
	if err := json.Unmarshal(body, &w); err != nil {
		return nil, err
	}
	var values []*changeValue
	for i := range w.Entry {
		for j := range w.Entry[i].Changes {
			c := &w.Entry[i].Changes[j]
			if c.Field != "messages" || c.Value == nil {
				continue
			}
			v := c.Value
			if id := v.Metadata.PhoneNumberID; id != "" && id == phoneID {
				values = append(values, v)
			}
		}
	}
	if w.Object != "whatsapp_business_account" {
		return nil, nil
	}
	return values, nil
}
