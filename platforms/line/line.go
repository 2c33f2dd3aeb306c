// Package line binds the LINE Messaging API to the simulator: it is the
// only place where the fake platform (fakes/line) and the router's adapter
// (router/line) meet. It reads a scenario's [channels.line] settings,
// configures both sides with the same channel (secret, access token, bot
// user id), and answers the simulator's questions about the platform: what
// a user's LINE app received, and whether LINE would accept a message the
// router refused.
//
// Customers are named by their LINE user id ("U" and 32 lower-case hex
// digits). Router attachment kinds map to LINE's message types: image,
// video and audio alike, document to a file message (users send files;
// bots cannot), sticker to a sticker. The platform's reply-token expiry is
// a setting of the channel; the router keeps its own idea of it (one
// minute) and pushes when its token is older, or when LINE refuses the
// reply as an invalid reply token. LINE's errors carry no code of their
// own: a refusal's code is its HTTP status ("400", "409", "429").
//
// A channel's [channels.line.faults] plan goes to the fake, which applies
// it in its one webhook-delivery function and in reply and push. On the
// Direct network those are the very functions the values go through, so
// the plan acts there as on the wire, with the same draws: the same
// webhooks held, duplicated and redelivered, the same sends refused. The
// webhook endpoint (or the Direct hand-over) calls whichever adapter is
// current, so that a router restart (restart.go) swaps it; held webhooks
// report as sim.Inbound.Pending and the plan's faults as sim.Stats.Faults.
package line

import (
	"context"
	"encoding/binary"
	"fmt"
	"net/http"
	"strconv"
	"time"

	fakeline "github.com/omnisim/omnisim/fakes/line"
	"github.com/omnisim/omnisim/router"
	routerline "github.com/omnisim/omnisim/router/line"
	"github.com/omnisim/omnisim/sim"
	"github.com/omnisim/omnisim/sim/scenario"
	"github.com/omnisim/omnisim/splitmix"
)

// Settings are the keys of [channels.line]: the channel's credentials,
// which the platform and the router share, and the platform's behaviour.
type Settings struct {
	ChannelID          string `toml:"channel_id,omitempty"`
	ChannelSecret      string `toml:"channel_secret,omitempty"`
	ChannelAccessToken string `toml:"channel_access_token,omitempty"`
	BotUserID          string `toml:"bot_user_id,omitempty"`
	// ReplyTokenExpiry is how long the platform accepts a reply token;
	// default one minute.
	ReplyTokenExpiry *scenario.Duration `toml:"reply_token_expiry,omitempty"`
	// RateLimit is calls per second per endpoint before 429; default 2000;
	// 0 is unlimited.
	RateLimit *int `toml:"rate_limit,omitempty"`
	// MonthlyLimit is push messages per month before 429; 0 (the default)
	// is unlimited.
	MonthlyLimit int `toml:"monthly_limit,omitempty"`
	// Redelivery lists the delays of webhook redeliveries after a failed
	// delivery; empty (the default) is no redelivery.
	Redelivery []scenario.Duration `toml:"redelivery,omitempty"`
}

// Normalize gives equal settings one form.
func (s *Settings) Normalize() {
	if len(s.Redelivery) == 0 {
		s.Redelivery = nil
	}
}

