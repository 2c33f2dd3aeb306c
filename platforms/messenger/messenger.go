// Package messenger binds the Facebook Messenger Platform to the simulator:
// it is the only place where the fake platform (fakes/messenger) and the
// router's adapter (router/messenger) meet. It reads a scenario's
// [channels.messenger] settings, configures both sides with the same page
// (page id, page access token, app secret, verify token), and answers the
// simulator's questions about the platform: what a customer's Messenger
// received, and whether Messenger would accept a message the router
// refused.
//
// Customers are named by their page-scoped id (psid, 15 to 17 digits).
// Router attachment kinds map to Messenger's types: image, audio and video
// to themselves, document to file; stickers cannot be sent. A router
// template is sent as a text of its name. The scenario's rules.window is
// the longest reply window (the HUMAN_AGENT tag's, 7 days by default) for
// the fake and the router alike; the standard window that RESPONSE
// messages keep to is the setting standard_window (24h).
//
// The customers listed in ad_referrals came from a Click-to-Messenger ad:
// their first message carries the ad referral, which the adapter passes to
// the router as the conversation's ad source. The setting ad_window models
// the longer window such a message opens on the platform (off by default):
// the fake and the adapter both take it, so that the adapter replies as
// RESPONSE inside it, while the router's policy keeps its one window for
// every customer (7 days by default, which no ad window exceeds: a router
// window set shorter shows the difference as drift).
package messenger

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	fakems "github.com/omnisim/omnisim/fakes/messenger"
	"github.com/omnisim/omnisim/router"
	routerms "github.com/omnisim/omnisim/router/messenger"
	"github.com/omnisim/omnisim/sim"
	"github.com/omnisim/omnisim/sim/scenario"
)

// Settings are the keys of [channels.messenger]: the page's credentials,
// shared by the platform and the router, and the platform's behaviour.
type Settings struct {
	PageID      string `toml:"page_id,omitempty"`
	AccessToken string `toml:"access_token,omitempty"`
	AppSecret   string `toml:"app_secret,omitempty"`
	VerifyToken string `toml:"verify_token,omitempty"`
	APIVersion  string `toml:"api_version,omitempty"`
	// StandardWindow is the window RESPONSE messages keep to (24h); after
	// it the adapter sends with the HUMAN_AGENT tag.
	StandardWindow *scenario.Duration `toml:"standard_window"`
	// HumanAgent says whether the page is approved for the HUMAN_AGENT tag
	// (default true). Without it the platform refuses tagged messages after
	// the standard window, while the router, unless told otherwise, still
	// allows them.
	HumanAgent *bool `toml:"human_agent"`
	// LegacySignature sends X-Hub-Signature (sha1) beside
	// X-Hub-Signature-256; default true, as Meta does.
	LegacySignature *bool `toml:"legacy_signature"`
	// DeliveryWebhooks sends a message_deliveries webhook for each
	// accepted message; default true.
	DeliveryWebhooks *bool `toml:"delivery_webhooks"`
	// AdReferrals maps customers (by psid) to the Click-to-Messenger ad
	// (its ad id) their first message comes from.
	AdReferrals map[string]string `toml:"ad_referrals,omitempty"`
	// ThrottleStatus is the HTTP status of a send the fault plan
	// throttles (code 613): 429 (the default) or 400.
	ThrottleStatus int `toml:"throttle_status,omitempty"`
	// AdWindow, when set, models the window a customer's message from a
	// Click-to-Messenger ad opens (up to 7 days): replies are accepted
	// for that long after it. Left out, the default, it is not modelled
	// and an ad message opens the standard window. It is cut to
	// rules.window, the longest window, when that is shorter.
	AdWindow *scenario.Duration `toml:"ad_window"`
}

// Normalize gives equal settings one form.
func (s *Settings) Normalize() {
	if len(s.AdReferrals) == 0 {
		s.AdReferrals = nil
	}
}

