package douyin

import (
	"time"

	"github.com/omnisim/omnisim/router"
)

// Policy returns the router's policy for Douyin IM: a 48-hour reply window
// restarted by every customer message, at most 5 replies per customer
// message (a customer message gives the allowance back), no templates
// outside the window, the conversation kept open when the window closes
// (Douyin's conversation_short_id outlives it), and no attachments (the
// reply API takes text). The window and count are those of Douyin's
// customer-service API for mini-games; for life-service IM they are
// unconfirmed, so scenarios can override them.
func Policy() router.Policy {
	return router.Policy{
		Window:                 48 * time.Hour,
		WindowAnchor:           router.AnchorLastInbound,
		ReplyLimit:             5,
		ReplyLimitReset:        router.ResetOnInbound,
		TemplatesOutsideWindow: false,
		Attachments:            map[string]router.AttachmentRule{},
	}
}