func validate(v any) []scenario.SettingsProblem {
	s := v.(*Settings)
	var out []scenario.SettingsProblem
	if id := s.BotUserID; id != "" && !fakeline.IsUserID(id) {
		out = append(out, scenario.SettingsProblem{Key: "bot_user_id", Msg: fmt.Sprintf("%q is not a LINE user id", id), Hint: `"U" and 32 lower-case hex digits, e.g. "` + fakeline.DefaultBotUserID + `"`})
	}
	if id := s.ChannelID; id != "" {
		if _, err := strconv.ParseUint(id, 10, 64); err != nil {
			out = append(out, scenario.SettingsProblem{Key: "channel_id", Msg: fmt.Sprintf("%q is not a channel id", id), Hint: `channel ids are digits, e.g. "1656789012"`})
		}
	}
	if e := s.ReplyTokenExpiry; e != nil && e.D() <= 0 {
		out = append(out, scenario.SettingsProblem{Key: "reply_token_expiry", Msg: "must be positive"})
	}
	if r := s.RateLimit; r != nil && *r < 0 {
		out = append(out, scenario.SettingsProblem{Key: "rate_limit", Msg: "must be 0 (unlimited) or more"})
	}
	if s.MonthlyLimit < 0 {
		out = append(out, scenario.SettingsProblem{Key: "monthly_limit", Msg: "must be 0 (unlimited) or more"})
	}
	for i, d := range s.Redelivery {
		if d.D() <= 0 {
			out = append(out, scenario.SettingsProblem{Key: fmt.Sprintf("redelivery[%d]", i), Msg: "must be positive"})
		}
	}
	return out
}

// checkUserID accepts LINE user ids.
func checkUserID(h string) (problem, hint string) {
	if !fakeline.IsUserID(h) {
		return fmt.Sprintf("%q is not a LINE user id", h), `"U" and 32 lower-case hex digits, e.g. "U4af4980629a1b2c3d4e5f60718293a4b"`
	}
	return "", ""
}

// Platform is LINE in the platform table.
var Platform = &sim.Platform{
	Spec: scenario.ChannelSpec{
		Remembers:     40,                                                // a friend, as a hash in the fake's forgotten set
		Keep:          router.DefaultStatusHorizon + router.StatusMargin, // LINE has no window: the engine's status horizon
		Tries:         tries,
		Name:          routerline.Channel,
		Handle:        "user_id",
		HandleExample: "U4af4980629a1b2c3d4e5f60718293a4b",
		CheckHandle:   checkUserID,
		Settings:      func() any { return &Settings{} },
		Validate:      validate,
	},
	Title:  "LINE Messaging API",
	Policy: routerline.Policy,
	Open:   open,
}

// binding is LINE opened in one world.
type binding struct {
	fake      *fakeline.Server
	adapter   *routerline.Adapter
	account   string
	numbering sim.JournalNumbering
	acfg      routerline.Config // the adapter's configuration, to build it again
	// due is the world's Due (sim.Env.TrackedDue), which the binding
	// stirs on the Direct and Memory networks; nil on the others.
	due *sim.Due
}

