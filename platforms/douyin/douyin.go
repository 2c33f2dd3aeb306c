// Package douyin binds Douyin IM customer service (抖音开放平台, 来客) to the
// simulator: it is the only place where the fake platform (fakes/douyin)
// and the router's adapter (router/douyin) meet. It reads a scenario's
// [channels.douyin] settings, configures both sides with the same app
// (client_key, client_secret) and merchant account (its open_id), and
// answers the simulator's questions about the platform: what a customer's
// Douyin app received, and whether Douyin would accept a message the
// router refused.
//
// Customers are named by their open_id. A customer's entry page, region
// and store travel in each webhook (entry_page, region, poi_id), so the
// router classifies Douyin conversations by what the wire says. A
// customer sends text, images and videos; the customer event "enter" is
// im_enter_direct_msg. The router's templates are judged as a text of the
// template's name; attachments are refused by the reply API (28001007).
//
// On the direct network (sim.Direct) the fake hands its webhooks to the
// adapter's value path (Accept), and judges Accept's status and answer as
// it judges the HTTP answer (verify_webhook's challenge included), and the
// adapter's sends go to the fake's Send: the same rules, no bytes, no
// signatures and no client_token.
//
// A fault plan ([channels.douyin.faults]) is applied by the fake in its one
// delivery function and its send API, which both networks share: on the
// direct network a held, duplicated, timed-out or failed webhook and a
// refused send happen exactly as on the wire (a try the plan fails at the
// edge does not reach Accept; one it times out does), so a run with a plan
// is the same on both. The router can be restarted (sim.Restarter): the
// adapter's state is saved, a new adapter built on the same endpoint and
// the state restored.
package douyin

import (
	"cmp"
	"context"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	fakedy "github.com/omnisim/omnisim/fakes/douyin"
	"github.com/omnisim/omnisim/router"
	routerdy "github.com/omnisim/omnisim/router/douyin"
	"github.com/omnisim/omnisim/sim"
	"github.com/omnisim/omnisim/sim/scenario"
	"github.com/omnisim/omnisim/splitmix"
)

// Settings are the keys of [channels.douyin]: the app's credentials and
// account, which the platform and the router share, and the platform's
// own limits and delivery behaviour.
type Settings struct {
	ClientKey     string `toml:"client_key,omitempty"`
	ClientSecret  string `toml:"client_secret,omitempty"`
	AccountOpenID string `toml:"account_open_id,omitempty"`
	// RateLimit is the sends Douyin accepts per second; 0 does not limit.
	RateLimit int `toml:"rate_limit,omitzero"`
	// Scopes the app holds; unset: im.direct_message. Without it every
	// send is refused (28001012).
	Scopes *[]string `toml:"scopes"`
	// TokenTTL is the client_token's lifetime (default 2h).
	TokenTTL scenario.Duration `toml:"token_ttl,omitzero"`
	// Repeats is how many more times Douyin sends every webhook, 5 s
	// apart, with the same Msg-Id (0 to 10).
	Repeats int `toml:"repeats,omitzero"`
	// SendEvents makes every delivered reply come back as an im_send_msg
	// webhook.
	SendEvents bool `toml:"send_events,omitzero"`
	// LostAnswers is how many tries of every webhook lose the router's
	// answer, so that Douyin retries (0 to 3: Douyin retries 3 times).
	LostAnswers int `toml:"lost_answers,omitzero"`
	// Envelope is the shape of the send API's answers: "data" (the
	// default), {"data":…,"extra":{"error_code",…}}, or "err_no",
	// {"err_no":N,"err_msg":"…"}. Douyin does not document which im/send
	// uses (see fakes/douyin).
	Envelope string `toml:"envelope,omitempty"`
	// WindowCode is the error_code of a reply after the reply window;
	// unset: 28003017 (quota used up), the fake's choice, since Douyin
	// publishes none.
	WindowCode int `toml:"window_code,omitzero"`
}

