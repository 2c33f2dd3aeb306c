package whatsapp

// Append encoders of the reply content of inbound messages (context,
// button, interactive, reaction): byte for byte what EncodeEscaped
// produces for the same values, as the other append encoders.

// appendContext appends the "context" member and its trailing comma.
func appendContext(b []byte, c *MessageContext) []byte {
	b = append(b, `"context":{"from":`...)
	b = appendString(b, c.From)
	b = append(b, `,"id":`...)
	b = appendString(b, c.ID)
	return append(b, `},`...)
}

func appendReplyItem(b []byte, r *ReplyItem) []byte {
	b = append(b, `{"id":`...)
	b = appendString(b, r.ID)
	b = append(b, `,"title":`...)
	b = appendString(b, r.Title)
	if r.Description != "" {
		b = append(b, `,"description":`...)
		b = appendString(b, r.Description)
	}
	return append(b, '}')
}

// appendReplyContent appends the button, interactive and reaction members
// of m that are set, each with its leading comma.
func appendReplyContent(b []byte, m *InboundMessage) []byte {
	if bt := m.Button; bt != nil {
		b = append(b, `,"button":{"text":`...)
		b = appendString(b, bt.Text)
		b = append(b, `,"payload":`...)
		b = appendString(b, bt.Payload)
		b = append(b, '}')
	}
	if it := m.Interactive; it != nil {
		b = append(b, `,"interactive":{"type":`...)
		b = appendString(b, it.Type)
		if it.ButtonReply != nil {
			b = append(b, `,"button_reply":`...)
			b = appendReplyItem(b, it.ButtonReply)
		}
		if it.ListReply != nil {
			b = append(b, `,"list_reply":`...)
			b = appendReplyItem(b, it.ListReply)
		}
		b = append(b, '}')
	}
	if r := m.Reaction; r != nil {
		b = append(b, `,"reaction":{"message_id":`...)
		b = appendString(b, r.MessageID)
		if r.Emoji != "" {
			b = append(b, `,"emoji":`...)
			b = appendString(b, r.Emoji)
		}
		b = append(b, '}')
	}
	return b
}
