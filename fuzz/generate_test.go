package fuzz

import (
	"bytes"
	"maps"
	"reflect"
	"slices"
	"testing"

	"github.com/omnisim/omnisim/platforms"
	"github.com/omnisim/omnisim/sim/scenario"
)

// TestValidityRate: most generated cases are valid scenarios, and the
// invalid ones are invalid on purpose (a value out of its range), never
// broken references.
func TestValidityRate(t *testing.T) {
	const n = 500
	valid := 0
	for seed := uint64(1); seed <= n; seed++ {
		c := NewCase(seed)
		if err := c.Validate(); err != nil {
			t.Logf("seed %d: %v", seed, firstLine(err.Error()))
			continue
		}
		valid++
	}
	if rate := float64(valid) / n; rate < 0.9 {
		t.Fatalf("%d of %d cases valid (%.0f%%), want at least 90%%", valid, n, 100*rate)
	}
	t.Logf("%d of %d cases valid", valid, n)
}

// TestSeedReproducesCase: a seed gives the same case, to the byte of its
// scenario file, and another seed another case.
func TestSeedReproducesCase(t *testing.T) {
	for seed := uint64(1); seed <= 50; seed++ {
		a, b := NewCase(seed), NewCase(seed)
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("seed %d: two different cases", seed)
		}
		if a.Scenario.Seed != seed {
			t.Fatalf("seed %d: the scenario's seed is %d", seed, a.Scenario.Seed)
		}
		ea, err := platforms.Format.Encode(a.Scenario)
		if err != nil {
			t.Fatal(err)
		}
		eb, _ := platforms.Format.Encode(b.Scenario)
		if !bytes.Equal(ea, eb) {
			t.Fatalf("seed %d: the same case encodes to different bytes", seed)
		}
	}
	if reflect.DeepEqual(NewCase(1).Scenario.Agents, NewCase(2).Scenario.Agents) &&
		reflect.DeepEqual(NewCase(1).Scenario.Steps, NewCase(2).Scenario.Steps) {
		t.Fatal("seeds 1 and 2 gave the same roster and script")
	}
}

// TestBytesReproduceCase: under go test -fuzz the same bytes give the same
// case.
func TestBytesReproduceCase(t *testing.T) {
	for _, data := range [][]byte{nil, []byte("x"), []byte("a longer input of fuzzing bytes, 0123456789")} {
		a, b := NewCaseFromBytes(data, nil), NewCaseFromBytes(data, nil)
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("%q: two different cases", data)
		}
	}
}

// TestCasesRoundTrip: a valid case encodes to a file that parses back to
// the same scenario, so a shrunk case written to a file is the case.
func TestCasesRoundTrip(t *testing.T) {
	for seed := uint64(1); seed <= 100; seed++ {
		c := NewCase(seed)
		if c.Validate() != nil {
			continue
		}
		src, err := platforms.Format.Encode(c.Scenario)
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		back, err := platforms.Format.Parse("case.toml", src)
		if err != nil {
			t.Fatalf("seed %d: the encoded case does not parse: %v\n%s", seed, err, src)
		}
		again, err := platforms.Format.Encode(back)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(src, again) {
			t.Fatalf("seed %d: encode, parse, encode changed the file:\n%s\n----\n%s", seed, src, again)
		}
	}
}

