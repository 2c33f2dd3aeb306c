package serve

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/omnisim/omnisim/router"
	"github.com/omnisim/omnisim/router/inbox"
	"github.com/omnisim/omnisim/sim"
)

// DefaultStandard is the service standard of a zero Config: the live
// figures warn when the 90th percentile of first responses in the window
// passes two minutes, or more than ten conversations wait for an agent.
var DefaultStandard = inbox.Standard{FirstResponseP90: 2 * time.Minute, MaxWaiting: 10, MinAnswered: 3}

// newInbox builds the message center of a new world, with what the
// scenario knows of its customers (names and ad sources). s.mu is held.
func (s *Server) newInbox(w *sim.World) *inbox.Inbox {
	std := DefaultStandard
	if s.cfg.Standard != nil {
		std = *s.cfg.Standard
	}
	cfg := inbox.Config{Standard: std}
	if s.cfg.Scenario != nil {
		cfg.Region = s.cfg.Scenario.Tenant.PhoneRegion
	}
	ib := inbox.New(cfg)
	if s.cfg.Scenario != nil {
		for _, c := range s.cfg.Scenario.Customers {
			key, err := w.Customer(cmpOr(c.Channel, s.platforms[0].Name()), c.ID)
			if err != nil {
				continue
			}
			ib.SetName(w.Now(), key, cmpOr(c.Name, c.ID))
			if c.AdSource != "" {
				ib.SetAdSource(w.Now(), key, c.AdSource)
			}
		}
	}
	return ib
}

// syncInbox brings the message center up to the router's event log and
// rings the bell when anything happened since the last look. s.mu is held.
func (s *Server) syncInbox(world *sim.World) {
	if s.inbox == nil {
		return
	}
	s.inbox.Sync(world.Engine())
	s.inbox.Advance(world.Now())
	if seq := s.lastEvent(world); seq != s.rung {
		s.rung = seq
		s.bell.ring()
	}
}

// rowJSON is a conversation as the message center lists it.
type rowJSON struct {
	ID           string    `json:"id"`
	Platform     string    `json:"platform"`
	Customer     string    `json:"customer"`
	Name         string    `json:"name"`
	State        string    `json:"state"`
	Agent        string    `json:"agent,omitempty"`
	Group        string    `json:"group,omitempty"`
	Missed       bool      `json:"missed"`
	OpenedAt     time.Time `json:"opened_at"`
	ClosedAt     time.Time `json:"closed_at,omitzero"`
	CloseReason  string    `json:"close_reason,omitempty"`
	LastActivity time.Time `json:"last_activity"`
	Inbound      int       `json:"inbound"`
	Outbound     int       `json:"outbound"`
	Unread       int       `json:"unread"`
	Starred      bool      `json:"starred"`
	Archived     bool      `json:"archived"`
	Rating       int       `json:"rating,omitempty"`
	Tags         []tagJSON `json:"tags"`
	Phones       []string  `json:"phones"`
	Emails       []string  `json:"emails"`
	AdSources    []string  `json:"ad_sources"`
	Preview      *textJSON `json:"preview,omitempty"`
}

// tagJSON is a tag with its colour.
type tagJSON struct {
	Name   string `json:"name"`
	Colour string `json:"colour"`
}

// textJSON is a kept message text.
type textJSON struct {
	At   time.Time `json:"at"`
	From string    `json:"from"`
	Text string    `json:"text"`
}

func rowView(r inbox.Row, loc *time.Location) rowJSON {
	v := rowJSON{ID: r.ID.String(), Platform: r.Customer.Channel, Customer: r.Customer.Customer, Name: r.Name,
		State: string(r.State), Agent: r.Agent, Group: r.Group, Missed: r.Missed, OpenedAt: r.OpenedAt.In(loc),
		CloseReason: string(r.CloseReason), LastActivity: r.LastActivity.In(loc), Inbound: r.Inbound,
		Outbound: r.Outbound, Unread: r.Unread, Starred: r.Starred, Archived: r.Archived, Rating: r.Rating,
		Tags: []tagJSON{}, Phones: []string{}, Emails: []string{}, AdSources: []string{}}
	if !r.ClosedAt.IsZero() {
		v.ClosedAt = r.ClosedAt.In(loc)
	}
	for _, t := range r.Tags {
		v.Tags = append(v.Tags, tagJSON(t))
	}
	for _, p := range r.Phones {
		v.Phones = append(v.Phones, p.E164)
	}
	v.Emails = append(v.Emails, r.Emails...)
	v.AdSources = append(v.AdSources, r.AdSources...)
	if r.Preview.Text != "" {
		v.Preview = &textJSON{At: r.Preview.At.In(loc), From: string(r.Preview.From), Text: r.Preview.Text}
	}
	if v.Name == "" {
		v.Name = r.Customer.Customer
	}
	return v
}

