package douyin

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/omnisim/omnisim/router/dedupe"
)

// StateVersion is the version of the encoding [Adapter.SaveState] writes.
const StateVersion = 1

// SaveState encodes what the adapter must keep across a restart of the
// router: the dedupe keys remembered (Msg-Id headers and server_message_ids,
// with the Clock time each was remembered, oldest first), each customer's
// reply context (the conversation_short_id and the latest
// server_message_id, which a reply must name: without them a bot's or an
// agent's reply after the restart could not be sent; and the Clock time of
// the customer's last event, from which Config.ForgetAfter counts), its
// counters, and the cached client_token (a deployment keeps one token
// rather than fetch a new one per process). A new adapter given it by
// [Adapter.RestoreState] drops a webhook the saved one had already handed
// to the engine, and replies in the conversations the saved one knew. The
// encoding is JSON: {"version":1,"seen":[{"message":bool,"id":..,"at":unix
// ns},...],"contexts":[{"open_id":..,"conversation":..,"msg_id":..,
// "created":ms,"seen":unix ns},...],"stats":{...},"token":..,"refresh_at":
// RFC 3339}, contexts sorted by open_id.
func (a *Adapter) SaveState() ([]byte, error) {
	a.tokenMu.Lock()
	tok := a.tok
	a.tokenMu.Unlock()
	a.mu.Lock()
	defer a.mu.Unlock()
	s := adapterState{Version: StateVersion, Stats: a.stats, Token: tok.value, RefreshAt: tok.refreshAt,
		Seen: seenStates(&a.headers, &a.messages), Contexts: make([]contextState, 0, len(a.contexts))}
	for id, rc := range a.contexts {
		s.Contexts = append(s.Contexts, contextState{OpenID: id, Conversation: rc.conversation, MsgID: rc.msgID, Created: rc.created,
			Seen: rc.seen})
	}
	slices.SortFunc(s.Contexts, func(x, y contextState) int { return strings.Compare(x.OpenID, y.OpenID) })
	return json.Marshal(s)
}

// seenStates lists the dedupe keys remembered, oldest first (a Msg-Id
// before the server_message_id of its event).
func seenStates(headers, messages *dedupe.Set) []seenState {
	var hs, ms []seenState
	for id, at := range headers.All() {
		hs = append(hs, seenState{ID: id, At: at})
	}
	for id, at := range messages.All() {
		ms = append(ms, seenState{Message: true, ID: id, At: at})
	}
	out := make([]seenState, 0, len(hs)+len(ms))
	for len(hs) > 0 || len(ms) > 0 {
		if len(ms) == 0 || len(hs) > 0 && hs[0].At <= ms[0].At {
			out, hs = append(out, hs[0]), hs[1:]
		} else {
			out, ms = append(out, ms[0]), ms[1:]
		}
	}
	return out
}

// RestoreState loads a state SaveState wrote into a new adapter, before it
// serves a webhook or sends.
func (a *Adapter) RestoreState(b []byte) error {
	var s adapterState
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("douyin: restore state: %w", err)
	}
	if s.Version != StateVersion {
		return fmt.Errorf("douyin: restore state: version %d; this adapter reads version %d", s.Version, StateVersion)
	}
	for i, e := range s.Seen {
		if e.ID == "" {
			return fmt.Errorf("douyin: restore state: seen key %d is empty", i)
		}
	}
	for _, c := range s.Contexts {
		if c.OpenID == "" {
			return fmt.Errorf("douyin: restore state: a reply context without an open_id")
		}
	}
	a.tokenMu.Lock()
	defer a.tokenMu.Unlock()
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.headers.Len()+a.messages.Len() != 0 || len(a.contexts) != 0 || a.tok.value != "" {
		return fmt.Errorf("douyin: restore state: the adapter is in use")
	}
	for _, e := range s.Seen {
		if e.Message {
			a.messages.Restore(e.ID, e.At)
		} else {
			a.headers.Restore(e.ID, e.At)
		}
	}
	for _, c := range s.Contexts {
		seen := c.Seen
		if seen == 0 { // a state without it: seen at its message's create_time
			seen = c.Created * int64(time.Millisecond)
		}
		a.contexts[c.OpenID] = &replyContext{openID: c.OpenID, conversation: c.Conversation, msgID: c.MsgID, created: c.Created,
			seen: seen}
	}
	a.stats = s.Stats
	a.tok = token{value: s.Token, refreshAt: s.RefreshAt}
	a.tokHeader = nil
	if s.Token != "" {
		a.tokHeader = []string{s.Token}
	}
	return nil
}

type adapterState struct {
	Version   int            `json:"version"`
	Seen      []seenState    `json:"seen"`
	Contexts  []contextState `json:"contexts"`
	Stats     Stats          `json:"stats"`
	Token     string         `json:"token,omitempty"`
	RefreshAt time.Time      `json:"refresh_at"`
}

type seenState struct {
	Message bool   `json:"message,omitempty"`
	ID      string `json:"id"`
	At      int64  `json:"at"`
}

type contextState struct {
	OpenID       string `json:"open_id"`
	Conversation string `json:"conversation"`
	MsgID        string `json:"msg_id,omitempty"`
	Created      int64  `json:"created,omitempty"`
	Seen         int64  `json:"seen,omitempty"`
}