// TestGeneratorCoversTheDomain: across seeds the generator reaches every
// platform of the table, every split, strategy and overflow, every kind
// of step, traffic, and rule overrides.
func TestGeneratorCoversTheDomain(t *testing.T) {
	seen := map[string]bool{}
	for seed := uint64(1); seed <= 300; seed++ {
		sc := NewCase(seed).Scenario
		seen["split "+sc.Tenant.Split] = true
		seen["strategy "+sc.Tenant.Strategy] = true
		seen["overflow "+sc.Tenant.Overflow] = true
		for _, c := range sc.Customers {
			seen["customer on "+c.Channel] = true
		}
		for _, tr := range sc.Traffic {
			seen["traffic on "+tr.Channel] = true
		}
		for name, ch := range sc.Channels {
			if !isZeroRules(ch.Rules) {
				seen["rules on "+name] = true
			}
			if ch.Router != nil {
				seen["router-only rules"] = true
			}
		}
		for _, st := range sc.Steps {
			switch {
			case st.Customer != "" && st.Attaches != nil:
				seen["customer attaches"] = true
			case st.Customer != "":
				seen["customer says"] = true
			case st.Presence != "":
				seen["presence "+st.Presence] = true
			case st.Close:
				seen["close"] = true
			case st.Template != nil:
				seen["template"] = true
			case st.Attaches != nil:
				seen["agent attaches"] = true
			default:
				seen["agent says"] = true
			}
		}
		for _, a := range sc.Agents {
			if a.Online != nil && !*a.Online {
				seen["offline at the start"] = true
			}
		}
		if sc.Tenant.MissedAfter > 0 {
			seen["missed_after"] = true
		}
		if sc.Tenant.CloseMissedAfter > 0 {
			seen["close_missed_after"] = true
		}
		if sc.Tenant.IdleAfter > 0 {
			seen["idle_after"] = true
		}
	}
	want := []string{"split none", "split region", "split entry_page", "strategy least-loaded", "strategy longest-idle", "strategy round-robin", "strategy most-free-capacity",
		"overflow none", "overflow default", "router-only rules", "customer attaches", "customer says", "presence online",
		"presence offline", "close", "template", "agent attaches", "agent says", "offline at the start",
		"missed_after", "close_missed_after", "idle_after"}
	for _, p := range platforms.All {
		want = append(want, "customer on "+p.Name(), "traffic on "+p.Name(), "rules on "+p.Name())
	}
	for _, w := range want {
		if !seen[w] {
			t.Errorf("no case in 300 has %s", w)
		}
	}
}

// TestCaseAroundRules: around a user's scenario the tenant, groups, agents
// (but for their presence) and channels are kept; the rest is generated,
// the same for the same seed; the user's scenario is left alone.
func TestCaseAroundRules(t *testing.T) {
	base, err := platforms.Format.Parse("rules.toml", []byte(rulesScenario))
	if err != nil {
		t.Fatal(err)
	}
	keep, _ := platforms.Format.Encode(base)
	valid := 0
	for seed := uint64(1); seed <= 100; seed++ {
		c := NewCaseAround(base, seed)
		sc := c.Scenario
		if !reflect.DeepEqual(c, NewCaseAround(base, seed)) {
			t.Fatalf("seed %d: two different cases", seed)
		}
		if sc.Tenant != base.Tenant || !reflect.DeepEqual(sc.Groups, base.Groups) || len(sc.Agents) != len(base.Agents) {
			t.Fatalf("seed %d: the tenant, groups or agents changed", seed)
		}
		for i, a := range sc.Agents {
			b := base.Agents[i]
			if a.ID != b.ID || a.Capacity != b.Capacity || !reflect.DeepEqual(a.Groups, b.Groups) || !reflect.DeepEqual(a.Reception, b.Reception) {
				t.Fatalf("seed %d: agent %s changed: %+v, was %+v", seed, a.ID, a, b)
			}
		}
		// The user's channel, with a fault plan now and then.
		var ch scenario.Channel
		if c := sc.Channels["wechat"]; c != nil {
			ch = *c
			ch.Faults = nil
		}
		if len(sc.Channels) != 1 || !reflect.DeepEqual(&ch, base.Channels["wechat"]) {
			t.Fatalf("seed %d: channels %v, want the user's wechat", seed, sc.Channels)
		}
		for _, cu := range sc.Customers {
			if cu.Channel != "wechat" {
				t.Fatalf("seed %d: a customer on %s", seed, cu.Channel)
			}
		}
		if c.Validate() == nil {
			valid++
		}
	}
	if valid < 95 {
		t.Fatalf("%d of 100 cases around the rules valid", valid)
	}
	if after, _ := platforms.Format.Encode(base); !bytes.Equal(keep, after) {
		t.Fatal("generating around the scenario changed it")
	}
}

