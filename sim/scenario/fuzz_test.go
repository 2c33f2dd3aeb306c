package scenario

import (
	"os"
	"strings"
	"testing"
)

// fuzzSeeds are valid scenarios in the forms the format allows.
var fuzzSeeds = []string{
	"",
	`duration = "2d"
tenant = {zone = "Asia/Shanghai", online_by_hours = true, overflow = "default", overflow_after = "2m", reassign_after = "5m"}
schedules = {office = {mon = ["09:00-18:00"], tue = ["22:00-06:00"], off = ["sun"], holidays = ["2026-10-01"]}}
groups = [{name = "g", ignore_hours = true}]
agents = [{id = "a", schedule = "office", zone = "UTC", groups = ["g"]}, {id = "b"}]
customers = [{id = "c", language = "es", ad_source = "fb", attributes = {tier = "gold"}}, {id = "d"}]
steps = [{agent = "a", to = "c", take = true}, {agent = "a", to = "c", transfer = {group = "g", agent = "b"}}]
channels = {whatsapp = {router = {manual_assignment = true}}}
bot = {keywords = ["human"], handoff_after = "1m", idle_after = "1h", channels = ["whatsapp"]}
workstreams = [{name = "w", channels = ["whatsapp"], fallback = "g", rules = [{group = "g", languages = ["es"], attributes = {tier = "gold"}}]}]
expect = [{customer = "c", same_agent_as = "d", never_assigned_to = ["a"]}, {agent = "a", assigned_order = ["c", "d"], in_hours = true}]
`,
	`name = "minimal"
[[agents]]
id = "li"
[[customers]]
id = "u1"
[[steps]]
customer = "u1"
says = "hello"
[[steps]]
at = "30s"
agent = "li"
to = "u1"
says = ["hi", "how can I help?"]
every = "5s"
[[expect]]
at = "1m"
customer = "u1"
received = 2
`,
	`tenant = {split = "region"}
agents = [{id = "a", capacity = 2, groups = ["g"]}, {id = "b", online = false}]
groups = [{name = "g", priority = 1, regions = ["north"]}]
customers = [{id = "c", region = "north"}]
steps = [
  {customer = "c", attaches = {kind = "image", format = "png", size = "6MB"}},
  {at = "1m", agent = "a", to = "c", template = {name = "t", params = ["x"]}},
  {at = "2m", agent = "b", presence = "online"},
]
expect = [{customer = "c", last_refusal = "attachment_size"}, {drift = "any", count = 0}]
`,
	`seed = 7
start = "2026-03-02T09:00:00+08:00"
duration = "2d"
[tenant]
split = "entry_page"
strategy = "longest-idle"
overflow = "default"
missed_after = "5m"
idle_after = "1h"
[channels.whatsapp]
window_errors = "sync"
rules.window = "24h"
rules.reply_limit = 5
router.window = "48h"
router.media.video = { formats = ["mp4"], max_size = "16MB" }
[[traffic]]
channel = "whatsapp"
arrivals = "poisson 30/h"
for = "8h"
messages = "2..6"
handle = "uniform 1m..10m"
entry_pages = ["order"]
[[expect]]
metric = "wait.p90"
max_duration = "2m"
[[expect]]
metric = "fairness.jain"
min = 0.9
`,
}

// fuzzSeedsRefused are files the pre-scan judges: keys of many parts, and
// dots that are no key's.
var fuzzSeedsRefused = []string{
	strings.Repeat("a.", 20_000) + "a = 1\n",
	"[" + strings.Repeat("a.", 20_000) + "a]\n",
	`tenant."a.b".c = 1` + "\n" + `"x.y" = "1.2.3" # d.e.f` + "\n",
	"[[steps]]\nsays = '''\n" + strings.Repeat("a.", 100) + "'''\nat = 1.5\n",
}

func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	for _, s := range fuzzSeedsRefused {
		f.Add([]byte(s))
	}
	if full, err := os.ReadFile("testdata/full.toml"); err == nil {
		f.Add(full)
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		checkParse(t, src)
	})
}

func TestFuzzSeedsAreValid(t *testing.T) {
	for i, src := range fuzzSeeds {
		if _, err := testFormat.Parse("seed.toml", []byte(src)); err != nil {
			t.Errorf("seed %d: %v", i, err)
		}
	}
}