func cmpOr(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// configs returns the fake's and the adapter's configurations for a
// scenario's channel, before their URLs and networks are set.
func configs(env sim.Env, ch *scenario.Channel) (fakeline.Config, routerline.Config) {
	s, _ := ch.Settings.(*Settings)
	if s == nil {
		s = &Settings{}
	}
	secret := cmpOr(s.ChannelSecret, fakeline.DefaultChannelSecret)
	token := cmpOr(s.ChannelAccessToken, fakeline.DefaultChannelAccessToken)
	bot := cmpOr(s.BotUserID, fakeline.DefaultBotUserID)
	fcfg := fakeline.Config{
		ChannelID: s.ChannelID, ChannelSecret: secret, ChannelAccessToken: token, BotUserID: bot,
		Client: env.Client, Clock: env.Clock, Seed: env.Seed, MonthlyLimit: s.MonthlyLimit, JournalLimit: env.JournalLimit,
		KeepDeliveries: env.Keep, // nil keeps everyone's
		Solo:           env.Solo,
	}
	if s.ReplyTokenExpiry != nil {
		fcfg.ReplyTokenExpiry = s.ReplyTokenExpiry.D()
	}
	if env.Keep != nil {
		// The users the world does not read are forgotten an hour after
		// their last reply token expired.
		fcfg.ForgetAfter = max(fcfg.ReplyTokenExpiry, fakeline.DefaultReplyTokenExpiry) + time.Hour
	}
	if s.RateLimit != nil {
		fcfg.RateLimit = *s.RateLimit
		if fcfg.RateLimit == 0 {
			fcfg.RateLimit = -1
		}
	}
	for _, d := range s.Redelivery {
		fcfg.Redelivery = append(fcfg.Redelivery, d.D())
	}
	if env.Network == sim.Memory || env.Network == sim.Direct {
		fcfg.WebhookTimeout = -1 // handlers are called directly: nothing can hang
	}
	platformRules(ch.Rules, &fcfg)
	fcfg.Faults = ch.Faults.Plan()
	acfg := routerline.Config{
		ChannelSecret: secret, ChannelAccessToken: token, BotUserID: bot,
		Client: env.Client, Clock: env.Clock, Seed: env.Seed ^ 0x4c494e45, Profiles: true,
		Solo: env.Solo,
	}
	if env.Keep != nil {
		// In a world that reads only scripted customers, the adapter's
		// names follow the users in play, as the fake's records do.
		acfg.NameTTL = 24 * time.Hour
	}
	return fcfg, acfg
}

func open(ctx context.Context, env sim.Env, ch *scenario.Channel) (sim.Binding, error) {
	fcfg, acfg := configs(env, ch)
	b := &binding{account: fcfg.BotUserID}
	// What the fake has due changes only in Inbound, in the adapter's
	// calls to it (directAPI, the API handler) and in Flush (whose
	// redeliveries and held webhooks NextDeadline reports): the first two
	// stir the world's Due, the API handler's calls through the world's
	// Mount.
	b.due = env.TrackedDue()
	if env.Mount == nil {
		// Direct: the fake and the adapter meet by values.
		acfg.API = directAPI{b}
		b.adapter = routerline.New(acfg, env.Receiver)
		b.acfg = acfg
		// The webhook reaches whichever adapter is current: a router
		// restart replaces it (restart.go).
		fcfg.Direct = func(ctx context.Context, dest string, evs []fakeline.Event) int {
			return b.adapter.Events(ctx, dest, adapterEvents(evs))
		}
		b.fake = fakeline.New(fcfg)
		if err := b.fake.Verify(ctx); err != nil {
			return nil, fmt.Errorf("webhook URL verification: %w", err)
		}
		return b, nil
	}
	var err error
	acfg.BaseURL, err = env.Mount("api", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { b.fake.ServeHTTP(w, r) }))
	if err != nil {
		return nil, err
	}
	b.adapter = routerline.New(acfg, env.Receiver)
	b.acfg = acfg
	// The endpoint serves whichever adapter is current: a router restart
	// replaces it (restart.go).
	hook, err := env.Mount("webhook", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { b.adapter.ServeHTTP(w, r) }))
	if err != nil {
		return nil, err
	}
	fcfg.WebhookURL = cmpOr(env.Webhook, hook)
	b.fake = fakeline.New(fcfg)
	if err := b.fake.Verify(ctx); err != nil {
		return nil, fmt.Errorf("webhook URL verification: %w", err)
	}
	return b, nil
}

