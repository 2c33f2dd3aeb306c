package sim

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	fakewa "github.com/omnisim/omnisim/fakes/whatsapp"
	"github.com/omnisim/omnisim/router"
	routerwa "github.com/omnisim/omnisim/router/whatsapp"
	"github.com/omnisim/omnisim/sim/scenario"
)

// Transport names how the fakes and the router talk.
const (
	// Memory calls HTTP handlers directly through [Transport].
	Memory = "memory"
	// Loopback uses real sockets on 127.0.0.1.
	Loopback = "loopback"
)

// Options tune a run.
type Options struct {
	// Seed, when set, replaces the scenario's seed.
	Seed *uint64
	// Transport is Memory (the default) or Loopback.
	Transport string
	// Trace keeps the whole event log in Result.Trace.
	Trace bool
}

// Host names of the in-memory network.
const (
	routerHost   = "router.omnisim"
	whatsappHost = "graph.whatsapp.omnisim"
	webhookPath  = "/webhooks/whatsapp"
)

// run is the state of one scenario run.
type run struct {
	sc    *scenario.Scenario
	opt   Options
	seed  uint64
	ctx   context.Context
	clock *Clock
	queue Queue
	end   time.Time // zero: no bound

	engine  *router.Engine
	fake    *fakewa.Server
	adapter *routerwa.Adapter
	closers []func()

	people  map[router.CustomerKey]*person
	byID    map[string]*person
	traffic *rand.Rand
	phones  int
	account string // the WhatsApp business number's id
	// asyncErrors: the platform reports window errors by status webhook.
	asyncErrors bool
	// texts holds what scripted customers and their agents said, by
	// message id, for their timelines.
	texts  map[string]string
	sentBy map[string]string // message id -> agent, to name the agent of an asynchronous failure
	events []router.Event
	counts map[router.EventKind]int
	// driftChecks are the drift expectations that ran, in order.
	driftChecks []driftCheck

	res Result
}

// person is a customer of the run, scripted or generated.
type person struct {
	id          string
	key         router.CustomerKey
	phone       string // wa_id: digits of the E.164 number
	name        string
	scripted    bool
	timeline    []Line
	lastError   string
	lastRefusal string
	// Generated customers: how many messages they send, and whether their
	// conversation has been scripted (it is, once, at its first assignment).
	flow      *scenario.Traffic
	messages  int
	handle    time.Duration
	reply     time.Duration // first-response time; 0 spreads replies evenly
	conversed bool
	// open is the customer's open conversation as the router's events tell
	// it; 0 when there is none.
	open router.ConversationID
}

// Run plays a scenario and returns its result. Errors that stop the run
// (a fake that cannot start, a webhook handshake that fails) are reported in
// Result.Error, and the result does not pass.
func Run(ctx context.Context, sc *scenario.Scenario, opt Options) Result {
	r := newRun(ctx, sc, opt)
	defer func() {
		for i := len(r.closers) - 1; i >= 0; i-- {
			r.closers[i]()
		}
	}()
	if err := r.setup(); err != nil {
		r.res.Error = err.Error()
		r.res.End = sc.Start
		return r.res
	}
	if err := r.play(); err != nil {
		r.res.Error = err.Error()
	}
	r.finish()
	return r.res
}

func newRun(ctx context.Context, sc *scenario.Scenario, opt Options) *run {
	r := &run{sc: sc, opt: opt, seed: sc.Seed, ctx: ctx, people: map[router.CustomerKey]*person{}, byID: map[string]*person{}, sentBy: map[string]string{}, texts: map[string]string{}, counts: map[router.EventKind]int{}}
	if opt.Seed != nil {
		r.seed = *opt.Seed
	}
	r.res = Result{Name: sc.Name, File: sc.File, Description: sc.Description, Seed: r.seed, Start: sc.Start, Expectations: []Check{}, Drift: []Drift{}, Agents: []Agent{}}
	return r
}