func validate(v any) []scenario.SettingsProblem {
	s := v.(*Settings)
	var out []scenario.SettingsProblem
	if s.PageID != "" && !digits(s.PageID, 1, 20) {
		out = append(out, scenario.SettingsProblem{Key: "page_id", Msg: fmt.Sprintf("%q is not a page id", s.PageID), Hint: `page ids are digits, e.g. "104857392016483"`})
	}
	if w := s.StandardWindow; w != nil && w.D() <= 0 {
		out = append(out, scenario.SettingsProblem{Key: "standard_window", Msg: "must be positive"})
	}
	if v := s.APIVersion; v != "" && !validVersion(v) {
		out = append(out, scenario.SettingsProblem{Key: "api_version", Msg: fmt.Sprintf("%q is not a Graph API version", v), Hint: `e.g. "v25.0"`})
	}
	if w := s.AdWindow; w != nil && (w.D() <= 0 || w.D() > fakems.MaxAdWindow) {
		msg := "must be positive"
		if w.D() > 0 {
			msg = fmt.Sprintf("%s is longer than the 7 days a Click-to-Messenger ad can extend the window to", w)
		}
		out = append(out, scenario.SettingsProblem{Key: "ad_window", Msg: msg, Hint: `a duration from "1s" to "7d" (168h), e.g. "7d"; leave it out to open the standard window for ads`})
	}
	if st := s.ThrottleStatus; st != 0 && st != http.StatusTooManyRequests && st != http.StatusBadRequest {
		out = append(out, scenario.SettingsProblem{Key: "throttle_status", Msg: fmt.Sprintf("%d is not a status Graph throttles with", st), Hint: "429 or 400"})
	}
	for psid, ad := range s.AdReferrals {
		if p, _ := checkPSID(psid); p != "" {
			out = append(out, scenario.SettingsProblem{Key: "ad_referrals", Msg: p, Hint: "keys are customers' psids"})
		}
		if ad == "" {
			out = append(out, scenario.SettingsProblem{Key: "ad_referrals", Msg: fmt.Sprintf("customer %s has an empty ad id", psid)})
		}
	}
	return out
}

func validVersion(v string) bool {
	maj, min, ok := strings.Cut(strings.TrimPrefix(v, "v"), ".")
	return strings.HasPrefix(v, "v") && ok && digits(maj, 1, 3) && digits(min, 1, 3)
}

func digits(s string, lo, hi int) bool {
	return len(s) >= lo && len(s) <= hi && strings.Trim(s, "0123456789") == ""
}

// checkPSID accepts a page-scoped id: 16 or 17 digits, no leading zero.
func checkPSID(h string) (problem, hint string) {
	if !digits(h, 16, 17) || h[0] == '0' {
		return fmt.Sprintf("%q is not a page-scoped id", h), `16 or 17 digits without a leading zero, e.g. "7240412345678901"`
	}
	return "", ""
}

// Platform is Messenger in the platform table.
var Platform = &sim.Platform{
	Spec: scenario.ChannelSpec{
		Remembers:     40,                                                   // that it wrote, as its PSID in the fake's forgotten set
		Keep:          fakems.DefaultHumanAgentWindow + router.StatusMargin, // the 7-day HUMAN_AGENT window and an hour
		Tries:         func(any) scenario.Tries { return scenario.Tries{Retries: len(fakems.DefaultRetrySchedule())} },
		Name:          routerms.Channel,
		Handle:        "psid",
		HandleExample: "7240412345678901",
		CheckHandle:   checkPSID,
		Settings:      func() any { return &Settings{} },
		Validate:      validate,
	},
	Title:  "Messenger Platform",
	Policy: routerms.Policy,
	Open:   open,
}

// binding is Messenger opened in one world.
type binding struct {
	fake      *fakems.Server
	direct    *fakems.Direct // the fake's API by value (Direct network)
	adapter   *routerms.Adapter
	account   string
	numbering sim.JournalNumbering
	acfg      routerms.Config // the adapter's configuration, to build it again
	// due is the world's Due (sim.Env.TrackedDue), which the binding
	// stirs on the Direct and Memory networks; nil on the others.
	due *sim.Due

	mu  sync.Mutex
	ads map[string]string // psid -> ad id, until the customer's first message
}

