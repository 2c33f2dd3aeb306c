// Package whatsapp binds the WhatsApp Cloud API to the simulator: it is the
// only place where the fake platform (fakes/whatsapp) and the router's
// adapter (router/whatsapp) meet. It reads a scenario's [channels.whatsapp]
// settings, configures both sides alike (as an operator would configure the
// account on Meta's side and in the router), and answers the simulator's
// questions about the platform: what a customer's phone received, and
// whether Meta would accept a message the router refused.
package whatsapp

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"

	fakewa "github.com/omnisim/omnisim/fakes/whatsapp"
	"github.com/omnisim/omnisim/router"
	routerwa "github.com/omnisim/omnisim/router/whatsapp"
	"github.com/omnisim/omnisim/sim"
	"github.com/omnisim/omnisim/sim/scenario"
)

// Settings are the keys of [channels.whatsapp]: the account's credentials,
// shared by the platform and the router, and the platform's behaviour.
type Settings struct {
	PhoneNumberID      string `toml:"phone_number_id,omitempty"`
	DisplayPhoneNumber string `toml:"display_phone_number,omitempty"`
	BusinessAccountID  string `toml:"business_account_id,omitempty"`
	AccessToken        string `toml:"access_token,omitempty"`
	AppSecret          string `toml:"app_secret,omitempty"`
	VerifyToken        string `toml:"verify_token,omitempty"`
	APIVersion         string `toml:"api_version,omitempty"`

	// Templates lists the approved template names; empty approves any.
	Templates []string `toml:"templates,omitempty"`
	// WindowErrors is how a send outside the window fails: sync (HTTP 400)
	// or async (accepted, then a failed status webhook).
	WindowErrors string `toml:"window_errors,omitempty"`
	// StatusWebhooks sends sent and delivered statuses; default true.
	StatusWebhooks *bool `toml:"status_webhooks"`

	// Template is the template registry: [[channels.whatsapp.template]]
	// entries with a name, languages and a parameter count.
	Template []TemplateSetting `toml:"template,omitempty"`
	// Throughput is the number's messages per second (default 80; -1:
	// unlimited).
	Throughput *int `toml:"throughput"`
	// PairInterval and PairBurst are the pair rate to one recipient
	// (default one message per 6s after a burst of 45; pair_interval = "0s"
	// disables it).
	PairInterval *scenario.Duration `toml:"pair_interval"`
	PairBurst    *int               `toml:"pair_burst"`
	// NotOnWhatsApp lists numbers that are not on WhatsApp: sends to them
	// fail with 131026, asynchronously unless undeliverable_errors = "sync".
	NotOnWhatsApp       []string `toml:"not_on_whatsapp,omitempty"`
	UndeliverableErrors string   `toml:"undeliverable_errors,omitempty"`
	// ReadRate (0 to 1) is the share of delivered messages the customers
	// read, ReadAfter how long after the delivery.
	ReadRate  *float64           `toml:"read_rate"`
	ReadAfter *scenario.Duration `toml:"read_after"`
	// ReactionOpensWindow lets a customer's reaction open the window.
	ReactionOpensWindow bool `toml:"reaction_opens_window,omitempty"`
	// Profile is the business profile.
	Profile *ProfileSetting `toml:"profile"`
	// ThrottleStatus is the HTTP status of a send refused with 130429
	// "Rate limit hit", by the throughput or by the fault plan's send_429:
	// 429 (the default) or 400: a third-party copy of Meta's table gives
	// 429, code samples show 400.
	ThrottleStatus int `toml:"throttle_status,omitempty"`
	// TemplateMissingStatus is the HTTP status of 132001, a template that
	// does not exist (or not in that language): 404 (the default) or 400.
	TemplateMissingStatus int `toml:"template_missing_status,omitempty"`
	// MediaTTL is how long a media id (uploaded, or a customer's media)
	// stays valid: default 30 days; "0s" keeps media ids for ever.
	MediaTTL *scenario.Duration `toml:"media_ttl"`
}

