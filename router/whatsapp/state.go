package whatsapp

import (
	"encoding/json"
	"fmt"
)

// StateVersion is the version of the encoding [Adapter.SaveState] writes.
const StateVersion = 1

// SaveState encodes what the adapter must keep across a restart of the
// router: the message ids remembered for dedupe (with the time each was
// remembered, oldest first) and its counters. A new adapter given it by
// [Adapter.RestoreState] drops a webhook the saved one had already handed
// to the engine, so a platform's retry that straddles a deploy is not
// counted twice. The encoding is JSON: {"version":1,"seen":[{"id":wamid,
// "at":unix ns},...],"stats":{...}}.
func (a *Adapter) SaveState() ([]byte, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	s := adapterState{Version: StateVersion, Stats: a.stats, Seen: make([]seenState, 0, a.seen.Len())}
	for id, at := range a.seen.All() {
		s.Seen = append(s.Seen, seenState{ID: id, At: at})
	}
	return json.Marshal(s)
}

// RestoreState loads a state SaveState wrote into a new adapter, before it
// serves a webhook.
func (a *Adapter) RestoreState(b []byte) error {
	var s adapterState
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("whatsapp: restore state: %w", err)
	}
	if s.Version != StateVersion {
		return fmt.Errorf("whatsapp: restore state: version %d; this adapter reads version %d", s.Version, StateVersion)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.seen.Len() != 0 {
		return fmt.Errorf("whatsapp: restore state: the adapter is in use")
	}
	for _, e := range s.Seen {
		a.seen.Restore(e.ID, e.At)
	}
	a.stats = s.Stats
	return nil
}

type adapterState struct {
	Version int         `json:"version"`
	Seen    []seenState `json:"seen"`
	Stats   Stats       `json:"stats"`
}

type seenState struct {
	ID string `json:"id"`
	At int64  `json:"at"`
}
