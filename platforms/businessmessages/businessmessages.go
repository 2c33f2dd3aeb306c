// Package businessmessages binds Google's Business Messages to the
// simulator: it is the only place where the fake platform
// (fakes/businessmessages) and the router's adapter
// (router/businessmessages) meet. It reads a scenario's
// [channels.businessmessages] settings, configures both sides with the
// same partner account (the agent, the client token, the service account
// the fake issues), gives each customer's messages their context (entry
// point, place, locale), and answers the simulator's questions about the
// platform.
//
// Customers are named by their conversation id, a UUID per user and
// agent. Router templates have no counterpart: they are judged and sent
// as a text of the template's name. Images are the only attachments, on
// the simulator's file host.
//
// A fault plan ([channels.businessmessages.faults]) is handed to the fake
// on every network. On the Direct network it acts on the values the fake
// hands the adapter, through the same delivery function (held, duplicated,
// timed-out and edge-refused payloads, retried on Google's schedule), and
// the sender by value draws the send API's refusals from the fake
// ([fakebm.Server.SendFault]) and retries them as the adapter does, with
// the same messageId: a run on Direct routes and delivers as on Memory.
// The binding is a sim.Restarter (restart.go): the webhook endpoint and
// the Direct value path call whichever adapter is current.
package businessmessages

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	fakebm "github.com/omnisim/omnisim/fakes/businessmessages"
	"github.com/omnisim/omnisim/router"
	routerbm "github.com/omnisim/omnisim/router/businessmessages"
	"github.com/omnisim/omnisim/sim"
	"github.com/omnisim/omnisim/sim/scenario"
	"github.com/omnisim/omnisim/splitmix"
	"github.com/omnisim/omnisim/uuid4"
)

// Settings are the keys of [channels.businessmessages]: the partner
// account as Dynamics 365 asks for it (partner ID, brand ID, agent ID,
// client token; the service-account file is the one the fake issues), the
// platform's behaviour, and the context of customers' messages.
type Settings struct {
	PartnerID   string `toml:"partner_id,omitempty"`
	BrandID     string `toml:"brand_id,omitempty"`
	AgentID     string `toml:"agent_id,omitempty"`
	ClientToken string `toml:"client_token,omitempty"`
	// Representative is who the router's messages come from: HUMAN
	// (default) or BOT.
	Representative string `toml:"representative,omitempty"`
	// Retirement is the last day the platform works ("2024-07-31", the
	// default), an RFC 3339 instant it stops at, or "off".
	Retirement string `toml:"retirement,omitempty"`
	// Receipts sends DELIVERED receipts for delivered messages.
	Receipts bool `toml:"receipts,omitempty"`
	// RetryFor is how long an unanswered webhook is retried (Google: 7
	// days); "0s" turns retries off.
	RetryFor *scenario.Duration `toml:"retry_for,omitempty"`
	// SignVerification signs the webhook verification request with
	// X-Goog-Signature too (Google's guide does not say whether it is).
	SignVerification bool `toml:"sign_verification,omitempty"`
	// WindowStatus is the status of a send after the 30-day window:
	// FAILED_PRECONDITION (the default, HTTP 400) or PERMISSION_DENIED
	// (HTTP 403). Google documents the window, not the answer after it.
	WindowStatus string `toml:"window_status,omitempty"`
	// CannotShow is what customers' devices cannot show, of "richCard" and
	// "suggestions": a message with it is refused FAILED_PRECONDITION
	// unless it has fallback text, which the customer is then shown.
	// Google does not publish which devices show what (the fake's model,
	// fakes/businessmessages.Device); empty, the default, shows everything.
	CannotShow []string `toml:"cannot_show,omitempty"`
	// EntryPoint, PlaceID and Locale are the context of every customer's
	// messages, unless Contexts says otherwise for the customer.
	EntryPoint string `toml:"entry_point,omitempty"`
	PlaceID    string `toml:"place_id,omitempty"`
	Locale     string `toml:"locale,omitempty"`
	// Contexts gives customers their own context.
	Contexts []Context `toml:"contexts,omitempty"`
}

