// Package wechat binds the WeChat Official Account platform to the
// simulator: it is the only place where the fake platform (fakes/wechat)
// and the router's adapter (router/wechat) meet. It reads a scenario's
// [channels.wechat] settings, configures both sides with the same account
// (AppID, secret, token, EncodingAESKey, message mode), and answers the
// simulator's questions about the platform: what a customer's WeChat
// received, and whether WeChat would accept a message the router refused.
//
// Customers are named by their openid. Router attachment kinds map to
// WeChat's media types: image to image, audio to voice, video to video;
// documents and stickers have no WeChat customer-service type. The router's
// templates have no counterpart in the customer-service API either: the
// fake judges one as a text message of the template's name, so that its
// window and reply rules still apply.
package wechat

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	fakewc "github.com/omnisim/omnisim/fakes/wechat"
	"github.com/omnisim/omnisim/router"
	routerwc "github.com/omnisim/omnisim/router/wechat"
	"github.com/omnisim/omnisim/sim"
	"github.com/omnisim/omnisim/sim/scenario"
	"github.com/omnisim/omnisim/splitmix"
)

// Settings are the keys of [channels.wechat]: the Official Account's
// credentials, which the platform and the router share, and its message
// encryption mode.
type Settings struct {
	AppID          string `toml:"app_id,omitempty"`
	AppSecret      string `toml:"app_secret,omitempty"`
	Token          string `toml:"token,omitempty"`
	EncodingAESKey string `toml:"encoding_aes_key,omitempty"`
	OriginalID     string `toml:"original_id,omitempty"`
	// Mode is how webhooks travel: plaintext, compatible (plaintext and
	// ciphertext together) or safe (AES-256-CBC only).
	Mode string `toml:"mode,omitempty"`
	// UnknownPathStatus is the HTTP status the platform answers a path it
	// does not serve with, errcode 48001 in the body either way: 200 (the
	// default, as every WeChat error) or 404.
	UnknownPathStatus int `toml:"unknown_path_status,omitempty"`
}

var modes = []string{"plaintext", "compatible", "safe"}

func validate(v any) []scenario.SettingsProblem {
	s := v.(*Settings)
	var out []scenario.SettingsProblem
	if s.Mode != "" && !slices.Contains(modes, s.Mode) {
		hint := ""
		if n, ok := scenario.Nearest(s.Mode, modes); ok {
			hint = fmt.Sprintf("did you mean %q?", n)
		}
		out = append(out, scenario.SettingsProblem{Key: "mode", Hint: hint,
			Msg: fmt.Sprintf("unknown value %q; want one of: %s", s.Mode, strings.Join(modes, ", "))})
	}
	if k := s.EncodingAESKey; k != "" {
		if _, err := fakewc.AESKey(k); err != nil || len(k) != 43 {
			out = append(out, scenario.SettingsProblem{Key: "encoding_aes_key",
				Msg:  fmt.Sprintf("%q is not an EncodingAESKey", k),
				Hint: "43 characters of base64 (A-Z, a-z, 0-9, + and /), as the WeChat console generates"})
		}
	}
	if id := s.AppID; id != "" && !strings.HasPrefix(id, "wx") {
		out = append(out, scenario.SettingsProblem{Key: "app_id", Msg: fmt.Sprintf("%q is not an AppID", id), Hint: `AppIDs start with "wx", e.g. "wx5f2a3b4c5d6e7f80"`})
	}
	if st := s.UnknownPathStatus; st != 0 && st != http.StatusOK && st != http.StatusNotFound {
		out = append(out, scenario.SettingsProblem{Key: "unknown_path_status", Msg: fmt.Sprintf("%d is not a status the platform answers an unknown path with", st),
			Hint: "200 (WeChat's errcode envelope, the default) or 404"})
	}
	if id := s.OriginalID; id != "" && !strings.HasPrefix(id, "gh_") {
		out = append(out, scenario.SettingsProblem{Key: "original_id", Msg: fmt.Sprintf("%q is not an original id", id), Hint: `original ids start with "gh_", e.g. "gh_7f3a9c2e1b4d"`})
	}
	return out
}

// checkOpenID accepts what WeChat's openids are made of.
func checkOpenID(h string) (problem, hint string) {
	if len(h) > 64 || strings.IndexFunc(h, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-')
	}) >= 0 {
		return fmt.Sprintf("%q is not an openid", h), "up to 64 letters, digits, '_' and '-', e.g. \"oUpF8uMuAJO_M2pxb1Q9zNjWeS6o\""
	}
	return "", ""
}