func open(ctx context.Context, env sim.Env, ch *scenario.Channel) (sim.Binding, error) {
	s, _ := ch.Settings.(*Settings)
	if s == nil {
		s = &Settings{}
	}
	page := cmp.Or(s.PageID, fakems.DefaultPageID)
	secret := cmp.Or(s.AppSecret, fakems.DefaultAppSecret)
	verify := cmp.Or(s.VerifyToken, fakems.DefaultVerifyToken)
	token := cmp.Or(s.AccessToken, fakems.DefaultAccessToken)
	fcfg := fakems.Config{
		PageID: page, AccessToken: token, AppSecret: secret, VerifyToken: verify,
		Client: env.Client, Clock: env.Clock, Seed: env.Seed, JournalLimit: env.JournalLimit,
		KeepDeliveries:    env.Keep, // nil keeps everyone's
		NoLegacySignature: s.LegacySignature != nil && !*s.LegacySignature,
		DisableDeliveries: s.DeliveryWebhooks != nil && !*s.DeliveryWebhooks,
		Faults:            ch.Faults.Plan(), ThrottleStatus: s.ThrottleStatus,
		Solo: env.Solo,
	}
	acfg := routerms.Config{
		AppSecret: secret, VerifyToken: verify, AccessToken: token, PageID: page, APIVersion: s.APIVersion,
		Client: env.Client, Clock: env.Clock,
		Solo: env.Solo,
	}
	if w := s.StandardWindow; w != nil {
		fcfg.Window, acfg.Window = w.D(), w.D()
	}
	if w := s.AdWindow; w != nil {
		fcfg.AdWindow = w.D()
	}
	if env.Network == sim.Memory {
		fcfg.WebhookTimeout = -1 // handlers are called directly: nothing can hang
	}
	platformRules(ch.Rules, &fcfg)
	acfg.AdWindow = fcfg.AdWindow // the platform's, however the router's window is set
	acfg.HumanAgentWindow = fcfg.HumanAgentWindow
	if ch.Router != nil && ch.Router.Window != nil {
		acfg.HumanAgentWindow = ch.Router.Window.D()
	} else if ch.Rules.Window == nil {
		acfg.HumanAgentWindow = routerms.DefaultHumanAgentWindow
	}
	if s.HumanAgent != nil && !*s.HumanAgent {
		fcfg.HumanAgentWindow = -1 // the page is not approved for the tag
	}
	if env.Keep != nil {
		// The customers the world does not read are forgotten an hour
		// after their longest window has closed.
		fcfg.ForgetAfter = max(fcfg.Window, fcfg.HumanAgentWindow, fcfg.AdWindow, fakems.DefaultWindow, fakems.DefaultHumanAgentWindow) + time.Hour
	}
	b := &binding{account: page, ads: map[string]string{}}
	// What the fake has due changes only in Inbound, in the adapter's
	// calls to it (sendDirect, uploadDirect, the API handler) and in Flush
	// (whose retries and held webhooks NextDeadline reports, and whose
	// receipts the sends queue): the first two stir the world's Due, the
	// API handler's calls through the world's Mount.
	b.due = env.TrackedDue()
	for psid, ad := range s.AdReferrals {
		b.ads[psid] = ad
	}

	// The webhook reaches whichever adapter is current, by value or on the
	// wire: a router restart replaces it (restart.go).
	if env.Network == sim.Direct {
		fcfg.Deliver = func(_ context.Context, ev fakems.Event) int {
			b.adapter.Receive(routerEvent(page, ev))
			return http.StatusOK
		}
		acfg.Direct, acfg.DirectUpload = b.sendDirect, b.uploadDirect
		b.adapter, b.acfg = routerms.New(acfg, env.Receiver), acfg
		b.fake = fakems.New(fcfg)
		b.direct = b.fake.Direct(cmp.Or(acfg.APIVersion, routerms.DefaultAPIVersion))
		return b, nil
	}
	var err error
	acfg.BaseURL, err = env.Mount("api", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { b.fake.ServeHTTP(w, r) }))
	if err != nil {
		return nil, err
	}
	b.adapter, b.acfg = routerms.New(acfg, env.Receiver), acfg
	hook, err := env.Mount("webhook", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { b.adapter.ServeHTTP(w, r) }))
	if err != nil {
		return nil, err
	}
	fcfg.WebhookURL = cmp.Or(env.Webhook, hook)
	b.fake = fakems.New(fcfg)
	if err := b.fake.Verify(ctx); err != nil {
		return nil, fmt.Errorf("webhook verification handshake: %w", err)
	}
	return b, nil
}