// countJSON is the size of one folder.
type countJSON struct {
	Conversations int `json:"conversations"`
	Unread        int `json:"unread"`
	Messages      int `json:"messages"`
}

// listFilter reads the message center's filter from a query.
func (s *Server) listFilter(w http.ResponseWriter, r *http.Request) (inbox.Filter, inbox.Page, bool) {
	q, ok := query(w, r, "view", "phone", "ad", "tag", "platform", "agent", "state", "q", "offset", "limit")
	if !ok {
		return inbox.Filter{}, inbox.Page{}, false
	}
	f := inbox.Filter{View: inbox.View(q.Get("view")), Tag: q.Get("tag"), Agent: q.Get("agent"),
		Search: q.Get("q"), State: router.State(q.Get("state"))}
	if f.View != "" && !slices.Contains(inbox.Views(), f.View) {
		writeError(w, http.StatusBadRequest, "view %q: want all, unread, starred or archived", f.View)
		return f, inbox.Page{}, false
	}
	if f.State != "" && !slices.Contains(router.States(), f.State) {
		writeError(w, http.StatusBadRequest, "state %q: want waiting, assigned or closed", f.State)
		return f, inbox.Page{}, false
	}
	for _, b := range []struct {
		name string
		to   *bool
	}{{"phone", &f.HasPhone}, {"ad", &f.FromAd}} {
		switch v := q.Get(b.name); v {
		case "", "0", "false":
		case "1", "true":
			*b.to = true
		default:
			writeError(w, http.StatusBadRequest, "%s %q: want 1 or 0", b.name, v)
			return f, inbox.Page{}, false
		}
	}
	if p := q.Get("platform"); p != "" {
		if s.platform(p) == nil {
			writeError(w, http.StatusBadRequest, "platform: %v", s.unknownPlatform(p))
			return f, inbox.Page{}, false
		}
		f.Channel = p
	}
	var page inbox.Page
	for _, n := range []struct {
		name string
		to   *int
		max  int
	}{{"offset", &page.Offset, 1 << 30}, {"limit", &page.Limit, inbox.MaxLimit}} {
		v := q.Get(n.name)
		if v == "" {
			continue
		}
		i, err := strconv.Atoi(v)
		if err != nil || i < 0 || i > n.max {
			writeError(w, http.StatusBadRequest, "%s %q: want a whole number from 0 to %d", n.name, v, n.max)
			return f, page, false
		}
		*n.to = i
	}
	return f, page, true
}

func (s *Server) getInbox(w http.ResponseWriter, r *http.Request, world *sim.World) {
	f, page, ok := s.listFilter(w, r)
	if !ok {
		return
	}
	res := s.inbox.List(f, page)
	out := struct {
		Rows    []rowJSON            `json:"rows"`
		Total   int                  `json:"total"`
		Unread  int                  `json:"unread"`
		Counts  map[string]countJSON `json:"counts"`
		Tags    []tagJSON            `json:"tags"`
		Palette []string             `json:"palette"`
	}{Rows: []rowJSON{}, Total: res.Total, Unread: res.Unread, Counts: map[string]countJSON{}, Tags: []tagJSON{},
		Palette: s.inbox.Palette()}
	for _, row := range res.Rows {
		out.Rows = append(out.Rows, rowView(row, loc(world)))
	}
	for v, c := range s.inbox.Counts(f) {
		out.Counts[string(v)] = countJSON(c)
	}
	for _, t := range s.inbox.Tags() {
		out.Tags = append(out.Tags, tagJSON{Name: t.Name, Colour: t.Colour})
	}
	writeJSON(w, http.StatusOK, out)
}

