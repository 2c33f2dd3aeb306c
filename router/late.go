package router

import "time"

// lateAfter is how far behind its arrival a message's platform time must
// be for the message to count as late. Platforms give whole seconds, so a
// message on time looks up to (not quite) a second old.
const lateAfter = time.Second

// inboundAt is the time a customer message anchors the customer's reply
// window and allowance at, and whether the message is late: its platform
// time sent (zero: not given) is lateAfter or more before now. A message
// on time anchors at now. A late one (delivered a while after the
// platform made it: held back, retried after a failed webhook, overtaken
// by a later message) anchors at the platform's time sent, as the
// platform's own window does, so that the router never thinks a window
// open that the platform has closed. The anchor never moves back: a
// message older than one already seen leaves the window where the newer
// one put it. Everything else about the message (the conversation it
// joins, the idle timer, the event log) happens at now: the engine's time
// does not go backwards. n is now in unix ns, and atN is the anchor in them.
func (e *Engine) inboundAt(c *customer, now time.Time, n int64, sent time.Time) (atN int64, late bool) {
	atN = n
	if late = !sent.IsZero() && lateBy(sent, now); late {
		atN = sent.UnixNano()
	}
	if c.hasInbound && atN < c.lastInbound.nano() {
		atN = c.lastInbound.nano()
	}
	return atN, late
}

// lateBy reports whether sent is lateAfter or more before now: whether
// sent plus lateAfter is not after now, compared in seconds and
// nanoseconds (Time.Add and Time.After cost about 70 instructions a
// message, a tenth of its routing). lateAfter is whole seconds, so the
// nanoseconds carry nothing.
func lateBy(sent, now time.Time) bool {
	s, ns := sent.Unix()+int64(lateAfter/time.Second), now.Unix()
	return s < ns || s == ns && sent.Nanosecond() <= now.Nanosecond()
}

// lateBy needs lateAfter in whole seconds: this does not compile otherwise.
const _ = -uint(lateAfter % time.Second)

// resetAllowance starts a new reply allowance for a customer message that
// the platform made at sent, late or not (inboundAt). The platform resets
// its count when the customer writes, so the sends already made after a
// late message count against the new allowance: those at or after its
// platform second (a send in that second may have come before it; the
// router counts it, and so never lets through a message the platform
// would refuse). A message on time resets the count to zero.
func (e *Engine) resetAllowance(c *customer, sent time.Time, late bool) {
	c.allowance++
	if late {
		c.keepSentFrom(sent)
		return
	}
	c.sentAt, c.sent = c.sentAt[:0], 0
}

// keepSentFrom keeps, of the sends counted, those at or after from.
func (c *customer) keepSentFrom(from time.Time) {
	n := from.UnixNano()
	kept := c.sentAt[:0]
	for _, t := range c.sentAt {
		if t >= n {
			kept = append(kept, t)
		}
	}
	c.sentAt = kept
	c.sent = len(kept)
}

// unsent forgets the send at at: the platform refused it, so it takes no
// slot of the allowance.
func (c *customer) unsent(at time.Time) {
	n := at.UnixNano()
	for i := len(c.sentAt) - 1; i >= 0; i-- {
		if c.sentAt[i] == n {
			c.sentAt = append(c.sentAt[:i], c.sentAt[i+1:]...)
			return
		}
	}
}
