package serve

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/omnisim/omnisim/router"
	"github.com/omnisim/omnisim/router/inbox"
	"github.com/omnisim/omnisim/sim"
	"github.com/omnisim/omnisim/sim/scenario"
)

// handler is a control endpoint that uses the world: it runs with s.mu
// held and a world present.
type handler func(w http.ResponseWriter, r *http.Request, world *sim.World)

// controlMux routes the control API.
func (s *Server) controlMux() *http.ServeMux {
	mux := http.NewServeMux()
	route := func(path string, methods map[string]http.HandlerFunc) {
		allow := make([]string, 0, len(methods))
		for m := range methods {
			allow = append(allow, m)
		}
		sort.Strings(allow)
		mux.HandleFunc(ControlPrefix+path, func(w http.ResponseWriter, r *http.Request) {
			h := methods[r.Method]
			if h == nil && r.Method == http.MethodHead {
				h = methods[http.MethodGet]
			}
			if h == nil {
				w.Header().Set("Allow", strings.Join(allow, ", "))
				writeError(w, http.StatusMethodNotAllowed, "%s %s: method not allowed (allowed: %s)", r.Method, r.URL.Path, strings.Join(allow, ", "))
				return
			}
			h(w, r)
		})
	}
	get := func(h http.HandlerFunc) map[string]http.HandlerFunc {
		return map[string]http.HandlerFunc{http.MethodGet: h}
	}
	post := func(h http.HandlerFunc) map[string]http.HandlerFunc {
		return map[string]http.HandlerFunc{http.MethodPost: h}
	}

	route("/health", get(s.health))
	route("/urls", get(s.serveURLs))
	route("/clock", map[string]http.HandlerFunc{http.MethodGet: s.with(s.getClock), http.MethodPost: s.with(s.postClock)})
	route("/reset", post(s.postReset))
	route("/journal", get(s.with(s.getJournal)))
	route("/customers/{platform}/{customer}/messages", post(s.with(s.postMessage)))
	route("/customers/{platform}/{customer}/device", get(s.with(s.getDevice)))
	route("/agents", get(s.with(s.getAgents)))
	route("/agents/{id}/presence", post(s.with(s.postPresence)))
	route("/agents/{id}/send", post(s.with(s.postSend)))
	route("/agents/{id}/close", post(s.with(s.postClose)))
	route("/conversations", get(s.with(s.getConversations)))
	route("/events", get(s.with(s.getEvents)))
	route("/stream", get(s.stream))
	route("/inbox", get(s.with(s.getInbox)))
	route("/inbox/{action}", post(s.with(s.postInbox)))
	route("/conversations/{id}", get(s.with(s.getConversation)))
	route("/conversations/{id}/tags", post(s.with(s.postTag)))
	route("/tags/{tag}", post(s.with(s.postTagColour)))
	route("/quick-replies", map[string]http.HandlerFunc{http.MethodGet: s.with(s.getQuickReplies), http.MethodPost: s.with(s.postQuickReply)})
	route("/agents/{id}/quick-reply", post(s.with(s.postAgentQuickReply)))
	route("/agents/{id}/transfer", post(s.with(s.postTransfer)))
	route("/figures", get(s.with(s.getFigures)))
	mux.HandleFunc(ControlPrefix+"/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "no such endpoint: %s %s (see docs/serve.md for the control API)", r.Method, r.URL.Path)
	})
	return mux
}

// with runs h with the world, under s.mu; without a world it answers 503.
func (s *Server) with(h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		switch {
		case s.closed:
			writeError(w, http.StatusServiceUnavailable, "the server is stopping")
			return
		case s.world == nil:
			writeError(w, http.StatusServiceUnavailable, "no world: %v; POST %s/reset to try again", s.worldErr, ControlPrefix)
			return
		}
		world := s.world
		h(w, r, world)
		s.syncInbox(world)
	}
}

// query reads r's query parameters, refusing any not in known and any
// given twice.
func query(w http.ResponseWriter, r *http.Request, known ...string) (url.Values, bool) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		writeError(w, http.StatusBadRequest, "bad query: %v", err)
		return nil, false
	}
	for k, v := range q {
		if !slices.Contains(known, k) {
			hint := "takes no query parameters"
			if len(known) > 0 {
				hint = "known: " + strings.Join(known, ", ")
			}
			writeError(w, http.StatusBadRequest, "unknown query parameter %q (%s)", k, hint)
			return nil, false
		}
		if len(v) > 1 {
			writeError(w, http.StatusBadRequest, "query parameter %q given %d times", k, len(v))
			return nil, false
		}
	}
	return q, true
}

