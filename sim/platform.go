package sim

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/omnisim/omnisim/httpcall"
	"github.com/omnisim/omnisim/router"
	"github.com/omnisim/omnisim/sim/scenario"
)

// Platform is one messaging platform as the simulator drives it: its fake,
// its router adapter and the glue between them. Each platform's glue package
// builds one; the platform table lists them. Nothing in sim names a
// platform.
type Platform struct {
	// Spec is the platform's part of the scenario format: its channel name,
	// customer handle and settings.
	Spec scenario.ChannelSpec
	// Title names the platform for people ("WhatsApp Cloud API").
	Title string
	// Policy returns the router's default policy for the channel; a
	// scenario's rules override it.
	Policy func() router.Policy
	// Open starts the platform's fake and router adapter for one world, on
	// env's network, with the scenario's settings for the channel (never
	// nil: Settings holds the platform's defaults when the scenario sets
	// none).
	Open func(ctx context.Context, env Env, ch *scenario.Channel) (Binding, error)
}

// Name is the platform's channel name.
func (p *Platform) Name() string { return p.Spec.Name }

// Network is how a world's fakes and router talk.
type Network string

// The networks.
const (
	// Memory calls HTTP handlers directly, through an in-memory
	// http.RoundTripper: real bytes, no sockets.
	Memory Network = "memory"
	// Loopback uses real sockets on 127.0.0.1.
	Loopback Network = "loopback"
	// Serve is Loopback on one listener that people and apps reach: each
	// platform under its own path prefix, the clock following real time.
	Serve Network = "serve"
	// Direct plays a world without bytes: Env.Mount and Env.Client are nil,
	// and a platform's Open connects its fake and its adapter by values. A
	// customer's message is recorded by the fake's own rules (windows,
	// counters, ids) exactly as its webhook would be, and reaches
	// Env.Receiver through the adapter's value path (dedupe and
	// normalization, no signature); the Sender judges each outbound message
	// by the fake's own rule API and records its delivery, returning the
	// errors the wire path would. Routing, deliveries, refusals and drift
	// are those of Memory; only wire counters differ. A channel whose
	// platform cannot apply its fault plan by values plays on Memory
	// inside a Direct world ([ErrNeedsWire]).
	Direct Network = "direct"
)

// ErrNeedsWire is what a platform's Open returns (or wraps) on the Direct
// network for a channel it cannot play by values: one with a fault plan
// ([channels.NAME.faults]) that the fake applies only in its webhook
// deliveries and send handlers. The world then opens that channel on the
// Memory network, its fake and adapter talking HTTP in memory, and keeps
// the other channels direct: the scenario plays as on Memory.
var ErrNeedsWire = errors.New("the channel's fault plan acts on the wire (webhook deliveries and API calls)")

// Env is what a world gives a platform it opens.
type Env struct {
	// Clock is the world's time: the only clock the fake and the adapter
	// read.
	Clock func() time.Time
	// Seed seeds the platform's own ids and draws; it is derived from the
	// run's seed and the platform's name.
	Seed uint64
	// Network says how the fake and the router reach each other.
	Network Network
	// Client makes the HTTP calls in both directions: the fake's webhooks
	// and the adapter's API calls. On the Memory network it is the
	// world's *Transport, which serves a call without an http.Client; on
	// Loopback and Serve an *http.Client. Nil on the Direct network.
	Client Doer
	// Mount serves h as the named part of the platform ("api" for the
	// fake's API, "webhook" for the router's endpoint) and returns the base
	// URL the other side calls, without a trailing slash. Nil on the
	// Direct network. In a world on the Memory network, each call of the
	// "api" part stirs the Due when the binding tracks it (TrackedDue): the
	// adapter's calls to the fake (a send, an upload) may queue webhooks,
	// and the binding need not stir for them.
	Mount func(part string, h http.Handler) (baseURL string, err error)
	// Receiver takes the adapter's normalized inbound traffic: the engine.
	Receiver router.Receiver
	// Webhook, when set, is where the fake sends its webhooks instead of
	// the embedded router (serve's --webhook): an app developer's own app.
	Webhook string
	// Keep reports whether the world reads a customer's device
	// (Binding.Device) at the end of the run: a scripted customer's. A
	// platform may keep the others' delivery history as counts only, and
	// forget a customer that nothing can reach any more, so that memory
	// follows the customers in play, not the length of the run. Nil (a
	// world that retains everything: Options.Retain, serve) keeps every
	// customer's.
	Keep func(customer string) bool
	// JournalLimit is the fake's journal limit (each fake's
	// Config.JournalLimit): JournalDepth where Binding.Journal may be read
	// (serve, fuzzing, a world a caller holds), negative (none kept) in the
	// world of Run, which nothing inspects. A positive limit also bounds
	// each customer's delivery history to its newest deliveries; a negative
	// one keeps every history (Env.Keep still chooses whose).
	JournalLimit int
	// Solo promises that the world's goroutine alone calls the fake and
	// the adapter, each call ordered with the others (World.solo): their
	// configs' Solo, which switches their locks off.
	Solo bool
	// Released promises that the world gives its platforms' memory back
	// when it ends (Releaser, which Run calls once its result is made) and
	// that nothing reads what the fake and the adapter handed out after
	// that (a world of Run's on the direct or the memory network with no
	// outside app, whose goroutine alone calls the fakes): a fake may then take strings it hands out from memory that
	// Release gives back.
	Released bool
	// Due is where the binding tells the world that its fake may have
	// something new due ([Due]), so that the world asks Binding.Flush and
	// Binding.NextDeadline only then. Nil outside a world.
	Due *Due
}