// Platform is WeChat in the platform table.
var Platform = &sim.Platform{
	Spec: scenario.ChannelSpec{
		Remembers:     40,                                         // that it wrote, as a hash in the fake's forgotten set
		Keep:          fakewc.DefaultWindow + router.StatusMargin, // the 48-hour window and an hour
		Tries:         func(any) scenario.Tries { return scenario.Tries{Retries: fakewc.DefaultWebhookTries - 1} },
		Name:          routerwc.Channel,
		Handle:        "openid",
		HandleExample: "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o",
		CheckHandle:   checkOpenID,
		Settings:      func() any { return &Settings{} },
		Validate:      validate,
	},
	Title:  "WeChat Official Account",
	Policy: routerwc.Policy,
	Open:   open,
}

// binding is WeChat opened in one world.
type binding struct {
	fake      *fakewc.Server
	adapter   *routerwc.Adapter
	direct    *fakewc.Direct // on the Direct network
	account   string
	numbering sim.JournalNumbering
	acfg      routerwc.Config // the adapter's configuration, to build it again
	// due is the world's Due (sim.Env.TrackedDue), which the binding
	// stirs on the Memory network.
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

func open(ctx context.Context, env sim.Env, ch *scenario.Channel) (sim.Binding, error) {
	s, _ := ch.Settings.(*Settings)
	if s == nil {
		s = &Settings{}
	}
	appID := cmpOr(s.AppID, fakewc.DefaultAppID)
	secret := cmpOr(s.AppSecret, fakewc.DefaultAppSecret)
	token := cmpOr(s.Token, fakewc.DefaultToken)
	key := cmpOr(s.EncodingAESKey, fakewc.DefaultEncodingAESKey)
	orig := cmpOr(s.OriginalID, fakewc.DefaultOriginalID)
	fcfg := fakewc.Config{
		AppID: appID, AppSecret: secret, Token: token, EncodingAESKey: key, OriginalID: orig,
		Client: env.Client, Clock: env.Clock, Seed: env.Seed, JournalLimit: env.JournalLimit,
		NoCallTimeout:  env.Network == sim.Memory, // handlers are called directly: nothing can hang
		KeepDeliveries: env.Keep,                  // nil keeps everyone's
		Solo:           env.Solo,

		UnknownPathStatus: s.UnknownPathStatus, // 0: the fake's default, 200
	}
	switch s.Mode {
	case "compatible":
		fcfg.Mode = fakewc.Compatible
	case "safe":
		fcfg.Mode = fakewc.Safe
	}
	platformRules(ch.Rules, &fcfg)
	fcfg.Faults = ch.Faults.Plan()
	if env.Keep != nil {
		// The customers the world does not read are forgotten an hour
		// after their longest grant has closed.
		fcfg.ForgetAfter = max(fcfg.Window, fcfg.EventWindow, fakewc.DefaultWindow, fakewc.DefaultEventWindow) + time.Hour
	}
	b := &binding{account: appID}
	// What the fake has due changes only in Inbound, in the adapter's
	// calls to its API and in Flush (whose held and retried pushes
	// NextFault reports): the first two stir the world's Due on the
	// Memory network, the API handler's calls through the world's Mount.
	// On Direct nothing does (openDirect).
	b.due = env.TrackedDue()

	var err error
	acfg := routerwc.Config{
		AppID: appID, AppSecret: secret, Token: token, EncodingAESKey: key, OriginalID: orig,
		Client: env.Client, Clock: env.Clock,
		Solo: env.Solo,
	}
	if env.Network == sim.Direct {
		return openDirect(b, fcfg, acfg, env)
	}
	// Each side needs the other's URL: the fake's API is mounted first,
	// and the fake itself built once the router's webhook URL is known.
	acfg.BaseURL, err = env.Mount("api", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { b.fake.ServeHTTP(w, r) }))
	if err != nil {
		return nil, err
	}
	b.adapter = routerwc.New(acfg, env.Receiver)
	b.acfg = acfg
	// The endpoint serves whichever adapter is current: a router restart
	// replaces it (restart.go).
	hook, err := env.Mount("webhook", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { b.adapter.ServeHTTP(w, r) }))
	if err != nil {
		return nil, err
	}
	fcfg.WebhookURL = cmpOr(env.Webhook, hook)
	b.fake = fakewc.New(fcfg)
	if err := b.fake.Verify(ctx); err != nil {
		return nil, fmt.Errorf("URL verification handshake: %w", err)
	}
	return b, nil
}

// mediaType is WeChat's media type for a router attachment kind.
func mediaType(kind string) string {
	if kind == "audio" {
		return "voice"
	}
	return kind
}

