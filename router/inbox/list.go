package inbox

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/omnisim/omnisim/router"
)

// View is one of the list's folders.
type View string

// The views. All, Unread and Starred leave archived conversations out
// (unless [Filter.IncludeArchived]); Archived shows only them.
const (
	ViewAll      View = "all"
	ViewUnread   View = "unread"  // with unread customer messages
	ViewStarred  View = "starred" // starred for follow-up
	ViewArchived View = "archived"
)

// Views lists the views in documentation order. The slice is a new copy on
// every call.
func Views() []View { return []View{ViewAll, ViewUnread, ViewStarred, ViewArchived} }

// Filter selects conversations. Every set field must match.
type Filter struct {
	View View // "" means [ViewAll]
	// IncludeArchived adds archived conversations to the All, Unread and
	// Starred views.
	IncludeArchived bool
	HasPhone        bool   // a phone number was detected in the customer's messages (any conversation)
	FromAd          bool   // the customer came from at least one ad
	AdSource        string // the customer came from this ad
	Tag             string // the customer has this tag
	Channel         string // the conversation's channel
	Account         string // the conversation's business account
	Agent           string // assigned (or last assigned) to this agent
	State           router.State
	// Search matches, case-insensitively, a substring of the preview, the
	// customer's name, a detected e-mail address or phone number, or the
	// customer id. A query that looks like a phone number (at least three
	// digits, with spaces, dots, dashes or a leading '+') also matches a
	// detected number whose E.164 or national digits contain its digits:
	// "0912-345-678" finds +886912345678.
	Search string
	// IDs, when not empty, limits the filter to these conversations (the
	// bulk operations' selection).
	IDs []router.ConversationID
}

// Page is a slice of a list: Limit rows from Offset.
type Page struct {
	Offset int
	Limit  int // 0 means [DefaultLimit]; at most [MaxLimit]
}

// Paging limits.
const (
	DefaultLimit = 50
	MaxLimit     = 1000
)

// Result is one page of a list.
type Result struct {
	Rows   []Row
	Total  int // conversations matching, over all pages
	Unread int // of them, those with unread customer messages
}

// Tag is a tag with its colour.
type Tag struct {
	Name   string
	Colour string // "#RRGGBB"
}

// Row is a snapshot of one conversation's inbox state.
type Row struct {
	ID       router.ConversationID
	Customer router.CustomerKey
	Name     string // the customer's display name, if known
	State    router.State
	Inbox    bool   // waiting in the engine's unassigned inbox
	Agent    string // assigned, or last assigned
	Group    string
	Agents   []string // every agent it was assigned to, in order
	Missed   bool

	OpenedAt     time.Time
	ClosedAt     time.Time // zero while open
	CloseReason  router.CloseReason
	LastActivity time.Time // the latest message either way (the opening before any)
	Inbound      int
	Outbound     int

	Unread   int // customer messages since the last read (1 after MarkUnread)
	ReadAt   time.Time
	Starred  bool
	Archived bool
	Rating   int // 0: not rated

	Tags      []Tag    // the customer's tags, in the order added, with their colours now
	Phones    []Phone  // detected in the customer's messages, newest first
	Emails    []string // detected in the customer's messages, newest first
	AdSources []string // newest first, at most MaxAdSources
	Preview   Message  // the latest text, cut to Config.PreviewLength
}

func (i *Inbox) row(c *conv) Row {
	r := Row{
		ID: c.id, Customer: c.cust.key, Name: c.cust.name, State: c.state, Inbox: c.inInbox,
		Agent: c.agent, Group: c.group, Agents: slices.Clone(c.handled), Missed: c.missed,
		OpenedAt: c.opened, ClosedAt: c.closed, CloseReason: c.closeReason, LastActivity: c.lastActivity,
		Inbound: c.inbound, Outbound: c.outbound,
		Unread: c.unread, ReadAt: c.readAt, Starred: c.starred, Archived: c.archived, Rating: c.rating,
		Phones: slices.Clone(c.cust.phones), Emails: slices.Clone(c.cust.emails), AdSources: slices.Clone(c.cust.ads),
		Preview: c.preview,
	}
	for _, t := range c.cust.tags {
		r.Tags = append(r.Tags, Tag{Name: t, Colour: i.tags[t].colour})
	}
	return r
}

// Conversation returns the inbox state of one conversation.
func (i *Inbox) Conversation(id router.ConversationID) (Row, bool) {
	i.mu.Lock()
	defer i.mu.Unlock()
	c := i.convs[id]
	if c == nil {
		return Row{}, false
	}
	return i.row(c), true
}