// platformRules applies a scenario's channel rules to the fake: the
// window is the longest one, the HUMAN_AGENT tag's, and the standard
// window and the ad window are cut to it when longer.
func platformRules(rules scenario.Rules, cfg *fakems.Config) {
	if rules.Window != nil {
		cfg.HumanAgentWindow = rules.Window.D()
		if cfg.HumanAgentWindow <= 0 {
			cfg.HumanAgentWindow, cfg.Window = -1, -1 // no window at all
		} else {
			// No window is longer than the longest.
			if std := cmp.Or(cfg.Window, fakems.DefaultWindow); std > cfg.HumanAgentWindow {
				cfg.Window = cfg.HumanAgentWindow
			}
			cfg.AdWindow = min(cfg.AdWindow, cfg.HumanAgentWindow)
		}
	}
	if rules.MaxTextLength != nil {
		cfg.MaxTextLength = *rules.MaxTextLength
		if cfg.MaxTextLength == 0 {
			cfg.MaxTextLength = -1
		}
	}
	if len(rules.Media) > 0 {
		cfg.Attachments = map[string]fakems.AttachmentLimit{}
		for kind, m := range rules.Media {
			t, ok := attachmentType(kind)
			if !ok {
				continue
			}
			var lim fakems.AttachmentLimit
			if m.Formats != nil {
				lim.Formats = m.Formats
			}
			if m.MaxSize != nil {
				lim.MaxBytes = int64(*m.MaxSize)
			}
			cfg.Attachments[t] = lim
		}
	}
}

// attachmentType is Messenger's attachment type for a router kind.
func attachmentType(kind string) (string, bool) {
	switch kind {
	case "image", "audio", "video":
		return kind, true
	case "document":
		return "file", true
	}
	return "", false
}

// routerEvent is the adapter's value of a fake's event (Direct).
func routerEvent(page string, ev fakems.Event) routerms.Event {
	out := routerms.Event{Page: page, Sender: ev.Sender, Timestamp: ev.Timestamp.UnixMilli(), Kind: ev.Kind, MID: ev.MID,
		Text: ev.Text, Payload: ev.Payload, Delivered: ev.Delivered}
	if a := ev.Attachment; a != nil {
		out.AttachmentType, out.AttachmentURL = a.Type, a.URL
	}
	if r := ev.Referral; r != nil {
		out.Referral = &routerms.Referral{Ref: r.Ref, AdID: r.AdID, Source: r.Source, Type: r.Type}
	}
	return out
}

// fileFormat is the format Messenger reads from the name the adapter
// uploads a under (routerms.UploadName), so that the direct network and
// Judge read a format of two extensions (tar.gz) as the wire does.
func fileFormat(a *router.Attachment) string {
	return fakems.FileFormat(routerms.UploadName(a))
}

// uploadDirect is the adapter's attachment upload by value.
func (b *binding) uploadDirect(typ string, a *router.Attachment) (string, error) {
	b.due.Stir()
	id, e := b.direct.Upload(typ, fileFormat(a), a.Size)
	if e != nil {
		return "", platformError(e)
	}
	return id, nil
}

// sendDirect is the adapter's send by value: the fake's upload and send
// rules, without bytes.
func (b *binding) sendDirect(req routerms.SendRequest) (string, error) {
	b.due.Stir()
	fr := fakems.SendRequest{Recipient: fakems.Recipient{ID: req.Recipient}, MessagingType: req.MessagingType, Tag: req.Tag, Message: &fakems.Message{Text: req.Text}}
	if a := req.Attachment; a != nil {
		id := req.AttachmentID
		if id == "" {
			var err error
			if id, err = b.uploadDirect(req.AttachmentType, a); err != nil {
				return "", err
			}
		}
		fr.Message = &fakems.Message{Attachment: &fakems.Attachment{Type: req.AttachmentType, Payload: fakems.AttachmentPayload{AttachmentID: id}}}
	}
	resp, e := b.direct.Send(fr)
	if e != nil {
		return "", platformError(e)
	}
	return resp.MessageID, nil
}

// code writes a Graph error's code as the adapter does: the code, and
// "/" and the subcode when there is one.
func code(c, sub int) string {
	if c == 0 {
		return ""
	}
	if sub != 0 {
		return strconv.Itoa(c) + "/" + strconv.Itoa(sub)
	}
	return strconv.Itoa(c)
}

func platformError(e *fakems.Error) error {
	return &router.PlatformError{Code: code(e.Code, e.Subcode), HTTPStatus: e.HTTPStatus, Message: e.Message}
}

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
	if errors.Is(err, fakems.ErrFaultTimeout) || errors.Is(err, fakems.ErrFaultEdge) {
		return nil // the fault plan's own failures: retried on schedule
	}
	return err
}

// NextDeadline is the fake's next webhook retry, or under a fault plan
// its next held or duplicated webhook.
func (b *binding) NextDeadline() (time.Time, bool) { return b.fake.NextRetry() }