// Context is the context of one customer's messages.
type Context struct {
	// Customer is the customer's name as the scenario gives it (its id
	// when it has no name).
	Customer      string `toml:"customer"`
	EntryPoint    string `toml:"entry_point,omitempty"`
	PlaceID       string `toml:"place_id,omitempty"`
	Locale        string `toml:"locale,omitempty"`
	WidgetContext string `toml:"widget_context,omitempty"`
	CustomContext string `toml:"custom_context,omitempty"`
	// CannotShow is what the customer's device cannot show, instead of the
	// channel's cannot_show (an empty list: it shows everything); unset:
	// the channel's.
	CannotShow *[]string `toml:"cannot_show,omitempty"`
}

// The values of cannot_show: the message fields a device may not show.
const (
	ShowRichCard    = "richCard"
	ShowSuggestions = "suggestions"
)

// WindowStatuses are the statuses window_status takes: the fake's choice
// (first) and the other plausible answer.
var WindowStatuses = []string{"FAILED_PRECONDITION", "PERMISSION_DENIED"}

// device reads a cannot_show list.
func device(cannot []string) (fakebm.Device, error) {
	var d fakebm.Device
	for _, v := range cannot {
		switch v {
		case ShowRichCard:
			d.NoRichCards = true
		case ShowSuggestions:
			d.NoSuggestions = true
		default:
			return d, fmt.Errorf("%q is not a message field a device may not show", v)
		}
	}
	return d, nil
}

// cannotShowHint is the hint of a bad cannot_show.
const cannotShowHint = `a list of "richCard" and "suggestions", e.g. ["richCard"]`

// DefaultEntryPoint is the entry point of a customer whose context names
// none: the business's place sheet in Google Maps.
const DefaultEntryPoint = "PLACESHEET"

// retirement reads the Retirement setting: the instant, or off.
func retirement(v string) (t time.Time, off bool, err error) {
	switch v {
	case "":
		return time.Time{}, false, nil
	case "off":
		return time.Time{}, true, nil
	}
	if d, err := time.Parse(time.DateOnly, v); err == nil {
		return d.AddDate(0, 0, 1), false, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, false, nil
	}
	return time.Time{}, false, fmt.Errorf("%q is not a date", v)
}

func validate(v any) []scenario.SettingsProblem {
	s := v.(*Settings)
	var out []scenario.SettingsProblem
	if r := s.Representative; r != "" && r != "HUMAN" && r != "BOT" {
		out = append(out, scenario.SettingsProblem{Key: "representative", Msg: fmt.Sprintf("unknown value %q; want HUMAN or BOT", r)})
	}
	if _, _, err := retirement(s.Retirement); err != nil {
		out = append(out, scenario.SettingsProblem{Key: "retirement", Msg: err.Error(),
			Hint: `the last day the channel works, "2024-07-31", an RFC 3339 instant, or "off"`})
	}
	if w := s.WindowStatus; w != "" && !slices.Contains(WindowStatuses, w) {
		out = append(out, scenario.SettingsProblem{Key: "window_status", Msg: fmt.Sprintf("%q is not a status of a send after the window", w),
			Hint: `"FAILED_PRECONDITION", the default, answered with HTTP 400, or "PERMISSION_DENIED", HTTP 403`})
	}
	if _, err := device(s.CannotShow); err != nil {
		out = append(out, scenario.SettingsProblem{Key: "cannot_show", Msg: err.Error(), Hint: cannotShowHint})
	}
	seen := map[string]bool{}
	for i, c := range s.Contexts {
		key := fmt.Sprintf("contexts[%d].customer", i)
		switch {
		case c.Customer == "":
			out = append(out, scenario.SettingsProblem{Key: key, Msg: "empty customer"})
		case seen[c.Customer]:
			out = append(out, scenario.SettingsProblem{Key: key, Msg: fmt.Sprintf("customer %q has two contexts", c.Customer)})
		}
		seen[c.Customer] = true
		if c.CannotShow != nil {
			if _, err := device(*c.CannotShow); err != nil {
				out = append(out, scenario.SettingsProblem{Key: fmt.Sprintf("contexts[%d].cannot_show", i), Msg: err.Error(), Hint: cannotShowHint})
			}
		}
	}
	return out
}