// inView reports whether c belongs to view v.
func inView(c *conv, v View, withArchived bool) bool {
	if v == ViewArchived {
		return c.archived
	}
	if c.archived && !withArchived {
		return false
	}
	switch v {
	case ViewUnread:
		return c.unread > 0
	case ViewStarred:
		return c.starred
	}
	return true
}

// matcher is a compiled Filter, without its view.
type matcher struct {
	f      Filter
	ids    map[router.ConversationID]bool
	search string // lower case
	digits string // of a phone-like search
}

func newMatcher(f Filter) matcher {
	m := matcher{f: f, search: strings.ToLower(strings.TrimSpace(f.Search))}
	if len(f.IDs) > 0 {
		m.ids = make(map[router.ConversationID]bool, len(f.IDs))
		for _, id := range f.IDs {
			m.ids[id] = true
		}
	}
	m.digits = phoneQuery(m.search)
	return m
}

func (m *matcher) match(c *conv) bool {
	f := &m.f
	switch {
	case m.ids != nil && !m.ids[c.id],
		f.HasPhone && len(c.cust.phones) == 0,
		f.FromAd && len(c.cust.ads) == 0,
		f.AdSource != "" && !slices.Contains(c.cust.ads, f.AdSource),
		f.Tag != "" && !slices.Contains(c.cust.tags, f.Tag),
		f.Channel != "" && c.cust.key.Channel != f.Channel,
		f.Account != "" && c.cust.key.Account != f.Account,
		f.Agent != "" && c.agent != f.Agent,
		f.State != "" && c.state != f.State:
		return false
	}
	return m.search == "" || m.searchHit(c)
}

func (m *matcher) searchHit(c *conv) bool {
	q := m.search
	if containsFold(c.preview.Text, q) || containsFold(c.cust.name, q) || containsFold(c.cust.key.Customer, q) {
		return true
	}
	for _, e := range c.cust.emails {
		if strings.Contains(e, q) {
			return true
		}
	}
	for _, p := range c.cust.phones {
		if strings.Contains(p.E164, q) || m.digits != "" && (strings.Contains(p.E164[1:], m.digits) || strings.Contains(p.National, m.digits)) {
			return true
		}
	}
	return false
}

// containsFold reports whether s contains the lower-case q, ignoring case.
func containsFold(s, q string) bool {
	return q != "" && strings.Contains(strings.ToLower(s), q)
}

// newestFirst orders conversations by last activity, the latest first;
// ties by id, the highest (newest) first.
func newestFirst(a, b *conv) int {
	if c := b.lastActivity.Compare(a.lastActivity); c != 0 {
		return c
	}
	return cmp.Compare(b.id, a.id)
}

// selectConvs returns the conversations matching f, in no order.
func (i *Inbox) selectConvs(f Filter) []*conv {
	m := newMatcher(f)
	v := f.View
	if v == "" {
		v = ViewAll
	}
	var out []*conv
	if m.ids != nil {
		for id := range m.ids {
			if c := i.convs[id]; c != nil && inView(c, v, f.IncludeArchived) && m.match(c) {
				out = append(out, c)
			}
		}
		return out
	}
	for _, c := range i.convs {
		if inView(c, v, f.IncludeArchived) && m.match(c) {
			out = append(out, c)
		}
	}
	return out
}

// List returns one page of the conversations matching f, newest first: by
// last activity (the latest message either way), ties by conversation id,
// the highest first. It costs O(n log n) in the conversations held.
func (i *Inbox) List(f Filter, p Page) Result {
	i.mu.Lock()
	defer i.mu.Unlock()
	cs := i.selectConvs(f)
	slices.SortFunc(cs, newestFirst)
	return i.page(cs, p)
}

// page cuts one page of sorted conversations.
func (i *Inbox) page(cs []*conv, p Page) Result {
	res := Result{Total: len(cs)}
	for _, c := range cs {
		if c.unread > 0 {
			res.Unread++
		}
	}
	limit := p.Limit
	if limit <= 0 {
		limit = DefaultLimit
	}
	limit = min(limit, MaxLimit)
	off := min(max(p.Offset, 0), len(cs))
	end := min(off+limit, len(cs))
	res.Rows = make([]Row, 0, end-off)
	for _, c := range cs[off:end] {
		res.Rows = append(res.Rows, i.row(c))
	}
	return res
}

// Count is the size of one view.
type Count struct {
	Conversations int
	Unread        int // conversations with unread customer messages
	Messages      int // unread customer messages
}

