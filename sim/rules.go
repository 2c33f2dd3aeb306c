package sim

import (
	"github.com/omnisim/omnisim/router"
	"github.com/omnisim/omnisim/sim/scenario"
)

// applyRules overrides a router policy with a scenario's rules.
func applyRules(p *router.Policy, rules scenario.Rules) {
	if rules.Window != nil {
		p.Window = rules.Window.D()
	}
	if rules.WindowAnchor != "" {
		p.WindowAnchor = router.Anchor(rules.WindowAnchor)
	}
	if rules.ReplyLimit != nil {
		p.ReplyLimit = *rules.ReplyLimit
	}
	if rules.ReplyLimitReset != "" {
		p.ReplyLimitReset = router.Reset(rules.ReplyLimitReset)
	}
	if rules.TemplatesOutsideWindow != nil {
		p.TemplatesOutsideWindow = *rules.TemplatesOutsideWindow
	}
	if rules.MaxTextLength != nil {
		// In the platform's own unit: bytes where its policy counts
		// bytes, characters otherwise.
		if p.MaxTextBytes > 0 {
			p.MaxTextBytes = *rules.MaxTextLength
		} else {
			p.MaxTextLength = *rules.MaxTextLength
		}
	}
	if len(rules.Media) > 0 {
		att := make(map[string]router.AttachmentRule, len(p.Attachments)+len(rules.Media))
		for k, v := range p.Attachments {
			att[k] = v
		}
		for kind, m := range rules.Media {
			r := att[kind]
			if m.Formats != nil {
				r.Formats = m.Formats
			}
			if m.MaxSize != nil {
				r.MaxBytes = int64(*m.MaxSize)
			}
			att[kind] = r
		}
		p.Attachments = att
	}
}
