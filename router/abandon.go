package router

import (
	"fmt"
	"time"
)

// Abandon records that the customer gave up waiting: the customer's open
// conversation, waiting for an agent (in a queue or the unassigned inbox),
// closes with reason [ClosedAbandoned]. A conversation that is assigned,
// with the bot, or absent is an error, and nothing changes: a customer who
// is being served, or is talking to the bot, is not waiting for anyone.
func (e *Engine) Abandon(now time.Time, key CustomerKey) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	now = e.begin(now)
	c := e.customers.get(&key)
	if c == nil || c.open == nil {
		return fmt.Errorf("router: %s has no open conversation", key)
	}
	if cv := c.open; cv.state != stageWaiting {
		return fmt.Errorf("router: conversation %s of %s is %s, not waiting", cv.id, key, cv.state.state())
	}
	e.close(now, e.now, c.open, causeAbandoned) // now is begin's
	return nil
}