func (r *run) setup() error {
	sc := r.sc
	r.clock = NewClock(sc.Start)
	if sc.Duration > 0 {
		r.end = sc.Start.Add(sc.Duration.D())
	}
	r.traffic = Stream(r.seed, "traffic")

	ch := sc.Channels["whatsapp"]
	if ch == nil {
		ch = &scenario.Channel{}
	}
	// The platform and the router's adapter share the account's
	// credentials, as an operator would configure them.
	acct := firstNonEmpty(ch.PhoneNumberID, "106540352242922")
	r.account = acct
	secret := firstNonEmpty(ch.AppSecret, "omnisim-app-secret")
	verify := firstNonEmpty(ch.VerifyToken, "omnisim-verify-token")
	token := firstNonEmpty(ch.AccessToken, "omnisim-whatsapp-token")
	fcfg := fakewa.Config{
		PhoneNumberID:      acct,
		DisplayPhoneNumber: ch.DisplayPhoneNumber,
		BusinessAccountID:  ch.BusinessAccountID,
		AccessToken:        token,
		AppSecret:          secret,
		VerifyToken:        verify,
		Templates:          ch.Templates,
		Clock:              r.clock.Now,
		Seed:               Stream(r.seed, "whatsapp").Uint64(),
		DisableStatuses:    ch.StatusWebhooks != nil && !*ch.StatusWebhooks,
		JournalLimit:       10000,
	}
	if ch.WindowErrors == "async" {
		fcfg.WindowErrors = fakewa.Async
		r.asyncErrors = true
	}
	platformRules(ch.Rules, &fcfg)

	policy := routerwa.Policy()
	applyRules(&policy, ch.Rules)
	if ch.Router != nil {
		applyRules(&policy, *ch.Router)
	}
	cfg := router.Config{
		Split:       router.Split(sc.Tenant.Split),
		Strategy:    router.Strategy(sc.Tenant.Strategy),
		Overflow:    router.Overflow(sc.Tenant.Overflow),
		MissedAfter: sc.Tenant.MissedAfter.D(),
		IdleAfter:   sc.Tenant.IdleAfter.D(),
		Policies:    map[string]router.Policy{routerwa.Channel: policy},
		Seed:        Stream(r.seed, "router").Uint64(),
	}
	for _, g := range sc.Groups {
		cfg.Groups = append(cfg.Groups, router.GroupConfig{Name: g.Name, Priority: g.Priority, Regions: g.Regions, EntryPages: g.EntryPages})
	}
	for _, a := range sc.Agents {
		cfg.Agents = append(cfg.Agents, router.AgentConfig{ID: a.ID, Capacity: a.Capacity, Groups: a.Groups, NoReception: a.Reception != nil && !*a.Reception})
	}
	eng, err := router.New(cfg)
	if err != nil {
		return err
	}
	r.engine = eng

	acfg := routerwa.Config{
		AppSecret:     secret,
		VerifyToken:   verify,
		AccessToken:   token,
		PhoneNumberID: acct,
		APIVersion:    ch.APIVersion,
		Clock:         r.clock.Now,
	}
	mux := http.NewServeMux()
	switch r.opt.Transport {
	case "", Memory:
		t := NewTransport()
		client := &http.Client{Transport: t}
		fcfg.WebhookURL, fcfg.Client = "http://"+routerHost+webhookPath, client
		r.fake = fakewa.New(fcfg)
		acfg.BaseURL, acfg.Client = "http://"+whatsappHost, client
		t.Handle(routerHost, mux)
		t.Handle(whatsappHost, r.fake)
	case Loopback:
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return fmt.Errorf("starting the router's listener: %w", err)
		}
		srv := &http.Server{Handler: mux}
		go srv.Serve(ln)
		r.closers = append(r.closers, func() { srv.Close() })
		client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 8}}
		r.closers = append(r.closers, client.CloseIdleConnections)
		fcfg.WebhookURL, fcfg.Client = "http://"+ln.Addr().String()+webhookPath, client
		r.fake = fakewa.New(fcfg)
		if err := r.fake.Start(); err != nil {
			return fmt.Errorf("starting the WhatsApp fake: %w", err)
		}
		r.closers = append(r.closers, r.fake.Close)
		acfg.BaseURL, acfg.Client = r.fake.URL, client
	default:
		return fmt.Errorf("unknown transport %q (want %s or %s)", r.opt.Transport, Memory, Loopback)
	}
	r.adapter = routerwa.New(acfg, eng)
	mux.Handle(webhookPath, r.adapter)
	eng.Handle(routerwa.Channel, r.adapter)

	if err := r.fake.Verify(r.ctx); err != nil {
		return fmt.Errorf("webhook verification handshake: %w", err)
	}

	for _, a := range sc.Agents {
		if a.Online == nil || *a.Online {
			if err := eng.SetOnline(sc.Start, a.ID, true); err != nil {
				return err
			}
		}
	}
	// Customers with a number first, so generated numbers avoid theirs.
	for _, withPhone := range []bool{true, false} {
		for _, c := range sc.Customers {
			if (c.Phone != "") != withPhone {
				continue
			}
			phone := strings.TrimPrefix(c.Phone, "+")
			if phone == "" {
				phone = r.newPhone()
			}
			p := &person{id: c.ID, phone: phone, name: firstNonEmpty(c.Name, c.ID), scripted: true,
				key: router.CustomerKey{Channel: routerwa.Channel, Account: acct, Customer: phone}}
			r.people[p.key] = p
			r.byID[c.ID] = p
			eng.SetProfile(p.key, router.Profile{Region: c.Region, EntryPage: c.EntryPage})
		}
	}
	r.schedule(acct)
	return nil
}