// checkConversationID accepts a UUID in lower-case hex, as conversation
// ids are.
func checkConversationID(h string) (problem, hint string) {
	const hint0 = `a UUID in lower-case hex, e.g. "7b2a1c4e-3f5d-4e6a-9b8c-1d2e3f4a5b6c"`
	if len(h) != 36 {
		return fmt.Sprintf("%q is not a conversation id", h), hint0
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if i == 8 || i == 13 || i == 18 || i == 23 {
			if c != '-' {
				return fmt.Sprintf("%q is not a conversation id", h), hint0
			}
		} else if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return fmt.Sprintf("%q is not a conversation id", h), hint0
		}
	}
	return "", ""
}

// Platform is Google's Business Messages in the platform table.
var Platform = &sim.Platform{
	Spec: scenario.ChannelSpec{
		Keep:          fakebm.DefaultWindow + router.StatusMargin, // the 30-day window and an hour
		Tries:         tries,
		Name:          routerbm.Channel,
		Handle:        "conversation_id",
		HandleExample: "7b2a1c4e-3f5d-4e6a-9b8c-1d2e3f4a5b6c",
		CheckHandle:   checkConversationID,
		Settings:      func() any { return &Settings{} },
		Validate:      validate,
	},
	Title:  "Google's Business Messages",
	Policy: routerbm.Policy,
	Open:   open,
}

// binding is Business Messages opened in one world.
type binding struct {
	fake      *fakebm.Server
	adapter   *routerbm.Adapter
	sender    router.Sender
	settings  *Settings
	account   string
	contexts  map[string]Context
	numbering sim.JournalNumbering
	acfg      routerbm.Config // the adapter's configuration, to build it again
	// due is the world's Due (sim.Env.TrackedDue), which the binding
	// stirs on the Direct and Memory networks; nil on the others.
	due *sim.Due
	// devices are the devices of the customers whose context gives one,
	// by name.
	devices map[string]*fakebm.Device
}

func open(ctx context.Context, env sim.Env, ch *scenario.Channel) (sim.Binding, error) {
	s, _ := ch.Settings.(*Settings)
	if s == nil {
		s = &Settings{}
	}
	agentID := cmpOr(s.AgentID, fakebm.DefaultAgentID)
	brandID := cmpOr(s.BrandID, fakebm.DefaultBrandID)
	token := cmpOr(s.ClientToken, fakebm.DefaultClientToken)
	fcfg := fakebm.Config{
		PartnerID: s.PartnerID, BrandID: brandID, AgentID: agentID, ClientToken: token,
		Client: env.Client, Clock: env.Clock, Seed: env.Seed, Receipts: s.Receipts, SignVerification: s.SignVerification,
		JournalLimit: env.JournalLimit, WindowStatus: cmpOr(s.WindowStatus, fakebm.DefaultWindowStatus),
		Solo: env.Solo,
	}
	if !slices.Contains(WindowStatuses, fcfg.WindowStatus) {
		return nil, fmt.Errorf("window_status: %q is not one of %v", fcfg.WindowStatus, WindowStatuses)
	}
	fcfg.RetryFor = retryFor(s)
	var err error
	fcfg.Retirement, fcfg.NoRetirement, err = retirement(s.Retirement)
	if err != nil {
		return nil, fmt.Errorf("retirement: %w", err)
	}
	if fcfg.Device, err = device(s.CannotShow); err != nil {
		return nil, fmt.Errorf("cannot_show: %w", err)
	}
	if env.Network == sim.Memory || env.Network == sim.Direct {
		fcfg.WebhookTimeout = -1 // handlers are called directly: nothing can hang
	}
	platformRules(ch.Rules, &fcfg)
	if env.Keep != nil { // the world reads only the kept conversations' deliveries
		fcfg.KeepDeliveries = env.Keep
		// After the window, which the fake waits for too, and after the
		// router's, when it is longer: till then the router may send, and
		// the fake answers as for a conversation it keeps (a refusal the
		// world counts as drift), not as for one it never had.
		fcfg.ForgetAfter = ch.RouterWindow() + time.Hour
	}
	fcfg.Faults = ch.Faults.Plan()
	b := &binding{settings: s, account: agentID, contexts: map[string]Context{}}
	// What the fake has due changes only in Inbound, in the adapter's
	// sends (directSender, the API handler) and in Flush (whose tries and
	// held webhooks NextDeadline reports): the first two stir the world's
	// Due, the API handler's calls through the world's Mount.
	b.due = env.TrackedDue()
	for _, c := range s.Contexts {
		b.contexts[c.Customer] = c
		if c.CannotShow != nil {
			d, err := device(*c.CannotShow)
			if err != nil {
				return nil, fmt.Errorf("contexts: %s: cannot_show: %w", c.Customer, err)
			}
			if b.devices == nil {
				b.devices = map[string]*fakebm.Device{}
			}
			b.devices[c.Customer] = &d
		}
	}
	acfg := routerbm.Config{
		AgentID: agentID, Agent: "brands/" + brandID + "/agents/" + agentID, ClientToken: token,
		Client: env.Client, Clock: env.Clock, Seed: env.Seed ^ 0x6d657373616765, Representative: s.Representative,
		Solo: env.Solo,
	}

	if env.Network == sim.Direct || env.Mount == nil {
		// No bytes: the fake hands each payload to the adapter's value path,
		// and sends go to the fake's rule API.
		// The current adapter: a router restart replaces it (restart.go).
		fcfg.Direct = func(m *fakebm.UserMessage) int {
			um := toAdapter(m)
			b.adapter.Deliver(&um)
			return http.StatusOK
		}
		b.fake = fakebm.New(fcfg)
		acfg.ServiceAccount = b.fake.Credentials()
		b.acfg = acfg
		b.adapter = routerbm.New(acfg, env.Receiver)
		b.sender = directSender{b}
		return b, nil
	}
	// Each side needs the other's URL: the fake's API is mounted first, the
	// adapter built with the credentials the fake issues, and the fake told
	// the router's webhook URL once it is mounted.
	acfg.BaseURL, err = env.Mount("api", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { b.fake.ServeHTTP(w, r) }))
	if err != nil {
		return nil, err
	}
	fcfg.BaseURL = acfg.BaseURL
	b.fake = fakebm.New(fcfg)
	acfg.ServiceAccount = b.fake.Credentials()
	b.acfg = acfg
	b.adapter = routerbm.New(acfg, env.Receiver)
	b.sender = b.adapter
	// The endpoint serves whichever adapter is current: a router restart
	// replaces it (restart.go).
	hook, err := env.Mount("webhook", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { b.adapter.ServeHTTP(w, r) }))
	if err != nil {
		return nil, err
	}
	b.fake.SetWebhookURL(cmpOr(env.Webhook, hook))
	if err := b.fake.Verify(ctx); err != nil {
		return nil, fmt.Errorf("webhook verification: %w", err)
	}
	return b, nil
}

