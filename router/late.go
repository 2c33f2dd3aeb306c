package router

import "time"

// lateAfter is how far behind its arrival a message's platform time must
// be for the message to count as late. Platforms give whole seconds, so a
// message on time can look up to a second old.
const lateAfter = 2 * time.Second

// inboundAt is the time a customer message anchors the customer's reply
// window and allowance at. A message on time anchors at now. A late one
// (delivered a while after the platform made it: held back, retried after
// a failed webhook, overtaken by a later message) anchors at the
// platform's time sent, as the platform's own window does, so that the
// router never thinks a window open that the platform has closed. The
// anchor never moves back: a message older than one already seen leaves
// the window where the newer one put it. Everything else about the
// message (the conversation it joins, the idle timer, the event log)
// happens at now: the engine's time does not go backwards.
func (e *Engine) inboundAt(c *customer, now, sent time.Time) time.Time {
	at := now
	if !sent.IsZero() && !sent.Add(lateAfter).After(now) {
		at = sent.In(now.Location())
	}
	if c.hasInbound && at.Before(c.lastInbound) {
		at = c.lastInbound
	}
	return at
}
