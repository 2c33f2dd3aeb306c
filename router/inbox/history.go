package inbox

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/omnisim/omnisim/router"
)

// Viewer is who searches the history.
type Viewer struct {
	Agent string // the agent searching
	// AllConversations is the permission to see every agent's
	// conversations; without it a viewer sees only the conversations it
	// was ever assigned to.
	AllConversations bool
}

func (v Viewer) sees(c *conv) bool {
	return v.AllConversations || v.Agent != "" && slices.Contains(c.handled, v.Agent)
}

// HistoryQuery selects conversations in the history (Douyin's history
// search). Every set field must match.
type HistoryQuery struct {
	Agent    string // the conversation was assigned to this agent at some time
	Nickname string // a case-insensitive substring of the customer's name
	Rating   int    // the customer's rating, 1 to MaxRating; 0: any
	Unrated  bool   // only conversations without a rating
	Keyword  string // a case-insensitive substring of a kept message text
	// From and To bound the opening time: From <= opened < To; a zero
	// bound is open.
	From, To   time.Time
	Channel    string
	ClosedOnly bool // only closed conversations
}

// SetRating records the customer's rating of a conversation, 1 to
// [MaxRating].
func (i *Inbox) SetRating(now time.Time, id router.ConversationID, rating int) error {
	if rating < 1 || rating > MaxRating {
		return fmt.Errorf("%w: %d, not 1 to %d", ErrRating, rating, MaxRating)
	}
	return i.update(now, []router.ConversationID{id}, func(c *conv, _ time.Time) { c.rating = rating })
}

func (q *HistoryQuery) match(c *conv, nick, kw string) bool {
	switch {
	case q.Agent != "" && !slices.Contains(c.handled, q.Agent),
		nick != "" && !containsFold(c.cust.name, nick),
		q.Rating != 0 && c.rating != q.Rating,
		q.Unrated && c.rating != 0,
		!q.From.IsZero() && c.opened.Before(q.From),
		!q.To.IsZero() && !c.opened.Before(q.To),
		q.Channel != "" && c.cust.key.Channel != q.Channel,
		q.ClosedOnly && c.state != router.Closed:
		return false
	}
	if kw == "" {
		return true
	}
	for _, m := range c.texts {
		if containsFold(m.Text, kw) {
			return true
		}
	}
	return false
}

// History returns one page of the conversations matching q that v may see,
// newest first by opening time (ties by id, the highest first). It covers
// the conversations the inbox holds: closed ones for [Config.Retention].
func (i *Inbox) History(v Viewer, q HistoryQuery, p Page) Result {
	i.mu.Lock()
	defer i.mu.Unlock()
	nick := strings.ToLower(strings.TrimSpace(q.Nickname))
	kw := strings.ToLower(strings.TrimSpace(q.Keyword))
	var cs []*conv
	for _, c := range i.convs {
		if v.sees(c) && q.match(c, nick, kw) {
			cs = append(cs, c)
		}
	}
	slices.SortFunc(cs, func(a, b *conv) int {
		if c := b.opened.Compare(a.opened); c != 0 {
			return c
		}
		return cmp.Compare(b.id, a.id)
	})
	return i.page(cs, p)
}

// Transcript returns the kept texts of a conversation v may see (the
// latest [Config.MaxTexts]), oldest first. A conversation v may not see
// is reported as unknown.
func (i *Inbox) Transcript(v Viewer, id router.ConversationID) ([]Message, error) {
	i.mu.Lock()
	defer i.mu.Unlock()
	c := i.convs[id]
	if c == nil || !v.sees(c) {
		return nil, fmt.Errorf("%w %v", ErrUnknownConversation, id)
	}
	return slices.Clone(c.texts), nil
}
