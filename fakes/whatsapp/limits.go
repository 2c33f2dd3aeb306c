package whatsapp

import (
	"fmt"
	"math"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/omnisim/omnisim/fakes/forget"
)

// Error codes of the number's limits, the template registry and
// undeliverable recipients.
const (
	CodeThroughput     = 130429 // "Rate limit hit": the number's messages per second
	CodeUndeliverable  = 131026 // "Message undeliverable": the recipient is not on WhatsApp
	CodePairRate       = 131056 // "(Business Account, Consumer Account) pair rate limit hit"
	CodeTemplateParams = 132000 // "Number of parameters does not match the expected number of params"
)

const (
	titleThroughput     = "Rate limit hit"
	titleUndeliverable  = "Message undeliverable"
	titlePairRate       = "(Business Account, Consumer Account) pair rate limit hit"
	titleTemplateParams = "Number of parameters does not match the expected number of params"
)

// Error details of the limits.
const (
	DetailsThroughput    = "Cloud API message throughput has been reached."
	DetailsPairRate      = "Message failed to send because there were too many messages sent from this phone number to the same phone number in a short period of time."
	DetailsUndeliverable = "Message undeliverable: the recipient's phone number is not a WhatsApp phone number."
)

// Defaults of Limits.
const (
	// DefaultThroughput is Meta's default throughput of a business number,
	// in messages per second.
	DefaultThroughput = 80
	// DefaultPairInterval is what one message to the same recipient costs
	// of the pair rate: about one message every 6 seconds.
	DefaultPairInterval = 6 * time.Second
	// DefaultPairBurst is how many messages may go to one recipient at
	// once before the pair rate applies.
	DefaultPairBurst = 45
)

// Limits are the business number's limits and the customers' behaviour;
// every zero value is a default (see the package documentation).
type Limits struct {
	// Throughput is how many messages the number may send in one second of
	// Clock time (second boundaries at whole Unix seconds); 0 means
	// [DefaultThroughput], negative means unlimited. The next send in the
	// same second gets 130429.
	Throughput int
	// PairInterval and PairBurst are the pair rate: messages to one
	// recipient may come in a burst of PairBurst, and then one per
	// PairInterval (a token bucket of PairBurst tokens refilled every
	// PairInterval). 0 means [DefaultPairInterval] and [DefaultPairBurst];
	// a negative PairInterval disables the pair rate. A send over it gets
	// 131056.
	PairInterval time.Duration
	PairBurst    int
	// Templates is the template registry: names with their languages and
	// parameter counts. A template send whose name is in the registry must
	// use one of its languages (else 132001) and its number of parameters
	// (else 132000). Names in Config.Templates are approved in every
	// language with any parameters. With neither, every template is
	// approved.
	Templates []TemplateSpec
	// NotOnWhatsApp lists phone numbers that are not (or no longer) on
	// WhatsApp: sends to them fail with 131026, by a failed status webhook
	// (200 with a wamid first), or synchronously with HTTP 400 when
	// UndeliverableSync is set.
	NotOnWhatsApp     []string
	UndeliverableSync bool
	// ReadProbability (0 to 1) is the chance that a customer reads a
	// delivered message, drawn from the Seed and the message; ReadAfter is
	// how long after the delivery the customer reads it. A read message
	// gets a "read" status webhook at that time (Flush then posts it); one
	// read at the moment of delivery gets "read" instead of "delivered".
	// 0 (the default): customers never read, no read statuses.
	ReadProbability float64
	ReadAfter       time.Duration
	// ReactionOpensWindow makes a customer's reaction open (or extend) the
	// customer-service window as a message does; by default it does not.
	ReactionOpensWindow bool
	// Profile is the business profile the number starts with.
	Profile BusinessProfile
	// Verticals are the accepted profile verticals; nil means [Verticals].
	Verticals []string
}

// templateRule is a registry entry.
type templateRule struct {
	langs  []string // empty: any
	params int      // negative: any
}