// conversationIDs parses conversation ids written c<N>, N in decimal as
// the inbox writes it: positive, without a sign or leading zeros (so that
// each conversation has one id).
func conversationIDs(ids []string) ([]router.ConversationID, error) {
	out := make([]router.ConversationID, 0, len(ids))
	for _, s := range ids {
		var n int64
		err := strconv.ErrSyntax
		if len(s) >= 2 && s[0] == 'c' && '1' <= s[1] && s[1] <= '9' {
			n, err = strconv.ParseInt(s[1:], 10, 64)
		}
		if err != nil {
			return nil, fmt.Errorf("%q is not a conversation id such as \"c12\"", s)
		}
		out = append(out, router.ConversationID(n))
	}
	return out, nil
}

// inboxActions are the bulk operations of the message center.
var inboxActions = map[string]func(ib *inbox.Inbox, now time.Time, ids ...router.ConversationID) error{
	"read":      (*inbox.Inbox).MarkRead,
	"unread":    (*inbox.Inbox).MarkUnread,
	"star":      (*inbox.Inbox).Star,
	"unstar":    (*inbox.Inbox).Unstar,
	"archive":   (*inbox.Inbox).Archive,
	"unarchive": (*inbox.Inbox).Unarchive,
}

func (s *Server) postInbox(w http.ResponseWriter, r *http.Request, world *sim.World) {
	action := r.PathValue("action")
	fn := inboxActions[action]
	if fn == nil {
		names := make([]string, 0, len(inboxActions))
		for n := range inboxActions {
			names = append(names, n)
		}
		slices.Sort(names)
		writeError(w, http.StatusNotFound, "unknown action %q (known: %s)", action, strings.Join(names, ", "))
		return
	}
	var req struct {
		IDs []string `json:"ids"`
	}
	if !decode(w, r, &req, false) {
		return
	}
	if len(req.IDs) == 0 {
		writeError(w, http.StatusBadRequest, `want "ids": the conversations, such as ["c1", "c2"]`)
		return
	}
	ids, err := conversationIDs(req.IDs)
	if err == nil {
		err = fn(s.inbox, world.Now(), ids...)
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, "%v", err)
		return
	}
	s.bell.ring()
	slices.Sort(ids) // an id given twice is one conversation changed
	writeJSON(w, http.StatusOK, struct {
		Changed int `json:"changed"`
	}{len(slices.Compact(ids))})
}

// conversation resolves the {id} of a path to a conversation the inbox
// holds.
func (s *Server) conversation(w http.ResponseWriter, r *http.Request) (inbox.Row, bool) {
	ids, err := conversationIDs([]string{r.PathValue("id")})
	if err != nil {
		writeError(w, http.StatusNotFound, "%v", err)
		return inbox.Row{}, false
	}
	row, ok := s.inbox.Conversation(ids[0])
	if !ok {
		writeError(w, http.StatusNotFound, "no conversation %s in the message center", r.PathValue("id"))
	}
	return row, ok
}