// Doer makes HTTP calls: *http.Client's Do method. The fakes' and the
// adapters' Config.Client take one.
type Doer = httpcall.Doer

// Binding is one platform opened in a world.
type Binding interface {
	// Account is the business account id in the customer keys of the
	// channel (the phone number id, the app id, ...).
	Account() string
	// Sender is the adapter's send client, which the engine sends through.
	Sender() router.Sender
	// NewHandle returns the n-th generated customer id (n from 1 on):
	// valid on the platform, and different for every n. The world skips one
	// a scripted customer already has. It is called from one goroutine at
	// a time (a world's, whose driver serializes its calls), and may keep
	// what it made for the next call without a lock.
	NewHandle(n int) string
	// Handle converts a scripted customer's handle, as written in a
	// scenario, to the platform's customer id (the id in customer keys).
	Handle(written string) string
	// Inbound has the customer send m through the fake: the platform's real
	// webhook to the router (or to Env.Webhook).
	Inbound(ctx context.Context, customer, name string, m Message) (Inbound, error)
	// Judge is the fake's dry-run verdict on an outbound message to a
	// customer now: nil when the platform would accept it. It changes no
	// state.
	Judge(customer string, m router.Outbound) *Verdict
	// Modelled reports whether a platform refusal with code is for a rule
	// the router's policy models (a window, a reply limit, attachment
	// limits), so that a refused send the router let through is drift. m is
	// nil for a refusal reported later by webhook.
	Modelled(code string, m *router.Outbound) bool
	// Device lists what a customer's device received, oldest first.
	Device(customer string) []Delivery
	// Stats counts what went through the platform and the adapter.
	Stats() Stats
	// Journal returns the records of the fake's journal that pass f, in
	// Seq order. A fake that keeps only its newest entries returns only
	// those.
	Journal(f JournalFilter) []Record
	// Flush sends what the fake has due at the current time: status
	// webhooks, retries.
	Flush(ctx context.Context) error
	// NextDeadline is when the fake next has something due (a retry), ok
	// false when nothing is.
	NextDeadline() (t time.Time, ok bool)
	// Close stops the fake and the adapter.
	Close()
}

// Releaser is a Binding that gives the memory its fake and adapter hold
// back to their pools once its world is done, for the next world the
// process plays to reuse. Run calls Release after it has made the result,
// when nothing reads the world any more; the binding's fake and adapter
// forget what they held, and the binding is not used again.
type Releaser interface {
	Binding
	Release()
}

// Message is what a customer sends.
type Message struct {
	Text string
	// Attachment is a file the customer sends, with Text as its caption.
	Attachment *router.Attachment
	// Event is a platform event instead of a message (a follow, a menu
	// click), with its key.
	Event, EventKey string
	// Profile is what the customer's app tells the platform of them
	// (entry page, region, store): a platform whose webhooks carry such
	// attributes (Douyin) puts them on the wire; others ignore it. The
	// world fills it from the scenario's customer.
	Profile router.Profile
}

// Inbound is the fate of a customer's message on the wire.
type Inbound struct {
	ID     string // the platform's message id
	Status int    // the router's HTTP answer; 0 when no try got an answer
	// Pending reports that the channel's fault plan held the webhook back
	// or failed its first try: the platform delivers it later (Flush, at
	// NextDeadline), so Status says nothing of the router.
	Pending bool
}

// Verdict is the platform's refusal of a message.
type Verdict struct {
	Code       string // the platform's error code, as it writes it
	HTTPStatus int
	Message    string
}

// Delivery is one message that reached a customer's device.
type Delivery struct {
	At   time.Time
	Kind string // text, template, image, audio, video, document, sticker, ...
	// Text is what a person sees first: the text, the template's name, the
	// caption, or else the kind.
	Text string
}

// Stats counts a platform's traffic.
type Stats struct {
	Delivered  int // messages that reached customers' devices
	Webhooks   int // webhooks the fake sent, every try
	Rejected   int // webhooks the adapter refused (signature, shape, size)
	Duplicates int // webhooks the adapter dropped as already seen
	// Faults counts what the channel's fault plan did: webhooks held or
	// duplicated, tries failed, send calls refused.
	Faults int
}