// toAdapter converts the fake's payload to the adapter's, field by field,
// as the wire would.
func toAdapter(m *fakebm.UserMessage) routerbm.UserMessage {
	sent := m.SendTime.UTC().Format(time.RFC3339Nano)
	// A time of the payload is most often its sendTime: the same text.
	timeText := func(t time.Time) string {
		if t.Equal(m.SendTime) {
			return sent
		}
		return t.UTC().Format(time.RFC3339Nano)
	}
	um := routerbm.UserMessage{Agent: m.Agent, ConversationID: m.ConversationID, CustomAgentID: m.CustomAgentID,
		RequestID: m.RequestID, SendTime: sent}
	c := m.Context
	um.Context.EntryPoint, um.Context.PlaceID, um.Context.ResolvedLocale, um.Context.CustomContext =
		c.EntryPoint, c.PlaceID, c.ResolvedLocale, c.CustomContext
	um.Context.UserInfo.DisplayName, um.Context.UserInfo.UserDeviceLocale = c.DisplayName, c.UserDeviceLocale
	um.Context.Widget.URL, um.Context.Widget.WidgetContext = c.WidgetURL, c.WidgetContext
	switch {
	case m.Message != nil:
		t := &routerbm.UserText{MessageID: m.Message.MessageID, Name: m.Message.Name, Text: m.Message.Text,
			CreateTime: timeText(m.Message.CreateTime)}
		if m.Message.ImageURL != "" {
			t.Image = routerbm.ImageOf(m.Message.ImageURL)
		}
		um.Message = t
	case m.Receipts != nil:
		r := &routerbm.Receipts{CreateTime: timeText(m.Receipts.CreateTime)}
		for _, x := range m.Receipts.Receipts {
			r.Receipts = append(r.Receipts, routerbm.Receipt{Message: x.Message, ReceiptType: x.ReceiptType})
		}
		um.Receipts = r
	case m.UserStatus != nil:
		um.UserStatus = &routerbm.UserStatus{IsTyping: m.UserStatus.IsTyping, RequestedLiveAgent: m.UserStatus.RequestedLiveAgent,
			CreateTime: timeText(m.UserStatus.CreateTime)}
	}
	return um
}