// platformRules applies a scenario's channel rules to the fake: the text
// length and the media limits. LINE has no reply window and no reply
// count; those rules bind the router alone.
func platformRules(rules scenario.Rules, cfg *fakeline.Config) {
	if rules.MaxTextLength != nil {
		cfg.MaxTextLength = *rules.MaxTextLength
	}
	if len(rules.Media) > 0 {
		cfg.Media = fakeline.DefaultMedia()
		for kind, m := range rules.Media {
			lim, ok := cfg.Media[kind]
			if !ok {
				continue // a kind LINE has no message type for
			}
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

// adapterEvents converts the fake's events to the adapter's.
func adapterEvents(evs []fakeline.Event) []routerline.Event {
	out := make([]routerline.Event, len(evs))
	for i, e := range evs {
		o := &out[i]
		o.Type, o.Mode, o.Timestamp = e.Type, e.Mode, e.Timestamp
		o.Source.Type, o.Source.UserID = "user", e.UserID
		o.WebhookEventID = e.WebhookEventID
		o.DeliveryContext.IsRedelivery = e.IsRedelivery
		o.ReplyToken = e.ReplyToken
		if m := e.Message; m != nil {
			o.Message = &routerline.EventMessage{ID: m.ID, Type: m.Type, Text: m.Text, FileName: m.FileName, FileSize: m.FileSize}
		}
	}
	return out
}

// fakeMessages converts the adapter's message objects to the fake's.
func fakeMessages(msgs []routerline.Message) []fakeline.Message {
	out := make([]fakeline.Message, len(msgs))
	for i, m := range msgs {
		out[i] = fakeline.Message{Type: m.Type, Text: m.Text, OriginalContentURL: m.OriginalContentURL, PreviewImageURL: m.PreviewImageURL, Duration: m.Duration}
	}
	return out
}

// directAPI is the fake's rule API as the adapter's API.
type directAPI struct{ b *binding }

func result(res fakeline.SendResponse, e *fakeline.Error) routerline.APIResult {
	if e != nil {
		r := routerline.APIResult{Status: e.Status, AcceptedRequestID: e.AcceptedRequestID}
		r.Error.Message = e.Message
		for _, d := range e.Details {
			r.Error.Details = append(r.Error.Details, struct {
				Message  string `json:"message"`
				Property string `json:"property"`
			}{d.Message, d.Property})
		}
		for _, m := range e.SentMessages {
			r.IDs = append(r.IDs, m.ID)
		}
		return r
	}
	r := routerline.APIResult{Status: http.StatusOK}
	for _, m := range res.SentMessages {
		r.IDs = append(r.IDs, m.ID)
	}
	return r
}

func (d directAPI) Reply(token string, msgs []routerline.Message) routerline.APIResult {
	d.b.due.Stir()
	return result(d.b.fake.Reply("", fakeline.ReplyRequest{ReplyToken: token, Messages: fakeMessages(msgs)}))
}

func (d directAPI) Push(key, to string, msgs []routerline.Message) routerline.APIResult {
	d.b.due.Stir()
	return result(d.b.fake.Push(key, fakeline.PushRequest{To: to, Messages: fakeMessages(msgs)}))
}

func (d directAPI) Profile(userID string) (string, bool) { return d.b.fake.Profile(userID) }

func (b *binding) Account() string        { return b.account }
func (b *binding) Sender() router.Sender  { return b.adapter }
func (b *binding) Handle(w string) string { return w }
func (b *binding) Close()                 {}

// Release gives the memory the adapter's dedupe windows hold back to their
// pools, for the next world the process plays (sim.Releaser): the adapter
// forgets every message id.
func (b *binding) Release() { b.adapter.Release() }
func (b *binding) Flush(ctx context.Context) error {
	_, err := b.fake.Flush(ctx)
	return err
}

// NextDeadline is the fake's next webhook redelivery or, under a fault
// plan, its next held webhook try.
func (b *binding) NextDeadline() (time.Time, bool) { return b.fake.NextDeadline() }

// NewHandle makes the n-th user id: "U" and 32 hex digits, the last eight
// of them n itself, so that distinct n give distinct ids.
func (b *binding) NewHandle(n int) string {
	var raw [16]byte
	x := uint64(n)
	z := splitmix.Next(&x)
	binary.BigEndian.PutUint64(raw[:8], z)
	binary.BigEndian.PutUint32(raw[8:12], uint32(z>>13))
	binary.BigEndian.PutUint32(raw[12:], uint32(n))
	return fmt.Sprintf("U%x", raw[:])
}

// inboundKind is LINE's message type for a router attachment kind.
func inboundKind(kind string) string {
	if kind == "document" {
		return "file"
	}
	return kind
}

func (b *binding) Inbound(ctx context.Context, customer, name string, m sim.Message) (sim.Inbound, error) {
	b.due.Stir()
	var in fakeline.Inbound
	var err error
	switch {
	case m.Event == "follow":
		in, err = b.fake.CustomerFollow(ctx, customer, name)
	case m.Event == "unfollow":
		in, err = b.fake.CustomerUnfollow(ctx, customer)
	case m.Event != "":
		return sim.Inbound{}, fmt.Errorf("line has no %q event (want follow or unfollow)", m.Event)
	case m.Attachment != nil:
		a := m.Attachment
		in, err = b.fake.CustomerMedia(ctx, customer, name, inboundKind(a.Kind), a.Format, a.Size)
		if err == nil && m.Text != "" {
			// LINE's media messages have no caption: the text follows.
			var t fakeline.Inbound
			if t, err = b.fake.CustomerText(ctx, customer, name, m.Text); t.Status != http.StatusOK {
				in.Status = t.Status
			}
			in.Faulted = in.Faulted || t.Faulted
		}
	default:
		in, err = b.fake.CustomerText(ctx, customer, name, m.Text)
	}
	return sim.Inbound{ID: cmpOr(in.ID, in.EventID), Status: in.Status, Pending: in.Faulted}, err
}

// Judge asks the fake whether it would accept m as a push now.
func (b *binding) Judge(to string, m router.Outbound) *sim.Verdict {
	msgs, err := b.adapter.Messages(m)
	if err != nil {
		// A kind LINE has no message type for (document, sticker).
		return &sim.Verdict{Code: "400", HTTPStatus: 400, Message: err.Error()}
	}
	return verdict(b.fake.Check(to, fakeMessages(msgs)))
}

func verdict(e *fakeline.Error) *sim.Verdict {
	if e == nil {
		return nil
	}
	return &sim.Verdict{Code: strconv.Itoa(e.Status), HTTPStatus: e.Status, Message: e.Error()}
}

// Modelled reports whether LINE refused a message the router let through
// for a rule the router's policy models: a 400 for the message objects
// themselves (a text's length, media types, formats and sizes). The policy
// counts the length of texts only: a template goes as a text of its name
// and parameters, and an attachment's caption as a text after the file,
// and a refusal of those texts' length is not drift. Rate limits, the
// monthly limit and retry keys are the platform's business: they show as
// the customer's last_error, not as drift.
func (b *binding) Modelled(code string, m *router.Outbound) bool {
	if code != "400" || m == nil {
		return false
	}
	msgs, err := b.adapter.Messages(*m)
	switch {
	case err != nil:
		return true
	case m.Kind == router.KindTemplate:
		return false
	case m.Kind == router.KindAttachment:
		msgs = msgs[:1]
	}
	return b.fake.Validate(fakeMessages(msgs)) != nil
}

func (b *binding) Device(customer string) []sim.Delivery {
	ds := b.fake.Deliveries(customer)
	out := make([]sim.Delivery, len(ds))
	for i, d := range ds {
		out[i] = sim.Delivery{At: d.At, Kind: d.Type, Text: cmpOr(d.Text, d.Type)}
	}
	return out
}

func (b *binding) Stats() sim.Stats {
	fc := b.fake.Counts()
	as := b.adapter.Stats()
	return sim.Stats{Delivered: fc.Deliveries, Webhooks: fc.Webhooks, Rejected: as.Rejected, Duplicates: as.Duplicates,
		Faults: b.fake.FaultCount()}
}

// tries is the spec's Tries: a redelivery for each delay the settings
// list, or, with none listed, for each of the fake's schedule under
// webhook faults (DefaultFaultRedelivery): tries fail only under faults.
func tries(v any) scenario.Tries {
	if s, _ := v.(*Settings); s != nil && len(s.Redelivery) > 0 {
		return scenario.Tries{Retries: len(s.Redelivery)}
	}
	return scenario.Tries{Retries: len(fakeline.DefaultFaultRedelivery)}
}