// platformRules applies a scenario's channel rules to the fake. The window
// anchor and the reply limit's reset bind the router alone.
func platformRules(rules scenario.Rules, cfg *fakewc.Config) {
	if rules.Window != nil {
		cfg.Window = rules.Window.D()
	}
	if rules.ReplyLimit != nil {
		cfg.ReplyLimit = *rules.ReplyLimit
		if cfg.ReplyLimit == 0 {
			cfg.ReplyLimit = -1 // the scenario's 0 is unlimited
		}
	}
	if rules.MaxTextLength != nil {
		cfg.MaxTextLength = *rules.MaxTextLength
	}
	if len(rules.Media) > 0 {
		cfg.Media = fakewc.DefaultMedia()
		for kind, m := range rules.Media {
			t := mediaType(kind)
			lim, ok := cfg.Media[t]
			if !ok {
				continue // a kind WeChat has no type for
			}
			if m.Formats != nil {
				lim.Formats = m.Formats
			}
			if m.MaxSize != nil {
				lim.MaxBytes = int64(*m.MaxSize)
			}
			cfg.Media[t] = lim
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

// Flush posts the pushes a fault plan held back that are due; without a
// plan there are none.
func (b *binding) Flush(ctx context.Context) error { return b.fake.FlushFaults(ctx) }

// NextDeadline is when the next held push is due.
func (b *binding) NextDeadline() (time.Time, bool) { return b.fake.NextFault() }

// NewHandle makes the n-th openid: "o" and 27 characters, as WeChat's are.
func (b *binding) NewHandle(n int) string {
	var raw [20]byte
	x := uint64(n)
	for i := 0; i < len(raw); i += 8 {
		var w [8]byte
		binary.BigEndian.PutUint64(w[:], splitmix.Next(&x)) // random-looking
		copy(raw[i:], w[:])
	}
	binary.BigEndian.PutUint32(raw[16:], uint32(n)) // keeps them distinct
	return "o" + base64.RawURLEncoding.EncodeToString(raw[:])
}

func (b *binding) Inbound(ctx context.Context, customer, name string, m sim.Message) (sim.Inbound, error) {
	if b.direct != nil {
		return b.inboundDirect(customer, m)
	}
	b.due.Stir() // a push the router did not take is held for a retry
	var in fakewc.Inbound
	var err error
	switch {
	case m.Event != "":
		in, err = b.fake.CustomerEvent(ctx, customer, m.Event, m.EventKey)
	case m.Attachment != nil:
		a := m.Attachment
		in, err = b.fake.CustomerMedia(ctx, customer, mediaType(a.Kind), a.Format, a.Size)
	default:
		in, err = b.fake.CustomerText(ctx, customer, m.Text)
	}
	return sim.Inbound{ID: in.ID, Status: in.Status, Pending: in.Faulted}, err
}

// Judge asks the fake whether it would accept m now. An attachment is
// judged by the upload's rules (type, format, size), then by the send's
// (window, quota); a template as a text of its name.
func (b *binding) Judge(to string, m router.Outbound) *sim.Verdict {
	req := fakewc.SendRequest{ToUser: to, MsgType: "text", Text: &fakewc.Text{Content: m.Text}}
	switch m.Kind {
	case router.KindTemplate:
		req.Text.Content = m.Template.Name
	case router.KindAttachment:
		a := m.Attachment
		if e := b.fake.CheckMedia(mediaType(a.Kind), a.Format, a.Size); e != nil {
			return verdict(e)
		}
		req.Text.Content = a.Kind
	}
	return verdict(b.fake.Check(req))
}

func verdict(e *fakewc.Error) *sim.Verdict {
	if e == nil {
		return nil
	}
	return &sim.Verdict{Code: strconv.Itoa(e.Code), HTTPStatus: http.StatusOK, Message: e.Title()}
}

// Modelled reports whether WeChat refused a message the router let through
// for a rule the router's policy models: the 48-hour window (45015), the
// reply quota (45047), media types, formats and sizes (40004, 40005,
// 40006), and the text length (45002).
func (b *binding) Modelled(code string, m *router.Outbound) bool {
	switch code {
	case "45015", "45047", "40004", "40005", "40006", "45002":
		return true
	}
	return false
}

func (b *binding) Device(customer string) []sim.Delivery {
	ds := b.fake.Deliveries(customer)
	out := make([]sim.Delivery, len(ds))
	for i, d := range ds {
		out[i] = sim.Delivery{At: d.At, Kind: d.Type, Text: cmpOr(d.Text, d.Title)}
	}
	return out
}

func (b *binding) Stats() sim.Stats {
	fc := b.fake.Counts()
	as := b.adapter.Stats()
	return sim.Stats{Delivered: fc.Deliveries, Webhooks: fc.Webhooks, Rejected: as.Rejected, Duplicates: as.Duplicates,
		Faults: b.fake.FaultCount()}
}