// TemplateSetting is one approved template of the registry.
type TemplateSetting struct {
	Name      string   `toml:"name,omitempty"`
	Languages []string `toml:"languages,omitempty"` // empty: any
	Params    *int     `toml:"params"`              // unset: any number
}

// ProfileSetting is the business profile; vertical is one of the Zendesk
// document's names ("Automotive") or its industry code ("AUTO").
type ProfileSetting struct {
	About       string   `toml:"about,omitempty"`
	Address     string   `toml:"address,omitempty"`
	Description string   `toml:"description,omitempty"`
	Email       string   `toml:"email,omitempty"`
	Vertical    string   `toml:"vertical,omitempty"`
	Websites    []string `toml:"websites,omitempty"`
}

// profile converts the setting; ok is false for an unknown vertical.
func (p *ProfileSetting) profile() (fakewa.BusinessProfile, bool) {
	bp := fakewa.BusinessProfile{About: p.About, Address: p.Address, Description: p.Description, Email: p.Email, Websites: p.Websites}
	if p.Vertical == "" {
		return bp, true
	}
	code, ok := fakewa.VerticalCode(p.Vertical)
	bp.Vertical = code
	return bp, ok
}

// Normalize gives equal settings one form.
func (s *Settings) Normalize() {
	if len(s.Templates) == 0 {
		s.Templates = nil
	}
}

var windowErrorModes = []string{"sync", "async"}

// validate checks the settings' values.
func validate(v any) []scenario.SettingsProblem {
	s := v.(*Settings)
	var out []scenario.SettingsProblem
	if s.WindowErrors != "" && !slices.Contains(windowErrorModes, s.WindowErrors) {
		hint := ""
		if n, ok := scenario.Nearest(s.WindowErrors, windowErrorModes); ok {
			hint = fmt.Sprintf("did you mean %q?", n)
		}
		out = append(out, scenario.SettingsProblem{Key: "window_errors", Hint: hint,
			Msg: fmt.Sprintf("unknown value %q; want one of: %s", s.WindowErrors, strings.Join(windowErrorModes, ", "))})
	}
	for i, t := range s.Templates {
		if t == "" {
			out = append(out, scenario.SettingsProblem{Key: fmt.Sprintf("templates[%d]", i), Msg: "empty template name"})
		}
	}
	if st := s.ThrottleStatus; st != 0 && st != http.StatusTooManyRequests && st != http.StatusBadRequest {
		out = append(out, scenario.SettingsProblem{Key: "throttle_status", Hint: "429 or 400",
			Msg: fmt.Sprintf("%d is not a status WhatsApp answers 130429 (rate limit hit) with", st)})
	}
	if st := s.TemplateMissingStatus; st != 0 && st != http.StatusNotFound && st != http.StatusBadRequest {
		out = append(out, scenario.SettingsProblem{Key: "template_missing_status", Hint: "404 or 400",
			Msg: fmt.Sprintf("%d is not a status WhatsApp answers 132001 (template does not exist) with", st)})
	}
	if s.MediaTTL != nil && s.MediaTTL.D() < 0 {
		out = append(out, scenario.SettingsProblem{Key: "media_ttl", Hint: `"0s" keeps media ids for ever; Meta keeps uploads "30d"`,
			Msg: "must not be negative"})
	}
	return append(out, validateLimits(s)...)
}

// checkPhone accepts an E.164 number valid in its country's numbering plan.
func checkPhone(h string) (problem, hint string) {
	const hintE164 = `write it in E.164 form: "+", the country code and the number, e.g. "+8613800138000"`
	digits, ok := strings.CutPrefix(h, "+")
	if !ok || len(h) > 17 || digits == "" || strings.Trim(digits, "0123456789") != "" {
		return fmt.Sprintf("%q is not a phone number in E.164 form", h), hintE164
	}
	n, err := phonenumbers.Parse(h, "")
	if err != nil {
		return fmt.Sprintf("%q is not a phone number in E.164 form", h), hintE164
	}
	if !phonenumbers.IsValidNumber(n) {
		return fmt.Sprintf("%q is in E.164 form but not a valid number of its country's numbering plan", h),
			"check the digits after the country code (+1 numbers, for example, need a valid area code)"
	}
	return "", ""
}

