package router

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

// step is one action of a routing script: a customer writes (to group via
// its region), an agent goes on/offline, or an agent closes a chat.
type step struct {
	customer string // a new conversation from this customer
	region   string // its region, for SplitRegion
	online   string // agent to bring online
	offline  string // agent to take offline
	close    string // customer whose chat its agent closes
	want     string // the agent the customer's chat goes to ("" waits)
}

func runSteps(t *testing.T, e *Engine, steps []step) {
	t.Helper()
	for i, s := range steps {
		now := at(time.Duration(i+1) * time.Minute)
		switch {
		case s.online != "":
			if err := e.SetOnline(now, s.online, true); err != nil {
				t.Fatal(err)
			}
		case s.offline != "":
			if err := e.SetOnline(now, s.offline, false); err != nil {
				t.Fatal(err)
			}
		case s.close != "":
			c, _, _ := e.Latest(key(s.close))
			if err := e.Close(now, c.Agent, key(s.close)); err != nil {
				t.Fatal(err)
			}
		default:
			if s.region != "" {
				e.SetProfile(key(s.customer), Profile{Region: s.region})
			}
			if c := receive(t, e, now, s.customer); c.Agent != s.want {
				t.Errorf("step %d: %s went to %q (%s), want %q", i, s.customer, c.Agent, c.State, s.want)
			}
		}
	}
}

func TestRoundRobin(t *testing.T) {
	three := agents(3, 10)
	tests := []struct {
		name   string
		cfg    Config
		online []string
		steps  []step
	}{
		{"a fixed rotation in definition order", Config{Agents: three}, ids(3), []step{
			{customer: "u1", want: "a1"}, {customer: "u2", want: "a2"}, {customer: "u3", want: "a3"},
			{customer: "u4", want: "a1"}, {customer: "u5", want: "a2"},
		}},
		{"load does not matter", Config{Agents: three}, ids(3), []step{
			{customer: "u1", want: "a1"}, {customer: "u2", want: "a2"}, {close: "u2"},
			{customer: "u3", want: "a3"}, {customer: "u4", want: "a1"},
		}},
		{"an offline agent is skipped and keeps its place", Config{Agents: three}, ids(3), []step{
			{customer: "u1", want: "a1"}, {offline: "a2"},
			{customer: "u2", want: "a3"}, {customer: "u3", want: "a1"},
			{online: "a2"},
			{customer: "u4", want: "a2"}, {customer: "u5", want: "a3"}, {customer: "u6", want: "a1"},
		}},
		{"a full agent is skipped", Config{Agents: []AgentConfig{{ID: "a1", Capacity: 1}, {ID: "a2", Capacity: 5}, {ID: "a3", Capacity: 5}}}, ids(3), []step{
			{customer: "u1", want: "a1"}, {customer: "u2", want: "a2"}, {customer: "u3", want: "a3"},
			{customer: "u4", want: "a2"}, {close: "u1"}, {customer: "u5", want: "a3"}, {customer: "u6", want: "a1"},
		}},
		{"the first online agent when the cursor's agent went away", Config{Agents: three}, []string{"a3"}, []step{
			{customer: "u1", want: "a3"}, {online: "a1"}, {offline: "a3"}, {customer: "u2", want: "a1"},
		}},
		{"nobody eligible: the chat waits, the cursor stays", Config{Agents: agents(2, 1)}, ids(2), []step{
			{customer: "u1", want: "a1"}, {customer: "u2", want: "a2"}, {customer: "u3", want: ""},
			{close: "u1"},                             // u3 goes to a1
			{customer: "u4", want: ""}, {close: "u2"}, // u4 goes to a2
			{close: "u3"}, {customer: "u5", want: "a1"},
		}},
		{"one cursor per group", Config{Split: SplitRegion,
			Groups: []GroupConfig{{Name: "n", Priority: 1, Regions: []string{"n"}}, {Name: "s", Priority: 2, Regions: []string{"s"}}},
			Agents: []AgentConfig{{ID: "a1", Capacity: 9, Groups: []string{"n", "s"}}, {ID: "a2", Capacity: 9, Groups: []string{"n", "s"}}}},
			ids(2), []step{
				{customer: "u1", region: "n", want: "a1"}, {customer: "u2", region: "n", want: "a2"},
				{customer: "u3", region: "s", want: "a1"}, {customer: "u4", region: "n", want: "a1"},
				{customer: "u5", region: "s", want: "a2"},
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.Strategy = RoundRobin
			runSteps(t, newEngine(t, tt.cfg, tt.online...), tt.steps)
		})
	}
}

