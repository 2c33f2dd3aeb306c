package wechat

import (
	"time"

	"github.com/omnisim/omnisim/router"
)

// MaxTextLength is the longest text, in bytes of UTF-8, [Policy] lets the
// router send: WeChat counts a text's length in bytes (2048), so a Chinese
// text reaches it at 683 characters. The router refuses longer ones as
// text_too_long rather than letting the platform decide.
const MaxTextLength = 2048

// Policy returns the router's policy for WeChat Official Accounts: a 48-hour
// customer-service window restarted by every customer message, at most 5
// messages sent per customer message (a customer message gives the allowance
// back), no templates (template messages are a different WeChat API, not
// modelled here), a new conversation when a customer writes after the window
// expired, texts of at most [MaxTextLength] bytes, and the attachments
// WeChat accepts for customer-service messages: images (jpeg, jpg, png) up to
// 10 MB, audio (mp3, mpeg, amr) up to 2 MB and video (mp4) up to 10 MB.
// Documents and stickers are not listed, so the router refuses them
// (attachment_type).
func Policy() router.Policy {
	const mb = 1 << 20
	return router.Policy{
		Window:                     48 * time.Hour,
		WindowAnchor:               router.AnchorLastInbound,
		ReplyLimit:                 5,
		ReplyLimitReset:            router.ResetOnInbound,
		TemplatesOutsideWindow:     false,
		NewConversationAfterWindow: true,
		MaxTextBytes:               MaxTextLength,
		Attachments: map[string]router.AttachmentRule{
			"image": {Formats: []string{"jpeg", "png", "jpg"}, MaxBytes: 10 * mb},
			"audio": {Formats: []string{"mp3", "mpeg", "amr"}, MaxBytes: 2 * mb},
			"video": {Formats: []string{"mp4"}, MaxBytes: 10 * mb},
		},
	}
}