// areaCodes are the North American area codes generated numbers use.
var areaCodes = []string{"650", "415", "408", "510", "925", "707", "831", "209", "559", "805"}

// newPhone makes a valid North American number no customer has yet: up to
// 80,000,000 of them, more than validation lets traffic ask for.
func (r *run) newPhone() string {
	for {
		r.phones++
		n := r.phones
		area := areaCodes[(n/8_000_000)%len(areaCodes)]
		phone := fmt.Sprintf("1%s%03d%04d", area, 200+(n/10000)%800, n%10000)
		if _, used := r.people[router.CustomerKey{Channel: routerwa.Channel, Account: r.account, Customer: phone}]; !used {
			return phone
		}
	}
}

func (r *run) schedule(acct string) {
	sc := r.sc
	for i := range sc.Steps {
		st := &sc.Steps[i]
		times := st.Repeat
		if times < 1 {
			times = 1
		}
		k := 0
		for rep := 0; rep < times; rep++ {
			actions := max(len(st.Says), 1)
			for j := 0; j < actions; j++ {
				at := sc.Start.Add(st.At.D() + time.Duration(k)*st.Every.D())
				k++
				idx := j
				r.queue.At(at, func() { r.step(st, idx) })
			}
		}
	}
	for i := range sc.Expect {
		ex := &sc.Expect[i]
		if ex.HasAt {
			r.queue.At(sc.Start.Add(ex.At.D()), func() { r.expect(ex) })
		}
	}
	for i := range sc.Traffic {
		tr := &sc.Traffic[i]
		from := sc.Start.Add(tr.Start.D())
		r.arrive(tr, acct, from, from.Add(tr.For.D()))
	}
}

// arrive schedules the next Poisson arrival of a traffic flow.
func (r *run) arrive(tr *scenario.Traffic, acct string, after, until time.Time) {
	gap := draw(r.traffic, scenario.Distribution{Kind: "exp", Mean: tr.Arrivals.Mean()})
	at := after.Add(gap)
	if !at.Before(until) {
		return
	}
	r.queue.At(at, func() {
		// Everything about the customer is drawn now, so the generated load
		// is the same whatever the routing does with it.
		phone := r.newPhone()
		p := &person{id: "t" + strconv.Itoa(r.phones), phone: phone,
			key:  router.CustomerKey{Channel: routerwa.Channel, Account: acct, Customer: phone},
			flow: tr, messages: tr.Messages.Min + r.traffic.IntN(tr.Messages.Max-tr.Messages.Min+1),
			handle: draw(r.traffic, tr.Handle)}
		if tr.Reply.Kind != "" {
			p.reply = max(draw(r.traffic, tr.Reply), time.Millisecond)
		}
		p.name = p.id
		r.people[p.key] = p
		var prof router.Profile
		if len(tr.Regions) > 0 {
			prof.Region = tr.Regions[r.traffic.IntN(len(tr.Regions))]
		}
		if len(tr.Pages) > 0 {
			prof.EntryPage = tr.Pages[r.traffic.IntN(len(tr.Pages))]
		}
		if prof != (router.Profile{}) {
			r.engine.SetProfile(p.key, prof)
		}
		r.customerText(p, "message 1")
		r.arrive(tr, acct, at, until)
	})
}

