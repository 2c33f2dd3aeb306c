package line

import "testing"

// TestWebhookWord holds the words read without a copy to the event,
// mode, source and message types, and nothing else.
func TestWebhookWord(t *testing.T) {
	for _, w := range []string{"message", "active", "standby", "user", "text", "image", "video", "audio", "sticker", "file", "follow", "unfollow", "group", "room"} {
		if got := webhookWord([]byte(w)); got != w {
			t.Errorf("webhookWord(%q) = %q", w, got)
		}
	}
	for _, w := range []string{"", "Message", "messages", "mess", "U123", "postback"} {
		if got := webhookWord([]byte(w)); got != "" {
			t.Errorf("webhookWord(%q) = %q, want \"\"", w, got)
		}
	}
}