// otherCodes are the error_codes that mean something else, which
// window_code may not take.
var otherCodes = []int{fakedy.CodeParam, fakedy.CodeTokenExpired, fakedy.CodeScope, fakedy.CodeRate, fakedy.CodeBusy}

func validate(v any) []scenario.SettingsProblem {
	s := v.(*Settings)
	var out []scenario.SettingsProblem
	add := func(key, hint, format string, a ...any) {
		out = append(out, scenario.SettingsProblem{Key: key, Msg: fmt.Sprintf(format, a...), Hint: hint})
	}
	if k := s.ClientKey; k != "" && !isKey(k) {
		add("client_key", `client keys are "aw" and letters and digits, e.g. "awq3x8kd2m7v5npz"`, "%q is not a client_key", k)
	}
	if k := s.ClientSecret; k != "" && !isHex(k, 32) {
		add("client_secret", "32 hexadecimal digits, as the Douyin console shows", "%q is not a client_secret", k)
	}
	if id := s.AccountOpenID; id != "" {
		if p, h := checkOpenID(id); p != "" {
			add("account_open_id", h, "%s", p)
		}
	}
	if s.RateLimit < 0 {
		add("rate_limit", "0 does not limit", "rate_limit %d is negative", s.RateLimit)
	}
	if s.TokenTTL.D() < 0 {
		add("token_ttl", "", "token_ttl %s is negative", s.TokenTTL)
	}
	if s.Repeats < 0 || s.Repeats > 10 {
		add("repeats", "0 to 10", "repeats %d is out of range", s.Repeats)
	}
	if s.LostAnswers < 0 || s.LostAnswers > fakedy.DefaultWebhookRetries+1 {
		add("lost_answers", "0 to 4: Douyin tries 4 times in all (the first and 3 retries)", "lost_answers %d is out of range", s.LostAnswers)
	}
	if e := s.Envelope; e != "" && e != fakedy.EnvelopeData && e != fakedy.EnvelopeErrNo {
		add("envelope", `"data", the default, for {"data":…,"extra":…}, or "err_no" for {"err_no":N,"err_msg":"…"}`,
			"%q is not an envelope of Douyin's answers", e)
	}
	if c := s.WindowCode; c < 0 || slices.Contains(otherCodes, c) {
		add("window_code", "a positive error_code that means nothing else here; the default is 28003017, quota used up",
			"window_code %d is not a code for a closed reply window", c)
	}
	return out
}

