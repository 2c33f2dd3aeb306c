package line

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// StateVersion is the version of the encoding [Adapter.SaveState] writes.
const StateVersion = 1

// SaveState encodes what the adapter must keep across a restart of the
// router: the webhookEventIds remembered for dedupe (with the time each was
// remembered, oldest first), the customers' reply tokens not yet used (with
// the time of the event that brought each), the cached display names (with
// the time of each user's last message, from which Config.NameTTL counts),
// the users whose last event was an unfollow, the number of retry keys
// drawn, and its counters. A new adapter given it by [Adapter.RestoreState]
// drops a redelivery of an event the saved one had already handed on,
// replies with a token the saved one received, fetches no profile twice,
// and never draws a retry key the saved one used (a reused key would be
// answered 409 for a new message). The encoding is
// JSON: {"version":1,"seen":[{"id":..,"at":unix ns},...],"tokens":[{"user":
// ..,"token":..,"at":RFC 3339},...],"names":{user: name},"name_at":{user:
// unix ns},"blocked":[..],"keys":n,"stats":{...}}, lists sorted so that
// the same state encodes to the same bytes.
func (a *Adapter) SaveState() ([]byte, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	s := adapterState{Version: StateVersion, Keys: a.keyCtr, Stats: a.stats, Names: make(map[string]string, len(a.names)),
		NameAt: make(map[string]int64, len(a.names)),
		Seen:   make([]seenState, 0, a.seen.Len()), Tokens: []tokenState{}, Blocked: []string{}}
	for user, rec := range a.names {
		s.Names[user] = rec.name
		s.NameAt[user] = rec.at
	}
	for id, at := range a.seen.All() {
		s.Seen = append(s.Seen, seenState{ID: id, At: at})
	}
	for user, t := range a.tokens {
		if !t.used {
			s.Tokens = append(s.Tokens, tokenState{User: user, Token: t.token, At: t.at})
		}
	}
	slices.SortFunc(s.Tokens, func(x, y tokenState) int { return strings.Compare(x.User, y.User) })
	for user := range a.blocked {
		s.Blocked = append(s.Blocked, user)
	}
	slices.Sort(s.Blocked)
	return json.Marshal(s)
}

// RestoreState loads a state SaveState wrote into a new adapter, before it
// serves a webhook or sends.
func (a *Adapter) RestoreState(b []byte) error {
	var s adapterState
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("line: restore state: %w", err)
	}
	if s.Version != StateVersion {
		return fmt.Errorf("line: restore state: version %d; this adapter reads version %d", s.Version, StateVersion)
	}
	for i, e := range s.Seen {
		// The list is in the order the events were remembered; their times
		// need not be (a clock stepped back, or webhooks served at once).
		if e.ID == "" {
			return fmt.Errorf("line: restore state: seen[%d]: an empty id", i)
		}
	}
	for _, t := range s.Tokens {
		if t.User == "" || t.Token == "" {
			return fmt.Errorf("line: restore state: a reply token without its user or token")
		}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.seen.Len() != 0 || len(a.tokens) != 0 || a.keyCtr != 0 {
		return fmt.Errorf("line: restore state: the adapter is in use")
	}
	for _, e := range s.Seen {
		a.seen.Restore(e.ID, e.At)
	}
	for _, t := range s.Tokens {
		a.tokens[t.User] = &replyToken{token: t.Token, at: t.At}
	}
	a.swept = len(a.tokens)
	now := a.cfg.Clock().UnixNano()
	for user, name := range s.Names {
		at, ok := s.NameAt[user]
		if !ok {
			at = now // a state without the time: remembered as of now
		}
		a.names[user] = &nameRec{name: name, at: at}
	}
	a.namesSwept = len(a.names)
	for _, user := range s.Blocked {
		a.blocked[user] = true
	}
	a.keyCtr = s.Keys
	a.stats = s.Stats
	return nil
}

type adapterState struct {
	Version int               `json:"version"`
	Seen    []seenState       `json:"seen"`
	Tokens  []tokenState      `json:"tokens"`
	Names   map[string]string `json:"names"`
	NameAt  map[string]int64  `json:"name_at,omitempty"`
	Blocked []string          `json:"blocked"`
	Keys    uint64            `json:"keys"`
	Stats   Stats             `json:"stats"`
}

type seenState struct {
	ID string `json:"id"`
	At int64  `json:"at"`
}

type tokenState struct {
	User  string    `json:"user"`
	Token string    `json:"token"`
	At    time.Time `json:"at"`
}
