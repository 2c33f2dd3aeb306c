package wechat

import (
	"encoding/json"
	"fmt"
	"time"
)

// StateVersion is the version of the encoding [Adapter.SaveState] writes.
const StateVersion = 1

// SaveState encodes what the adapter must keep across a restart of the
// router: the dedupe keys remembered (MsgId, or FromUserName+CreateTime of
// an event, with the time each was remembered, oldest first), the number
// of its local message ids, its counters and the cached access token
// (WeChat invalidates a token five minutes after a new one is fetched, so
// a deployment keeps the token in one place rather than fetch a new one
// per process). A new adapter given it by [Adapter.RestoreState] drops a
// push the saved one had already handed to the engine and goes on
// numbering its messages where the saved one stopped. The encoding is
// JSON: {"version":1,"seen":[{"key":..,"at":unix ns},...],"sent":n,
// "stats":{...},"token":..,"refresh_at":RFC 3339}.
func (a *Adapter) SaveState() ([]byte, error) {
	a.tokenSem <- struct{}{}
	tok := a.tok
	<-a.tokenSem
	a.mu.Lock()
	defer a.mu.Unlock()
	s := adapterState{Version: StateVersion, Sent: a.sent.Load(), Stats: a.stats, Token: tok.value, RefreshAt: tok.refreshAt,
		Seen: make([]seenState, 0, a.seen.Len())}
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
		return fmt.Errorf("wechat: restore state: %w", err)
	}
	if s.Version != StateVersion {
		return fmt.Errorf("wechat: restore state: version %d; this adapter reads version %d", s.Version, StateVersion)
	}
	a.tokenSem <- struct{}{}
	defer func() { <-a.tokenSem }()
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.seen.Len() != 0 || a.sent.Load() != 0 {
		return fmt.Errorf("wechat: restore state: the adapter is in use")
	}
	a.tok = accessToken{value: s.Token, refreshAt: s.RefreshAt}
	for _, e := range s.Seen {
		a.seen.Restore(e.Key, e.At)
	}
	a.sent.Store(s.Sent)
	a.stats = s.Stats
	return nil
}

type adapterState struct {
	Version   int         `json:"version"`
	Seen      []seenState `json:"seen"`
	Sent      uint64      `json:"sent"`
	Stats     Stats       `json:"stats"`
	Token     string      `json:"token,omitempty"`
	RefreshAt time.Time   `json:"refresh_at"`
}

type seenState struct {
	Key string `json:"key"`
	At  int64  `json:"at"`
}