// Platform is WhatsApp in the platform table.
var Platform = &sim.Platform{
	Spec: scenario.ChannelSpec{
		Keep:          fakewa.DefaultWindow + router.StatusMargin, // the 24-hour window and the engine's status horizon an hour past it
		Tries:         func(any) scenario.Tries { return scenario.Tries{Retries: len(fakewa.DefaultRetrySchedule())} },
		Name:          routerwa.Channel,
		Handle:        "phone",
		HandleExample: "+16505551234",
		CheckHandle:   checkPhone,
		Settings:      func() any { return &Settings{} },
		Validate:      validate,
	},
	Title:  "WhatsApp Cloud API",
	Policy: routerwa.Policy,
	Open:   open,
}

// binding is WhatsApp opened in one world.
type binding struct {
	// First what every customer reads (Inbound, NewHandle, Flush), in the
	// first cache line of the binding.
	adapter   *routerwa.Adapter
	direct    *fakewa.Direct // on the Direct network
	handles   handles        // the generated numbers made last
	fake      *fakewa.Server
	account   string
	numbering sim.JournalNumbering
	acfg      routerwa.Config // the adapter's configuration, to build it again
	faulty    bool            // the channel has a fault plan
	// due is the world's Due (sim.Env.TrackedDue), which the binding
	// stirs on the Direct and Memory networks (stir); nil on the others.
	due *sim.Due
	// idle, on the Memory network with due set, is a view of the fake
	// whose Idle reads, without the fake's lock, that it has no status
	// queued and no read status waiting; retry is set while the fake may
	// hold a webhook to retry (one the router did not take). Flush does
	// nothing while both say so: the fake's Flush would find nothing to
	// do, and the world asks for one after every send.
	idle  *fakewa.Direct
	retry bool
}

