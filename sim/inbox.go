package sim

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/omnisim/omnisim/router"
	"github.com/omnisim/omnisim/router/inbox"
	"github.com/omnisim/omnisim/sim/scenario"
)

// messageCenter is the world's message center: a router/inbox following
// the engine's events, with the scenario's quick replies.
type messageCenter struct {
	ib    *inbox.Inbox
	quick map[string]inbox.QuickReply // by the scenario's id
	// due are the auto-replies to send once the events at hand are
	// observed; warnings counts the service warnings raised.
	due      []autoReply
	warnings int
}

// autoReply is an auto-reply waiting to be sent.
type autoReply struct {
	p *person
	m router.Outbound
}

// setupInbox builds the message center when the scenario uses it: texts
// come from the world's record of what scripted customers and their agents
// said, names and ad sources from the scripted customers.
func (w *World) setupInbox() error {
	if !w.sc.UsesCenter() {
		return nil
	}
	mc := &messageCenter{quick: map[string]inbox.QuickReply{}}
	var rules []inbox.AutoReply
	for _, r := range w.sc.AutoReplies {
		rules = append(rules, inbox.AutoReply{Name: r.Name, Channels: r.Channels, Keywords: r.Keywords,
			Hours: inbox.Hours(r.Hours), Every: r.Every.D(), Text: r.Text})
	}
	var std inbox.Standard
	if s := w.sc.Service; s != nil {
		std = inbox.Standard{FirstResponseP90: s.FirstResponseP90.D(), FirstResponseMean: s.FirstResponseMean.D(),
			MaxWaiting: s.MaxWaiting, MinAnswered: s.MinAnswered}
	}
	var dropClosed func(router.CustomerKey) bool
	if !w.sc.ReadsClosed() {
		// Nothing reads a generated customer's closed conversation: it
		// goes as it closes, and the center holds what is open.
		dropClosed = func(k router.CustomerKey) bool {
			if w.keepClosed {
				return false
			}
			p := w.people.get(k)
			return p == nil || !p.scripted
		}
	}
	mc.ib = inbox.New(inbox.Config{Region: w.sc.Tenant.PhoneRegion, AutoReplies: rules, Standard: std, DropClosed: dropClosed, Solo: w.solo(), OnWarning: func(wn inbox.Warning) {
		if wn.Raised {
			mc.warnings++
			w.note(nil, "warning", "", fmt.Sprintf("service: %s %v over the standard's %v", wn.Metric, wn.Value, wn.Limit))
		}
	}, Text: func(ev router.Event) (string, bool) {
		t, ok := w.texts[ev.Message]
		if !ok {
			return "", false
		}
		if u, err := strconv.Unquote(t); err == nil {
			t = u // customer texts are kept quoted for timelines
		}
		return t, true
	}})
	for _, q := range w.sc.QuickReplies {
		qr := inbox.QuickReply{Title: q.Title, Body: q.Body}
		for _, img := range q.Images {
			qr.Images = append(qr.Images, router.Attachment{Kind: "image", Format: img.Format, Size: int64(img.Size), Name: img.Name})
		}
		saved, err := mc.ib.SaveQuickReply(qr)
		if err != nil {
			return fmt.Errorf("quick reply %q: %w", q.ID, err)
		}
		mc.quick[q.ID] = saved
	}
	now := w.sc.Start
	for _, c := range w.sc.Customers {
		p := w.byID[c.ID]
		if p == nil {
			continue
		}
		mc.ib.SetName(now, p.key, p.name)
		if c.AdSource != "" {
			mc.ib.SetAdSource(now, p.key, c.AdSource)
		}
	}
	w.center = mc
	return nil
}

// inboxApply hands an engine event to the message center, which the
// world has (observe asks).
func (w *World) inboxApply(ev *router.Event) {
	mc := w.center
	mc.ib.Apply(*ev)
	if ev.Kind != router.EventInbound || len(w.sc.AutoReplies) == 0 {
		return
	}
	p := w.people.get(ev.Customer)
	if p == nil {
		return
	}
	text := w.texts[ev.Message]
	if u, err := strconv.Unquote(text); err == nil {
		text = u
	}
	in := router.Inbound{Customer: ev.Customer, MessageID: ev.Message, Name: p.name, Text: text}
	if r, ok := mc.ib.AutoReply(ev.At, ev.Conversation, in, w.outsideHours(ev.At)); ok {
		mc.due = append(mc.due, autoReply{p: p, m: r.Message})
	}
}

