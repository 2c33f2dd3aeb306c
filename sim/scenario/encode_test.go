package scenario

import (
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// withoutSource returns a copy of s without File and the Line fields, for
// round-trip comparisons.
func withoutSource(s *Scenario) *Scenario {
	c := *s
	c.File = ""
	c.Steps = slices.Clone(s.Steps)
	for i := range c.Steps {
		c.Steps[i].Line = 0
	}
	c.Expect = slices.Clone(s.Expect)
	for i := range c.Expect {
		c.Expect[i].Line = 0
	}
	c.Traffic = slices.Clone(s.Traffic)
	for i := range c.Traffic {
		c.Traffic[i].Line = 0
	}
	c.Agents = slices.Clone(s.Agents)
	for i := range c.Agents {
		c.Agents[i].Line = 0
	}
	return &c
}

// roundTrip encodes s, parses the result and checks it is equal.
func roundTrip(t *testing.T, s *Scenario) {
	t.Helper()
	out, err := testFormat.Encode(s)
	if err != nil {
		t.Fatalf("Encode: %v", err)
	}
	back, err := testFormat.Parse("encoded.toml", out)
	if err != nil {
		t.Fatalf("Parse(Encode(s)): %v\n%s", err, out)
	}
	if !reflect.DeepEqual(withoutSource(s), withoutSource(back)) {
		t.Fatalf("round trip changed the scenario\nbefore: %s\nafter: %s", dump(s), dump(back))
	}
	again, err := testFormat.Encode(back)
	if err != nil {
		t.Fatalf("Encode again: %v", err)
	}
	if string(again) != string(out) {
		t.Fatalf("Encode is not stable:\n%s\n---\n%s", out, again)
	}
}

func TestRoundTrip(t *testing.T) {
	full, err := os.ReadFile("testdata/full.toml")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ name, src string }{
		{"full", string(full)},
		{"empty", ""},
		{"expect at zero", "[[expect]]\nat = \"0s\"\nmetric = \"closed\"\nmax = 0\n[[expect]]\nmetric = \"waiting\"\nmax = 0\n"},
		{"inline arrays of tables", `agents = [{id = "a"}, {id = "b", capacity = 2}]
customers = [{id = "c"}]
steps = [{customer = "c", says = "x"}, {at = "1ms", agent = "a", to = "c", says = ["y", "z"]}]
`},
		{"working hours", `duration = "3d"
[tenant]
overflow = "default"
overflow_after = "2m"
reassign_after = "5m"
zone = "Asia/Shanghai"
online_by_hours = true
[schedules.office]
zone = "Europe/Berlin"
mon = ["09:00-12:00", "13:00-18:00"]
wed = ["22:00-06:00"]
sun = ["00:00-24:00"]
off = ["sat"]
holidays = ["2026-10-01", "2026-12-25"]
[schedules.empty]
[[workstreams]]
name = "social"
channels = ["whatsapp"]
fallback = "g"
rules = [{name = "vip", group = "g", channels = ["whatsapp"], entry_pages = ["p"], regions = ["r"], stores = ["s"], languages = ["es"], ad_sources = ["fb"], attributes = {tier = "gold", "odd key" = "x"}}]
[[workstreams]]
name = "rest"
[bot]
channels = ["whatsapp", "wechat"]
keywords = ["human", "人工"]
handoff_after = "10m"
idle_after = "30m"
[channels.whatsapp.router]
manual_assignment = true
[[customers]]
id = "u1"
[[steps]]
agent = "li"
to = "u1"
take = true
[[steps]]
agent = "li"
to = "u1"
transfer = {group = "g", agent = "li2"}
[[groups]]
name = "g"
ignore_hours = true
[[agents]]
id = "li"
schedule = "office"
zone = "America/New_York"
[[agents]]
id = "li2"
groups = ["g"]
[[customers]]
id = "u2"
language = "es"
ad_source = "fb"
attributes = {tier = "gold"}
[[expect]]
customer = "u1"
same_agent_as = "u2"
other_agent_than = "u2"
never_assigned_to = ["li", "li2"]
[[expect]]
at = "1h"
agent = "li"
assigned_order = ["u1", "u2", "u1"]
in_hours = false
`},
		{"message center, patience, abandonment", `[[agents]]
id = "li"
[[customers]]
id = "u1"
ad_source = "fb-spring"
[[quick_replies]]
id = "hello"
title = "Greeting"
body = "Hello {name}"
images = [{format = "jpeg", size = "100KB", name = "a.jpg"}, {format = "png"}]
[[quick_replies]]
id = "bare"
title = "t"
body = "b"
[[steps]]
customer = "u1"
abandon = true
[[steps]]
agent = "li"
to = "u1"
star = false
[[steps]]
agent = "li"
to = "u1"
archive = true
[[steps]]
agent = "li"
to = "u1"
tag = "VIP"
colour = "#B91C1C"
[[steps]]
agent = "li"
to = "u1"
read = false
[[steps]]
agent = "li"
to = "u1"
quick_reply = "hello"
[[steps]]
agent = "li"
to = "u1"
rate = 5
[[expect]]
customer = "u1"
starred = false
archived = true
unread = 0
tags = []
tag_colours = {VIP = "#B91C1C"}
phones = ["+886912345678"]
from_ad = true
rating = 0
close_reason = "abandoned"
[[expect]]
inbox = "archived"
listed = 1
with_phone = true
with_ad = true
with_tag = "VIP"
search = "0912"
[[expect]]
history = "li"
all_conversations = true
nickname = "Lee"
keyword = "refund"
unrated = true
closed_only = true
listed = 0
[[expect]]
metric = "fairness.eligible_spread"
max = 2
[[traffic]]
channel = "whatsapp"
arrivals = "poisson 200/h"
for = "1h"
messages = "1"
handle = "exp 3m"
patience = "uniform 10s..2m"
`},
		{"empty tables", "[channels.whatsapp]\n[channels.whatsapp.router]\n[channels.whatsapp.rules.media.sticker]\n"},
		{"odd values", `seed = 9223372036854775807
start = "1678-01-01T00:00:00.123456789-23:59"
duration = "106751d23h47m16s854ms775us807ns"
description = "tab\there, quote \" backslash \\ newline\n unicode é 你好 \u0001 \u007f"
[[traffic]]
channel = "whatsapp"
arrivals = "poisson 0.1/s"
for = "1ns"
messages = 1000
handle = "uniform 0s..1.5ms"
[[expect]]
metric = "fairness.spread"
min = -0.0
max = 1e300
`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, err := testFormat.Parse("rt.toml", []byte(tt.src))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			roundTrip(t, s)
		})
	}
}