// play runs the queue and the router's deadlines in time order: whichever
// comes first goes next, and a deadline goes before a queued event at the
// same time, as the engine fires due deadlines before any call. Without a
// duration the run goes on until neither is left; with one, it stops there.
func (r *run) play() error {
	loc := r.sc.Start.Location()
	for {
		if err := r.ctx.Err(); err != nil {
			return err
		}
		next, queued := r.queue.Peek()
		due, timed := r.engine.NextDeadline()
		if timed && (!queued || !due.After(next)) {
			if r.past(due) {
				break
			}
			due = due.In(loc)
			r.clock.Set(due)
			r.engine.Advance(due)
			r.settle()
			continue
		}
		if !queued || r.past(next) {
			break
		}
		at, fn := r.queue.Pop()
		r.clock.Set(at)
		fn()
		r.settle()
	}
	if !r.end.IsZero() {
		r.clock.Set(r.end)
	}
	return nil
}

// past reports whether t is after the scenario's duration.
func (r *run) past(t time.Time) bool { return !r.end.IsZero() && t.After(r.end) }

// settle delivers what the fake queued (status webhooks) and reacts to the
// router's new events.
func (r *run) settle() {
	if _, err := r.fake.Flush(r.ctx); err != nil {
		r.note(nil, "error", "", "status webhooks: "+err.Error())
	}
	r.events = r.engine.Events(r.events[:0])
	for _, ev := range r.events {
		r.observe(ev)
	}
	// An asynchronous failure comes with the Flush right after its send, so
	// the map of who sent what is needed within one settle only.
	clear(r.sentBy)
}

// observe records an engine event and drives generated customers.
func (r *run) observe(ev router.Event) {
	r.counts[ev.Kind]++
	p := r.people[ev.Customer]
	scripted := p != nil && p.scripted
	if r.opt.Trace || scripted {
		line := r.line(ev, p)
		if r.opt.Trace {
			r.res.Trace = append(r.res.Trace, line)
		}
		if scripted {
			p.timeline = append(p.timeline, line)
		}
	}
	if p == nil {
		return
	}
	switch ev.Kind {
	case router.EventOpened:
		p.open = ev.Conversation
	case router.EventClosed:
		if p.open == ev.Conversation {
			p.open = 0
		}
	case router.EventSent:
		if r.asyncErrors {
			r.sentBy[ev.Message] = ev.Agent
		}
	case router.EventFailed:
		if !isCode(ev.Detail) {
			break // a transport failure, not the platform's answer
		}
		p.lastError = ev.Detail
		// A synchronous refusal is judged where the send is made, which
		// knows the message; an asynchronous one (a failed status) here.
		if ev.Agent == "" && asyncPolicyCodes[ev.Detail] {
			r.drift(ev.At, DriftSentRefused, p, r.sentBy[ev.Message], "sent", ev.Detail)
		}
	case router.EventAssigned:
		if p.flow != nil && !p.conversed {
			p.conversed = true
			r.converse(p, ev)
		}
	}
}

// line writes an event for a trace or a timeline, with what a scripted
// customer or their agent said.
func (r *run) line(ev router.Event, p *person) Line {
	l := Line{At: ev.At.In(r.sc.Start.Location()), Kind: string(ev.Kind), Agent: ev.Agent, Group: ev.Group, Detail: ev.Detail}
	if ev.Conversation != 0 {
		l.Conversation = ev.Conversation.String()
	}
	if p != nil {
		l.Customer = p.id
	}
	if text, ok := r.texts[ev.Message]; ok && (ev.Kind == router.EventInbound || ev.Kind == router.EventSent) {
		l.Detail = text
	}
	return l
}