// loc is the time zone of the world's answers: the scenario's.
func loc(world *sim.World) *time.Location { return world.Now().Location() }

func (s *Server) health(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.world == nil {
		writeJSON(w, http.StatusServiceUnavailable, struct {
			OK    bool   `json:"ok"`
			Error string `json:"error"`
		}{false, fmt.Sprintf("no world: %v", s.worldErr)})
		return
	}
	writeJSON(w, http.StatusOK, struct {
		OK   bool      `json:"ok"`
		Now  time.Time `json:"now"`
		Seed uint64    `json:"seed"`
	}{true, s.world.Now(), s.seed})
}

func (s *Server) serveURLs(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.URLs())
}

// deadlineJSON is something due at a time.
type deadlineJSON struct {
	At   time.Time `json:"at"`
	What string    `json:"what"`
	// Kind is a router timer's kind (see router.Deadline), or "retry" for
	// a platform's webhook retry.
	Kind         string `json:"kind"`
	Conversation string `json:"conversation,omitempty"`
	Platform     string `json:"platform,omitempty"`
	Customer     string `json:"customer,omitempty"`
	Agent        string `json:"agent,omitempty"`
}

func (s *Server) getClock(w http.ResponseWriter, r *http.Request, world *sim.World) {
	if _, ok := query(w, r); !ok {
		return
	}
	next := []deadlineJSON{}
	for _, d := range world.Engine().Deadlines(maxDeadlines) {
		next = append(next, deadlineView(d, loc(world)))
	}
	for _, p := range s.platforms {
		if b, ok := world.Binding(p.Name()); ok {
			if t, ok := b.NextDeadline(); ok {
				next = append(next, deadlineJSON{At: t.In(loc(world)), What: p.Name() + ": a webhook retry", Kind: "retry", Platform: p.Name()})
			}
		}
	}
	slices.SortStableFunc(next, func(a, b deadlineJSON) int { return a.At.Compare(b.At) })
	speed := s.clock.speed
	if s.clock.stopped {
		speed = 0
	}
	writeJSON(w, http.StatusOK, struct {
		Now   time.Time      `json:"now"`
		Speed float64        `json:"speed"`
		Next  []deadlineJSON `json:"next"`
	}{world.Now(), speed, next})
}

func (s *Server) postClock(w http.ResponseWriter, r *http.Request, world *sim.World) {
	var req struct {
		Advance string `json:"advance"`
		To      string `json:"to"`
	}
	if !decode(w, r, &req, false) {
		return
	}
	now := world.Now()
	var target time.Time
	switch {
	case (req.Advance == "") == (req.To == ""):
		writeError(w, http.StatusBadRequest, `want one of "advance" (a duration such as "25h") and "to" (an RFC 3339 time)`)
		return
	case req.Advance != "":
		d, err := scenario.ParseDuration(req.Advance)
		if err != nil {
			writeError(w, http.StatusBadRequest, "advance: %v (the clock only goes forward)", err)
			return
		}
		target = now.Add(d)
	default:
		t, err := time.Parse(time.RFC3339Nano, req.To)
		if err != nil {
			writeError(w, http.StatusBadRequest, "to: %q is not an RFC 3339 time such as \"2026-03-05T09:00:00Z\"", req.To)
			return
		}
		if t.Before(now) {
			writeError(w, http.StatusBadRequest, "to: %s is before the virtual time now, %s: the clock only goes forward",
				t.Format(time.RFC3339Nano), now.Format(time.RFC3339Nano))
			return
		}
		target = t
	}
	if !target.Before(scenario.EndTime) {
		writeError(w, http.StatusBadRequest, "the clock would reach %s, after 2261-12-31, the last day omnisim can simulate (virtual time is nanoseconds since 1970 in 64 bits)",
			target.Format(time.RFC3339Nano))
		return
	}
	before := s.lastEvent(world)
	if err := s.jump(target); err != nil {
		writeError(w, http.StatusServiceUnavailable, "jumping the clock: %v", err)
		return
	}
	writeJSON(w, http.StatusOK, struct {
		Now   time.Time `json:"now"`
		Fired uint64    `json:"fired"`
	}{world.Now(), s.lastEvent(world) - before})
}

