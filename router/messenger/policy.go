package messenger

import (
	"time"

	"github.com/omnisim/omnisim/router"
)

// Policy returns the router's policy for Messenger: a reply window of 7
// days after the customer's last message (the adapter sends RESPONSE for
// the first 24 hours and the HUMAN_AGENT tag after that), no templates
// outside it, texts of at most 2000 characters, and images, audio, video
// and documents of any format up to 25 MB. Stickers cannot be sent.
func Policy() router.Policy {
	const mb = 1 << 20
	return router.Policy{
		Window:        DefaultHumanAgentWindow,
		WindowAnchor:  router.AnchorLastInbound,
		MaxTextLength: 2000,
		Attachments: map[string]router.AttachmentRule{
			"image":    {MaxBytes: 25 * mb},
			"audio":    {MaxBytes: 25 * mb},
			"video":    {MaxBytes: 25 * mb},
			"document": {MaxBytes: 25 * mb},
		},
	}
}

// The windows the adapter chooses its messaging type by.
const (
	DefaultWindow           = 24 * time.Hour
	DefaultHumanAgentWindow = 7 * 24 * time.Hour
)