// converse scripts a generated conversation once it is assigned. The
// agent's first reply comes at the customer's first-response time R (or, with
// none, at H/2n for handle time H and n messages); then the customer's other
// messages and the agent's other replies alternate evenly until H, when the
// agent closes the conversation (at R, if R is longer than H).
func (r *run) converse(p *person, ev router.Event) {
	n := p.messages
	first := p.reply
	if first == 0 {
		first = p.handle / time.Duration(2*n)
	}
	end := max(p.handle, first)
	// After the first reply: n-1 customer messages, n-1 replies and the close.
	step := (end - first) / time.Duration(2*n-1)
	agent := ev.Agent
	// Each action first checks that the conversation is still the open one:
	// one that closed on its own gets no more of its script.
	alive := func() bool { return p.open == ev.Conversation }
	for i := 1; i <= n; i++ {
		i := i
		r.queue.At(ev.At.Add(first+time.Duration(2*i-2)*step), func() {
			if alive() {
				r.agentSend(p, agent, router.Outbound{Kind: router.KindText, Text: "reply " + strconv.Itoa(i)})
			}
		})
		if i < n {
			r.queue.At(ev.At.Add(first+time.Duration(2*i-1)*step), func() {
				if alive() {
					r.customerText(p, "message "+strconv.Itoa(i+1))
				}
			})
		}
	}
	r.queue.At(ev.At.Add(end), func() {
		if alive() {
			r.engine.Close(r.clock.Now(), agent, p.key)
		}
	})
}

// draw samples a duration distribution.
// Draws are rounded to the millisecond, the clock's resolution in reports.
func draw(rng *rand.Rand, d scenario.Distribution) time.Duration {
	var v time.Duration
	switch d.Kind {
	case "exp":
		v = time.Duration(rng.ExpFloat64() * float64(d.Mean))
	case "uniform":
		v = d.Low + time.Duration(rng.Float64()*float64(d.High-d.Low))
	default:
		v = d.Mean
	}
	return v.Round(time.Millisecond)
}

// step runs the idx-th action of a scripted step.
func (r *run) step(st *scenario.Step, idx int) {
	if st.Customer != "" {
		p := r.byID[st.Customer]
		switch {
		case st.Attaches != nil:
			f := st.Attaches
			in, err := r.fake.CustomerMedia(r.ctx, p.phone, p.name, f.Kind, f.Format, st.Caption, int64(f.Size))
			r.texts[in.ID] = fmt.Sprintf("%s %s %s", f.Kind, f.Format, f.Size)
			r.afterWebhook(p, in, err)
		default:
			r.customerText(p, st.Says[idx])
		}
		return
	}
	now := r.clock.Now()
	switch {
	case st.Presence != "":
		if err := r.engine.SetOnline(now, st.Agent, st.Presence == "online"); err != nil {
			r.note(nil, "step_failed", st.Agent, err.Error())
		}
		return
	case st.Close:
		p := r.byID[st.To]
		if err := r.engine.Close(now, st.Agent, p.key); err != nil {
			r.note(p, "step_failed", st.Agent, fmt.Sprintf("line %d: close: %v", st.Line, err))
		}
		return
	}
	p := r.byID[st.To]
	var m router.Outbound
	switch {
	case st.Template != nil:
		m = router.Outbound{Kind: router.KindTemplate, Template: &router.Template{Name: st.Template.Name, Language: st.Template.Language, Params: st.Template.Params}}
	case st.Attaches != nil:
		f := st.Attaches
		m = router.Outbound{Kind: router.KindAttachment, Text: st.Caption, Attachment: &router.Attachment{Kind: f.Kind, Format: f.Format, Size: int64(f.Size), Name: f.Name}}
	default:
		m = router.Outbound{Kind: router.KindText, Text: st.Says[idx]}
	}
	r.agentSend(p, st.Agent, m)
}

func (r *run) customerText(p *person, text string) {
	in, err := r.fake.CustomerText(r.ctx, p.phone, p.name, text)
	if p.scripted {
		r.texts[in.ID] = strconv.Quote(text)
	}
	r.afterWebhook(p, in, err)
}

func (r *run) afterWebhook(p *person, in fakewa.Inbound, err error) {
	switch {
	case err != nil:
		r.note(p, "error", "", "customer message: "+err.Error())
	case in.Status != http.StatusOK:
		r.note(p, "rejected", "", fmt.Sprintf("router answered the webhook with HTTP %d", in.Status))
	}
}

