package sim

import (
	"net/http"
	"time"
)

// Due is what a world knows of the things a channel's fake has due, and
// how the channel's binding tells the world that they may have changed, so
// that the world calls [Binding.Flush] and [Binding.NextDeadline] only when
// their answers may differ, rather than at every step of a run.
//
// A binding that calls Track undertakes to call Stir whenever its fake may
// have gained something to deliver, or its next deadline may have moved,
// other than through Flush or by the clock reaching that deadline: when
// Inbound, or the adapter's call to the fake (a send, an upload), changes
// what the fake has queued or waiting (on the Memory network the world
// stirs at each call of the fake's API, the part mounted as "api": see
// stirringAPI), and at the end of a Flush that
// leaves something for a later Flush that NextDeadline does not report.
// The world then calls Flush at a step only if the channel was stirred
// since its last Flush or the clock has reached the deadline NextDeadline
// last answered, and NextDeadline only after a stir or a Flush. A binding
// that does not call Track (one whose fake others can reach: over sockets,
// from an app) is asked at every step. A binding tracks only where its
// fake and its adapter answer in the world's goroutine, which alone reads
// and writes a Due. A caller that calls a tracked binding's Flush itself
// (through [World.Binding]) may leave the world a deadline already
// delivered: the world plays a step at it, where Flush finds nothing.
type Due struct {
	tracked bool
	flush   bool // Flush at the next settle
	ask     bool // NextDeadline before the next step
	// has, at and ns are NextDeadline's last answer: whether a deadline
	// is due, its time and its unix nanoseconds (nanos).
	has bool
	at  time.Time
	ns  int64
	// all is the world's summary of its channels' Dues, which a stir
	// marks too.
	all *dues
}

// Track declares that the binding calls Stir as Due says. A nil Due (a
// binding opened outside a world) ignores it.
func (d *Due) Track() {
	if d != nil {
		d.tracked = true
	}
}

// Stir tells the world that the fake may have something new to deliver,
// or a new next deadline. A nil Due ignores it.
func (d *Due) Stir() {
	if d != nil {
		d.flush, d.ask = true, true
		d.all.flush, d.all.ask = true, true
	}
}

// dues is what a world knows of all its channels' Dues, read at every step
// without looking at each channel: whether one may need its Flush or its
// NextDeadline called, and the earliest deadline they answered.
type dues struct {
	flush, ask bool // some channel's Due has flush or ask set
	// every: some channel does not track, and is asked at every step.
	every bool
	// has, at and ns are the earliest of the channels' deadlines (the
	// first channel's, of those at the same time).
	has bool
	at  time.Time
	ns  int64
}

// newDue returns a channel's Due before the world has asked anything.
func (w *World) newDue() *Due {
	w.dues.flush, w.dues.ask = true, true
	return &Due{flush: true, ask: true, all: &w.dues}
}

// flushDue calls Flush on every channel that may have something due at
// the clock's unix nanoseconds now: stirred since its last Flush, at its
// deadline, or not tracking.
func (w *World) flushDue(now int64) {
	// A channel stirred during another's Flush sets it again.
	w.dues.flush = w.dues.every
	for i := range w.open {
		d := w.open[i].due
		if d.tracked && !d.flush && (!d.has || d.ns > now) {
			continue
		}
		d.flush, d.ask, w.dues.ask = false, true, true
		if err := w.open[i].b.Flush(w.ctx); err != nil {
			w.flushFailed(w.open[i].name, err)
		}
	}
}

// askDue calls NextDeadline on every channel stirred or flushed since it
// last did, or not tracking, and sets the earliest deadline of all.
//
//go:noinline
func (w *World) askDue() {
	a := &w.dues
	a.ask, a.has = a.every, false
	for i := range w.open {
		d := w.open[i].due
		if d.ask || !d.tracked {
			d.ask = false
			if d.at, d.has = w.open[i].b.NextDeadline(); d.has {
				d.ns = nanos(d.at)
			}
		}
		if d.has && (!a.has || d.at.Before(a.at)) {
			a.has, a.at, a.ns = true, d.at, d.ns
		}
	}
}

// dueBy reports whether a channel may have something due at the clock's
// unix nanoseconds now (flushDue has something to do).
func (a *dues) dueBy(now int64) bool {
	return a.flush || a.has && a.ns <= now
}

// TrackedDue returns the world's Due for a binding to stir, Track called,
// where its fake and its adapter answer in the world's goroutine and
// nothing else reaches them: the Direct and Memory networks, without an
// app of its own (Webhook). Elsewhere, and outside a world, it returns nil,
// whose Stir does nothing: the world asks the binding at every step.
func (e *Env) TrackedDue() *Due {
	if e.Due == nil || e.Webhook != "" || e.Network != Direct && e.Network != Memory {
		return nil
	}
	e.Due.Track()
	return e.Due
}

// stirringAPI returns mount with the handler of the part "api", the fake's
// API that the adapter calls, wrapped to stir d before each call while the
// binding tracks d: a send may queue webhooks or statuses. It wraps only on
// the Memory network, where the handlers run in the world's goroutine,
// which alone reads and writes a Due.
func stirringAPI(n Network, d *Due, mount func(part string, h http.Handler) (string, error)) func(part string, h http.Handler) (string, error) {
	if n != Memory {
		return mount
	}
	return func(part string, h http.Handler) (string, error) {
		if part == "api" {
			api := h
			h = http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
				if d.tracked {
					d.Stir()
				}
				api.ServeHTTP(rw, r)
			})
		}
		return mount(part, h)
	}
}