// lastEvent is the Seq of the router's newest event.
func (s *Server) lastEvent(world *sim.World) uint64 {
	var next uint64
	s.events, next, _ = world.Engine().EventsSince(s.seen, s.events[:0])
	s.seen = next
	return next
}

func (s *Server) postReset(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Seed *uint64 `json:"seed"`
	}
	if !decode(w, r, &req, true) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		writeError(w, http.StatusServiceUnavailable, "the server is stopping")
		return
	}
	seed := s.seed + 1
	if req.Seed != nil {
		seed = *req.Seed
	}
	if err := s.reset(seed); err != nil {
		writeError(w, http.StatusBadGateway, "reset: %v", err)
		return
	}
	writeJSON(w, http.StatusOK, struct {
		Seed uint64    `json:"seed"`
		Now  time.Time `json:"now"`
	}{s.seed, s.world.Now()})
}

func (s *Server) getJournal(w http.ResponseWriter, r *http.Request, world *sim.World) {
	q, ok := query(w, r, "platform", "customer", "kind", "since")
	if !ok {
		return
	}
	var f sim.JournalFilter
	if k := q.Get("kind"); k != "" {
		if !slices.Contains(sim.RecordKinds(), k) {
			writeError(w, http.StatusBadRequest, "kind %q: want one of %s", k, strings.Join(sim.RecordKinds(), ", "))
			return
		}
		f.Kind = k
	}
	if v := q.Get("since"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			writeError(w, http.StatusBadRequest, "since %q: want a record's seq, a whole number", v)
			return
		}
		f.Since = n
	}
	ps := s.platforms
	if name := q.Get("platform"); name != "" {
		p := s.platform(name)
		if p == nil {
			writeError(w, http.StatusBadRequest, "platform: %v", s.unknownPlatform(name))
			return
		}
		ps = []*sim.Platform{p}
	}
	records := []recordJSON{}
	next := map[string]uint64{}
	for _, p := range ps {
		b, ok := world.Binding(p.Name())
		if !ok {
			continue
		}
		pf := f
		if c := q.Get("customer"); c != "" {
			key, err := world.Customer(p.Name(), c)
			if err != nil {
				continue
			}
			pf.Customer = key.Customer
		}
		next[p.Name()] = f.Since
		for _, rec := range b.Journal(pf) {
			records = append(records, recordView(rec, loc(world)))
			next[p.Name()] = max(next[p.Name()], rec.Seq)
		}
	}
	order := s.platformNames()
	slices.SortStableFunc(records, func(a, b recordJSON) int {
		if c := a.At.Compare(b.At); c != 0 {
			return c
		}
		return slices.Index(order, a.Platform) - slices.Index(order, b.Platform)
	})
	writeJSON(w, http.StatusOK, struct {
		Records []recordJSON      `json:"records"`
		Next    map[string]uint64 `json:"next"`
	}{records, next})
}

// customer resolves the {platform} and {customer} of a path: a scenario
// customer's id, or the platform's customer id (a phone number, an openid).
func (s *Server) customer(w http.ResponseWriter, r *http.Request, world *sim.World) (router.CustomerKey, bool) {
	name := r.PathValue("platform")
	if s.platform(name) == nil {
		writeError(w, http.StatusNotFound, "%v", s.unknownPlatform(name))
		return router.CustomerKey{}, false
	}
	return s.key(w, world, name, r.PathValue("customer"))
}

// key resolves a customer of a platform known to the table.
func (s *Server) key(w http.ResponseWriter, world *sim.World, platform, customer string) (router.CustomerKey, bool) {
	if customer == "" {
		writeError(w, http.StatusBadRequest, "customer: empty")
		return router.CustomerKey{}, false
	}
	key, err := world.Customer(platform, customer)
	if err != nil {
		writeError(w, http.StatusNotFound, "%v", err)
		return router.CustomerKey{}, false
	}
	return key, true
}