func isKey(k string) bool {
	if len(k) < 4 || len(k) > 32 || k[:2] != "aw" {
		return false
	}
	for i := 0; i < len(k); i++ {
		if c := k[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

func isHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// checkOpenID accepts what Douyin's open_ids are made of.
func checkOpenID(h string) (problem, hint string) {
	const hint0 = `up to 128 letters, digits and "_-.=+/@", e.g. "_000Iuoq1hxt4Kva16Y6szdms7qujIqiwvOx"`
	if len(h) == 0 || len(h) > 128 {
		return fmt.Sprintf("%q is not an open_id", h), hint0
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.' || c == '=' || c == '+' || c == '/' || c == '@') {
			return fmt.Sprintf("%q is not an open_id", h), hint0
		}
	}
	return "", ""
}

// Platform is Douyin IM in the platform table.
var Platform = &sim.Platform{
	Spec: scenario.ChannelSpec{
		Keep:          fakedy.DefaultWindow + router.StatusMargin, // the 48-hour window and an hour
		Tries:         tries,
		Name:          routerdy.Channel,
		Handle:        "open_id",
		HandleExample: "_000Iuoq1hxt4Kva16Y6szdms7qujIqiwvOx",
		CheckHandle:   checkOpenID,
		Settings:      func() any { return &Settings{} },
		Validate:      validate,
	},
	Title:  "Douyin IM",
	Policy: routerdy.Policy,
	Open:   open,
}

// binding is Douyin opened in one world.
type binding struct {
	fake      *fakedy.Server
	adapter   *routerdy.Adapter
	acfg      routerdy.Config // the adapter's configuration, to build it again
	account   string
	numbering sim.JournalNumbering
	// due is the world's Due (sim.Env.TrackedDue), which the binding
	// stirs on the Direct and Memory networks; nil on the others.
	due *sim.Due
	// windowCode is the error_code of a reply after the window (window_code,
	// 28003017 unless set), in decimal; "" only in a binding open did not
	// make, which then has none.
	windowCode string
}

func cmpOr(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

func open(ctx context.Context, env sim.Env, ch *scenario.Channel) (sim.Binding, error) {
	s, _ := ch.Settings.(*Settings)
	if s == nil {
		s = &Settings{}
	}
	key := cmpOr(s.ClientKey, fakedy.DefaultClientKey)
	secret := cmpOr(s.ClientSecret, fakedy.DefaultClientSecret)
	account := cmpOr(s.AccountOpenID, fakedy.DefaultAccountOpenID)
	fcfg := fakedy.Config{ClientKey: key, ClientSecret: secret, AccountOpenID: account,
		Client: env.Client, Clock: env.Clock, Seed: env.Seed, JournalLimit: env.JournalLimit,
		NoCallTimeout: env.Network == sim.Memory, // handlers are called directly: nothing can hang
		RateLimit:     s.RateLimit, TokenTTL: s.TokenTTL.D(), Repeats: s.Repeats, LostAnswers: s.LostAnswers, SendEvents: s.SendEvents,
		Faults: ch.Faults.Plan(), Solo: env.Solo, WindowCode: cmp.Or(s.WindowCode, fakedy.CodeQuota),
		Envelope: cmp.Or(s.Envelope, fakedy.EnvelopeData)}
	if e := fcfg.Envelope; e != fakedy.EnvelopeData && e != fakedy.EnvelopeErrNo {
		return nil, fmt.Errorf("envelope: %q is not an envelope of Douyin's answers", e)
	}
	if s.Scopes != nil {
		fcfg.Scopes = append([]string{}, *s.Scopes...)
	}
	platformRules(ch.Rules, &fcfg)
	acfg := routerdy.Config{ClientKey: key, ClientSecret: secret, AccountOpenID: account, Client: env.Client, Clock: env.Clock, Solo: env.Solo}
	if env.Keep != nil { // the world reads only the kept customers' deliveries
		fcfg.KeepDeliveries = env.Keep
		// After the window, which the fake waits for too, and after the
		// router's, when it is longer: till then the router may send, and
		// the fake answers as for a customer it keeps (a refusal the world
		// counts as drift), not as for one it never had.
		fcfg.ForgetAfter = ch.RouterWindow() + time.Hour
		if w := max(cmp.Or(fcfg.Window, fakedy.DefaultWindow), ch.RouterWindow()); w > 0 {
			// Past both windows no reply is made or taken: the adapter
			// forgets what a reply would name an hour after them.
			acfg.ForgetAfter = w + time.Hour
		}
	}
	b := &binding{account: account, windowCode: strconv.Itoa(fcfg.WindowCode)}
	// What the fake has due changes only in Inbound, in the adapter's
	// sends (Post, the API handler) and in Flush (whose retries, repeats
	// and held webhooks NextDeadline reports): the first two stir the
	// world's Due, the API handler's calls through the world's Mount.
	b.due = env.TrackedDue()

	if env.Mount == nil {
		// The direct network: values both ways.
		acfg.Post = func(req routerdy.SendRequest) (string, error) {
			b.due.Stir()
			id, e := b.fake.Send(fakedy.SendRequest(req))
			if e != nil {
				return "", &router.PlatformError{Code: strconv.Itoa(e.Code), HTTPStatus: http.StatusOK, Message: e.Description}
			}
			return id, nil
		}
		b.acfg = acfg
		b.adapter = routerdy.New(acfg, env.Receiver)
		// b.adapter is read at each delivery: a restart replaces it.
		fcfg.Deliver = func(_ context.Context, p *fakedy.Push) (int, []byte, error) {
			ev := event(p)
			status, answer := b.adapter.Accept(&ev)
			return status, answer, nil
		}
		b.fake = fakedy.New(fcfg)
	} else {
		var err error
		// Each side needs the other's URL: the fake's API is mounted first,
		// and the fake itself built once the router's webhook URL is known.
		acfg.BaseURL, err = env.Mount("api", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { b.fake.ServeHTTP(w, r) }))
		if err != nil {
			return nil, err
		}
		b.acfg = acfg
		b.adapter = routerdy.New(acfg, env.Receiver)
		// The endpoint serves whichever adapter is current: a router
		// restart replaces it (restart.go).
		hook, err := env.Mount("webhook", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { b.adapter.ServeHTTP(w, r) }))
		if err != nil {
			return nil, err
		}
		fcfg.WebhookURL = cmpOr(env.Webhook, hook)
		b.fake = fakedy.New(fcfg)
	}
	if err := b.fake.Verify(ctx); err != nil {
		return nil, fmt.Errorf("verify_webhook handshake: %w", err)
	}
	return b, nil
}

// event converts the fake's webhook to the adapter's event, field by field:
// the direct network's stand-in for the bytes.
func event(p *fakedy.Push) routerdy.Event {
	c := &p.Content
	ev := routerdy.Event{Event: p.Event, MsgID: p.MsgID, ClientKey: p.ClientKey, FromUserID: p.FromUserID,
		ToUserID: p.ToUserID, LogID: p.LogID,
		Content: routerdy.Content{ConversationShortID: c.ConversationShortID, ServerMessageID: c.ServerMessageID,
			ConversationType: c.ConversationType, CreateTime: c.CreateTime, MessageType: c.MessageType, Text: c.Text,
			Source: c.Source, NickName: c.NickName, ResourceType: c.ResourceType, ResourceSize: c.ResourceSize,
			EntryPage: c.EntryPage, Region: c.Region, POIID: c.POIID}}
	if p.Event == fakedy.EventVerify {
		ev.Challenge = strconv.FormatInt(p.Challenge, 10)
	}
	return ev
}

// platformRules applies a scenario's channel rules to the fake. The window
// anchor and the reply limit's reset bind the router alone.
func platformRules(rules scenario.Rules, cfg *fakedy.Config) {
	if rules.Window != nil {
		cfg.Window = rules.Window.D()
		if cfg.Window == 0 {
			cfg.Window = -1 // the scenario's 0 never closes
		}
	}
	if rules.ReplyLimit != nil {
		cfg.ReplyLimit = *rules.ReplyLimit
		if cfg.ReplyLimit == 0 {
			cfg.ReplyLimit = -1 // the scenario's 0 is unlimited
		}
	}
}

func (b *binding) Account() string        { return b.account }
func (b *binding) Sender() router.Sender  { return b.adapter }
func (b *binding) Handle(w string) string { return w }
func (b *binding) Close()                 {}

// Release gives the memory the adapter's dedupe windows hold back to their
// pools, for the next world the process plays (sim.Releaser): the adapter
// forgets every message id.
func (b *binding) Release() { b.adapter.Release() }

// Flush sends the webhooks due: Douyin's retries and repeats, and under a
// fault plan the held, duplicated and retried ones (the plan's own
// failures are the platform's, not errors).
func (b *binding) Flush(ctx context.Context) error { return b.fake.Flush(ctx) }

// NextDeadline is when the next retry, repeat or held webhook is due.
func (b *binding) NextDeadline() (time.Time, bool) { return b.fake.NextDeadline() }
func (b *binding) user(customer, name string, m sim.Message) fakedy.User {
	return fakedy.User{OpenID: customer, NickName: name, EntryPage: m.Profile.EntryPage, Region: m.Profile.Region, POIID: m.Profile.Store}
}

// NewHandle makes the n-th open_id: "_000" and 32 characters, as Douyin's
// are.
func (b *binding) NewHandle(n int) string {
	var raw [24]byte
	x := uint64(n)
	for i := 0; i < 16; i += 8 {
		binary.BigEndian.PutUint64(raw[i:], splitmix.Next(&x)) // random-looking
	}
	binary.BigEndian.PutUint64(raw[16:], uint64(n)^0x5bd1e9955bd1e995) // keeps them distinct
	return "_000" + base64.RawURLEncoding.EncodeToString(raw[:])
}

// Inbound has the customer send m: a text, an image or video, or the
// event "enter" (im_enter_direct_msg).
func (b *binding) Inbound(ctx context.Context, customer, name string, m sim.Message) (sim.Inbound, error) {
	b.due.Stir()
	u := b.user(customer, name, m)
	var in fakedy.Inbound
	var err error
	switch {
	case m.Event == "enter":
		in, err = b.fake.CustomerEnter(ctx, u)
	case m.Event != "":
		return sim.Inbound{}, fmt.Errorf("douyin: unknown customer event %q (Douyin users send \"enter\")", m.Event)
	case m.Attachment != nil:
		a := m.Attachment
		in, err = b.fake.CustomerMedia(ctx, u, a.Kind, a.Format, a.Size)
	default:
		in, err = b.fake.CustomerText(ctx, u, m.Text)
	}
	return sim.Inbound{ID: in.ID, Status: in.Status, Pending: in.Pending}, err
}

// Judge asks the fake whether it would accept m now, as a reply to the
// customer's last message: a template as a text of its name, an
// attachment as a message of its kind (which the reply API refuses).
func (b *binding) Judge(to string, m router.Outbound) *sim.Verdict {
	var e *fakedy.Error
	switch m.Kind {
	case router.KindTemplate:
		e = b.fake.CheckReply(to, "text", m.Template.Name)
	case router.KindAttachment:
		e = b.fake.CheckReply(to, m.Attachment.Kind, m.Text)
	default:
		e = b.fake.CheckReply(to, "text", m.Text)
	}
	if e == nil {
		return nil
	}
	return &sim.Verdict{Code: strconv.Itoa(e.Code), HTTPStatus: http.StatusOK, Message: e.Description}
}

// Modelled reports whether Douyin refused a message the router let through
// for a rule the router's policy models: the reply window (window_code,
// 28003017 unless set) and count (28003017), and an attachment the reply
// API does not take (28001007 for an attachment).
func (b *binding) Modelled(code string, m *router.Outbound) bool {
	if code == b.windowCode && code != "" {
		return true
	}
	switch code {
	case strconv.Itoa(fakedy.CodeQuota):
		return true
	case strconv.Itoa(fakedy.CodeParam):
		return m != nil && m.Kind == router.KindAttachment
	}
	return false
}

func (b *binding) Device(customer string) []sim.Delivery {
	ds := b.fake.Deliveries(customer)
	out := make([]sim.Delivery, len(ds))
	for i, d := range ds {
		out[i] = sim.Delivery{At: d.At, Kind: d.Type, Text: d.Text}
	}
	return out
}

func (b *binding) Stats() sim.Stats {
	fc := b.fake.Counts()
	as := b.adapter.Stats()
	return sim.Stats{Delivered: fc.Deliveries, Webhooks: fc.Webhooks, Rejected: as.Rejected, Duplicates: as.Duplicates,
		Faults: b.fake.FaultCount()}
}

// tries is the spec's Tries: Douyin's retries, and the repeats the
// settings ask for of every webhook.
func tries(v any) scenario.Tries {
	t := scenario.Tries{Retries: fakedy.DefaultWebhookRetries}
	if s, _ := v.(*Settings); s != nil {
		t.Repeats, t.Lost = s.Repeats, s.LostAnswers
	}
	return t
}
