package scenario

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/omnisim/omnisim/router/inbox"
)

// The message center's limits, as router/inbox enforces them.
const (
	maxTagRunes = inbox.MaxTagLength
	maxRating   = inbox.MaxRating
	maxImages   = inbox.MaxImages
)

// quickReplies checks the [[quick_replies]] and returns their ids.
func (v *validator) quickReplies(qs []QuickReply) []string {
	var ids []string
	first := map[string]int{}
	for i, q := range qs {
		p := indexPath("quick_replies", i)
		if v.unique(p, "id", q.ID, i, first, "quick reply", `id = "greeting"`) {
			ids = append(ids, q.ID)
		}
		for _, k := range []struct{ key, val, example string }{
			{"title", q.Title, `title = "Greeting"`}, {"body", q.Body, `body = "Hello {name}, how can we help?"`},
		} {
			if strings.TrimSpace(k.val) == "" {
				v.errf(p+"."+k.key, "e.g. "+k.example, "%s.%s: required, and not blank", p, k.key)
			}
		}
		if len(q.Images) > maxImages {
			ip := indexPath(p+".images", maxImages)
			v.errf(ip, fmt.Sprintf("the web shop allows at most %d images in a quick reply", maxImages),
				"%s: a quick reply has %d images; at most %d", ip, len(q.Images), maxImages)
		}
		for j, img := range q.Images {
			if img.Format == "" {
				ip := indexPath(p+".images", j)
				v.errf(ip+".format", `a file extension, e.g. "jpeg"`, "%s.format: missing", ip)
			}
		}
	}
	return ids
}

// tagName checks a tag name as the message center takes it: 1 to 50
// characters after trimming, no control characters.
func (v *validator) tagName(path, tag string) {
	t := strings.TrimSpace(tag)
	switch {
	case t == "":
		v.errf(path, `e.g. "VIP"`, "%s: empty tag", path)
	case utf8.RuneCountInString(t) > maxTagRunes:
		v.errf(path, "", "%s: a tag has at most %d characters, got %d", path, maxTagRunes, utf8.RuneCountInString(t))
	case strings.IndexFunc(t, unicode.IsControl) >= 0:
		v.errf(path, "", "%s: control characters in a tag", path)
	case t != tag:
		v.errf(path, fmt.Sprintf("write %q", t), "%s: spaces around the tag", path)
	}
}

// inboxStep checks an agent step's message-center actions and returns
// their names (the caller refuses more than one action).
func (v *validator) inboxStep(p string, st *Step, quick *nameSet) []string {
	var actions []string
	for _, a := range []struct {
		key string
		set bool
	}{
		{"star", st.Star != nil}, {"archive", st.Archive != nil}, {"tag", st.Tag != "" || v.given[p+".tag"]},
		{"read", st.Read != nil}, {"quick_reply", st.QuickReply != "" || v.given[p+".quick_reply"]}, {"rate", st.Rate != nil},
	} {
		if a.set {
			actions = append(actions, a.key)
		}
	}
	if v.given[p+".tag"] {
		v.tagName(p+".tag", st.Tag)
	}
	if st.Colour != "" || v.given[p+".colour"] {
		if !v.given[p+".tag"] {
			v.errf(p+".colour", `tag = "VIP", colour = "`+tagColours[0]+`"`, "%s.colour: a colour goes with tag", p)
		} else {
			v.colour(p+".colour", st.Colour)
		}
	}
	if st.QuickReply != "" {
		v.ref(p+".quick_reply", st.QuickReply, quick, "quick reply")
	} else if v.given[p+".quick_reply"] {
		v.errf(p+".quick_reply", "", "%s.quick_reply: empty value", p)
	}
	if r := st.Rate; r != nil && (*r < 1 || *r > maxRating) {
		v.errf(p+".rate", "", "%s.rate: a rating is 1 to %d, got %d", p, maxRating, *r)
	}
	return actions
}

// colour checks a tag colour: one of the message center's palette.
func (v *validator) colour(path, c string) {
	v.enum(path, strings.ToUpper(c), tagColours)
	if c == "" {
		v.errf(path, "one of: "+strings.Join(tagColours, ", "), "%s: empty colour", path)
	}
}