// outsideHours reports whether no agent of the tenant is in working hours
// at t: the auto-replies' "outside" (an agent without a schedule is always
// in hours).
func (w *World) outsideHours(t time.Time) bool {
	for _, a := range w.engine.Agents(t) {
		if a.InHours {
			return false
		}
	}
	return true
}

// sendAutoReplies sends the auto-replies due, through the router, judged
// against the platform's rules like any send; it reports whether it sent
// any.
func (w *World) sendAutoReplies() bool {
	mc := w.center
	if mc == nil || len(mc.due) == 0 {
		return false
	}
	due := mc.due
	mc.due = nil
	for _, a := range due {
		now := w.clock.nowLocal()
		res, err := w.engine.AutoSend(w.ctx, now, a.p.key, a.m)
		w.judgeSend(now, a.p, router.AutoID, &a.m, &res, err)
		if res.MessageID != "" && res.Conversation != 0 {
			mc.ib.MarkAutoReply(now, res.Conversation, res.MessageID)
		}
	}
	return true
}

// inboxStep runs an agent step's message-center action on the latest
// conversation of its customer, and reports whether the step was one.
// What the message center refuses shows as step_failed.
func (w *World) inboxStep(st *scenario.Step) bool {
	action := st.CenterAction()
	if action == "" || w.center == nil {
		return false
	}
	ib := w.center.ib
	p := w.byID[st.To]
	now := w.clock.nowLocal()
	fail := func(err error) {
		w.note(p, "step_failed", st.Agent, fmt.Sprintf("line %d: %s: %v", st.Line, strings.ReplaceAll(action, "_", " "), err))
	}
	c, _, ok := w.engine.Latest(p.key)
	if !ok {
		fail(fmt.Errorf("%s has no conversation", p.id))
		return true
	}
	var err error
	switch action {
	case "star":
		if *st.Star {
			err = ib.Star(now, c.ID)
		} else {
			err = ib.Unstar(now, c.ID)
		}
	case "archive":
		if *st.Archive {
			err = ib.Archive(now, c.ID)
		} else {
			err = ib.Unarchive(now, c.ID)
		}
	case "tag":
		if err = ib.Tag(now, c.ID, st.Tag); err == nil && st.Colour != "" {
			err = ib.SetTagColour(now, st.Tag, strings.ToUpper(st.Colour))
		}
	case "read":
		if *st.Read {
			err = ib.MarkRead(now, c.ID)
		} else {
			err = ib.MarkUnread(now, c.ID)
		}
	case "rate":
		err = ib.SetRating(now, c.ID, *st.Rate)
	case "quick_reply":
		var msgs []router.Outbound
		if msgs, err = ib.Render(w.center.quick[st.QuickReply], c.ID, ""); err == nil {
			for _, m := range msgs {
				w.agentSend(p, st.Agent, m)
			}
		}
	}
	if err != nil {
		fail(err)
	}
	return true
}