func (s *Server) postMessage(w http.ResponseWriter, r *http.Request, world *sim.World) {
	var req struct {
		Text       string          `json:"text"`
		Attachment *attachmentJSON `json:"attachment"`
		Caption    string          `json:"caption"`
		Event      string          `json:"event"`
		Key        string          `json:"key"`
	}
	key, ok := s.customer(w, r, world)
	if !ok || !decode(w, r, &req, false) {
		return
	}
	var m sim.Message
	switch {
	case count(req.Text != "" && req.Event == "", req.Attachment != nil, req.Event != "") != 1:
		writeError(w, http.StatusBadRequest, `want one of "text", "attachment" (with an optional "caption") and "event" (with an optional "key", and "text" for an event that carries one, such as a quoted reply)`)
		return
	case req.Caption != "" && req.Attachment == nil:
		writeError(w, http.StatusBadRequest, `"caption" goes with "attachment"`)
		return
	case req.Key != "" && req.Event == "":
		writeError(w, http.StatusBadRequest, `"key" goes with "event"`)
		return
	case req.Attachment != nil:
		a, err := req.Attachment.attachment()
		if err != nil {
			writeError(w, http.StatusBadRequest, "%v", err)
			return
		}
		m = sim.Message{Text: req.Caption, Attachment: a}
	case req.Event != "":
		m = sim.Message{Event: req.Event, EventKey: req.Key, Text: req.Text}
	default:
		m = sim.Message{Text: req.Text}
	}
	in, err := world.Say(key, m)
	if c, _, ok := world.Engine().Latest(key); ok && in.ID != "" && s.inbox != nil {
		s.inbox.AddMessage(world.Now(), c.ID, inbox.FromCustomer, describeInbound(m))
	}
	if err != nil && in.ID == "" {
		// The platform sent nothing: the customer or the message is not
		// one it takes.
		writeError(w, http.StatusBadRequest, "%v", err)
		return
	}
	res := struct {
		ID     string `json:"id"`
		Status int    `json:"status"`
		Error  string `json:"error,omitempty"`
	}{ID: in.ID, Status: in.Status}
	if err != nil {
		res.Error = err.Error()
	}
	writeJSON(w, http.StatusOK, res)
}

func count(bs ...bool) int {
	n := 0
	for _, b := range bs {
		if b {
			n++
		}
	}
	return n
}

func (s *Server) getDevice(w http.ResponseWriter, r *http.Request, world *sim.World) {
	if _, ok := query(w, r); !ok {
		return
	}
	key, ok := s.customer(w, r, world)
	if !ok {
		return
	}
	b, _ := world.Binding(key.Channel)
	out := []deliveryJSON{}
	for _, d := range b.Device(key.Customer) {
		out = append(out, deliveryJSON{At: d.At.In(loc(world)), Kind: d.Kind, Text: d.Text})
	}
	writeJSON(w, http.StatusOK, struct {
		Platform   string         `json:"platform"`
		Customer   string         `json:"customer"`
		Deliveries []deliveryJSON `json:"deliveries"`
	}{key.Channel, key.Customer, out})
}

func (s *Server) getAgents(w http.ResponseWriter, r *http.Request, world *sim.World) {
	if _, ok := query(w, r); !ok {
		return
	}
	out := []agentJSON{}
	for _, a := range world.Engine().Agents(world.Now()) {
		out = append(out, agentView(a, loc(world)))
	}
	writeJSON(w, http.StatusOK, struct {
		Agents []agentJSON `json:"agents"`
	}{out})
}

// agent resolves the {id} of a path to a known agent.
func (s *Server) agent(w http.ResponseWriter, r *http.Request, world *sim.World) (string, bool) {
	id := r.PathValue("id")
	if _, ok := world.Engine().Agent(world.Now(), id); !ok {
		var ids []string
		for _, a := range world.Engine().Agents(world.Now()) {
			ids = append(ids, a.ID)
		}
		writeError(w, http.StatusNotFound, "unknown agent %q (known: %s)", id, strings.Join(ids, ", "))
		return "", false
	}
	return id, true
}

func (s *Server) postPresence(w http.ResponseWriter, r *http.Request, world *sim.World) {
	var req struct {
		Online *bool `json:"online"`
	}
	id, ok := s.agent(w, r, world)
	if !ok || !decode(w, r, &req, false) {
		return
	}
	if req.Online == nil {
		writeError(w, http.StatusBadRequest, `want "online": true or false`)
		return
	}
	eng := world.Engine()
	if err := eng.SetOnline(world.Now(), id, *req.Online); err != nil {
		writeError(w, http.StatusBadRequest, "%v", err)
		return
	}
	a, _ := eng.Agent(world.Now(), id)
	writeJSON(w, http.StatusOK, agentView(a, loc(world)))
}

// target is the customer an agent's request is about.
type target struct {
	Platform string `json:"platform"`
	Customer string `json:"customer"`
}