// TestEncodeMirrors checks that the encoding types have the same keys as
// Scenario and Expect, so Encode cannot silently drop a field.
func TestEncodeMirrors(t *testing.T) {
	for _, tt := range []struct{ orig, mirror reflect.Type }{
		{reflect.TypeFor[Scenario](), reflect.TypeFor[encScenario]()},
		{reflect.TypeFor[Expect](), reflect.TypeFor[encExpect]()},
	} {
		var a, b []string
		for _, f := range fieldsOf(tt.orig) {
			a = append(a, f.name)
		}
		for _, f := range fieldsOf(tt.mirror) {
			b = append(b, f.name)
		}
		if strings.Join(a, " ") != strings.Join(b, " ") {
			t.Errorf("%v keys %v\n%v keys %v", tt.orig, a, tt.mirror, b)
		}
	}
}

func TestEncodeOmitsUnset(t *testing.T) {
	s, err := testFormat.Parse("x.toml", []byte("[[agents]]\nid = \"li\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	out, err := testFormat.Encode(s)
	if err != nil {
		t.Fatal(err)
	}
	want := `name = "x"
start = 2026-01-05T09:00:00Z

[tenant]
split = "none"
strategy = "least-loaded"
overflow = "none"

[[agents]]
id = "li"
capacity = 1
reception = true
online = true
`
	if string(out) != want {
		t.Errorf("Encode =\n%s\nwant\n%s", out, want)
	}
}