// Counts returns the size of every view under the other fields of f (its
// View is ignored): the badges of the folder tabs.
func (i *Inbox) Counts(f Filter) map[View]Count {
	i.mu.Lock()
	defer i.mu.Unlock()
	m := newMatcher(f)
	out := make(map[View]Count, 4)
	for _, c := range i.convs {
		if !m.match(c) {
			continue
		}
		for _, v := range Views() {
			if !inView(c, v, f.IncludeArchived) {
				continue
			}
			n := out[v]
			n.Conversations++
			if c.unread > 0 {
				n.Unread++
				n.Messages += c.unread
			}
			out[v] = n
		}
	}
	for _, v := range Views() {
		if _, ok := out[v]; !ok {
			out[v] = Count{}
		}
	}
	return out
}

// lookup returns the conversations by id, or an error naming the first
// unknown one.
func (i *Inbox) lookup(ids []router.ConversationID) ([]*conv, error) {
	out := make([]*conv, 0, len(ids))
	for _, id := range ids {
		c := i.convs[id]
		if c == nil {
			return nil, fmt.Errorf("%w %v", ErrUnknownConversation, id)
		}
		out = append(out, c)
	}
	return out, nil
}

// update applies fn to the conversations by id, all or none.
func (i *Inbox) update(now time.Time, ids []router.ConversationID, fn func(*conv, time.Time)) error {
	defer i.deliver()
	i.mu.Lock()
	defer i.mu.Unlock()
	now = i.advance(now)
	cs, err := i.lookup(ids)
	if err != nil {
		return err
	}
	for _, c := range cs {
		fn(c, now)
	}
	return nil
}

// updateWhere applies fn to the conversations matching f and returns how
// many.
func (i *Inbox) updateWhere(now time.Time, f Filter, fn func(*conv, time.Time)) int {
	defer i.deliver()
	i.mu.Lock()
	defer i.mu.Unlock()
	now = i.advance(now)
	cs := i.selectConvs(f)
	for _, c := range cs {
		fn(c, now)
	}
	return len(cs)
}

func markRead(c *conv, now time.Time) { c.unread, c.readAt = 0, now }

// markUnread shows the unread badge: at least one unread message.
func markUnread(c *conv, _ time.Time) { c.unread = max(c.unread, 1) }

// MarkRead marks the conversations read: no unread messages. With an
// unknown id it changes nothing and names it.
func (i *Inbox) MarkRead(now time.Time, ids ...router.ConversationID) error {
	return i.update(now, ids, markRead)
}

// MarkUnread marks the conversations unread: a conversation without
// unread messages shows one (the web shop's badge "1"); one with unread
// messages keeps its count. With an unknown id it changes nothing.
func (i *Inbox) MarkUnread(now time.Time, ids ...router.ConversationID) error {
	return i.update(now, ids, markUnread)
}

// MarkReadWhere marks every conversation matching f read (bulk edit) and
// returns how many.
func (i *Inbox) MarkReadWhere(now time.Time, f Filter) int { return i.updateWhere(now, f, markRead) }

// MarkUnreadWhere marks every conversation matching f unread (bulk edit)
// and returns how many.
func (i *Inbox) MarkUnreadWhere(now time.Time, f Filter) int {
	return i.updateWhere(now, f, markUnread)
}

// Star stars the conversations for follow-up.
func (i *Inbox) Star(now time.Time, ids ...router.ConversationID) error {
	return i.update(now, ids, func(c *conv, _ time.Time) { c.starred = true })
}

// Unstar removes the star.
func (i *Inbox) Unstar(now time.Time, ids ...router.ConversationID) error {
	return i.update(now, ids, func(c *conv, _ time.Time) { c.starred = false })
}

// Archive moves the conversations to the archived folder. A later message
// either way (an inbound or sent event) brings a conversation back.
func (i *Inbox) Archive(now time.Time, ids ...router.ConversationID) error {
	return i.update(now, ids, func(c *conv, _ time.Time) { c.archived = true })
}

// Unarchive brings archived conversations back to the list.
func (i *Inbox) Unarchive(now time.Time, ids ...router.ConversationID) error {
	return i.update(now, ids, func(c *conv, _ time.Time) { c.archived = false })
}

// ArchiveWhere archives every conversation matching f and returns how many.
func (i *Inbox) ArchiveWhere(now time.Time, f Filter) int {
	return i.updateWhere(now, f, func(c *conv, _ time.Time) { c.archived = true })
}