func open(ctx context.Context, env sim.Env, ch *scenario.Channel) (sim.Binding, error) {
	s, _ := ch.Settings.(*Settings)
	if s == nil {
		s = &Settings{}
	}
	// The platform and the router's adapter share the account's
	// credentials, as an operator would configure them.
	acct := cmpOr(s.PhoneNumberID, fakewa.DefaultPhoneNumberID)
	secret := cmpOr(s.AppSecret, fakewa.DefaultAppSecret)
	verify := cmpOr(s.VerifyToken, fakewa.DefaultVerifyToken)
	token := cmpOr(s.AccessToken, fakewa.DefaultAccessToken)
	fcfg := fakewa.Config{
		PhoneNumberID:      acct,
		DisplayPhoneNumber: s.DisplayPhoneNumber,
		BusinessAccountID:  s.BusinessAccountID,
		AccessToken:        token,
		AppSecret:          secret,
		VerifyToken:        verify,
		Templates:          s.Templates,
		Clock:              env.Clock,
		Seed:               env.Seed,
		DisableStatuses:    s.StatusWebhooks != nil && !*s.StatusWebhooks,
		JournalLimit:       env.JournalLimit,
		Client:             env.Client,
		Limits:             s.limits(),
		KnownValid:         generated,
		Solo:               env.Solo,
		PoolWamids:         env.Released,
		// Unset (0), each keeps the fake's default.
		ThrottleStatus:        s.ThrottleStatus,
		TemplateMissingStatus: s.TemplateMissingStatus,
	}
	if s.WindowErrors == "async" {
		fcfg.WindowErrors = fakewa.Async
	}
	if s.MediaTTL != nil {
		fcfg.MediaTTL = s.MediaTTL.D()
		if fcfg.MediaTTL == 0 {
			fcfg.MediaTTL = -1 // the scenario's "0s" keeps media ids for ever
		}
	}
	if env.Network == sim.Memory {
		fcfg.WebhookTimeout = -1 // handlers are called directly: nothing can hang
	}
	platformRules(ch.Rules, &fcfg)
	fcfg.Faults = ch.Faults.Plan()
	retain(&fcfg, env)
	b := &binding{account: acct, faulty: !fcfg.Faults.Zero()}
	if !b.faulty {
		// What the fake has due changes only in Inbound, in the adapter's
		// calls to it (graph, the API handler) and in Flush (whose
		// retries, without a fault plan, wait for the world's next event,
		// which NextDeadline does not report): each may stir the world's
		// Due, the API handler's calls through the world's Mount. A fault
		// plan's holds and retries are left to the world's asking at every
		// step.
		b.due = env.TrackedDue()
	}

	acfg := routerwa.Config{
		AppSecret:     secret,
		VerifyToken:   verify,
		AccessToken:   token,
		PhoneNumberID: acct,
		APIVersion:    s.APIVersion,
		Clock:         env.Clock,
		Client:        env.Client,
		Solo:          env.Solo,
	}
	if env.Network == sim.Direct {
		return openDirect(b, fcfg, acfg, env)
	}
	// Each side needs the other's URL: the fake's API is mounted first,
	// and the fake itself built once the router's webhook URL is known.
	var err error
	acfg.BaseURL, err = env.Mount("api", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { b.fake.ServeHTTP(w, r) }))
	if err != nil {
		return nil, err
	}
	b.adapter = routerwa.New(acfg, env.Receiver)
	b.acfg = acfg
	// The endpoint serves whichever adapter is current: a router restart
	// replaces it (restart.go).
	hook, err := env.Mount("webhook", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { b.adapter.ServeHTTP(w, r) }))
	if err != nil {
		return nil, err
	}
	fcfg.WebhookURL = cmpOr(env.Webhook, hook)
	b.fake = fakewa.New(fcfg)
	if err := b.fake.Verify(ctx); err != nil {
		return nil, fmt.Errorf("webhook verification handshake: %w", err)
	}
	if b.due != nil {
		b.idle = b.fake.Direct(cmpOr(acfg.APIVersion, routerwa.DefaultAPIVersion))
	}
	return b, nil
}

