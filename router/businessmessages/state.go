package businessmessages

import (
	"encoding/json"
	"fmt"
	"time"
)

// StateVersion is the version of the encoding [Adapter.SaveState] writes.
const StateVersion = 1

// SaveState encodes what the adapter must keep across a restart of the
// router: the requestIds remembered (with the time each was seen, oldest
// first), so that a webhook Google retries or duplicates after the
// restart is still dropped; the position of its messageId stream, so that
// the new adapter never reuses a messageId (Google would answer
// ALREADY_EXISTS); its counters; and the cached OAuth access token with
// its expiry, so that a deploy does not fetch a token per process. A new
// adapter given it by [Adapter.RestoreState] goes on where the saved one
// stopped. The encoding is JSON: {"version":1,"seen":[{"key":..,"at":unix
// ns},...],"ids":n,"stats":{...},"token":..,"token_exp":RFC 3339}.
func (a *Adapter) SaveState() ([]byte, error) {
	a.tokenMu.Lock()
	tok, exp := a.token, a.tokenExp
	a.tokenMu.Unlock()
	a.mu.Lock()
	defer a.mu.Unlock()
	s := adapterState{Version: StateVersion, IDs: a.ids, Stats: a.stats, Token: tok, TokenExp: exp}
	s.Seen = make([]seenState, 0, a.seen.Len())
	for key, at := range a.seen.All() {
		s.Seen = append(s.Seen, seenState{Key: key, At: at})
	}
	return json.Marshal(s)
}

// RestoreState loads a state SaveState wrote into a new adapter, before it
// serves a webhook or sends.
func (a *Adapter) RestoreState(b []byte) error {
	var s adapterState
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("businessmessages: restore state: %w", err)
	}
	if s.Version != StateVersion {
		return fmt.Errorf("businessmessages: restore state: version %d; this adapter reads version %d", s.Version, StateVersion)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.seen.Len() != 0 || a.ids != a.cfg.Seed || a.stats != (Stats{}) {
		return fmt.Errorf("businessmessages: restore state: the adapter is in use")
	}
	for _, e := range s.Seen {
		a.seen.Restore(e.Key, e.At)
	}
	a.ids, a.stats = s.IDs, s.Stats
	a.tokenMu.Lock()
	a.token, a.tokenExp = s.Token, s.TokenExp
	a.tokenMu.Unlock()
	return nil
}

type adapterState struct {
	Version  int         `json:"version"`
	Seen     []seenState `json:"seen"`
	IDs      uint64      `json:"ids"`
	Stats    Stats       `json:"stats"`
	Token    string      `json:"token,omitempty"`
	TokenExp time.Time   `json:"token_exp"`
}

type seenState struct {
	Key string `json:"key"`
	At  int64  `json:"at"`
}