// NewHandle makes the n-th psid: "7" and 15 digits, n*7919 + 1234567
// modulo 10^15 (a bijection, since 7919 is prime to 10), so distinct for
// every n below 10^15.
func (b *binding) NewHandle(n int) string {
	const mod = 1_000_000_000_000_000
	v := (uint64(n)%mod*7919 + 1234567) % mod
	return "7" + fmt.Sprintf("%015d", v)
}

func (b *binding) Inbound(ctx context.Context, customer, _ string, m sim.Message) (sim.Inbound, error) {
	b.due.Stir()
	var in fakems.Inbound
	var err error
	switch {
	case m.Event == "postback":
		in, err = b.fake.CustomerPostback(ctx, customer, m.Text, m.EventKey)
	case m.Event != "":
		return sim.Inbound{}, fmt.Errorf("messenger has no %q event", m.Event)
	case m.Attachment != nil:
		t, ok := attachmentType(m.Attachment.Kind)
		if !ok {
			return sim.Inbound{}, fmt.Errorf("messenger: a customer cannot send a %s", m.Attachment.Kind)
		}
		in, err = b.fake.CustomerAttachment(ctx, customer, t, m.Attachment.Format)
	default:
		b.mu.Lock()
		ad, fromAd := b.ads[customer]
		delete(b.ads, customer)
		b.mu.Unlock()
		if fromAd {
			in, err = b.fake.CustomerAdText(ctx, customer, m.Text, ad, "")
		} else {
			in, err = b.fake.CustomerText(ctx, customer, m.Text)
		}
	}
	return sim.Inbound{ID: in.ID, Status: in.Status, Pending: in.Faulted}, err
}

// Judge asks the fake whether it would accept m now, sent as the adapter
// would send it (its messaging type and tag).
func (b *binding) Judge(to string, m router.Outbound) *sim.Verdict {
	typ, tag := b.adapter.MessagingType(to)
	req := fakems.SendRequest{Recipient: fakems.Recipient{ID: to}, MessagingType: typ, Tag: tag, Message: &fakems.Message{Text: m.Text}}
	switch m.Kind {
	case router.KindTemplate:
		if m.Template != nil {
			req.Message.Text = m.Template.Name
		}
	case router.KindAttachment:
		a := m.Attachment
		t, ok := attachmentType(a.Kind)
		if !ok {
			t = a.Kind
		}
		if e := b.fake.CheckAttachment(t, fileFormat(a), a.Size); e != nil {
			return verdict(e)
		}
		req.Message = &fakems.Message{Attachment: &fakems.Attachment{Type: t, Payload: fakems.AttachmentPayload{URL: "https://media.omnisim.invalid/file." + a.Format}}}
	}
	return verdict(b.fake.Check(req))
}

func verdict(e *fakems.Error) *sim.Verdict {
	if e == nil {
		return nil
	}
	return &sim.Verdict{Code: code(e.Code, e.Subcode), HTTPStatus: e.HTTPStatus, Message: e.Title()}
}

// Modelled reports whether Messenger refused a message the router let
// through for a rule the router's policy models: the messaging window
// (10/2018278), attachment types and sizes (100/2018047, and 100 for a
// sticker), and the text length (100, only for a text over the platform's
// limit).
func (b *binding) Modelled(c string, m *router.Outbound) bool {
	switch c {
	case "10/2018278", "100/2018047":
		return true
	case "100":
		if m == nil {
			return false
		}
		if m.Kind == router.KindAttachment {
			return true
		}
		limit := b.fake.Config().MaxTextLength
		return m.Kind == router.KindText && limit > 0 && utf8.RuneCountInString(m.Text) > limit
	}
	return false
}

func (b *binding) Device(customer string) []sim.Delivery {
	ds := b.fake.Deliveries(customer)
	out := make([]sim.Delivery, len(ds))
	for i, d := range ds {
		out[i] = sim.Delivery{At: d.At, Kind: d.Type, Text: cmp.Or(d.Text, d.Type)}
	}
	return out
}

func (b *binding) Stats() sim.Stats {
	fc := b.fake.Counts()
	as := b.adapter.Stats()
	return sim.Stats{Delivered: fc.Deliveries, Webhooks: fc.Webhooks, Rejected: as.Rejected, Duplicates: as.Duplicates,
		Faults: b.fake.FaultCount()}
}