func cmpOr(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// platformRules applies a scenario's channel rules to the fake's
// configuration. The platform has no reply-count limit and no choice of
// window anchor; those rules bind the router alone.
func platformRules(rules scenario.Rules, cfg *fakewa.Config) {
	if rules.Window != nil {
		cfg.Window = rules.Window.D()
	}
	if rules.MaxTextLength != nil {
		cfg.MaxTextLength = *rules.MaxTextLength
	}
	if len(rules.Media) > 0 {
		cfg.Media = fakewa.DefaultMedia()
		for kind, m := range rules.Media {
			lim := cfg.Media[kind]
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

func (b *binding) Account() string        { return b.account }
func (b *binding) Sender() router.Sender  { return b.adapter }
func (b *binding) Handle(w string) string { return strings.TrimPrefix(w, "+") }
func (b *binding) Close()                 {}

// Release gives the memory the fake and the adapter hold back to their
// pools, for the next world the process plays (sim.Releaser): both forget
// every customer and message id.
func (b *binding) Release() {
	b.adapter.Release()
	b.fake.Release()
}
func (b *binding) Flush(ctx context.Context) error {
	if b.direct != nil {
		if !b.direct.Idle() {
			b.flushDirect()
		}
		return nil
	}
	if b.idle != nil && !b.retry && b.idle.Idle() {
		return nil
	}
	_, err := b.fake.Flush(ctx)
	if b.due != nil {
		if b.retry = b.fake.Retrying() > 0; b.retry {
			// Without a fault plan a retry waits for the world's next
			// event: NextDeadline does not report it.
			b.due.Stir()
		}
	}
	if err == nil {
		return nil
	}
	if errors.Is(err, fakewa.ErrFaultTimeout) || errors.Is(err, fakewa.ErrFaultEdge) {
		return nil // the fault plan's own failures: retried on schedule
	}
	return err
}

// NextDeadline is when the fake next has something of its own due: a
// customer reading a message (a read status), or, under a fault plan, a
// held or retried webhook. Without a plan a retry waits for the world's
// next event.
func (b *binding) NextDeadline() (time.Time, bool) {
	ns, ok := b.fake.NextReadNanos() // without the fake's lock: asked after every stir and Flush, or every step untracked
	if !ok && !b.faulty {
		return time.Time{}, false // the usual answer, kept short
	}
	return b.nextDeadline(ns, ok)
}

// nextDeadline is NextDeadline once the fake has a read status waiting
// (ok, at unix nanoseconds ns) or the channel has a fault plan.
//
//go:noinline
func (b *binding) nextDeadline(ns int64, ok bool) (time.Time, bool) {
	var t time.Time
	if ok {
		if ns != math.MinInt64 {
			t = time.Unix(0, ns)
		} else {
			t, ok = b.fake.NextRead()
		}
	}
	if b.faulty {
		if r, rok := b.fake.NextRetry(); rok && (!ok || r.Before(t)) {
			t, ok = r, true
		}
	}
	return t, ok
}

// areaCodes are the North American area codes generated numbers use.
var areaCodes = []string{"650", "415", "408", "510", "925", "707", "831", "209", "559", "805"}

// generated reports whether d, a number of digits, has the form of those
// NewHandle makes: "1", one of areaCodes, an exchange from 200 to 999 and
// four digits. Every such number is valid in the North American numbering
// plan and is its own E.164 form (TestGeneratedNumbers holds
// libphonenumber to that), so the fake takes it without a parse. Its first
// four bytes, read as one word, are looked up in areaSlots: one load, one
// multiplication and one comparison, where each of the area code's digits
// was checked and weighed in turn.
func generated(d string) bool {
	if len(d) != handleLen || d[4] < '2' {
		return false
	}
	w := uint32(d[0]) | uint32(d[1])<<8 | uint32(d[2])<<16 | uint32(d[3])<<24
	return areaSlots[areaSlot(w)] == w
}

// areaSlots holds, for each of areaCodes, the word of "1" and its digits
// (the first four bytes of its numbers, little-endian) in the slot
// areaSlot gives it, each in a slot of its own. A slot no area code has
// holds the word of the first, whose own slot is another: a word is found
// only in its own slot, so only the words of areaCodes are found.
var areaSlots = func() (t [1 << areaSlotBits]uint32) {
	var taken [len(t)]bool
	for i := range t {
		t[i] = areaWord(areaCodes[0])
	}
	for _, a := range areaCodes {
		w := areaWord(a)
		i := areaSlot(w)
		if taken[i] {
			panic("whatsapp: two area codes share a slot of areaSlots: change areaSlotMul")
		}
		t[i], taken[i] = w, true
	}
	return t
}()

// areaSlotBits is the log2 of the number of areaSlots; areaSlotMul the
// multiplier that spreads the words of areaCodes over them (found by
// trying the odd numbers in turn).
const (
	areaSlotBits = 4
	areaSlotMul  = 2587
)

// areaSlot is the slot of areaSlots for the word w.
func areaSlot(w uint32) uint32 { return w * areaSlotMul >> (32 - areaSlotBits) }

// areaWord is the word of the first four bytes of the numbers of area code
// a: "1" and its three digits, little-endian.
func areaWord(a string) uint32 {
	return '1' | uint32(a[0])<<8 | uint32(a[1])<<16 | uint32(a[2])<<24
}

// NewHandle makes the n-th valid North American number: up to 80,000,000
// of them, more than a scenario may ask for. The world asks for them in
// increasing order, so they are made handleBlock at a time, in one string
// that the handles share. It takes no lock: the world calls it from its
// goroutine alone (sim.Binding).
func (b *binding) NewHandle(n int) string {
	h := &b.handles
	// The block's length, compared whole, bounds the slice: it needs no
	// check of its own.
	if i := uint(n - h.first); i < handleBlock && len(h.block) == handleBlock*handleLen {
		return h.block[i*handleLen : i*handleLen+handleLen]
	}
	return h.fill(n)
}

// fill makes the block of numbers from the n-th on, and returns the n-th,
// its first. It is out of NewHandle's line: one in handleBlock calls makes
// a block.
//
//go:noinline
func (h *handles) fill(n int) string {
	var d [handleBlock * handleLen]byte
	putHandle(d[:handleLen], n)
	// A number is the one before it with its line (its last four digits)
	// one higher, but for the first whose line is 0000, made afresh with
	// a new exchange. Its first eight bytes (head) and its line are
	// written whole, the line over the head's last byte. The line is held
	// as four digits, the last in the low byte (line), and counted up
	// with its carries in one addition (nextLine).
	wrap := 10000 - n%10000 // the k of the first number past n whose line is 0000
	head, line := lineOf(d[:handleLen])
	for k := 1; k < handleBlock; k++ {
		w := (*[handleLen]byte)(d[k*handleLen:])
		if k == wrap {
			putHandle(w[:], n+k)
			head, line = lineOf(w[:])
			continue
		}
		line = nextLine(line)
		binary.LittleEndian.PutUint64(w[:8], head)
		binary.BigEndian.PutUint32(w[handleLen-4:], line+0x30303030)
	}
	h.block, h.first = string(d[:]), n
	return h.block[:handleLen]
}

// lineOf is the first eight bytes of the number d, little-endian, and its
// line: its last four digits' values, the last in the low byte.
func lineOf(d []byte) (head uint64, line uint32) {
	return binary.LittleEndian.Uint64(d[:8]), binary.BigEndian.Uint32(d[handleLen-4:]) - 0x30303030
}

// nextLine is line, four digits' values a byte each (the last in the low
// byte), plus one, below 9999. Adding 0xf6 to a digit (and the 1 to the
// last) carries out of its byte exactly when the digit and the carry into
// it make ten, as a decimal carry does; a digit that carried is then 0,
// and one that did not is its sum plus 0xf6, which its top bit tells and
// which is taken back off it.
func nextLine(line uint32) uint32 {
	x := line + 0xf6f6f6f7
	return x - (x>>7&0x01010101)*0xf6
}

// handleLen is the length of a generated number; handleBlock how many
// NewHandle makes at once.
const (
	handleLen   = 11
	handleBlock = 32
)

// handles is the block of numbers NewHandle made last: those from first on.
type handles struct {
	first int
	block string
}

// putHandle writes the n-th number into d: "1", the area code, the
// exchange and the line.
func putHandle(d []byte, n int) {
	area := areaCodes[(n/8_000_000)%len(areaCodes)]
	d[0] = '1'
	copy(d[1:4], area)
	ex, line := 200+(n/10000)%800, n%10000
	d[4], d[5], d[6] = byte('0'+ex/100), byte('0'+ex/10%10), byte('0'+ex%10)
	d[7], d[8], d[9], d[10] = byte('0'+line/1000), byte('0'+line/100%10), byte('0'+line/10%10), byte('0'+line%10)
}

// Inbound plays the customer's message m: the fake takes it and the
// adapter receives it. On the Direct network a text, the usual message,
// is played here by its values, with no call of its own: no message is
// made for it, and the adapter takes the fake's reading of the clock they
// share (env.Clock). It leaves the world's Due alone: a customer's message
// queues no status and no read status, and takes none (only the
// business's sends do, through graph, which stirs it):
// TestInboundLeavesDueAlone.
func (b *binding) Inbound(ctx context.Context, customer, name string, m sim.Message) (sim.Inbound, error) {
	if b.direct != nil {
		if m.Event != "" || m.Attachment != nil {
			return b.otherInboundDirect(customer, name, &m)
		}
		waID, id, now, err := b.direct.CustomerText(customer)
		if err != nil {
			return sim.Inbound{}, err
		}
		b.adapter.ReceiveTextAt(now, waID, name, id, m.Text)
		return sim.Inbound{ID: id, Status: http.StatusOK}, nil
	}
	var in fakewa.Inbound
	var err error
	switch {
	case m.Event != "":
		in, err = b.event(ctx, customer, name, m)
	case m.Attachment != nil:
		a := m.Attachment
		in, err = b.fake.CustomerMedia(ctx, customer, name, a.Kind, a.Format, m.Text, a.Size)
	default:
		in, err = b.fake.CustomerText(ctx, customer, name, m.Text)
	}
	if err != nil || in.Status/100 != 2 {
		b.due.Stir() // a webhook the router did not take waits for a retry (a fault plan's world does not track)
	}
	b.retry = b.retry || in.Retrying
	return sim.Inbound{ID: in.ID, Status: in.Status, Pending: in.Faulted}, err
}

// Judge asks the fake whether it would accept m now.
func (b *binding) Judge(to string, m router.Outbound) *sim.Verdict {
	req := fakewa.SendRequest{MessagingProduct: "whatsapp", RecipientType: "individual", To: to}
	switch m.Kind {
	case router.KindText:
		req.Type = "text"
		req.Text = &fakewa.Text{Body: m.Text}
	case router.KindTemplate:
		req.Type = "template"
		req.Template = &fakewa.Template{Name: m.Template.Name, Language: fakewa.TemplateLanguage{Code: cmpOr(m.Template.Language, "en_US"), Policy: "deterministic"}}
		if len(m.Template.Params) > 0 {
			params := make([]fakewa.TemplateParameter, len(m.Template.Params))
			for i, v := range m.Template.Params {
				params[i] = fakewa.TemplateParameter{Type: "text", Text: v}
			}
			req.Template.Components = []fakewa.TemplateComponent{{Type: "body", Parameters: params}}
		}
	case router.KindAttachment:
		a := m.Attachment
		if e := b.fake.CheckMedia(a.Kind, a.Format, a.Size); e != nil {
			return verdict(e)
		}
		req.Type = a.Kind
		media := &fakewa.Media{Link: "https://media.omnisim.invalid/file." + a.Format, Caption: m.Text}
		if a.Kind == "audio" || a.Kind == "sticker" { // they take no caption
			media.Caption = ""
		}
		req.SetMedia(a.Kind, media)
	}
	return verdict(b.fake.Check(req))
}

func verdict(e *fakewa.Error) *sim.Verdict {
	if e == nil {
		return nil
	}
	return &sim.Verdict{Code: strconv.Itoa(e.Code), HTTPStatus: e.HTTPStatus, Message: e.Title()}
}

// Modelled reports whether WhatsApp refused a message the router let
// through for a rule the router's policy models: the window (131047),
// attachment types and sizes (131053), or the text length (100, which
// WhatsApp also answers for other invalid parameters, so only for a text
// over the platform's limit). Other refusals, such as an unapproved
// template, are the platform's own business: they show as the customer's
// last_error, not as drift.
func (b *binding) Modelled(code string, m *router.Outbound) bool {
	switch code {
	case "131047", "131053":
		return true
	case "100":
		limit := b.fake.Config().MaxTextLength
		return m != nil && m.Kind == router.KindText && limit > 0 && utf8.RuneCountInString(m.Text) > limit
	}
	return false
}

func (b *binding) Device(customer string) []sim.Delivery {
	ds := b.fake.Deliveries(customer)
	out := make([]sim.Delivery, len(ds))
	for i, d := range ds {
		out[i] = sim.Delivery{At: d.At, Kind: d.Type, Text: cmpOr(d.Text, d.Template, d.Caption)}
	}
	return out
}

func (b *binding) Stats() sim.Stats {
	fc := b.fake.Counts()
	as := b.adapter.Stats()
	return sim.Stats{Delivered: fc.Deliveries, Webhooks: fc.Webhooks, Rejected: as.Rejected, Duplicates: as.Duplicates,
		Faults: b.fake.FaultCount()}
}