// expectInboxRow checks a customer expectation's message-center checks
// against the row of the customer's latest conversation (id; ok false when
// there is none).
func (w *World) expectInboxRow(ex *scenario.Expect, subject string, p *person, id router.ConversationID, ok bool,
	eq func(subject, field, want, got string, p *person, conv string)) {
	if w.center == nil {
		return
	}
	var row inbox.Row
	conv := ""
	if ok {
		row, ok = w.center.ib.Conversation(id)
		conv = id.String()
	}
	check := func(field, want string, got func() string) {
		if !ok {
			eq(subject, field, want, "no conversation in the message center", p, conv)
			return
		}
		eq(subject, field, want, got(), p, conv)
	}
	if ex.Starred != nil {
		check("starred", strconv.FormatBool(*ex.Starred), func() string { return strconv.FormatBool(row.Starred) })
	}
	if ex.Archived != nil {
		check("archived", strconv.FormatBool(*ex.Archived), func() string { return strconv.FormatBool(row.Archived) })
	}
	if ex.Unread != nil {
		check("unread", strconv.Itoa(*ex.Unread), func() string { return strconv.Itoa(row.Unread) })
	}
	if ex.Rating != nil {
		check("rating", strconv.Itoa(*ex.Rating), func() string { return strconv.Itoa(row.Rating) })
	}
	if ex.FromAd != nil {
		check("from_ad", strconv.FormatBool(*ex.FromAd), func() string { return strconv.FormatBool(len(row.AdSources) > 0) })
	}
	if ex.Tags != nil {
		check("tags", orNone(strings.Join(ex.Tags, ", ")), func() string {
			var names []string
			for _, t := range row.Tags {
				names = append(names, t.Name)
			}
			return orNone(strings.Join(names, ", "))
		})
	}
	if ex.TagColours != nil {
		colours := map[string]string{}
		for _, t := range w.center.ib.Tags() {
			colours[t.Name] = t.Colour
		}
		for _, name := range slices.Sorted(maps.Keys(ex.TagColours)) {
			eq(subject, "tag_colours."+name, strings.ToUpper(ex.TagColours[name]), orNone(colours[name]), p, conv)
		}
	}
	if ex.Phones != nil {
		check("phones", orNone(strings.Join(ex.Phones, ", ")), func() string {
			var nums []string
			for _, ph := range row.Phones {
				nums = append(nums, ph.E164)
			}
			return orNone(strings.Join(nums, ", "))
		})
	}
}

// expectInboxView checks an inbox expectation: the conversations listed in
// a view of the message center under its filters.
func (w *World) expectInboxView(ex *scenario.Expect, eq func(subject, field, want, got string, p *person, conv string)) {
	subject := "inbox " + ex.Inbox
	var filters []string
	f := inbox.Filter{HasPhone: ex.WithPhone, FromAd: ex.WithAd, Tag: ex.WithTag, Search: ex.Search}
	if ex.WithPhone {
		filters = append(filters, "with phone")
	}
	if ex.WithAd {
		filters = append(filters, "with ad")
	}
	if ex.WithTag != "" {
		filters = append(filters, "tag "+ex.WithTag)
	}
	if ex.Search != "" {
		filters = append(filters, "search "+strconv.Quote(ex.Search))
	}
	if len(filters) > 0 {
		subject += " (" + strings.Join(filters, ", ") + ")"
	}
	n := 0
	if w.center != nil {
		n = w.center.ib.Counts(f)[inbox.View(ex.Inbox)].Conversations
	}
	eq(subject, "listed", strconv.Itoa(*ex.Listed), strconv.Itoa(n), nil, "")
}

// expectHistory counts what an agent finds in the message center's
// history.
func (w *World) expectHistory(ex *scenario.Expect, eq func(subject, field, want, got string, p *person, conv string)) {
	subject := "history of " + ex.History
	q := inbox.HistoryQuery{Nickname: ex.Nickname, Keyword: ex.Keyword, Unrated: ex.Unrated, ClosedOnly: ex.ClosedOnly}
	var filters []string
	if ex.AllConversations {
		filters = append(filters, "all conversations")
	}
	if ex.Nickname != "" {
		filters = append(filters, "nickname "+strconv.Quote(ex.Nickname))
	}
	if ex.Keyword != "" {
		filters = append(filters, "keyword "+strconv.Quote(ex.Keyword))
	}
	if ex.Rating != nil {
		q.Rating = *ex.Rating
		filters = append(filters, "rating "+strconv.Itoa(*ex.Rating))
	}
	if ex.Unrated {
		filters = append(filters, "unrated")
	}
	if ex.ClosedOnly {
		filters = append(filters, "closed only")
	}
	if len(filters) > 0 {
		subject += " (" + strings.Join(filters, ", ") + ")"
	}
	n := 0
	if w.center != nil {
		n = w.center.ib.History(inbox.Viewer{Agent: ex.History, AllConversations: ex.AllConversations}, q, inbox.Page{Limit: inbox.MaxLimit}).Total
	}
	eq(subject, "listed", strconv.Itoa(*ex.Listed), strconv.Itoa(n), nil, "")
}