// TestCaseAroundStores: around a scenario that splits by store, the
// customers and flows draw the stores its groups, agents, customers and
// flows name, and one none does; around one that does not, no store.
func TestCaseAroundStores(t *testing.T) {
	base := &scenario.Scenario{
		Tenant:    scenario.Tenant{Split: "store"},
		Channels:  map[string]*scenario.Channel{"douyin": {}},
		Groups:    []scenario.Group{{Name: "xihu", Stores: []string{"poi-xihu"}}},
		Agents:    []scenario.Agent{{ID: "b1", Store: "poi-bj"}},
		Customers: []scenario.Customer{{ID: "c1", Channel: "douyin", Store: "poi-sh"}},
		Traffic:   []scenario.Traffic{{Channel: "douyin", Stores: []string{"poi-gz"}}},
	}
	// The stores drawn by the customers and by the flows of 50 cases.
	drawn := func(base *scenario.Scenario) (customers, flows []string) {
		cs, fs := map[string]bool{}, map[string]bool{}
		for seed := uint64(1); seed <= 50; seed++ {
			sc := NewCaseAround(base, seed).Scenario
			for _, cu := range sc.Customers {
				if cu.Store != "" {
					cs[cu.Store] = true
				}
			}
			for _, tr := range sc.Traffic {
				for _, st := range tr.Stores {
					fs[st] = true
				}
			}
		}
		return slices.Sorted(maps.Keys(cs)), slices.Sorted(maps.Keys(fs))
	}
	want := []string{unknown, "poi-bj", "poi-gz", "poi-sh", "poi-xihu"}
	if cs, fs := drawn(base); !slices.Equal(cs, want) || !slices.Equal(fs, want) {
		t.Errorf("stores drawn by customers %q and flows %q, want %q", cs, fs, want)
	}
	base.Tenant.Split = "region"
	if cs, fs := drawn(base); len(cs)+len(fs) > 0 {
		t.Errorf("stores drawn under the region split: %q, %q", cs, fs)
	}
}

const rulesScenario = `
name = "a user's desk"
seed = 3
start = "2026-03-02T09:00:00+08:00"
[tenant]
split = "region"
strategy = "longest-idle"
overflow = "default"
missed_after = "10m"
[channels.wechat]
app_id = "wx5f2a3b4c5d6e7f80"
[[groups]]
name = "hangzhou"
priority = 1
regions = ["hangzhou", "wenzhou"]
[[groups]]
name = "vip"
regions = ["hangzhou"]
[[agents]]
id = "li"
capacity = 2
groups = ["hangzhou", "vip"]
[[agents]]
id = "wei"
groups = ["hangzhou"]
reception = false
[[customers]]
id = "u1"
channel = "wechat"
region = "ningbo"
[[steps]]
at = "0s"
customer = "u1"
says = "hi"
`

// TestGeneratedRulesStayWithinRanges: generated values keep to the ranges
// the scenario reference documents.
func TestGeneratedRulesStayWithinRanges(t *testing.T) {
	for seed := uint64(1); seed <= 300; seed++ {
		c := NewCase(seed)
		if c.Validate() != nil {
			continue
		}
		sc := c.Scenario
		if sc.Duration <= 0 || sc.Duration.D() > 4*24*3600e9 {
			t.Fatalf("seed %d: duration %s", seed, sc.Duration)
		}
		for _, a := range sc.Agents {
			if a.Capacity < 1 || a.Capacity > 4 {
				t.Fatalf("seed %d: capacity %d", seed, a.Capacity)
			}
		}
		for _, st := range sc.Steps {
			if st.At < 0 || st.At >= sc.Duration {
				t.Fatalf("seed %d: a step at %s of %s", seed, st.At, sc.Duration)
			}
		}
		for _, tr := range sc.Traffic {
			if n := tr.Arrivals.PerHour * tr.For.D().Hours(); n > maxArrivals+1 {
				t.Fatalf("seed %d: a flow of about %.0f customers", seed, n)
			}
			if tr.Start+tr.For > sc.Duration+scenario.Duration(12*3600e9) {
				t.Fatalf("seed %d: a flow past the end", seed)
			}
		}
	}
}