// agentSend sends through the router and checks the router's decision
// against the platform's rules.
func (r *run) agentSend(p *person, agent string, m router.Outbound) {
	now := r.clock.Now()
	res, err := r.engine.Send(r.ctx, now, agent, p.key, m)
	if err != nil {
		r.note(p, "step_failed", agent, err.Error())
		return
	}
	if p.scripted && res.MessageID != "" {
		r.texts[res.MessageID] = describe(m)
	}
	var pe *router.PlatformError
	if errors.As(res.Err, &pe) && r.modelled(pe.Code, m) {
		r.drift(now, DriftSentRefused, p, agent, "sent", pe.Code)
	}
	if res.Refusal == "" {
		return
	}
	p.lastRefusal = string(res.Refusal)
	switch res.Refusal {
	case router.ReasonNotAssigned, router.ReasonNoConversation:
		return // routing refusals: the platform has no say
	}
	if verdict := r.platformVerdict(p, m); verdict == nil {
		r.drift(now, DriftRefusedAccepted, p, agent, string(res.Refusal), "accepted")
	} else {
		p.lastError = strconv.Itoa(verdict.Code)
	}
}

// describe writes an outbound message for a timeline.
func describe(m router.Outbound) string {
	switch m.Kind {
	case router.KindTemplate:
		return "template " + m.Template.Name
	case router.KindAttachment:
		return fmt.Sprintf("%s %s %s", m.Attachment.Kind, m.Attachment.Format, scenario.Size(m.Attachment.Size))
	}
	return strconv.Quote(m.Text)
}

// platformVerdict asks the fake whether it would accept m now.
func (r *run) platformVerdict(p *person, m router.Outbound) *fakewa.Error {
	req := fakewa.SendRequest{MessagingProduct: "whatsapp", RecipientType: "individual", To: p.phone}
	switch m.Kind {
	case router.KindText:
		req.Type = "text"
		req.Text = &fakewa.Text{Body: m.Text}
	case router.KindTemplate:
		req.Type = "template"
		req.Template = &fakewa.Template{Name: m.Template.Name, Language: fakewa.TemplateLanguage{Code: firstNonEmpty(m.Template.Language, "en_US"), Policy: "deterministic"}}
	case router.KindAttachment:
		a := m.Attachment
		if e := r.fake.CheckMedia(a.Kind, a.Format, a.Size); e != nil {
			return e
		}
		req.Type = a.Kind
		media := &fakewa.Media{Link: "https://media.omnisim.invalid/file." + a.Format, Caption: m.Text}
		switch a.Kind {
		case "image":
			req.Image = media
		case "audio":
			media.Caption = ""
			req.Audio = media
		case "video":
			req.Video = media
		case "document":
			req.Document = media
		case "sticker":
			media.Caption = ""
			req.Sticker = media
		}
	}
	return r.fake.Check(req)
}

// asyncPolicyCodes are the WhatsApp error codes a failed status can carry
// for a rule the router's policy models: the window.
var asyncPolicyCodes = map[string]bool{"131047": true}

// modelled reports whether the platform refused m, which the router let
// through, for a rule the router's policy models: the window (131047),
// attachment types and sizes (131053), or the text length (100, which
// WhatsApp also answers for other invalid parameters, so only for a text
// over the platform's limit). Other refusals, such as an unapproved
// template, are the platform's own business: they show as the customer's
// last_error, not as drift.
func (r *run) modelled(code string, m router.Outbound) bool {
	switch code {
	case "131047", "131053":
		return true
	case "100":
		limit := r.fake.Config().MaxTextLength
		return m.Kind == router.KindText && limit > 0 && utf8.RuneCountInString(m.Text) > limit
	}
	return false
}

// drift records a finding; whether an expectation covers it is decided at
// the end of the run.
func (r *run) drift(at time.Time, kind string, p *person, agent, routerSaid, platformSaid string) {
	r.res.Drift = append(r.res.Drift, Drift{
		At: at.In(r.sc.Start.Location()), Kind: kind, Channel: p.key.Channel, Customer: p.id, Agent: agent,
		Router: routerSaid, Platform: platformSaid,
	})
}

// note adds a line the router's log does not have (a failed step, a
// rejected webhook) to the trace and the customer's timeline.
func (r *run) note(p *person, kind, agent, detail string) {
	line := Line{At: r.clock.Now(), Kind: kind, Agent: agent, Detail: detail}
	if p != nil {
		line.Customer = p.id
		if p.scripted {
			p.timeline = append(p.timeline, line)
		}
	}
	if r.opt.Trace {
		r.res.Trace = append(r.res.Trace, line)
	}
}

func isCode(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