// directSender sends by value through the fake's rules: the fault plan's
// refusals first, retried as the adapter retries them (with the same
// messageId), then the rules.
type directSender struct{ b *binding }

func (d directSender) Send(ctx context.Context, to router.CustomerKey, m router.Outbound) (string, error) {
	d.b.due.Stir()
	a := d.b.adapter
	req, err := a.Request(m)
	if err != nil {
		return "", err
	}
	id := a.NewMessageID()
	fr := fakeRequest(req, id)
	err = routerbm.Retry(func() error {
		if e := d.b.fake.SendFault(to.Customer); e != nil {
			return platformError(e)
		}
		if _, e := d.b.fake.Accept(to.Customer, fr); e != nil {
			return platformError(e)
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	return id, nil
}

func platformError(e *fakebm.Error) error {
	return &router.PlatformError{Code: e.Status, HTTPStatus: e.HTTPStatus, Message: e.Message}
}

func fakeRequest(r routerbm.SendRequest, id string) fakebm.SendRequest {
	req := fakebm.SendRequest{MessageID: id, Representative: &fakebm.Representative{RepresentativeType: r.Representative}, Text: r.Text}
	if r.ImageURL != "" {
		req.Image = &fakebm.Image{ContentInfo: &fakebm.ContentInfo{FileURL: r.ImageURL}}
	}
	return req
}

func cmpOr(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// platformRules applies a scenario's channel rules to the fake. The
// window anchor and reply limits bind the router alone: the platform has
// no reply limit.
func platformRules(rules scenario.Rules, cfg *fakebm.Config) {
	if rules.Window != nil {
		cfg.Window = rules.Window.D()
	}
	if rules.MaxTextLength != nil {
		cfg.MaxTextLength = *rules.MaxTextLength
		if cfg.MaxTextLength == 0 {
			cfg.MaxTextLength = -1
		}
	}
	if m, ok := rules.Media["image"]; ok {
		if m.Formats != nil {
			cfg.ImageFormats = m.Formats
		}
		if m.MaxSize != nil {
			cfg.ImageMaxBytes = int64(*m.MaxSize)
		}
	}
}

func (b *binding) Account() string        { return b.account }
func (b *binding) Sender() router.Sender  { return b.sender }
func (b *binding) Handle(w string) string { return w }
func (b *binding) Close()                 {}

// Release gives the memory the adapter's dedupe windows hold back to their
// pools, for the next world the process plays (sim.Releaser): the adapter
// forgets every message id.
func (b *binding) Release() { b.adapter.Release() }

// Flush makes the webhook tries due: Google's retries and, under a fault
// plan, the deliveries it held back or duplicated.
func (b *binding) Flush(ctx context.Context) error {
	_, err := b.fake.Flush(ctx)
	return err
}

// NextDeadline is when the fake's next webhook try is due.
func (b *binding) NextDeadline() (time.Time, bool) { return b.fake.NextDeadline() }

// NewHandle makes the n-th conversation id: a UUID drawn from n.
func (b *binding) NewHandle(n int) string {
	var raw [16]byte
	x := uint64(n)
	for i := 0; i < 16; i += 8 {
		binary.BigEndian.PutUint64(raw[i:], splitmix.Next(&x))
	}
	binary.BigEndian.PutUint32(raw[12:], uint32(n)) // keeps them distinct
	var id [uuid4.Len]byte
	return string(uuid4.AppendBytes(id[:0], raw))
}

// context is the context of a customer's messages.
func (b *binding) context(name string) fakebm.Context {
	s := b.settings
	c := fakebm.Context{EntryPoint: cmpOr(s.EntryPoint, DefaultEntryPoint), PlaceID: s.PlaceID, DisplayName: name,
		ResolvedLocale: s.Locale, UserDeviceLocale: s.Locale}
	if x, ok := b.contexts[name]; ok {
		c.EntryPoint = cmpOr(x.EntryPoint, c.EntryPoint)
		c.PlaceID = cmpOr(x.PlaceID, c.PlaceID)
		if x.Locale != "" {
			c.ResolvedLocale, c.UserDeviceLocale = x.Locale, x.Locale
		}
		c.WidgetContext, c.CustomContext = x.WidgetContext, x.CustomContext
		c.Device = b.devices[name] // nil: the channel's (Config.Device)
	}
	return c
}

func (b *binding) Inbound(ctx context.Context, customer, name string, m sim.Message) (sim.Inbound, error) {
	b.due.Stir()
	var in fakebm.Inbound
	var err error
	c := b.context(name)
	switch {
	case m.Event == "typing":
		in, err = b.fake.CustomerStatus(ctx, customer, c, true, false)
	case m.Event == "live_agent":
		in, err = b.fake.CustomerStatus(ctx, customer, c, false, true)
	case m.Event != "":
		return sim.Inbound{}, fmt.Errorf("businessmessages has no %q event (want typing or live_agent)", m.Event)
	case m.Attachment != nil:
		a := m.Attachment
		if a.Kind != "image" {
			return sim.Inbound{}, errors.New("businessmessages users send images only")
		}
		req, _ := b.adapter.Request(router.Outbound{Kind: router.KindAttachment, Attachment: a})
		in, err = b.fake.CustomerImage(ctx, customer, c, req.ImageURL)
	default:
		in, err = b.fake.CustomerText(ctx, customer, c, m.Text)
	}
	return sim.Inbound{ID: in.ID, Status: in.Status, Pending: in.Faulted}, err
}

// Judge asks the fake whether it would accept m now.
func (b *binding) Judge(to string, m router.Outbound) *sim.Verdict {
	req, err := b.adapter.Request(m)
	if err != nil {
		return &sim.Verdict{Code: "INVALID_ARGUMENT", HTTPStatus: 400, Message: err.Error()}
	}
	return verdict(b.fake.Check(to, fakeRequest(req, "judge")))
}

func verdict(e *fakebm.Error) *sim.Verdict {
	if e == nil {
		return nil
	}
	return &sim.Verdict{Code: e.Status, HTTPStatus: e.HTTPStatus, Message: e.Message}
}

// Modelled reports whether Business Messages refused a message the router
// let through for a rule the router's policy models: the 30-day window
// (window_status: FAILED_PRECONDITION unless set), and, of the
// INVALID_ARGUMENT answers, a text over the platform's length or an image
// it refuses by format or size. The retirement and a conversation that
// does not exist (PERMISSION_DENIED) are the platform's own business. With
// window_status PERMISSION_DENIED the code alone cannot tell them from the
// window: a refusal once the platform has retired is not the window's, and
// one before it is (the router only answers conversations a customer
// opened, which exist). What a device cannot show (FAILED_PRECONDITION)
// the router never sends: it sends texts and images, without suggestions.
func (b *binding) Modelled(code string, m *router.Outbound) bool {
	cfg := b.fake.Config()
	switch code {
	case cfg.WindowStatus:
		return code != "PERMISSION_DENIED" || !b.fake.Retired()
	case "INVALID_ARGUMENT":
		if m == nil {
			return false
		}
		switch m.Kind {
		case router.KindText:
			return cfg.MaxTextLength > 0 && utf8.RuneCountInString(m.Text) > cfg.MaxTextLength
		case router.KindAttachment:
			a := m.Attachment
			return a.Kind != "image" || b.fake.CheckImage(strings.ToLower(a.Format), a.Size) != nil
		}
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

// retryFor is the fake's Config.RetryFor of s's retry_for: 0, the fake's
// 7 days, unless set, and negative, no retries, for the scenario's "0s".
func retryFor(s *Settings) time.Duration {
	if s == nil || s.RetryFor == nil {
		return 0
	}
	if d := s.RetryFor.D(); d != 0 {
		return d
	}
	return -1
}

// tries is the spec's Tries: retries for retry_for on the fake's default
// delays, as open configures the fake.
func tries(v any) scenario.Tries {
	s, _ := v.(*Settings)
	return scenario.Tries{Retries: fakebm.MaxRetries(retryFor(s), 0, 0)}
}