// limitState is Limits resolved, with the counters; guarded by s.mu.
type limitState struct {
	throughput    int           // negative: unlimited
	pairInterval  time.Duration // 0: no pair rate
	pairSlack     time.Duration // (burst-1) * interval
	registry      map[string]*templateRule
	undeliverable map[string]bool // wa_ids; nil when there are none
	undeliverSync bool
	readP         float64
	readAfter     time.Duration
	reactionOpens bool
	verticals     []string

	sec   int64 // the Unix second of inSec
	inSec int   // messages sent in sec
	// tat is the pair rate's theoretical arrival time of the forgotten
	// customers whose bucket was not full when they were forgotten (a
	// customer's own is customer.tat); a new record of the wa_id takes
	// it back.
	tat      map[string]int64
	tatPrune int // prune the expired tat entries when the map reaches this size

	profile BusinessProfile
	reads   []pending // read statuses not due yet, by due time
	readN   int       // read statuses queued so far
}

func newLimitState(l *Limits) limitState {
	st := limitState{
		throughput:    l.Throughput,
		pairInterval:  l.PairInterval,
		undeliverSync: l.UndeliverableSync,
		readP:         l.ReadProbability,
		readAfter:     max(l.ReadAfter, 0),
		reactionOpens: l.ReactionOpensWindow,
		verticals:     l.Verticals,
		tat:           map[string]int64{},
		tatPrune:      1024,
		profile:       l.Profile,
	}
	if st.throughput == 0 {
		st.throughput = DefaultThroughput
	}
	burst := l.PairBurst
	if burst <= 0 {
		burst = DefaultPairBurst
	}
	switch {
	case st.pairInterval == 0:
		st.pairInterval = DefaultPairInterval
	case st.pairInterval < 0:
		st.pairInterval = 0
	}
	st.pairSlack = time.Duration(burst-1) * st.pairInterval
	if st.verticals == nil {
		st.verticals = Verticals()
	}
	st.profile.Websites = slices.Clone(l.Profile.Websites)
	if len(l.Templates) > 0 {
		st.registry = map[string]*templateRule{}
		for _, t := range l.Templates {
			st.registry[t.Name] = &templateRule{langs: slices.Clone(t.Languages), params: t.Params}
		}
	}
	for _, n := range l.NotOnWhatsApp {
		id := parsePhone(n)
		if id == "" {
			id = normalizePhone(n)
		}
		if id == "" {
			continue
		}
		if st.undeliverable == nil {
			st.undeliverable = map[string]bool{}
		}
		st.undeliverable[id] = true
	}
	return st
}

// templateParams counts a template's parameters over all its components.
func templateParams(t *Template) int {
	n := 0
	for i := range t.Components {
		n += len(t.Components[i].Parameters)
	}
	return n
}

// checkTemplateLocked checks a template send against Config.Templates and
// the registry: 132001 (HTTP Config.TemplateMissingStatus) for a name (or
// a name and language) that is not approved, 132000 for a parameter count
// the registry does not give.
func (s *Server) checkTemplateLocked(t *Template) *Error {
	rule := s.lim.registry[t.Name]
	if rule == nil {
		if (s.templates == nil && s.lim.registry == nil) || s.templates[t.Name] {
			return nil
		}
		return newError(s.cfg.TemplateMissingStatus, CodeTemplateNotExists, 0, titleTemplateNotExists,
			fmt.Sprintf("template name (%s) does not exist in %s", t.Name, t.Language.Code))
	}
	if len(rule.langs) > 0 && !slices.Contains(rule.langs, t.Language.Code) {
		return newError(s.cfg.TemplateMissingStatus, CodeTemplateNotExists, 0, titleTemplateNotExists,
			fmt.Sprintf("template name (%s) does not exist in %s (it exists in %s)", t.Name, t.Language.Code, strings.Join(rule.langs, ", ")))
	}
	if n := templateParams(t); rule.params >= 0 && n != rule.params {
		return newError(http.StatusBadRequest, CodeTemplateParams, 0, titleTemplateParams,
			fmt.Sprintf("body: number of localizable_params (%d) does not match the expected number of params (%d)", n, rule.params))
	}
	return nil
}

