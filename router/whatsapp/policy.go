package whatsapp

import (
	"time"

	"github.com/omnisim/omnisim/router"
)

// Policy returns the router's policy for WhatsApp: a 24-hour
// customer-service window restarted by every customer message, templates
// allowed outside it (they do not reopen it), text bodies of at most 4096
// characters, and Meta's media types and sizes.
func Policy() router.Policy {
	const mb = 1 << 20
	return router.Policy{
		Window:                 24 * time.Hour,
		WindowAnchor:           router.AnchorLastInbound,
		TemplatesOutsideWindow: true,
		MaxTextLength:          4096,
		Attachments: map[string]router.AttachmentRule{
			"audio":    {Formats: []string{"aac", "amr", "mp3", "m4a", "ogg"}, MaxBytes: 16 * mb},
			"document": {Formats: []string{"txt", "xls", "xlsx", "doc", "docx", "ppt", "pptx", "pdf"}, MaxBytes: 100 * mb},
			"image":    {Formats: []string{"jpeg", "jpg", "png"}, MaxBytes: 5 * mb},
			"sticker":  {Formats: []string{"webp"}, MaxBytes: 500 << 10},
			"video":    {Formats: []string{"mp4", "3gp"}, MaxBytes: 16 * mb},
		},
	}
}