func TestMostFreeCapacity(t *testing.T) {
	tests := []struct {
		name   string
		agents []AgentConfig
		steps  []step
	}{
		{"free slots, not saturation", []AgentConfig{{ID: "big", Capacity: 4}, {ID: "small", Capacity: 2}}, []step{
			// free: big 4, small 2 -> big; 3/2 -> big; 2/2 tie: small was
			// never assigned -> small; 2/1 -> big; 1/1: small assigned
			// earlier -> small; 1/0 -> big; full.
			{customer: "u1", want: "big"}, {customer: "u2", want: "big"}, {customer: "u3", want: "small"},
			{customer: "u4", want: "big"}, {customer: "u5", want: "small"}, {customer: "u6", want: "big"},
			{customer: "u7", want: ""},
		}},
		{"a tie between never-assigned agents goes by id", []AgentConfig{{ID: "c", Capacity: 2}, {ID: "a", Capacity: 2}, {ID: "b", Capacity: 2}}, []step{
			{customer: "u1", want: "a"}, {customer: "u2", want: "b"}, {customer: "u3", want: "c"},
			{customer: "u4", want: "a"},
		}},
		{"a close frees a slot", []AgentConfig{{ID: "a", Capacity: 3}, {ID: "b", Capacity: 3}}, []step{
			{customer: "u1", want: "a"}, {customer: "u2", want: "b"}, {customer: "u3", want: "a"}, {close: "u1"},
			{customer: "u4", want: "b"}, {customer: "u5", want: "a"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var online []string
			for _, a := range tt.agents {
				online = append(online, a.ID)
			}
			runSteps(t, newEngine(t, Config{Strategy: MostFreeCapacity, Agents: tt.agents}, online...), tt.steps)
		})
	}
}

// TestStrategyKeys checks each heap strategy's order against its
// documented key, field by field.
func TestStrategyKeys(t *testing.T) {
	type ag struct {
		id               string
		active, capacity int
		last             int64
	}
	item := func(key keyFunc, x ag) *heapItem {
		a := &agent{id: x.id, active: x.active, capacity: x.capacity, lastAssigned: x.last, rank: int32(x.id[0])}
		h := agentHeap{key: key, members: []member{{a: a}}}
		it := &heapItem{}
		h.load(it, a)
		return it
	}
	tests := []struct {
		name string
		key  keyFunc
		a, b ag // a must come first
	}{
		{"least-loaded: active/capacity", leastLoadedKey, ag{"z", 1, 4, 9}, ag{"a", 1, 2, 1}},
		{"least-loaded: then active", leastLoadedKey, ag{"z", 1, 2, 9}, ag{"a", 2, 4, 1}},
		{"least-loaded: then last assigned", leastLoadedKey, ag{"z", 1, 2, 1}, ag{"a", 1, 2, 2}},
		{"least-loaded: never assigned first", leastLoadedKey, ag{"z", 0, 2, never}, ag{"a", 0, 2, 1}},
		{"least-loaded: then id", leastLoadedKey, ag{"a", 1, 2, 1}, ag{"b", 1, 2, 1}},
		{"least-loaded: close fractions", leastLoadedKey, ag{"z", 33554431, 67108863, 9}, ag{"a", 33554432, 67108863, 1}},
		{"least-loaded: equal fractions of large capacities", leastLoadedKey, ag{"z", 1 << 24, 1 << 25, 9}, ag{"a", 1 << 25, 1 << 26, 1}},
		{"most-free-capacity: free slots descending", mostFreeCapacityKey, ag{"z", 3, 6, 9}, ag{"a", 0, 2, 1}},
		{"most-free-capacity: then last assigned", mostFreeCapacityKey, ag{"z", 1, 3, 1}, ag{"a", 0, 2, 2}},
		{"most-free-capacity: never assigned first", mostFreeCapacityKey, ag{"z", 0, 2, never}, ag{"a", 0, 2, 1}},
		{"most-free-capacity: then id", mostFreeCapacityKey, ag{"a", 0, 2, never}, ag{"b", 0, 2, never}},
		{"longest-idle: last assigned", longestIdleKey, ag{"z", 3, 4, 1}, ag{"a", 0, 4, 2}},
		{"longest-idle: then id", longestIdleKey, ag{"a", 3, 4, 1}, ag{"b", 0, 4, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := item(tt.key, tt.a), item(tt.key, tt.b)
			if !a.less(b) || b.less(a) {
				t.Errorf("%s must come before %s", tt.a.id, tt.b.id)
			}
		})
	}
}

// TestLeastLoadedKeyIsExact compares the float key of least-loaded with
// the exact order of the fractions, by cross-multiplying, over every
// fraction of small capacities and random ones of large capacities.
func TestLeastLoadedKeyIsExact(t *testing.T) {
	type frac struct{ a, c int }
	var fs []frac
	for c := 1; c <= 40; c++ {
		for a := 0; a < c; a++ {
			fs = append(fs, frac{a, c})
		}
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 2000 {
		c := 1 + rng.IntN(1<<26)
		fs = append(fs, frac{rng.IntN(c), c})
	}
	for i, x := range fs {
		for _, y := range fs[max(0, i-200) : i+1] {
			kx, _ := leastLoadedKey(&agent{active: x.a, capacity: x.c})
			ky, _ := leastLoadedKey(&agent{active: y.a, capacity: y.c})
			exact := cmp.Compare(int64(x.a)*int64(y.c), int64(y.a)*int64(x.c))
			if got := cmp.Compare(kx, ky); got != exact {
				t.Fatalf("%d/%d vs %d/%d: key order %d, exact order %d", x.a, x.c, y.a, y.c, got, exact)
			}
		}
	}
}

// TestRotationNext checks the segment tree against a plain scan.
func TestRotationNext(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 2, 3, 7, 8, 9, 100} {
		r := newRotation(n)
		in := make([]bool, n)
		for range 500 {
			if n > 0 {
				i := rng.IntN(n)
				in[i] = rng.IntN(2) == 0
				r.set(i, in[i])
			}
			k := rng.IntN(n + 2)
			want := -1
			for j := k; j < n; j++ {
				if in[j] {
					want = j
					break
				}
			}
			if got := r.next(k); got != want {
				t.Fatalf("n=%d set %v: next(%d) = %d, want %d", n, in, k, got, want)
			}
		}
	}
}

func TestMixedSplitIsAnError(t *testing.T) {
	tests := []struct {
		split Split
		group GroupConfig
		want  []string // "" for no error
	}{
		{SplitRegion, GroupConfig{Name: "g", Regions: []string{"r"}}, nil},
		{SplitRegion, GroupConfig{Name: "g", Regions: []string{"r"}, EntryPages: []string{"p"}}, []string{`"region"`, `"entry_page"`, `"g"`}},
		{SplitEntryPage, GroupConfig{Name: "g", Regions: []string{"r"}}, []string{`"entry_page"`, `"region"`}},
		{SplitNone, GroupConfig{Name: "g", Stores: []string{"s"}}, []string{`"none"`, `"store"`}},
		{"", GroupConfig{Name: "g", EntryPages: []string{"p"}}, []string{`"none"`, `"entry_page"`}},
		{SplitStore, GroupConfig{Name: "g", Regions: []string{"r"}}, []string{`"store"`, `"region"`}},
		{SplitStore, GroupConfig{Name: "g", Stores: []string{"s"}}, nil},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%v%v%v", tt.split, tt.group.Regions, tt.group.EntryPages, tt.group.Stores), func(t *testing.T) {
			_, err := New(Config{Split: tt.split, Groups: []GroupConfig{tt.group}})
			if (err != nil) != (tt.want != nil) {
				t.Fatalf("err = %v, want an error: %v", err, tt.want != nil)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not name %s", err, w)
				}
			}
		})
	}
}