func (s *Server) getConversation(w http.ResponseWriter, r *http.Request, world *sim.World) {
	if _, ok := query(w, r); !ok {
		return
	}
	row, ok := s.conversation(w, r)
	if !ok {
		return
	}
	texts, _ := s.inbox.Transcript(inbox.Viewer{AllConversations: true}, row.ID)
	out := struct {
		rowJSON
		Transcript []textJSON     `json:"transcript"`
		Deadlines  []deadlineJSON `json:"deadlines"`
	}{rowJSON: rowView(row, loc(world)), Transcript: []textJSON{}, Deadlines: []deadlineJSON{}}
	for _, t := range texts {
		out.Transcript = append(out.Transcript, textJSON{At: t.At.In(loc(world)), From: string(t.From), Text: t.Text})
	}
	for _, d := range world.Engine().Deadlines(maxDeadlines) {
		if d.Conversation == row.ID {
			out.Deadlines = append(out.Deadlines, deadlineView(d, loc(world)))
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) postTag(w http.ResponseWriter, r *http.Request, world *sim.World) {
	var req struct {
		Tag    string `json:"tag"`
		Remove bool   `json:"remove"`
	}
	row, ok := s.conversation(w, r)
	if !ok || !decode(w, r, &req, false) {
		return
	}
	var err error
	if req.Remove {
		err = s.inbox.Untag(world.Now(), row.ID, req.Tag)
	} else {
		err = s.inbox.Tag(world.Now(), row.ID, req.Tag)
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, "%v", err)
		return
	}
	s.bell.ring()
	row, _ = s.inbox.Conversation(row.ID)
	writeJSON(w, http.StatusOK, rowView(row, loc(world)))
}

func (s *Server) postTagColour(w http.ResponseWriter, r *http.Request, world *sim.World) {
	var req struct {
		Colour string `json:"colour"`
	}
	if !decode(w, r, &req, false) {
		return
	}
	tag := r.PathValue("tag")
	if err := s.inbox.SetTagColour(world.Now(), tag, req.Colour); err != nil {
		writeError(w, http.StatusBadRequest, "%v", err)
		return
	}
	s.bell.ring()
	writeJSON(w, http.StatusOK, tagJSON{Name: tag, Colour: req.Colour})
}

// quickReplyJSON is a saved reply.
type quickReplyJSON struct {
	ID     string           `json:"id"`
	Title  string           `json:"title"`
	Body   string           `json:"body"`
	Images []attachmentJSON `json:"images"`
}

func quickReplyView(q inbox.QuickReply) quickReplyJSON {
	v := quickReplyJSON{ID: q.ID, Title: q.Title, Body: q.Body, Images: []attachmentJSON{}}
	for _, a := range q.Images {
		v.Images = append(v.Images, attachmentJSON{Kind: a.Kind, Format: a.Format, Size: size(a.Size), Name: a.Name})
	}
	return v
}

func (s *Server) getQuickReplies(w http.ResponseWriter, r *http.Request, world *sim.World) {
	if _, ok := query(w, r); !ok {
		return
	}
	out := []quickReplyJSON{}
	for _, q := range s.inbox.QuickReplies() {
		out = append(out, quickReplyView(q))
	}
	writeJSON(w, http.StatusOK, struct {
		QuickReplies []quickReplyJSON `json:"quick_replies"`
	}{out})
}

func (s *Server) postQuickReply(w http.ResponseWriter, r *http.Request, world *sim.World) {
	var req quickReplyJSON
	if !decode(w, r, &req, false) {
		return
	}
	q := inbox.QuickReply{ID: req.ID, Title: req.Title, Body: req.Body}
	for _, a := range req.Images {
		att, err := a.attachment()
		if err != nil {
			writeError(w, http.StatusBadRequest, "images: %v", err)
			return
		}
		q.Images = append(q.Images, *att)
	}
	saved, err := s.inbox.SaveQuickReply(q)
	if err != nil {
		writeError(w, http.StatusBadRequest, "%v", err)
		return
	}
	s.bell.ring()
	writeJSON(w, http.StatusOK, quickReplyView(saved))
}

// sendJSON is what became of one agent's send.
type sendJSON struct {
	Conversation  string             `json:"conversation"`
	MessageID     string             `json:"message_id"`
	Refusal       string             `json:"refusal"`
	Explanation   string             `json:"explanation,omitempty"`
	PlatformError *platformErrorJSON `json:"platform_error"`
	// Platform is, for a message the router's policy refused, what the
	// platform would have answered: "accepted" (drift: the router was
	// stricter than the platform) or the platform's own refusal.
	Platform *verdictJSON `json:"platform,omitempty"`
	Error    string       `json:"error,omitempty"`
}

// verdictJSON is the platform's dry-run answer to a message.
type verdictJSON struct {
	Accepted bool   `json:"accepted"`
	Code     string `json:"code,omitempty"`
	Status   int    `json:"status,omitempty"`
	Message  string `json:"message,omitempty"`
}

// reasons says every refusal of the router's policy in words a support
// lead understands.
var reasons = map[router.Reason]string{
	router.ReasonWindowClosed:   "The customer's reply window has closed: only a template message may reach them until they write again.",
	router.ReasonReplyLimit:     "The reply limit is reached: the customer must write before the next reply.",
	router.ReasonAttachmentType: "The platform does not take this kind or format of attachment.",
	router.ReasonAttachmentSize: "The attachment is larger than the platform allows.",
	router.ReasonTextTooLong:    "The text is longer than the platform allows.",
	router.ReasonNotAssigned:    "The conversation is assigned to another agent.",
	router.ReasonNoConversation: "The customer has no open conversation to reply in.",
}

// send has agent send m to key through the world and describes the
// result, with the platform's view of a refusal. s.mu is held.
func (s *Server) send(world *sim.World, agent string, key router.CustomerKey, m router.Outbound) (sendJSON, error) {
	res, err := world.Send(agent, key, m)
	if err != nil {
		return sendJSON{}, err
	}
	out := sendJSON{MessageID: res.MessageID, Refusal: string(res.Refusal), Explanation: reasons[res.Refusal]}
	if res.Conversation != 0 {
		out.Conversation = res.Conversation.String()
	}
	var pe *router.PlatformError
	switch {
	case errors.As(res.Err, &pe):
		out.PlatformError = &platformErrorJSON{Code: pe.Code, Status: pe.HTTPStatus, Message: pe.Message}
	case res.Err != nil:
		out.Error = res.Err.Error()
	}
	if res.Refusal != "" && res.Refusal != router.ReasonNotAssigned && res.Refusal != router.ReasonNoConversation {
		b, _ := world.Binding(key.Channel)
		if v := b.Judge(key.Customer, m); v == nil {
			out.Platform = &verdictJSON{Accepted: true}
		} else {
			out.Platform = &verdictJSON{Code: v.Code, Status: v.HTTPStatus, Message: v.Message}
		}
	}
	if res.MessageID != "" && res.Conversation != 0 {
		s.inbox.AddMessage(world.Now(), res.Conversation, inbox.FromAgent, describeOutbound(m))
	}
	return out, nil
}

// describeOutbound is the text the message center keeps of a message.
func describeOutbound(m router.Outbound) string {
	switch m.Kind {
	case router.KindTemplate:
		return "[template " + m.Template.Name + "]"
	case router.KindAttachment:
		s := "[" + m.Attachment.Kind + " " + m.Attachment.Format + "]"
		if m.Text != "" {
			s += " " + m.Text
		}
		return s
	}
	return m.Text
}

func (s *Server) postAgentQuickReply(w http.ResponseWriter, r *http.Request, world *sim.World) {
	var req struct {
		Conversation string `json:"conversation"`
		QuickReply   string `json:"quick_reply"`
	}
	agent, ok := s.agent(w, r, world)
	if !ok || !decode(w, r, &req, false) {
		return
	}
	ids, err := conversationIDs([]string{req.Conversation})
	if err != nil {
		writeError(w, http.StatusBadRequest, "conversation: %v", err)
		return
	}
	row, ok := s.inbox.Conversation(ids[0])
	if !ok {
		writeError(w, http.StatusNotFound, "no conversation %s in the message center", req.Conversation)
		return
	}
	q, ok := s.inbox.QuickReply(req.QuickReply)
	if !ok {
		writeError(w, http.StatusNotFound, "no quick reply %q", req.QuickReply)
		return
	}
	msgs, err := s.inbox.Render(q, row.ID, row.Customer.Channel)
	if err != nil {
		writeError(w, http.StatusBadRequest, "%v", err)
		return
	}
	out := []sendJSON{}
	for _, m := range msgs {
		res, err := s.send(world, agent, row.Customer, m)
		if err != nil {
			writeError(w, http.StatusBadRequest, "%v", err)
			return
		}
		out = append(out, res)
		if res.MessageID == "" {
			break // the rest would be refused alike
		}
	}
	writeJSON(w, http.StatusOK, struct {
		Sent []sendJSON `json:"sent"`
	}{out})
}

func (s *Server) postTransfer(w http.ResponseWriter, r *http.Request, world *sim.World) {
	var req struct {
		target
		Group string `json:"group"`
		Agent string `json:"agent"`
	}
	agent, ok := s.agent(w, r, world)
	if !ok || !decode(w, r, &req, false) {
		return
	}
	key, ok := s.resolve(w, world, req.target)
	if !ok {
		return
	}
	if req.Group == "" && req.Agent == "" {
		writeError(w, http.StatusBadRequest, `want "group" or "agent" (or both): where the conversation goes`)
		return
	}
	eng := world.Engine()
	if err := eng.Transfer(world.Now(), agent, key, req.Group, req.Agent); err != nil {
		writeError(w, http.StatusBadRequest, "%v", err)
		return
	}
	c, _, _ := eng.Latest(key)
	writeJSON(w, http.StatusOK, conversationView(c, loc(world)))
}

// figuresJSON is the live dashboard.
type figuresJSON struct {
	At                string             `json:"at"`
	Window            string             `json:"window"`
	Waiting           int                `json:"waiting"`
	WithBot           int                `json:"with_bot"`
	Active            int                `json:"active"`
	LongestWait       float64            `json:"longest_wait_seconds"`
	Answered          int                `json:"answered"`
	FirstResponseMean float64            `json:"first_response_mean_seconds"`
	FirstResponseP90  float64            `json:"first_response_p90_seconds"`
	Agents            []agentFigureJSON  `json:"agents"`
	Warnings          []warningJSON      `json:"warnings"`
	Standard          map[string]float64 `json:"standard"`
}

// agentFigureJSON is one agent's live figures.
type agentFigureJSON struct {
	Agent             string  `json:"agent"`
	Online            bool    `json:"online"`
	Active            int     `json:"active"`
	Answered          int     `json:"answered"`
	FirstResponseMean float64 `json:"first_response_mean_seconds"`
}

// warningJSON is a service warning.
type warningJSON struct {
	At     time.Time `json:"at"`
	Metric string    `json:"metric"`
	Raised bool      `json:"raised"`
	Value  float64   `json:"value"`
	Limit  float64   `json:"limit"`
}

func (s *Server) getFigures(w http.ResponseWriter, r *http.Request, world *sim.World) {
	if _, ok := query(w, r); !ok {
		return
	}
	f := s.inbox.Figures(world.Now())
	std := DefaultStandard
	if s.cfg.Standard != nil {
		std = *s.cfg.Standard
	}
	out := figuresJSON{At: f.At.In(loc(world)).Format(time.RFC3339), Window: f.Window.String(), Waiting: f.Waiting,
		WithBot: f.WithBot, Active: f.Active, LongestWait: f.LongestWait.Seconds(), Answered: f.Answered,
		FirstResponseMean: f.FirstResponseMean.Seconds(), FirstResponseP90: f.FirstResponseP90.Seconds(),
		Agents: []agentFigureJSON{}, Warnings: []warningJSON{},
		Standard: map[string]float64{"first_response_p90_seconds": std.FirstResponseP90.Seconds(),
			"first_response_mean_seconds": std.FirstResponseMean.Seconds(), "max_waiting": float64(std.MaxWaiting)}}
	for _, a := range f.Agents {
		out.Agents = append(out.Agents, agentFigureJSON{Agent: a.Agent, Online: a.Online, Active: a.Active,
			Answered: a.Answered, FirstResponseMean: a.FirstResponseMean.Seconds()})
	}
	for _, wn := range f.Warnings {
		out.Warnings = append(out.Warnings, warningJSON{At: wn.At.In(loc(world)), Metric: string(wn.Metric),
			Raised: wn.Raised, Value: wn.Value, Limit: wn.Limit})
	}
	writeJSON(w, http.StatusOK, out)
}

// maxDeadlines is how many of the router's next timers the clock lists.
const maxDeadlines = 12

// deadlineWords says what each kind of the router's timers does.
var deadlineWords = map[string]string{
	"missed":       "no agent has answered: the conversation becomes missed",
	"missed_close": "the missed conversation closes",
	"idle":         "the idle conversation closes",
	"window":       "the reply window closes and so does the conversation",
	"window_end":   "the reply window ends: from then only templates (where the platform allows them) reach the customer",
	"overflow":     "the waiting conversation overflows to the default group",
	"reassign":     "the unanswered assignment goes back to routing",
	"bot":          "the bot hands the conversation to a person",
	"shift":        "a shift starts or ends",
}

func deadlineView(d router.Deadline, loc *time.Location) deadlineJSON {
	v := deadlineJSON{At: d.At.In(loc), Kind: d.Kind, Agent: d.Agent, Platform: d.Customer.Channel,
		Customer: d.Customer.Customer}
	if d.Conversation != 0 {
		v.Conversation = d.Conversation.String()
	}
	switch {
	case d.Conversation != 0:
		v.What = fmt.Sprintf("%s (%s %s): %s", v.Conversation, v.Platform, v.Customer, deadlineWords[d.Kind])
	default:
		v.What = fmt.Sprintf("agent %s: %s", d.Agent, deadlineWords[d.Kind])
	}
	return v
}

// describeInbound is the text the message center keeps of a customer's
// message.
func describeInbound(m sim.Message) string {
	switch {
	case m.Attachment != nil:
		s := "[" + m.Attachment.Kind + " " + m.Attachment.Format + "]"
		if m.Text != "" {
			s += " " + m.Text
		}
		return s
	case m.Event != "":
		return "[" + m.Event + " " + m.EventKey + "]"
	}
	return m.Text
}