// instant is a time as the send rules compare it: its Unix seconds (the
// throughput's) and nanoseconds (the pair rate's and the window's),
// worked out once for a send rather than by each check and counter.
type instant struct{ sec, ns int64 }

// instantOf is t as an instant.
func instantOf(t time.Time) instant { return instant{sec: t.Unix(), ns: t.UnixNano()} }

// checkDeliveryLocked checks the limits of a message to waID (whose
// record is c; nil: none) that passed the parameter checks: throughput
// (130429, HTTP Config.ThrottleStatus), pair rate (131056), then an
// undeliverable recipient (131026).
// It changes no state; commitSendLocked counts an accepted send.
func (s *Server) checkDeliveryLocked(waID string, c *customer, at instant) *Error {
	l := &s.lim
	if l.throughput >= 0 && at.sec == l.sec && l.inSec >= l.throughput {
		return newError(s.cfg.ThrottleStatus, CodeThroughput, 0, titleThroughput, DetailsThroughput)
	}
	if l.pairInterval > 0 {
		tat := s.tatLocked(waID, c)
		// tat - now > slack, compared without overflow: a bucket filled
		// more than 292 years before is empty.
		if tat != 0 && !forget.Old(at.ns, tat, -int64(l.pairSlack)) {
			return newError(http.StatusTooManyRequests, CodePairRate, 0, titlePairRate, DetailsPairRate)
		}
	}
	// Nil unless Limits names numbers: then no call to look waID up.
	if l.undeliverable != nil && l.undeliverable[waID] {
		status := http.StatusOK
		if l.undeliverSync {
			status = http.StatusBadRequest
		}
		return newError(status, CodeUndeliverable, 0, titleUndeliverable, DetailsUndeliverable)
	}
	return nil
}

// tatLocked is the pair rate's theoretical arrival time of waID, whose
// record is c (nil: none), in Unix nanoseconds; 0 when there is none.
func (s *Server) tatLocked(waID string, c *customer) int64 {
	if c != nil {
		return c.tat
	}
	if len(s.lim.tat) == 0 {
		return 0
	}
	return s.lim.tat[waID]
}

// commitSendLocked counts an accepted send (a 200 answer) to customer c
// against the throughput and the pair rate.
func (s *Server) commitSendLocked(c *customer, at instant) {
	l := &s.lim
	if at.sec != l.sec {
		l.sec, l.inSec = at.sec, 0
	}
	l.inSec++
	if l.pairInterval <= 0 {
		return
	}
	tat, ns := c.tat, at.ns
	if tat == 0 || tat < ns {
		tat = ns
	}
	// tat + interval, stopped at the last instant Unix nanoseconds hold
	// (2262) instead of wrapping to 1677, which the check would read as
	// an empty bucket: one whose time runs past the end still refuses
	// while now is more than pairSlack before it.
	c.tat = math.MaxInt64
	if i := int64(l.pairInterval); tat <= math.MaxInt64-i {
		c.tat = tat + i
	}
}

// forgetTatLocked keeps the pair rate of c, which is being forgotten, when
// its bucket is not full at now (Unix nanoseconds): the same wa_id's next
// record takes it back (takeTatLocked).
func (s *Server) forgetTatLocked(c *customer, now int64) {
	l := &s.lim
	if c.tat <= now {
		return // a full bucket: as if there were none
	}
	l.tat[c.waID] = c.tat
	if len(l.tat) >= l.tatPrune {
		for k, t := range l.tat {
			if t <= now {
				delete(l.tat, k)
			}
		}
		l.tatPrune = max(1024, 2*len(l.tat))
	}
}

// takeTatLocked gives c, a new record, the pair rate its wa_id had when
// it was forgotten.
func (s *Server) takeTatLocked(c *customer) {
	if t, ok := s.lim.tat[c.waID]; ok {
		c.tat = t
		delete(s.lim.tat, c.waID)
	}
}

// Undeliverable reports whether the number (any accepted spelling) is on
// the NotOnWhatsApp list.
func (s *Server) Undeliverable(number string) bool {
	id, ok := s.waID(number)
	if !ok {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lim.undeliverable[id]
}
