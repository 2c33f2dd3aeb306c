package sim

import (
	"github.com/omnisim/omnisim/router"
	"github.com/omnisim/omnisim/sim/scenario"

	fakewa "github.com/omnisim/omnisim/fakes/whatsapp"
)

// platformRules applies a scenario's channel rules to the WhatsApp fake's
// configuration. The platform has no reply-count limit and no choice of
// window anchor; those rules bind the router alone.
func platformRules(rules scenario.Rules, cfg *fakewa.Config) {
	if rules.Window != nil {
		cfg.Window = rules.Window.D()
	}
	if rules.MaxTextLength != nil {
		cfg.MaxTextLength = *rules.MaxTextLength
	}
	if len(rules.Media) > 0 {
		cfg.Media = fakewa.DefaultMedia()
		for kind, m := range rules.Media {
			lim := cfg.Media[kind]
			if m.Formats != nil {
				lim.Formats = m.Formats
			}
			if m.MaxSize != nil {
				lim.MaxBytes = int64(*m.MaxSize)
			}
			cfg.Media[kind] = lim
		}
	}
}

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
		p.MaxTextLength = *rules.MaxTextLength
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