// resolve checks the platform and resolves the customer.
func (s *Server) resolve(w http.ResponseWriter, world *sim.World, t target) (router.CustomerKey, bool) {
	if t.Platform == "" {
		writeError(w, http.StatusBadRequest, `want "platform" (one of %s) and "customer"`, strings.Join(s.platformNames(), ", "))
		return router.CustomerKey{}, false
	}
	if s.platform(t.Platform) == nil {
		writeError(w, http.StatusNotFound, "%v", s.unknownPlatform(t.Platform))
		return router.CustomerKey{}, false
	}
	return s.key(w, world, t.Platform, t.Customer)
}

func (s *Server) postSend(w http.ResponseWriter, r *http.Request, world *sim.World) {
	var req struct {
		target
		Text     *string `json:"text"`
		Template *struct {
			Name     string   `json:"name"`
			Language string   `json:"language"`
			Params   []string `json:"params"`
		} `json:"template"`
		Attachment *attachmentJSON `json:"attachment"`
		Caption    string          `json:"caption"`
	}
	agent, ok := s.agent(w, r, world)
	if !ok || !decode(w, r, &req, false) {
		return
	}
	key, ok := s.resolve(w, world, req.target)
	if !ok {
		return
	}
	var m router.Outbound
	switch {
	case count(req.Text != nil, req.Template != nil, req.Attachment != nil) != 1:
		writeError(w, http.StatusBadRequest, `want one of "text", "template" and "attachment" (with an optional "caption")`)
		return
	case req.Caption != "" && req.Attachment == nil:
		writeError(w, http.StatusBadRequest, `"caption" goes with "attachment"`)
		return
	case req.Text != nil:
		m = router.Outbound{Kind: router.KindText, Text: *req.Text}
	case req.Template != nil:
		t := req.Template
		if t.Name == "" {
			writeError(w, http.StatusBadRequest, `template: want "name"`)
			return
		}
		m = router.Outbound{Kind: router.KindTemplate, Template: &router.Template{Name: t.Name, Language: cmpOr(t.Language, "en_US"), Params: t.Params}}
	default:
		a, err := req.Attachment.attachment()
		if err != nil {
			writeError(w, http.StatusBadRequest, "%v", err)
			return
		}
		m = router.Outbound{Kind: router.KindAttachment, Text: req.Caption, Attachment: a}
	}
	out, err := s.send(world, agent, key, m)
	if err != nil {
		writeError(w, http.StatusBadRequest, "%v", err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func cmpOr(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

func (s *Server) postClose(w http.ResponseWriter, r *http.Request, world *sim.World) {
	var req target
	agent, ok := s.agent(w, r, world)
	if !ok || !decode(w, r, &req, false) {
		return
	}
	key, ok := s.resolve(w, world, req)
	if !ok {
		return
	}
	eng := world.Engine()
	if err := eng.Close(world.Now(), agent, key); err != nil {
		writeError(w, http.StatusBadRequest, "%v", err)
		return
	}
	c, _, _ := eng.Latest(key)
	writeJSON(w, http.StatusOK, conversationView(c, loc(world)))
}

func (s *Server) getConversations(w http.ResponseWriter, r *http.Request, world *sim.World) {
	q, ok := query(w, r, "state")
	if !ok {
		return
	}
	state := q.Get("state")
	if state != "" && !slices.Contains(router.States(), router.State(state)) {
		writeError(w, http.StatusBadRequest, "state %q: want waiting, assigned or closed", state)
		return
	}
	out := []conversationJSON{}
	world.Engine().Conversations(func(c router.Conversation) {
		if state == "" || string(c.State) == state {
			out = append(out, conversationView(c, loc(world)))
		}
	})
	writeJSON(w, http.StatusOK, struct {
		Conversations []conversationJSON `json:"conversations"`
	}{out})
}

func (s *Server) getEvents(w http.ResponseWriter, r *http.Request, world *sim.World) {
	q, ok := query(w, r, "since")
	if !ok {
		return
	}
	var since uint64
	if v := q.Get("since"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			writeError(w, http.StatusBadRequest, "since %q: want an event's seq, a whole number", v)
			return
		}
		since = n
	}
	evs, next, lost := world.Engine().EventsSince(since, nil)
	out := make([]eventJSON, len(evs))
	for i, ev := range evs {
		out[i] = eventView(ev, loc(world))
	}
	writeJSON(w, http.StatusOK, struct {
		Events []eventJSON `json:"events"`
		Next   uint64      `json:"next"`
		Lost   uint64      `json:"lost"`
	}{out, next, lost})
}
