package messenger

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
// router: the message ids remembered for dedupe (with the time each was
// remembered, oldest first), each customer's window anchor (the platform's
// time of the last message, which chooses RESPONSE or the HUMAN_AGENT
// tag) and, with Config.AdWindow, of the last message from an ad, the ad
// referrals waiting for a customer's message, and its counters. A new adapter given it by [Adapter.RestoreState] drops a
// webhook the saved one had already handed to the engine, so a retry or
// duplicate that straddles a deploy is not counted twice, and sends as
// the saved one would. The encoding is JSON:
// {"version":1,"seen":[{"id":mid,"at":unix ns},...],"last":[{"psid",
// "at":unix ns},...],"ads":[{"psid","ad","at":unix ns},...],"stats":{...},
// "ad_last":[{"psid","at":unix ns},...]}, the lists in a stable order;
// ad_last is left out when empty, as it is without Config.AdWindow.
func (a *Adapter) SaveState() ([]byte, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	s := adapterState{Version: StateVersion, Stats: a.stats, Seen: make([]seenState, 0, a.seen.Len())}
	for id, at := range a.seen.All() {
		s.Seen = append(s.Seen, seenState{ID: id, At: at})
	}
	for psid, at := range a.last {
		s.Last = append(s.Last, lastState{PSID: psid, At: at.UnixNano()})
	}
	slices.SortFunc(s.Last, func(x, y lastState) int { return strings.Compare(x.PSID, y.PSID) })
	for psid, p := range a.ads {
		s.Ads = append(s.Ads, adState{PSID: psid, Ad: p.ad, At: p.at.UnixNano()})
	}
	slices.SortFunc(s.Ads, func(x, y adState) int { return strings.Compare(x.PSID, y.PSID) })
	for psid, at := range a.adLast {
		s.AdLast = append(s.AdLast, lastState{PSID: psid, At: at.UnixNano()})
	}
	slices.SortFunc(s.AdLast, func(x, y lastState) int { return strings.Compare(x.PSID, y.PSID) })
	return json.Marshal(s)
}

// RestoreState loads a state SaveState wrote into a new adapter, before it
// serves a webhook.
func (a *Adapter) RestoreState(b []byte) error {
	var s adapterState
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("messenger: restore state: %w", err)
	}
	if s.Version != StateVersion {
		return fmt.Errorf("messenger: restore state: version %d; this adapter reads version %d", s.Version, StateVersion)
	}
	for _, e := range s.Seen {
		if e.ID == "" {
			return fmt.Errorf("messenger: restore state: a remembered message without an id")
		}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.seen.Len() != 0 || len(a.last) != 0 || len(a.ads) != 0 || len(a.adLast) != 0 {
		return fmt.Errorf("messenger: restore state: the adapter is in use")
	}
	for _, e := range s.Seen {
		a.seen.Restore(e.ID, e.At)
	}
	for _, l := range s.Last {
		a.last[l.PSID] = time.Unix(0, l.At).UTC()
	}
	for _, p := range s.Ads {
		a.ads[p.PSID] = pendingAd{ad: p.Ad, at: time.Unix(0, p.At).UTC()}
	}
	for _, l := range s.AdLast {
		a.adLast[l.PSID] = time.Unix(0, l.At).UTC()
	}
	a.sweepAt = max(1024, 2*(len(a.last)+len(a.ads)+len(a.adLast)))
	a.stats = s.Stats
	return nil
}

type adapterState struct {
	Version int         `json:"version"`
	Seen    []seenState `json:"seen"`
	Last    []lastState `json:"last"`
	Ads     []adState   `json:"ads"`
	Stats   Stats       `json:"stats"`
	AdLast  []lastState `json:"ad_last,omitempty"`
}

type seenState struct {
	ID string `json:"id"`
	At int64  `json:"at"`
}

type lastState struct {
	PSID string `json:"psid"`
	At   int64  `json:"at"`
}

type adState struct {
	PSID string `json:"psid"`
	Ad   string `json:"ad"`
	At   int64  `json:"at"`
}