func TestIdleLimit(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		ok   bool
	}{
		{"24 hours", Config{IdleAfter: 24 * time.Hour}, true},
		{"off", Config{}, true},
		{"a nanosecond over 24 hours", Config{IdleAfter: 24*time.Hour + 1}, false},
		{"7 days", Config{IdleAfter: 7 * 24 * time.Hour}, false},
		{"the bot's, 24 hours", Config{Bot: &Bot{IdleAfter: 24 * time.Hour}}, true},
		{"the bot's, over 24 hours", Config{Bot: &Bot{IdleAfter: 25 * time.Hour}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.cfg)
			if (err == nil) != tt.ok {
				t.Fatalf("err = %v, want ok %v", err, tt.ok)
			}
			if err != nil && (!strings.Contains(err.Error(), "24h0m0s") || !strings.Contains(err.Error(), "0 (never)")) {
				t.Errorf("error %q does not state the allowed range", err)
			}
		})
	}
}

// TestStrategiesAllRoute: every strategy assigns, drains and releases.
func TestStrategiesAllRoute(t *testing.T) {
	for _, s := range Strategies() {
		t.Run(string(s), func(t *testing.T) {
			e := newEngine(t, Config{Strategy: s, Agents: agents(3, 2)}, ids(3)...)
			var got []string
			for i := range 7 {
				got = append(got, receive(t, e, at(time.Duration(i)*time.Second), fmt.Sprintf("u%d", i)).Agent)
			}
			if n := len(slices.DeleteFunc(slices.Clone(got), func(s string) bool { return s == "" })); n != 6 {
				t.Fatalf("assigned %d of 7 with 6 slots: %v", n, got)
			}
			c, _, _ := e.Latest(key("u0"))
			if err := e.Close(at(time.Minute), c.Agent, key("u0")); err != nil {
				t.Fatal(err)
			}
			if c, _, _ := e.Latest(key("u6")); c.State != Assigned {
				t.Errorf("u6 is %s after a slot freed", c.State)
			}
		})
	}
}