// inboxChecks checks a customer expectation's message-center checks.
func (v *validator) inboxChecks(p string, e *Expect) {
	v.nonNegative(p+".unread", e.Unread)
	if r := e.Rating; r != nil && (*r < 0 || *r > maxRating) {
		v.errf(p+".rating", "0 is not rated", "%s.rating: a rating is 0 to %d, got %d", p, maxRating, *r)
	}
	for k, t := range e.Tags {
		v.tagName(indexPath(p+".tags", k), t)
	}
	if v.given[p+".tag_colours"] && len(e.TagColours) == 0 {
		v.errf(p+".tag_colours", "", "%s.tag_colours: empty table", p)
	}
	for _, t := range slices.Sorted(maps.Keys(e.TagColours)) {
		tp := joinPath(p+".tag_colours", t)
		v.tagName(tp, t)
		v.colour(tp, e.TagColours[t])
	}
	for k, ph := range e.Phones {
		if !isE164(ph) {
			v.errf(indexPath(p+".phones", k), "numbers are listed in E.164, e.g. +886912345678", "%s: %q is not an E.164 number", indexPath(p+".phones", k), ph)
		}
	}
}

// isE164 reports whether s is '+' and 2 to 15 digits.
func isE164(s string) bool {
	if len(s) < 3 || len(s) > 16 || s[0] != '+' {
		return false
	}
	for _, r := range s[1:] {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// autoHours are the hours conditions of an auto-reply.
var autoHours = []string{"inside", "outside"}

// autoReplies checks [[auto_replies]].
func (v *validator) autoReplies(rs []AutoReply) {
	first := map[string]int{}
	for i, r := range rs {
		p := indexPath("auto_replies", i)
		v.unique(p, "name", r.Name, i, first, "auto-reply", `name = "after-hours"`)
		if strings.TrimSpace(r.Text) == "" {
			v.errf(p+".text", `e.g. text = "Hello {name}, we answer from 9 to 18."`, "%s.text: required, and not blank", p)
		}
		if r.Hours != "" {
			v.enum(p+".hours", r.Hours, autoHours)
		}
		for j, ch := range r.Channels {
			v.ref(indexPath(p+".channels", j), ch, v.channels, "channel")
		}
		for j, k := range r.Keywords {
			if strings.TrimSpace(k) == "" {
				v.errf(indexPath(p+".keywords", j), "", "%s: empty keyword", indexPath(p+".keywords", j))
			}
		}
		if r.Every < 0 {
			v.errf(p+".every", "", "%s.every: negative", p)
		}
	}
}

// service checks [service].
func (v *validator) service(s *Service) {
	if s == nil {
		return
	}
	for _, d := range []struct {
		key string
		val Duration
	}{{"first_response_p90", s.FirstResponseP90}, {"first_response_mean", s.FirstResponseMean}} {
		if d.val < 0 {
			v.errf("service."+d.key, "", "service.%s: negative", d.key)
		}
	}
	for _, n := range []struct {
		key string
		val int
	}{{"max_waiting", s.MaxWaiting}, {"min_answered", s.MinAnswered}} {
		if n.val < 0 {
			v.errf("service."+n.key, "", "service.%s: negative", n.key)
		}
	}
	if *s == (Service{}) {
		v.errf("service", "e.g. max_waiting = 10", "service: no limit set: a standard checks first_response_p90, first_response_mean or max_waiting")
	}
}

// UsesCenter says whether a scenario reaches the message center: a quick
// reply, an auto-reply, a service standard, an agent step on it, or an
// expectation on it. Other runs build no message center and pay nothing
// for it.
func (sc *Scenario) UsesCenter() bool {
	if len(sc.QuickReplies) > 0 || len(sc.AutoReplies) > 0 || sc.Service != nil {
		return true
	}
	for i := range sc.Steps {
		if sc.Steps[i].CenterAction() != "" {
			return true
		}
	}
	for i := range sc.Expect {
		if ex := &sc.Expect[i]; ex.Inbox != "" || ex.History != "" || ex.Starred != nil || ex.Archived != nil || ex.Unread != nil ||
			ex.Tags != nil || ex.TagColours != nil || ex.Phones != nil || ex.FromAd != nil || ex.Rating != nil {
			return true
		}
	}
	return false
}

// ReadsClosed says whether a scenario reads the closed conversations of
// generated customers in the message center: an inbox view or a history
// counts every conversation held, closed ones for the inbox's retention.
// The rest of what it reads (a customer's row, a step, a quick reply) is
// of scripted customers; the service standard and the auto-replies read
// only open conversations.
func (sc *Scenario) ReadsClosed() bool {
	for i := range sc.Expect {
		if ex := &sc.Expect[i]; ex.Inbox != "" || ex.History != "" {
			return true
		}
	}
	return false
}

// CenterAction names a step's message-center action, or "".
func (st *Step) CenterAction() string {
	switch {
	case st.Star != nil:
		return "star"
	case st.Archive != nil:
		return "archive"
	case st.Tag != "":
		return "tag"
	case st.Read != nil:
		return "read"
	case st.QuickReply != "":
		return "quick_reply"
	case st.Rate != nil:
		return "rate"
	}
	return ""
}
