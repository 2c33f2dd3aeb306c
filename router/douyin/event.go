package douyin

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// The events this adapter acts on.
const (
	EventVerify  = "verify_webhook"
	EventReceive = "im_receive_msg"
	EventEnter   = "im_enter_direct_msg"
	EventSend    = "im_send_msg" // the account sent a message (from the app, or by the API)
)

// Event is a Douyin webhook event as values.
type Event struct {
	Event      string
	MsgID      string // the Msg-Id header
	ClientKey  string
	FromUserID string
	ToUserID   string
	LogID      string
	// Challenge is verify_webhook's challenge as its JSON text: a number's
	// digits, or a quoted string.
	Challenge string
	Content   Content
}

// Content is an IM event's content.
type Content struct {
	ConversationShortID string
	ServerMessageID     string
	ConversationType    int
	CreateTime          int64 // Unix milliseconds
	MessageType         string
	Text                string
	Source              string
	NickName            string // user_infos[0].nick_name
	ResourceType        string
	ResourceSize        int64
	EntryPage           string
	Region              string
	POIID               string
}

// envelope is the JSON of an event; content is a JSON-encoded string for
// IM events and an object for verify_webhook.
type envelope struct {
	Event      string          `json:"event"`
	ClientKey  string          `json:"client_key"`
	FromUserID string          `json:"from_user_id"`
	ToUserID   string          `json:"to_user_id"`
	LogID      string          `json:"log_id"`
	Content    json.RawMessage `json:"content"`
}

type contentJSON struct {
	ConversationShortID string          `json:"conversation_short_id"`
	ServerMessageID     string          `json:"server_message_id"`
	ConversationType    int             `json:"conversation_type"`
	CreateTime          int64           `json:"create_time"`
	MessageType         string          `json:"message_type"`
	Text                string          `json:"text"`
	Source              string          `json:"source"`
	UserInfos           []userInfo      `json:"user_infos"`
	ResourceType        string          `json:"resource_type"`
	ResourceSize        int64           `json:"resource_size"`
	EntryPage           string          `json:"entry_page"`
	Region              string          `json:"region"`
	POIID               string          `json:"poi_id"`
	Challenge           json.RawMessage `json:"challenge"`
}

type userInfo struct {
	OpenID   string `json:"open_id"`
	NickName string `json:"nick_name"`
}

// ParseEvent decodes a webhook body into ev (all but MsgID, which is a
// header). It fails on anything that is not a JSON object with a string
// event, an IM event without a JSON content string holding an object, or a
// verify_webhook without a number or string challenge.
func ParseEvent(body []byte, ev *Event) error {
	if !utf8.Valid(body) {
		return errors.New("not UTF-8")
	}
	return parseEvent(body, ev, nil, nil)
}

// parseEvent is ParseEvent, with the strings of intern (the app's
// client_key, the account's open_id) shared rather than copied, and so
// the sender's open_id and conversation when known says it knows them
// (see fastEvent).
func parseEvent(body []byte, ev *Event, intern []string, known knownFunc) error {
	if !utf8.Valid(body) {
		return errors.New("not UTF-8")
	}
	if fastEvent(body, ev, intern, known) {
		return nil
	}
	return parseReference(body, ev)
}

// parseReference is ParseEvent with encoding/json alone: the reference the
// fast decoder is held to.
func parseReference(body []byte, ev *Event) error {
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil {
		return err
	}
	if env.Event == "" {
		return errors.New("no event")
	}
	*ev = Event{Event: env.Event, ClientKey: env.ClientKey, FromUserID: env.FromUserID, ToUserID: env.ToUserID, LogID: env.LogID}
	raw := bytes.TrimSpace(env.Content)
	if len(raw) > 0 && raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return fmt.Errorf("content: %w", err)
		}
		raw = []byte(s)
	}
	var c contentJSON
	switch {
	case len(raw) == 0 || string(raw) == "null":
		if env.Event == EventVerify || env.Event == EventReceive {
			return errors.New("no content")
		}
	default:
		if raw[0] != '{' {
			return errors.New("content is not an object")
		}
		if err := json.Unmarshal(raw, &c); err != nil {
			return fmt.Errorf("content: %w", err)
		}
	}
	if env.Event == EventVerify {
		ch := bytes.TrimSpace(c.Challenge)
		if len(ch) == 0 {
			return errors.New("verify_webhook without a challenge")
		}
		var n json.Number
		var s string
		switch {
		case json.Unmarshal(ch, &n) == nil && ch[0] != '"':
			if _, err := strconv.ParseFloat(string(n), 64); err != nil {
				return errors.New("bad challenge")
			}
			ev.Challenge = string(n)
		case json.Unmarshal(ch, &s) == nil:
			q, _ := json.Marshal(s)
			ev.Challenge = string(q)
		default:
			return errors.New("challenge is neither a number nor a string")
		}
		return nil
	}
	ev.Content = Content{ConversationShortID: c.ConversationShortID, ServerMessageID: c.ServerMessageID,
		ConversationType: c.ConversationType, CreateTime: c.CreateTime, MessageType: c.MessageType, Text: c.Text,
		Source: c.Source, ResourceType: c.ResourceType, ResourceSize: c.ResourceSize,
		EntryPage: c.EntryPage, Region: c.Region, POIID: c.POIID}
	if len(c.UserInfos) > 0 {
		ev.Content.NickName = c.UserInfos[0].NickName
	}
	if env.Event == EventReceive && (ev.Content.ServerMessageID == "" || env.FromUserID == "") {
		return errors.New("im_receive_msg without server_message_id or from_user_id")
	}
	return nil
}
