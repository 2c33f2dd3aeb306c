package douyin

import (
	"strings"
	"testing"
)

// twiceEncoded is AppendBody's content field built the long way: the
// content object encoded, then encoded again as a JSON string.
func twiceEncoded(c *Content) string {
	b := appendField(append([]byte(nil), '{'), "conversation_short_id", c.ConversationShortID)
	if c.ServerMessageID != "" {
		b = appendField(b, "server_message_id", c.ServerMessageID)
	}
	b = appendIntField(b, "conversation_type", int64(c.ConversationType))
	b = appendIntField(b, "create_time", c.CreateTime)
	if c.MessageType != "" {
		b = appendField(b, "message_type", c.MessageType)
		if c.MessageType == "text" {
			b = appendField(b, "text", c.Text)
		} else {
			b = appendField(b, "resource_type", c.ResourceType)
			b = appendIntField(b, "resource_size", c.ResourceSize)
		}
		b = appendField(b, "source", c.Source)
	}
	b = appendField(append(b, `,"user_infos":[{`...), "open_id", c.OpenID)
	b = appendField(b, "nick_name", c.NickName)
	b = appendField(b, "avatar", c.Avatar)
	b = append(b, "}]"...)
	if c.EntryPage != "" {
		b = appendField(b, "entry_page", c.EntryPage)
	}
	if c.Region != "" {
		b = appendField(b, "region", c.Region)
	}
	if c.POIID != "" {
		b = appendField(b, "poi_id", c.POIID)
	}
	return string(appendText(nil, append(b, '}')))
}

// TestAppendContentIsTwiceEncoded holds the one-pass content encoder to
// the two passes it replaces, byte for byte.
func TestAppendContentIsTwiceEncoded(t *testing.T) {
	texts := []string{
		"", "hello", `say "hi"`, `back\slash`, "line\nbreak\r\ttab", "bell\x07\x1f",
		"caf\u00e9 \u4f60\u597d", "bad \xff\xfe utf8", "\ufffd kept", "del\x7f",
		strings.Repeat(`"\`, 200), strings.Repeat("x", 300) + "\"", "\u2028\u2029",
	}
	for _, text := range texts {
		for _, mt := range []string{"text", "image", ""} {
			c := Content{ConversationShortID: "c" + text, ServerMessageID: "m1", ConversationType: 1,
				CreateTime: 1700000000123, MessageType: mt, Text: text, Source: "s" + text,
				OpenID: "o", NickName: text, Avatar: "https://a/" + text, ResourceType: "jpeg",
				ResourceSize: 42, EntryPage: text, Region: "r", POIID: text}
			want := twiceEncoded(&c)
			got := `"` + string(appendContent(nil, &c)) + `"`
			if got != want {
				t.Errorf("text %q, type %q:\n got %s\nwant %s", text, mt, got, want)
			}
		}
	}
}
