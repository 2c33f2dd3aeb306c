package scenario

import (
	"errors"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/BurntSushi/toml"
)

func dur(s string) Duration {
	d, err := ParseDuration(s)
	if err != nil {
		panic(err)
	}
	return Duration(d)
}

func size(s string) Size {
	var v Size
	if err := v.UnmarshalText([]byte(s)); err != nil {
		panic(err)
	}
	return v
}

func TestParseFull(t *testing.T) {
	src, err := os.ReadFile("testdata/full.toml")
	if err != nil {
		t.Fatal(err)
	}
	got, err := testFormat.Parse("testdata/full.toml", src)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	yes, no := ptr(true), ptr(false)
	want := &Scenario{
		File:        "testdata/full.toml",
		Name:        "Full scenario",
		Description: "Exercises every table and key.",
		Seed:        42,
		Start:       time.Date(2026, 3, 2, 9, 0, 0, 0, time.FixedZone("", 8*3600)),
		Duration:    dur("26h"),
		Tenant: Tenant{Split: "region", Strategy: "longest-idle", Overflow: "default",
			MissedAfter: dur("10m"), IdleAfter: dur("30m")},
		Channels: map[string]*Channel{"whatsapp": {
			Settings: &testSettings{
				PhoneNumberID: "1065550001", DisplayPhoneNumber: "+1 555 0001", BusinessAccountID: "waba-1",
				AccessToken: "token", AppSecret: "secret", VerifyToken: "verify", APIVersion: "v21.0",
				Templates: []string{"order_update", "reopen"}, WindowErrors: "async", StatusWebhooks: no,
			},
			Rules: Rules{
				Window: ptr(dur("24h")), WindowAnchor: "last_inbound", ReplyLimit: ptr(0),
				ReplyLimitReset: "inbound", TemplatesOutsideWindow: yes, MaxTextLength: ptr(4096),
				Media: map[string]*MediaRule{"image": {Formats: []string{"jpeg", "png"}, MaxSize: ptr(size("5MB"))}},
			},
			Router: &Rules{
				Window: ptr(dur("48h")),
				Media:  map[string]*MediaRule{"sticker": {Formats: []string{"webp"}, MaxSize: ptr(size("1MB"))}},
			},
		}},
		Agents: []Agent{
			{ID: "li", Capacity: 3, Groups: []string{"hangzhou"}, Reception: yes, Online: yes, Line: 43},
			{ID: "wang", Capacity: 1, Groups: []string{"hangzhou", "default"}, Reception: no, Online: no, Line: 48},
		},
		Groups: []Group{{Name: "hangzhou", Priority: 1, Regions: []string{"hangzhou", "wenzhou"}}},
		Customers: []Customer{
			{ID: "u1", Channel: "whatsapp", Handle: "+8613800000001", Name: "Xiao Ming", Region: "hangzhou", EntryPage: "product"},
			{ID: "u2", Channel: "whatsapp"},
		},
		Steps: []Step{
			{At: 0, Customer: "u1", Says: Strings{"Is the shop open today?"}, Repeat: 1, Line: 71},
			{At: dur("1m"), Agent: "li", To: "u1", Says: Strings{"Yes", "until 9pm"}, Repeat: 2, Every: dur("10s"), Line: 76},
			{At: dur("2m"), Customer: "u2", Attaches: &File{Kind: "image", Format: "jpeg", Size: 512 << 10, Name: "receipt.jpg"},
				Caption: "my receipt", Repeat: 1, Line: 84},
			{At: dur("3m"), Agent: "wang", Presence: "online", Repeat: 1, Line: 90},
			{At: dur("25h"), Agent: "li", To: "u1", Template: &Template{Name: "reopen", Language: "zh_CN", Params: []string{"Xiao Ming"}},
				Repeat: 1, Line: 95},
			{At: dur("25h1m"), Agent: "li", To: "u1", Close: true, Repeat: 1, Line: 101},
		},
		Expect: []Expect{
			{At: dur("2m"), HasAt: true, Line: 107, Customer: "u1", State: "assigned", AssignedTo: "li", Group: "hangzhou",
				Received: ptr(4), LastReceived: "until 9pm", Conversations: ptr(1)},
			{Line: 117, Customer: "u1", State: "closed", CloseReason: "agent", LastError: "131047", LastRefusal: "window_closed"},
			{Line: 124, Agent: "li", Assignments: ptr(1), Active: ptr(0)},
			{Line: 129, Metric: "fairness.jain", Min: ptr(0.5), Max: ptr(1.0)},
			{Line: 134, Metric: "wait.p90", MinDuration: ptr(Duration(0)), MaxDuration: ptr(dur("5m"))},
			{HasAt: true, Line: 139, Drift: "any", Count: ptr(0)},
		},
		Traffic: []Traffic{{
			Channel: "whatsapp", Start: dur("1h"), For: dur("6h"), Arrivals: Rate{PerHour: 120},
			Messages: IntRange{2, 6}, Handle: Distribution{Kind: "exp", Mean: 6 * time.Minute},
			Regions: []string{"hangzhou", "wenzhou"}, Pages: []string{"product", "order"}, Line: 144,
		}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Parse mismatch\n got: %s\nwant: %s", dump(got), dump(want))
	}
}

// dump encodes a scenario for failure messages, with its lines.
func dump(s *Scenario) string {
	b, err := testFormat.Encode(s)
	if err != nil {
		return err.Error()
	}
	var lines []string
	for _, st := range s.Steps {
		lines = append(lines, "step@"+strconv.Itoa(st.Line))
	}
	for _, e := range s.Expect {
		lines = append(lines, "expect@"+strconv.Itoa(e.Line)+" hasAt="+map[bool]string{true: "y", false: "n"}[e.HasAt])
	}
	for _, tr := range s.Traffic {
		lines = append(lines, "traffic@"+strconv.Itoa(tr.Line))
	}
	return "file=" + s.File + " " + strings.Join(lines, " ") + "\n" + string(b)
}

func TestDefaults(t *testing.T) {
	src := `
[[agents]]
id = "li"

[[customers]]
id = "u1"

[[steps]]
customer = "u1"
says = "hi"

[[steps]]
at = "1m"
agent = "li"
to = "u1"
template = { name = "hello" }

[[traffic]]
channel = "whatsapp"
arrivals = "poisson 2/m"
for = "1h"
messages = 3
handle = "30s"
reply = "uniform 5s..20s"
`
	s, err := testFormat.Parse("dir/sub/my-scenario.toml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"name", s.Name, "my-scenario"},
		{"start", s.Start, DefaultStart},
		{"split", s.Tenant.Split, "none"},
		{"strategy", s.Tenant.Strategy, "least-loaded"},
		{"overflow", s.Tenant.Overflow, "none"},
		{"capacity", s.Agents[0].Capacity, 1},
		{"reception", *s.Agents[0].Reception, true},
		{"online", *s.Agents[0].Online, true},
		{"customer channel", s.Customers[0].Channel, "whatsapp"},
		{"channels", len(s.Channels), 1},
		{"channel entry", *s.Channels["whatsapp"], Channel{Settings: &testSettings{}}},
		{"repeat", s.Steps[0].Repeat, 1},
		{"language", s.Steps[1].Template.Language, "en_US"},
		{"rate", s.Traffic[0].Arrivals.PerHour, 120.0},
		{"messages", s.Traffic[0].Messages, IntRange{3, 3}},
		{"handle", s.Traffic[0].Handle, Distribution{Kind: "const", Mean: 30 * time.Second}},
		{"step line", s.Steps[1].Line, 12},
		{"traffic line", s.Traffic[0].Line, 18},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s = %#v, want %#v", c.name, c.got, c.want)
		}
	}
}

func TestStartForms(t *testing.T) {
	want := time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)
	for _, src := range []string{
		`start = 2026-03-02T09:00:00+08:00`,
		`start = "2026-03-02T09:00:00+08:00"`,
		`start = 2026-03-02T01:00:00Z`,
		`start = '2026-03-02T01:00:00Z'`,
		`start = 2026-03-02 01:00:00Z`,
	} {
		s, err := testFormat.Parse("s.toml", []byte(src))
		if err != nil {
			t.Errorf("%s: %v", src, err)
			continue
		}
		if !s.Start.Equal(want) {
			t.Errorf("%s: start = %v, want %v", src, s.Start, want)
		}
	}
	s, err := testFormat.Parse("s.toml", []byte(`start = "2026-03-02T09:00:00+08:00"`))
	if err != nil {
		t.Fatal(err)
	}
	if _, off := s.Start.Zone(); off != 8*3600 {
		t.Errorf("offset = %d, want +08:00 kept", off)
	}
}

func TestLoad(t *testing.T) {
	fsys := fstest.MapFS{"scenarios/a.toml": {Data: []byte("seed = 3\n")}}
	s, err := testFormat.Load(fsys, "scenarios/a.toml")
	if err != nil {
		t.Fatal(err)
	}
	if s.Name != "a" || s.Seed != 3 || s.File != "scenarios/a.toml" {
		t.Errorf("got name %q seed %d file %q", s.Name, s.Seed, s.File)
	}
	if _, err := testFormat.Load(fsys, "missing.toml"); err == nil {
		t.Error("Load of a missing file: no error")
	}
	_, err = testFormat.Load(fstest.MapFS{"b.toml": {Data: []byte("seed = -1\n")}}, "b.toml")
	var list ErrorList
	if !errors.As(err, &list) || list[0].File != "b.toml" {
		t.Errorf("Load error = %v, want an ErrorList for b.toml", err)
	}
}

func TestErrorFormat(t *testing.T) {
	e := &Error{File: "scen.toml", Line: 12, Col: 1, Field: "steps[3].agnet", Msg: `unknown key "agnet" in [[steps]]`, Hint: `did you mean "agent"?`}
	if got, want := e.Error(), `scen.toml:12:1: unknown key "agnet" in [[steps]] (did you mean "agent"?)`; got != want {
		t.Errorf("Error() = %s, want %s", got, want)
	}
	l := ErrorList{e, {File: "f", Line: 1, Col: 2, Msg: "m"}}
	if got, want := l.Error(), e.Error()+"\nf:1:2: m"; got != want {
		t.Errorf("ErrorList.Error() = %q, want %q", got, want)
	}
	var target *Error
	if !errors.As(error(l), &target) || target != e {
		t.Error("errors.As does not find the first *Error")
	}
}

// base is the start of most error cases: two agents, a group and a
// customer. The case's text starts at line 12.
const base = `[[agents]]
id = "li"

[[agents]]
id = "wang"

[[groups]]
name = "vip"

[[customers]]
id = "u1"
`

type wantErr struct {
	at   string // file:line:col
	msg  string // substring of Msg
	hint string // substring of Hint
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name string
		src  string // without base unless it starts with "+"
		want []wantErr
	}{
		// Syntax.
		{"syntax/unterminated string", "name = \"x\nseed = 1\n",
			[]wantErr{{"scen.toml:1:10", "syntax error: strings cannot contain newlines", ""}}},
		{"syntax/duplicate key", "seed = 1\nseed = 2\n",
			[]wantErr{{"scen.toml:2:1", "already been defined", ""}}},
		{"syntax/bad table header", "seed = 1\n\n  [tenant\n",
			[]wantErr{{"scen.toml:3:10", "syntax error", ""}}},
		{"syntax/NUL byte", "name = \"a\x00\"\n",
			[]wantErr{{"scen.toml:1:9", "control characters", ""}}},

		// Unknown keys.
		{"unknown/top level", "nmae = \"x\"\n",
			[]wantErr{{"scen.toml:1:1", `unknown key "nmae" in the top level`, `did you mean "name"?`}}},
		{"unknown/4th step", "+[[steps]]\ncustomer = \"u1\"\nsays = \"a\"\n[[steps]]\ncustomer = \"u1\"\nsays = \"b\"\n[[steps]]\ncustomer = \"u1\"\nsays = \"c\"\n[[steps]]\nagnet = \"li\"\nto = \"u1\"\nclose = true\n",
			[]wantErr{{"scen.toml:22:1", `unknown key "agnet" in [[steps]]`, `did you mean "agent"?`}}},
		{"unknown/no close key lists keys", "[tenant]\nfavourite = 1\n",
			[]wantErr{{"scen.toml:2:1", `unknown key "favourite" in [tenant]`, "valid keys: split, strategy, overflow, overflow_after, reassign_after, missed_after, close_missed_after, idle_after, zone, online_by_hours"}}},
		{"unknown/case differs", "NAME = \"x\"\n",
			[]wantErr{{"scen.toml:1:1", `unknown key "NAME"`, `did you mean "name"? keys are case-sensitive`}}},
		{"unknown/inline table", "+[[steps]]\ncustomer = \"u1\"\nattaches = { kind = \"image\", fromat = \"jpeg\" }\n",
			[]wantErr{{"scen.toml:14:30", `unknown key "fromat" in [steps.attaches]`, `did you mean "format"?`}}},
		{"unknown/dotted key", "[channels.whatsapp]\nrules.windw = \"1h\"\n",
			[]wantErr{{"scen.toml:2:7", `unknown key "windw" in [channels.whatsapp.rules]`, `did you mean "window"?`}}},
		{"unknown/table header", "[tenantt]\nsplit = \"none\"\n",
			[]wantErr{{"scen.toml:1:2", `unknown key "tenantt" in the top level`, `did you mean "tenant"?`}}},

		// Wrong types.
		{"type/string for integer", "[[agents]]\nid = \"li\"\ncapacity = \"two\"\n",
			[]wantErr{{"scen.toml:3:12", "agents[0].capacity: want an integer, got a string", ""}}},
		{"type/quoted number", "[[agents]]\nid = \"li\"\ncapacity = \"2\"\n",
			[]wantErr{{"scen.toml:3:12", "want an integer, got a string", "without quotes"}}},
		{"type/string for array", "[[agents]]\nid = \"li\"\ngroups = \"vip\"\n",
			[]wantErr{{"scen.toml:3:10", "agents[0].groups: want an array, got a string", ""}}},
		{"type/array element", "[[agents]]\nid = \"li\"\ngroups = [\"vip\", 3]\n",
			[]wantErr{{"scen.toml:3:18", "agents[0].groups[1]: want a string, got an integer", ""}}},
		{"type/string for table", "tenant = \"x\"\n",
			[]wantErr{{"scen.toml:1:10", "tenant: want a table, got a string", ""}}},
		{"type/table for array of tables", "[agents]\nid = \"li\"\n",
			[]wantErr{{"scen.toml:1:2", "agents: want an array of tables, got a table", ""}}},
		{"type/integer for duration", "duration = 5\n",
			[]wantErr{{"scen.toml:1:12", `duration: want a duration string such as "30s"`, ""}}},
		{"type/boolean", "[[agents]]\nid = \"li\"\nonline = \"yes\"\n",
			[]wantErr{{"scen.toml:3:10", "agents[0].online: want a boolean, got a string", ""}}},
		{"type/negative seed", "seed = -1\n",
			[]wantErr{{"scen.toml:1:8", "seed: want a non-negative integer", ""}}},
		{"type/says", "+[[steps]]\ncustomer = \"u1\"\nsays = 3\n",
			[]wantErr{{"scen.toml:14:8", "steps[0].says: want a string or an array of strings, got an integer", ""}}},
		{"type/start local", "start = 2026-01-05T09:00:00\n",
			[]wantErr{{"scen.toml:1:9", "start: want a date-time with a time zone offset, got a local date-time", "2026-03-02T09:00:00+08:00"}}},
		{"type/start string", "start = \"monday\"\n",
			[]wantErr{{"scen.toml:1:9", `start: bad date-time "monday"`, "e.g."}}},
		{"type/min nan", "+[[expect]]\nmetric = \"closed\"\nmin = nan\n",
			[]wantErr{{"scen.toml:14:7", "expect[0].min: want a finite number", ""}}},

		// Bad values.
		{"value/duration", "duration = \"5x\"\n",
			[]wantErr{{"scen.toml:1:12", `duration: bad duration "5x": unknown unit "x"`, ""}}},
		{"value/size", "[channels.whatsapp.rules.media.image]\nmax_size = \"5 parsecs\"\n",
			[]wantErr{{"scen.toml:2:12", `channels.whatsapp.rules.media.image.max_size: bad size "5 parsecs"`, ""}}},
		{"value/rate", "[[traffic]]\nchannel = \"whatsapp\"\nfor = \"1h\"\nmessages = 2\nhandle = \"1m\"\narrivals = \"120/h\"\n",
			[]wantErr{{"scen.toml:6:12", `traffic[0].arrivals: bad arrivals "120/h"`, ""}}},
		{"value/range", "[[traffic]]\nmessages = \"6..2\"\n",
			[]wantErr{{"scen.toml:2:12", `traffic[0].messages: bad range "6..2"`, ""}}},
		{"value/distribution", "[[traffic]]\nhandle = \"gauss 5m\"\n",
			[]wantErr{{"scen.toml:2:10", `traffic[0].handle: bad distribution "gauss 5m"`, ""}}},
		{"value/reply distribution", "[[traffic]]\nreply = \"uniform 5m..1m\"\n",
			[]wantErr{{"scen.toml:2:9", `traffic[0].reply: bad distribution "uniform 5m..1m": HIGH is below LOW`, ""}}},

		// References.
		{"ref/step agent", "+[[steps]]\nagent = \"lii\"\npresence = \"online\"\n",
			[]wantErr{{"scen.toml:13:9", `steps[0].agent: unknown agent "lii"`, `did you mean "li"?`}}},
		{"ref/step customer", "+[[steps]]\ncustomer = \"u9\"\nsays = \"x\"\n",
			[]wantErr{{"scen.toml:13:12", `steps[0].customer: unknown customer "u9"`, `did you mean "u1"?`}}},
		{"ref/step to", "+[[steps]]\nagent = \"li\"\nto = \"someone\"\nclose = true\n",
			[]wantErr{{"scen.toml:14:6", `steps[0].to: unknown customer "someone"`, "customers: u1"}}},
		{"ref/agent group", "[[agents]]\nid = \"li\"\ngroups = [\"default\", \"vpi\"]\n[[groups]]\nname = \"vip\"\n",
			[]wantErr{{"scen.toml:3:22", `agents[0].groups[1]: unknown group "vpi"`, `did you mean "vip"?`}}},
		{"ref/expect customer", "+[[expect]]\ncustomer = \"u2\"\nstate = \"waiting\"\n",
			[]wantErr{{"scen.toml:13:12", `expect[0].customer: unknown customer "u2"`, `did you mean "u1"?`}}},
		{"ref/expect agent", "+[[expect]]\nagent = \"wagn\"\nactive = 1\n",
			[]wantErr{{"scen.toml:13:9", `expect[0].agent: unknown agent "wagn"`, `did you mean "wang"?`}}},
		{"ref/expect group", "+[[expect]]\ncustomer = \"u1\"\ngroup = \"vp\"\n",
			[]wantErr{{"scen.toml:14:9", `expect[0].group: unknown group "vp"`, `did you mean "vip"?`}}},
		{"ref/expect assigned_to", "+[[expect]]\ncustomer = \"u1\"\nassigned_to = \"zhao\"\n",
			[]wantErr{{"scen.toml:14:15", `expect[0].assigned_to: unknown agent "zhao"`, "agents: li, wang"}}},

		// Duplicates and ranges.
		{"dup/agent", "[[agents]]\nid = \"li\"\n[[agents]]\nid = \"li\"\n",
			[]wantErr{{"scen.toml:4:6", `agents[1].id: duplicate agent id "li" (also agents[0])`, ""}}},
		{"dup/customer", "+[[customers]]\nid = \"u1\"\n",
			[]wantErr{{"scen.toml:13:6", `customers[1].id: duplicate customer id "u1"`, ""}}},
		{"dup/group", "+[[groups]]\nname = \"vip\"\n",
			[]wantErr{{"scen.toml:13:8", `groups[1].name: duplicate group name "vip"`, ""}}},
		{"range/capacity", "[[agents]]\nid = \"li\"\ncapacity = 0\n",
			[]wantErr{{"scen.toml:3:12", "agents[0].capacity: must be at least 1, got 0", ""}}},
		{"range/capacity too large", "[[agents]]\nid = \"li\"\ncapacity = 100000000\n",
			[]wantErr{{"scen.toml:3:12", "agents[0].capacity: 100000000 is more than an agent can hold", "at most 67108864"}}},
		{"range/priority", "[[groups]]\nname = \"g\"\npriority = -1\n",
			[]wantErr{{"scen.toml:3:12", "groups[0].priority: must be 0 or more, got -1", ""}}},
		{"range/repeat", "+[[steps]]\ncustomer = \"u1\"\nsays = \"x\"\nrepeat = -2\n",
			[]wantErr{{"scen.toml:15:10", "steps[0].repeat: must be 0 or more, got -2", ""}}},
		{"range/agent id missing", "[[agents]]\ncapacity = 2\n",
			[]wantErr{{"scen.toml:1:1", "agents[0].id: missing", `id = "li"`}}},
		{"range/group name missing", "[[groups]]\npriority = 2\n",
			[]wantErr{{"scen.toml:1:1", "groups[0].name: missing; every group needs a name", `name = "vip"`}}},
		{"range/customer id missing", "[[customers]]\nregion = \"north\"\n",
			[]wantErr{{"scen.toml:1:1", "customers[0].id: missing; every customer needs an id", `id = "u1"`}}},
		{"range/phone", "[[customers]]\nid = \"u1\"\nphone = \"call me\"\n",
			[]wantErr{{"scen.toml:3:9", `customers[0].phone: "call me" is not a valid phone number`, "E.164"}}},
		{"range/phone twice", "[[customers]]\nid = \"u1\"\nphone = \"+16505551234\"\n[[customers]]\nid = \"u2\"\nphone = \"+16505551234\"\n",
			[]wantErr{{"scen.toml:6:9", `customers[1].phone: +16505551234 is also customers[0]'s phone`, "of its own"}}},
		{"range/phone without country code", "[[customers]]\nid = \"u1\"\nphone = \"6505551234\"\n",
			[]wantErr{{"scen.toml:3:9", `customers[0].phone: "6505551234" is not a valid phone number`, "E.164"}}},
		{"range/phone not in the numbering plan", "[[customers]]\nid = \"u1\"\nphone = \"+1555\"\n",
			[]wantErr{{"scen.toml:3:9", `customers[0].phone: "+1555" is not a valid phone number`, "+8613800138000"}}},

		// Enumerations.
		{"enum/split", "[tenant]\nsplit = \"regoin\"\n",
			[]wantErr{{"scen.toml:2:9", `tenant.split: unknown value "regoin"; want one of: none, entry_page, region, store`, `did you mean "region"?`}}},
		{"enum/strategy", "[tenant]\nstrategy = \"fifo\"\n",
			[]wantErr{{"scen.toml:2:12", `tenant.strategy: unknown value "fifo"; want one of: least-loaded, longest-idle, round-robin, most-free-capacity`, ""}}},
		{"enum/overflow", "[tenant]\noverflow = \"defualt\"\n",
			[]wantErr{{"scen.toml:2:12", `tenant.overflow: unknown value "defualt"`, `did you mean "default"?`}}},
		{"enum/presence", "+[[steps]]\nagent = \"li\"\npresence = \"away\"\n",
			[]wantErr{{"scen.toml:14:12", `steps[0].presence: unknown value "away"; want one of: online, offline`, ""}}},
		{"enum/state", "+[[expect]]\ncustomer = \"u1\"\nstate = \"asigned\"\n",
			[]wantErr{{"scen.toml:14:9", `expect[0].state: unknown value "asigned"`, `did you mean "assigned"?`}}},
		{"enum/close_reason", "+[[expect]]\ncustomer = \"u1\"\nclose_reason = \"timeout\"\n",
			[]wantErr{{"scen.toml:14:16", `expect[0].close_reason: unknown value "timeout"; want one of: agent, idle, missed, window`, ""}}},
		{"enum/last_refusal", "+[[expect]]\ncustomer = \"u1\"\nlast_refusal = \"window\"\n",
			[]wantErr{{"scen.toml:14:16", `expect[0].last_refusal: unknown value "window"`, ""}}},
		{"enum/metric", "+[[expect]]\nmetric = \"fairness.jian\"\nmin = 0.9\n",
			[]wantErr{{"scen.toml:13:10", `expect[0].metric: unknown value "fairness.jian"`, `did you mean "fairness.jain"?`}}},
		{"enum/drift", "+[[expect]]\ndrift = \"all\"\ncount = 0\n",
			[]wantErr{{"scen.toml:13:9", `expect[0].drift: unknown value "all"; want one of: sent_refused, refused_accepted, any`, ""}}},
		{"enum/file kind", "+[[steps]]\ncustomer = \"u1\"\nattaches = { kind = \"imag\", format = \"jpeg\" }\n",
			[]wantErr{{"scen.toml:14:21", `steps[0].attaches.kind: unknown value "imag"`, `did you mean "image"?`}}},
		{"enum/channel table", "[channels.whatsap]\n",
			[]wantErr{{"scen.toml:1:11", `unknown channel "whatsap"`, `did you mean "whatsapp"?`}}},
		{"range/close_missed_after without missed_after", "[tenant]\nclose_missed_after = \"1h\"\n",
			[]wantErr{{"scen.toml:2:22", `tenant.close_missed_after: no chat is ever missed without missed_after`, "set missed_after"}}},
		{"range/close_missed_after too short", "[tenant]\nmissed_after = \"5m\"\nclose_missed_after = \"1m\"\n",
			[]wantErr{{"scen.toml:3:22", `tenant.close_missed_after: 1m is out of range: a missed chat closes after 15m to 30d`, ""}}},
		{"range/close_missed_after too long", "[tenant]\nmissed_after = \"5m\"\nclose_missed_after = \"31d\"\n",
			[]wantErr{{"scen.toml:3:22", `31d is out of range`, ""}}},
		{"range/idle_after over 24h", "[tenant]\nidle_after = \"48h\"\n",
			[]wantErr{{"scen.toml:2:14", `tenant.idle_after: 2d is out of range: idle chats close after at most 24h`, "at most 24 hours"}}},
		{"split/entry pages under region", "[tenant]\nsplit = \"region\"\n[[groups]]\nname = \"g\"\nentry_pages = [\"product\"]\n",
			[]wantErr{{"scen.toml:5:15", `groups[0].entry_pages: this tenant splits by region, but the group lists entry pages, which only split = "entry_page" uses`, `to split by entry_page, remove the groups of the old method and set split = "entry_page"`}}},
		{"split/regions without a split", "[[groups]]\nname = \"g\"\nregions = [\"north\"]\n",
			[]wantErr{{"scen.toml:3:11", `groups[0].regions: this tenant splits by none, but the group lists regions, which only split = "region" uses`, ""}}},
		{"enum/customer channel", "[[customers]]\nid = \"u1\"\nchannel = \"line\"\n",
			[]wantErr{{"scen.toml:3:11", `customers[0].channel: unknown channel "line"`, "channels: whatsapp, wechat"}}},
		{"enum/window_errors", "[channels.whatsapp]\nwindow_errors = \"later\"\n",
			[]wantErr{{"scen.toml:2:17", `channels.whatsapp.window_errors: unknown value "later"; want one of: sync, async`, ""}}},
		{"enum/window_anchor", "[channels.whatsapp.router]\nwindow_anchor = \"last_inbund\"\n",
			[]wantErr{{"scen.toml:2:17", `channels.whatsapp.router.window_anchor: unknown value "last_inbund"`, `did you mean "last_inbound"?`}}},
		{"enum/reply_limit_reset", "[channels.whatsapp.rules]\nreply_limit_reset = \"never\"\n",
			[]wantErr{{"scen.toml:2:21", `channels.whatsapp.rules.reply_limit_reset: unknown value "never"; want one of: inbound, window`, ""}}},
		{"range/window", "[channels.whatsapp.router]\nwindow = \"0s\"\n",
			[]wantErr{{"scen.toml:2:10", "channels.whatsapp.router.window: must be longer than 0s", "leave it out"}}},
		{"range/max_text_length", "[channels.whatsapp.rules]\nmax_text_length = 0\n",
			[]wantErr{{"scen.toml:2:19", "channels.whatsapp.rules.max_text_length: must be at least 1, got 0", ""}}},
		{"range/max_size", "[channels.whatsapp.rules.media.image]\nmax_size = \"0B\"\n",
			[]wantErr{{"scen.toml:2:12", "channels.whatsapp.rules.media.image.max_size: must be more than 0B", ""}}},
		{"range/reply_limit", "[channels.whatsapp.rules]\nreply_limit = -1\n",
			[]wantErr{{"scen.toml:2:15", "channels.whatsapp.rules.reply_limit: must be 0 or more, got -1", ""}}},
		{"enum/media kind", "[channels.whatsapp.rules.media.gif]\nmax_size = \"1MB\"\n",
			[]wantErr{{"scen.toml:1:32", `unknown attachment kind "gif"`, "attachment kinds: image, audio"}}},

		// Steps.
		{"step/both subjects", "+[[steps]]\ncustomer = \"u1\"\nagent = \"li\"\nsays = \"x\"\n",
			[]wantErr{{"scen.toml:14:9", "steps[0]: a step is either a customer's or an agent's, not both", ""}}},
		{"step/no subject", "+[[steps]]\nat = \"1m\"\nsays = \"x\"\n",
			[]wantErr{{"scen.toml:12:1", "steps[0]: a step needs customer or agent", ""}}},
		{"step/customer template", "+[[steps]]\ncustomer = \"u1\"\nsays = \"x\"\ntemplate = { name = \"t\" }\n",
			[]wantErr{{"scen.toml:15:12", "steps[0].template: only agent steps use template", ""}}},
		{"step/customer to", "+[[steps]]\ncustomer = \"u1\"\nto = \"u1\"\nsays = \"x\"\n",
			[]wantErr{{"scen.toml:14:6", "steps[0].to: only agent steps use to", ""}}},
		{"step/customer nothing", "+[[steps]]\ncustomer = \"u1\"\n",
			[]wantErr{{"scen.toml:12:1", "steps[0]: a customer step needs says, attaches, event or abandon = true", ""}}},
		{"step/customer says and attaches", "+[[steps]]\ncustomer = \"u1\"\nsays = \"x\"\nattaches = { kind = \"image\", format = \"png\" }\n",
			[]wantErr{{"scen.toml:15:12", "steps[0]: a customer step has says and attaches", "one step for each"}}},
		{"step/customer event and attaches", "+[[steps]]\ncustomer = \"u1\"\nevent = \"reaction\"\nattaches = { kind = \"image\", format = \"png\" }\n",
			[]wantErr{{"scen.toml:14:9", "steps[0]: a customer step has event and attaches", "one step for each"}}},
		{"step/customer event_key alone", "+[[steps]]\ncustomer = \"u1\"\nsays = \"x\"\nevent_key = \"k\"\n",
			[]wantErr{{"scen.toml:15:13", "steps[0].event_key: an event_key goes with event", ""}}},
		{"step/agent event", "+[[steps]]\nagent = \"li\"\nto = \"u1\"\nsays = \"x\"\nevent = \"reaction\"\n",
			[]wantErr{{"scen.toml:16:9", "steps[0].event: only customer steps use event", ""}}},
		{"step/agent nothing", "+[[steps]]\nagent = \"li\"\nto = \"u1\"\n",
			[]wantErr{{"scen.toml:12:1", "steps[0]: an agent step needs one of says, attaches, template, close = true, presence", ""}}},
		{"step/agent two actions", "+[[steps]]\nagent = \"li\"\nto = \"u1\"\nsays = \"bye\"\nclose = true\n",
			[]wantErr{{"scen.toml:16:9", "steps[0]: an agent step does one thing, got says and close", ""}}},
		{"step/agent without to", "+[[steps]]\nagent = \"li\"\nsays = \"hello\"\n",
			[]wantErr{{"scen.toml:12:1", "steps[0]: missing to: the customer the agent's says is for", `to = "CUSTOMER"`}}},
		{"step/presence with to", "+[[steps]]\nagent = \"li\"\nto = \"u1\"\npresence = \"offline\"\n",
			[]wantErr{{"scen.toml:14:6", "steps[0].to: a presence step has no to", ""}}},
		{"step/empty says", "+[[steps]]\ncustomer = \"u1\"\nsays = []\n",
			[]wantErr{{"scen.toml:14:8", "steps[0].says: empty array", ""}}},
		{"step/caption without file", "+[[steps]]\ncustomer = \"u1\"\nsays = \"x\"\ncaption = \"c\"\n",
			[]wantErr{{"scen.toml:15:11", "steps[0].caption: a caption goes with attaches", ""}}},
		{"step/file format missing", "+[[steps]]\ncustomer = \"u1\"\n[steps.attaches]\nkind = \"document\"\n",
			[]wantErr{{"scen.toml:14:8", "steps[0].attaches.format: missing", "file extension"}}},

		// Expectations.
		{"expect/no subject", "+[[expect]]\nat = \"1m\"\nstate = \"closed\"\n",
			[]wantErr{{"scen.toml:12:1", "expect[0]: an expectation needs a subject", ""}}},
		{"expect/two subjects", "+[[expect]]\ncustomer = \"u1\"\nagent = \"li\"\nstate = \"closed\"\n",
			[]wantErr{{"scen.toml:14:9", "expect[0]: an expectation has one subject, got customer and agent", ""}}},
		{"expect/nothing to check", "+[[expect]]\nagent = \"li\"\n",
			[]wantErr{{"scen.toml:12:1", "expect[0]: nothing to check for agent", "set one of: assignments, active"}}},
		{"expect/foreign check", "+[[expect]]\ncustomer = \"u1\"\nstate = \"closed\"\ncount = 1\n",
			[]wantErr{{"scen.toml:15:9", "expect[0].count: count is a check for drift expectations, not customer ones", "checks for customer: state"}}},
		{"expect/min above max", "+[[expect]]\nmetric = \"fairness.jain\"\nmin = 0.9\nmax = 0.5\n",
			[]wantErr{{"scen.toml:15:7", "expect[0]: min 0.9 is above max 0.5", ""}}},
		{"expect/min_duration above max", "+[[expect]]\nmetric = \"wait.max\"\nmin_duration = \"5m\"\nmax_duration = \"1m\"\n",
			[]wantErr{{"scen.toml:15:16", "expect[0]: min_duration 5m is above max_duration 1m", ""}}},
		{"expect/duration bound on a count", "+[[expect]]\nmetric = \"closed\"\nmax_duration = \"1m\"\n",
			[]wantErr{{"scen.toml:14:16", "expect[0].max_duration: only wait.* metrics are durations", "use max"}}},
		{"expect/number bound on a wait", "+[[expect]]\nmetric = \"wait.p50\"\nmax = 60\n",
			[]wantErr{{"scen.toml:14:7", "expect[0].max: wait.p50 is a duration", "use max_duration"}}},
		{"expect/at after duration", "duration = \"1h\"\n[[expect]]\nat = \"2h\"\ndrift = \"any\"\ncount = 0\n",
			[]wantErr{{"scen.toml:3:6", `expect[0].at: 2h is after the end of the scenario (duration = "1h")`, ""}}},
		{"expect/negative count", "+[[expect]]\ndrift = \"any\"\ncount = -1\n",
			[]wantErr{{"scen.toml:14:9", "expect[0].count: must be 0 or more, got -1", ""}}},

		// Traffic.
		{"traffic/missing keys", "[[traffic]]\nchannel = \"whatsapp\"\nfor = \"1h\"\n",
			[]wantErr{
				{"scen.toml:1:1", "traffic[0]: missing arrivals", `arrivals = "poisson 120/h"`},
				{"scen.toml:1:1", "traffic[0]: missing handle", `handle = "exp 6m"`},
				{"scen.toml:1:1", "traffic[0]: missing messages", `messages = "2..6"`},
			}},
		{"traffic/too many customers", "[[traffic]]\nchannel = \"whatsapp\"\narrivals = \"poisson 1000/s\"\nfor = \"3h\"\nmessages = 2\nhandle = \"exp 1m\"\n",
			[]wantErr{{"scen.toml:3:12", "traffic[0]: poisson 3600000/h for 3h is about 10800000 customers; a flow may generate at most 10000000", "lower the rate"}}},
		{"traffic/unknown channel", "[[traffic]]\nchannel = \"line\"\narrivals = \"poisson 1/m\"\nfor = \"1h\"\nmessages = 2\nhandle = \"exp 1m\"\n",
			[]wantErr{{"scen.toml:2:11", `traffic[0].channel: unknown channel "line"`, ""}}},
		{"tenant/overflow_after without overflow", "[tenant]\noverflow_after = \"2m\"\n",
			[]wantErr{{"scen.toml:2:18", `tenant.overflow_after: nothing overflows with overflow = "none"`, `set overflow = "default"`}}},
		{"tenant/reassign_after bad", "[tenant]\nreassign_after = \"5 minutes\"\n",
			[]wantErr{{"scen.toml:2:18", `tenant.reassign_after: bad duration "5 minutes"`, ""}}},

		{"step/take and close", "+[[steps]]\nagent = \"li\"\nto = \"u1\"\ntake = true\nclose = true\n",
			[]wantErr{{"scen.toml:15:8", `steps[0]: an agent step does one thing, got close and take`, "one step for each"}}},
		{"step/take without to", "+[[steps]]\nagent = \"li\"\ntake = true\n",
			[]wantErr{{"scen.toml:12:1", `steps[0]: missing to: the customer the agent's take is for`, `to = "CUSTOMER"`}}},
		{"step/customer takes", "+[[steps]]\ncustomer = \"u1\"\nsays = \"x\"\ntake = true\n",
			[]wantErr{{"scen.toml:15:8", `steps[0].take: only agent steps use take`, ""}}},
		{"step/empty transfer", "+[[steps]]\nagent = \"li\"\nto = \"u1\"\ntransfer = {}\n",
			[]wantErr{{"scen.toml:15:12", `steps[0].transfer: a transfer needs group or agent`, `transfer = {group = "vip"}`}}},
		{"step/transfer refs", "+[[steps]]\nagent = \"li\"\nto = \"u1\"\ntransfer = {group = \"vp\", agent = \"li\"}\n",
			[]wantErr{{"scen.toml:15:21", `steps[0].transfer.group: unknown group "vp"`, ""}, {"scen.toml:15:35", `steps[0].transfer.agent: "li" transfers to itself`, ""}}},
		{"step/transfer unknown key", "+[[steps]]\nagent = \"li\"\nto = \"u1\"\ntransfer = {team = \"x\"}\n",
			[]wantErr{{"scen.toml:15:13", `unknown key "team" in [steps.transfer]`, ""}}},
		{"channel/manual_assignment under rules", "[channels.whatsapp.rules]\nmanual_assignment = true\n",
			[]wantErr{{"scen.toml:2:21", `channels.whatsapp.rules.manual_assignment: not a platform rule`, "[channels.whatsapp.router]"}}},

		{"expect/same_agent_as itself", "+[[expect]]\ncustomer = \"u1\"\nsame_agent_as = \"u1\"\n",
			[]wantErr{{"scen.toml:14:17", `expect[0].same_agent_as: compares "u1" with itself`, ""}}},
		{"expect/other_agent_than unknown", "+[[expect]]\ncustomer = \"u1\"\nother_agent_than = \"u9\"\n",
			[]wantErr{{"scen.toml:14:20", `expect[0].other_agent_than: unknown customer "u9"`, ""}}},
		{"expect/never_assigned_to", "+[[expect]]\ncustomer = \"u1\"\nnever_assigned_to = [\"li\", \"wnag\"]\n",
			[]wantErr{{"scen.toml:14:28", `expect[0].never_assigned_to[1]: unknown agent "wnag"`, `did you mean "wang"?`}}},
		{"expect/never_assigned_to empty", "+[[expect]]\ncustomer = \"u1\"\nnever_assigned_to = []\n",
			[]wantErr{{"scen.toml:14:21", `expect[0].never_assigned_to: empty array`, ""}}},
		{"expect/assigned_order on customer", "+[[expect]]\ncustomer = \"u1\"\nstate = \"waiting\"\nassigned_order = [\"u1\"]\n",
			[]wantErr{{"scen.toml:15:18", `expect[0].assigned_order: assigned_order is a check for agent expectations, not customer ones`, ""}}},
		{"expect/assigned_order empty", "+[[expect]]\nagent = \"li\"\nassigned_order = []\n",
			[]wantErr{{"scen.toml:14:18", `expect[0].assigned_order: empty array`, "assignments = 0"}}},
		{"expect/in_hours type", "+[[expect]]\nagent = \"li\"\nin_hours = 1\n",
			[]wantErr{{"scen.toml:14:12", `expect[0].in_hours: want a boolean, got an integer`, ""}}},

		{"bot/no way out", "[bot]\nchannels = [\"whatsapp\"]\n",
			[]wantErr{{"scen.toml:1:2", `bot: no conversation ever reaches a human`, `keywords = ["human"]`}}},
		{"bot/unknown channel", "[bot]\nchannels = [\"whatsap\"]\nkeywords = [\"human\", \" \"]\n",
			[]wantErr{{"scen.toml:2:13", `bot.channels[0]: unknown channel "whatsap"`, `did you mean "whatsapp"?`}, {"scen.toml:3:22", `bot.keywords[1]: empty keyword`, ""}}},
		{"bot/idle too long", "[bot]\nhandoff_after = \"5m\"\nidle_after = \"25h\"\n",
			[]wantErr{{"scen.toml:3:14", `bot.idle_after: 1d1h is out of range`, "24 hours"}}},
		{"bot/unknown key", "[bot]\nkeyword = [\"human\"]\n",
			[]wantErr{{"scen.toml:2:1", `unknown key "keyword" in [bot]`, `did you mean "keywords"?`}}},

		{"workstreams/refs", "+[[workstreams]]\nname = \"s\"\nchannels = [\"whatsapp\"]\nfallback = \"vp\"\nrules = [{group = \"vipp\"}, {languages = [\"\"]}]\n",
			[]wantErr{{"scen.toml:15:12", `workstreams[0].fallback: unknown group "vp"`, `did you mean "vip"?`},
				{"scen.toml:16:19", `workstreams[0].rules[0].group: unknown group "vipp"`, ""},
				{"scen.toml:16:28", `workstreams[0].rules[1].group: missing`, `group = "vip"`},
				{"scen.toml:16:42", `workstreams[0].rules[1].languages[0]: empty value`, ""}}},
		{"workstreams/channel bound twice", "[[workstreams]]\nname = \"a\"\nchannels = [\"whatsapp\"]\n[[workstreams]]\nname = \"a\"\nchannels = [\"whatsapp\"]\n",
			[]wantErr{{"scen.toml:5:8", `workstreams[1].name: duplicate workstream name "a"`, ""}, {"scen.toml:6:13", `channel "whatsapp" is already bound to workstream "a"`, ""}}},
		{"workstreams/unknown rule key", "[[workstreams]]\nname = \"a\"\nrules = [{group = \"default\", language = [\"es\"]}]\n",
			[]wantErr{{"scen.toml:3:30", `unknown key "language" in [[workstreams.rules]]`, `did you mean "languages"?`}}},
		{"customer/attributes type", "[[customers]]\nid = \"c\"\nattributes = {tier = 1}\n",
			[]wantErr{{"scen.toml:3:22", `customers[0].attributes.tier: want a string, got an integer`, ""}}},

		// Working hours.
		{"hours/unknown zone", "[tenant]\nzone = \"Asia/Shangai\"\n",
			[]wantErr{{"scen.toml:2:8", `tenant.zone: unknown time zone "Asia/Shangai"`, `did you mean "Asia/Shanghai"?`}}},
		{"tenant/phone region", "[tenant]\nphone_region = \"UK\"\n",
			[]wantErr{{"scen.toml:2:16", `tenant.phone_region: unknown region "UK": want the region code of a country or territory`, `did you mean "GB"?`}}},
		{"tenant/phone region country code", "[tenant]\nphone_region = \"886\"\n",
			[]wantErr{{"scen.toml:2:16", `tenant.phone_region: unknown region "886"`, `not a country calling code`}}},
		{"tenant/phone region typo", "[tenant]\nphone_region = \"USA\"\n",
			[]wantErr{{"scen.toml:2:16", `tenant.phone_region: unknown region "USA"`, `did you mean "US"? region codes have two letters`}}},
		{"tenant/phone region alpha-3", "[tenant]\nphone_region = \"chn\"\n",
			[]wantErr{{"scen.toml:2:16", `tenant.phone_region: unknown region "chn"`, `did you mean "CN"?`}}},
		{"tenant/empty phone region", "[tenant]\nphone_region = \"\"\n",
			[]wantErr{{"scen.toml:2:16", `tenant.phone_region: empty value`, ""}}},
		{"hours/zone case", "[schedules.x]\nzone = \"europe/berlin\"\n",
			[]wantErr{{"scen.toml:2:8", `schedules.x.zone: unknown time zone`, `did you mean "Europe/Berlin"? zone names are case-sensitive`}}},
		{"hours/Local refused", "[tenant]\nzone = \"Local\"\n",
			[]wantErr{{"scen.toml:2:8", `unknown time zone "Local"`, "IANA"}}},
		{"hours/bad clock", "[schedules.x]\nmon = [\"09:00-18:00\", \"25:00-26:00\"]\n",
			[]wantErr{{"scen.toml:2:23", `schedules.x.mon[1]: bad interval "25:00-26:00": "25:00" is out of range`, ""}}},
		{"hours/no dash", "[schedules.x]\ntue = [\"9-5\"]\n",
			[]wantErr{{"scen.toml:2:8", `schedules.x.tue[0]: bad interval "9-5": "9" is not a clock time HH:MM`, ""}}},
		{"hours/empty interval", "[schedules.x]\ntue = [\"09:00-09:00\"]\n",
			[]wantErr{{"scen.toml:2:8", `starts where it ends`, ""}}},
		{"hours/overlap", "[schedules.x]\nmon = [\"09:00-12:00\", \"11:00-18:00\"]\n",
			[]wantErr{{"scen.toml:2:23", `schedules.x.mon[1]: overlaps schedules.x.mon[0] on mon`, "merge"}}},
		{"hours/overnight overlaps next day", "[schedules.x]\nmon = [\"22:00-06:00\"]\ntue = [\"05:00-12:00\"]\n",
			[]wantErr{{"scen.toml:3:8", `schedules.x.tue[0]: overlaps schedules.x.mon[0] on tue`, ""}}},
		{"hours/off with intervals", "[schedules.x]\nsat = [\"10:00-14:00\"]\noff = [\"sat\", \"sn\"]\n",
			[]wantErr{{"scen.toml:3:8", `schedules.x.off[0]: sat is off but has intervals`, ""}, {"scen.toml:3:15", `unknown weekday "sn"`, `did you mean "sun"?`}}},
		{"hours/bad holiday", "[schedules.x]\nholidays = [\"2026-02-30\"]\n",
			[]wantErr{{"scen.toml:2:13", `bad date "2026-02-30"`, ""}}},
		{"hours/unknown schedule", "duration = \"1d\"\n[schedules.office]\n[[agents]]\nid = \"li\"\nschedule = \"ofice\"\n",
			[]wantErr{{"scen.toml:5:12", `agents[0].schedule: unknown schedule "ofice"`, `did you mean "office"?`}}},
		{"hours/zone without schedule", "[[agents]]\nid = \"li\"\nzone = \"UTC\"\n",
			[]wantErr{{"scen.toml:3:8", `agents[0].zone: the zone applies to the agent's schedule`, ""}}},
		{"hours/no duration", "[schedules.office]\nmon = [\"09:00-18:00\"]\n[[agents]]\nid = \"li\"\nschedule = \"office\"\n",
			[]wantErr{{"scen.toml:5:12", `needs a duration`, `duration = "3d"`}}},
		{"hours/ignore_hours type", "[[groups]]\nname = \"g\"\nignore_hours = \"true\"\n",
			[]wantErr{{"scen.toml:3:16", `groups[0].ignore_hours: want a boolean, got a string`, "without quotes"}}},
		{"hours/unknown key", "[schedules.x]\nmonday = [\"09:00-18:00\"]\n",
			[]wantErr{{"scen.toml:2:1", `unknown key "monday" in [schedules.x]`, ""}}},

		// Abandonment and patience.
		{"abandon/with says", "+[[steps]]\ncustomer = \"u1\"\nsays = \"x\"\nabandon = true\n",
			[]wantErr{{"scen.toml:15:11", "steps[0]: a customer step that abandons sends nothing", "one step for each"}}},
		{"abandon/false", "+[[steps]]\ncustomer = \"u1\"\nabandon = false\n",
			[]wantErr{{"scen.toml:14:11", "steps[0].abandon: false does nothing", "abandon = true"}}},
		{"abandon/agent step", "+[[steps]]\nagent = \"li\"\nto = \"u1\"\nclose = true\nabandon = true\n",
			[]wantErr{{"scen.toml:16:11", "steps[0].abandon: only customer steps use abandon", "customer step"}}},
		{"patience/bad distribution", "[[traffic]]\nchannel = \"whatsapp\"\narrivals = \"poisson 1/m\"\nfor = \"1h\"\nmessages = 1\nhandle = \"exp 1m\"\npatience = \"exp\"\n",
			[]wantErr{{"scen.toml:7:12", `traffic[0].patience: bad distribution "exp"`, ""}}},
		{"patience/wrong type", "[[traffic]]\nchannel = \"whatsapp\"\narrivals = \"poisson 1/m\"\nfor = \"1h\"\nmessages = 1\nhandle = \"exp 1m\"\npatience = 60\n",
			[]wantErr{{"scen.toml:7:12", `traffic[0].patience: want a distribution string such as "exp 6m", got an integer`, ""}}},

		// Message-center steps and expectations.
		{"inbox/customer stars", "+[[steps]]\ncustomer = \"u1\"\nsays = \"x\"\nstar = true\n",
			[]wantErr{{"scen.toml:15:8", "steps[0].star: only agent steps use star", ""}}},
		{"inbox/two actions", "+[[steps]]\nagent = \"li\"\nto = \"u1\"\nstar = true\narchive = true\n",
			[]wantErr{{"scen.toml:16:11", "an agent step does one thing, got star and archive", "one step for each"}}},
		{"inbox/colour without tag", "+[[steps]]\nagent = \"li\"\nto = \"u1\"\nstar = true\ncolour = \"#B91C1C\"\n",
			[]wantErr{{"scen.toml:16:10", "steps[0].colour: a colour goes with tag", "tag = "}}},
		{"inbox/colour not in the palette", "+[[steps]]\nagent = \"li\"\nto = \"u1\"\ntag = \"VIP\"\ncolour = \"#123456\"\n",
			[]wantErr{{"scen.toml:16:10", `steps[0].colour: unknown value "#123456"; want one of: #`, ""}}},
		{"inbox/tag too long", "+[[steps]]\nagent = \"li\"\nto = \"u1\"\ntag = \"" + strings.Repeat("x", 51) + "\"\n",
			[]wantErr{{"scen.toml:15:7", "steps[0].tag: a tag has at most 50 characters, got 51", ""}}},
		{"inbox/rating out of range", "+[[steps]]\nagent = \"li\"\nto = \"u1\"\nrate = 6\n",
			[]wantErr{{"scen.toml:15:8", "steps[0].rate: a rating is 1 to 5, got 6", ""}}},
		{"inbox/unknown quick reply", "+[[quick_replies]]\nid = \"hello\"\ntitle = \"Hello\"\nbody = \"Hi {name}\"\n[[steps]]\nagent = \"li\"\nto = \"u1\"\nquick_reply = \"helo\"\n",
			[]wantErr{{"scen.toml:19:15", `steps[0].quick_reply: unknown quick reply "helo"`, `did you mean "hello"?`}}},
		{"inbox/quick reply blank body", "+[[quick_replies]]\nid = \"hello\"\ntitle = \"Hello\"\nbody = \"  \"\n",
			[]wantErr{{"scen.toml:15:8", "quick_replies[0].body: required, and not blank", "{name}"}}},
		{"inbox/quick reply eleven images", "+[[quick_replies]]\nid = \"q\"\ntitle = \"t\"\nbody = \"b\"\nimages = [" + strings.Repeat("{format = \"png\"}, ", 10) + "{format = \"png\"}]\n",
			[]wantErr{{"scen.toml:16:191", "quick_replies[0].images[10]: a quick reply has 11 images; at most 10", "at most 10 images"}}},
		{"inbox/expect unknown view", "+[[expect]]\ninbox = \"stared\"\nlisted = 1\n",
			[]wantErr{{"scen.toml:13:9", `expect[0].inbox: unknown value "stared"; want one of: all, unread, starred, archived`, `did you mean "starred"?`}}},
		{"inbox/expect without listed", "+[[expect]]\ninbox = \"all\"\nwith_phone = true\n",
			[]wantErr{{"scen.toml:12:1", "expect[0]: an inbox expectation checks listed", "listed = 2"}}},
		{"inbox/filter for a customer", "+[[expect]]\ncustomer = \"u1\"\nstarred = true\nwith_tag = \"VIP\"\n",
			[]wantErr{{"scen.toml:15:12", "expect[0].with_tag: with_tag is a check for inbox expectations, not customer ones", ""}}},
		{"inbox/phone not E.164", "+[[expect]]\ncustomer = \"u1\"\nphones = [\"0912-345-678\"]\n",
			[]wantErr{{"scen.toml:14:11", `expect[0].phones[0]: "0912-345-678" is not an E.164 number`, "+886912345678"}}},
		{"inbox/tag colour not in the palette", "+[[expect]]\ncustomer = \"u1\"\ntag_colours = {VIP = \"red\"}\n",
			[]wantErr{{"scen.toml:14:22", `expect[0].tag_colours.VIP: unknown value "RED"`, ""}}},
		{"auto-reply/no text", "+[[auto_replies]]\nname = \"hi\"\n",
			[]wantErr{{"scen.toml:12:1", "auto_replies[0].text: required, and not blank", "text ="}}},
		{"auto-reply/hours typo", "+[[auto_replies]]\nname = \"hi\"\ntext = \"x\"\nhours = \"outisde\"\n",
			[]wantErr{{"scen.toml:15:9", `auto_replies[0].hours: unknown value "outisde"; want one of: inside, outside`, `did you mean "outside"?`}}},
		{"auto-reply/unknown channel", "+[[auto_replies]]\nname = \"hi\"\ntext = \"x\"\nchannels = [\"whatsap\"]\n",
			[]wantErr{{"scen.toml:15:13", `auto_replies[0].channels[0]: unknown channel "whatsap"`, `did you mean "whatsapp"?`}}},
		{"auto-reply/duplicate name", "+[[auto_replies]]\nname = \"hi\"\ntext = \"x\"\n[[auto_replies]]\nname = \"hi\"\ntext = \"y\"\n",
			[]wantErr{{"scen.toml:16:8", `auto_replies[1].name: duplicate auto-reply name "hi" (also auto_replies[0])`, ""}}},
		{"service/empty", "+[service]\n",
			[]wantErr{{"scen.toml:12:2", "service: no limit set", "max_waiting = 10"}}},
		{"service/negative", "+[service]\nmax_waiting = -1\n",
			[]wantErr{{"scen.toml:13:15", "service.max_waiting: negative", ""}}},
		{"history/unknown agent", "+[[expect]]\nhistory = \"lu\"\nlisted = 1\n",
			[]wantErr{{"scen.toml:13:11", `expect[0].history: unknown agent "lu"`, `did you mean "li"?`}}},
		{"history/without listed", "+[[expect]]\nhistory = \"li\"\nkeyword = \"refund\"\n",
			[]wantErr{{"scen.toml:12:1", "expect[0]: a history expectation checks listed", "listed = 2"}}},
		{"history/rating out of range", "+[[expect]]\nhistory = \"li\"\nrating = 6\nlisted = 0\n",
			[]wantErr{{"scen.toml:14:10", "expect[0].rating: 6 is not a rating", "1 to 5"}}},
		{"history/rating and unrated", "+[[expect]]\nhistory = \"li\"\nrating = 5\nunrated = true\nlisted = 0\n",
			[]wantErr{{"scen.toml:15:11", "expect[0]: rating and unrated together find nothing", "use one of rating and unrated"}}},
		{"history/an inbox filter", "+[[expect]]\nhistory = \"li\"\nwith_tag = \"VIP\"\nlisted = 0\n",
			[]wantErr{{"scen.toml:14:12", "expect[0].with_tag: with_tag is a check for inbox expectations, not history ones", ""}}},
		{"eligible/metric typo", "[[expect]]\nmetric = \"fairness.eligible_sprad\"\nmax = 1\n",
			[]wantErr{{"scen.toml:2:10", `expect[0].metric: unknown value "fairness.eligible_sprad"`, `did you mean "fairness.eligible_spread"?`}}},
		{"traffic/zero for", "[[traffic]]\nchannel = \"whatsapp\"\narrivals = \"poisson 1/m\"\nfor = \"0s\"\nmessages = 2\nhandle = \"exp 1m\"\n",
			[]wantErr{{"scen.toml:4:7", "traffic[0].for: must not be empty or zero", ""}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := tt.src
			if strings.HasPrefix(src, "+") {
				src = base + src[1:]
			}
			s, err := testFormat.Parse("scen.toml", []byte(src))
			if err == nil {
				t.Fatalf("no error; parsed %s", dump(s))
			}
			var list ErrorList
			if !errors.As(err, &list) {
				t.Fatalf("error %T is not an ErrorList: %v", err, err)
			}
			if len(list) != len(tt.want) {
				t.Fatalf("got %d errors, want %d:\n%v", len(list), len(tt.want), err)
			}
			for i, w := range tt.want {
				e := list[i]
				at := e.File + ":" + strconv.Itoa(e.Line) + ":" + strconv.Itoa(e.Col)
				if at != w.at || !strings.Contains(e.Msg, w.msg) || !strings.Contains(e.Hint, w.hint) {
					t.Errorf("error %d = %v\nwant %s: ...%s... (...%s...)", i, e, w.at, w.msg, w.hint)
				}
			}
		})
	}
}

func TestMultipleErrors(t *testing.T) {
	src := `nmae = "x"
seed = 1

[tenant]
split = "regoin"

[[agents]]
id = "li"
capacity = 0

[[customers]]
id = "u1"

[[steps]]
agent = "Li"
to = "u2"
says = "hi"

[[expect]]
customer = "u1"
`
	_, err := testFormat.Parse("m.toml", []byte(src))
	want := []string{
		`m.toml:1:1: unknown key "nmae" in the top level (did you mean "name"?)`,
		`m.toml:5:9: tenant.split: unknown value "regoin"; want one of: none, entry_page, region, store (did you mean "region"?)`,
		`m.toml:9:12: agents[0].capacity: must be at least 1, got 0`,
		`m.toml:15:9: steps[0].agent: unknown agent "Li" (did you mean "li"?)`,
		`m.toml:16:6: steps[0].to: unknown customer "u2" (did you mean "u1"?)`,
		`m.toml:19:1: expect[0]: nothing to check for customer (set one of: state, assigned_to, group, close_reason, received, last_received, last_error, last_refusal, conversations, same_agent_as, other_agent_than, never_assigned_to, starred, archived, unread, tags, tag_colours, phones, from_ad, rating)`,
	}
	if err == nil || err.Error() != strings.Join(want, "\n") {
		t.Errorf("got:\n%v\nwant:\n%s", err, strings.Join(want, "\n"))
	}
}

func TestMultipleTypeErrors(t *testing.T) {
	src := "seed = \"1\"\nduration = \"1 week\"\n[[agents]]\nid = 7\ncapacity = 1.5\n"
	_, err := testFormat.Parse("t.toml", []byte(src))
	want := []string{
		`t.toml:1:8: seed: want an integer, got a string (write the number without quotes)`,
		`t.toml:2:12: duration: bad duration "1 week": unknown unit "week" (d, h, m, s, ms)`,
		`t.toml:4:6: agents[0].id: want a string, got an integer`,
		`t.toml:5:12: agents[0].capacity: want an integer, got a float`,
	}
	if err == nil || err.Error() != strings.Join(want, "\n") {
		t.Errorf("got:\n%v\nwant:\n%s", err, strings.Join(want, "\n"))
	}
}

func TestUnknownKeySuppressesItsTable(t *testing.T) {
	// The misspelt key explains the step's other problems; they are not
	// reported. The expectation's problem is.
	src := base + "[[steps]]\nagnet = \"li\"\nto = \"u1\"\nsays = \"x\"\n[[expect]]\nagent = \"nobody\"\nactive = 1\n"
	_, err := testFormat.Parse("scen.toml", []byte(src))
	want := []string{
		`scen.toml:13:1: unknown key "agnet" in [[steps]] (did you mean "agent"?)`,
		`scen.toml:17:9: expect[0].agent: unknown agent "nobody" (agents: li, wang)`,
	}
	if err == nil || err.Error() != strings.Join(want, "\n") {
		t.Errorf("got:\n%v\nwant:\n%s", err, strings.Join(want, "\n"))
	}
}

func TestTooManyErrors(t *testing.T) {
	var b strings.Builder
	for i := 0; i < 30; i++ {
		b.WriteString("[[agents]]\nid = \"a\"\ncapacity = 0\n")
	}
	_, err := testFormat.Parse("x.toml", []byte(b.String()))
	var list ErrorList
	if !errors.As(err, &list) {
		t.Fatalf("err = %v", err)
	}
	if len(list) != maxErrors+1 {
		t.Fatalf("got %d errors, want %d", len(list), maxErrors+1)
	}
	if last := list[maxErrors]; !strings.Contains(last.Msg, "too many errors") || last.Line < 1 {
		t.Errorf("last error = %v", last)
	}
}

// TestDecodeErrorFallback checks the translation of the decoder's own
// errors, which Parse reports if the shape check ever lets one through.
func TestDecodeErrorFallback(t *testing.T) {
	for _, tt := range []struct {
		src  string
		want string
	}{
		{"seed = 1\n[[agents]]\ncapacity = \"x\"\n", `d.toml:3:1: agents.capacity: want an integer, got a string`},
		{"seed = 1\nduration = \"5x\"\n", `d.toml:2:13: duration: bad duration "5x": unknown unit "x" (d, h, m, s, ms)`},
	} {
		_, err := toml.Decode(tt.src, &Scenario{})
		if err == nil {
			t.Fatalf("%q: the decoder accepted it", tt.src)
		}
		r := &reporter{file: "d.toml", ix: indexPositions(tt.src)}
		r.decodeError(tt.src, err)
		if got := r.errs.Error(); got != tt.want {
			t.Errorf("decoder error %q\n got %s\nwant %s", err, got, tt.want)
		}
	}
}

func TestErrorFields(t *testing.T) {
	src := base + "[[steps]]\ncustomer = \"u1\"\nsays = \"a\"\n[[steps]]\ncustomer = \"u1\"\nsays = 1\n"
	_, err := testFormat.Parse("scen.toml", []byte(src))
	var list ErrorList
	if !errors.As(err, &list) || len(list) != 1 {
		t.Fatalf("err = %v", err)
	}
	if e := list[0]; e.Field != "steps[1].says" || e.Line != 17 || e.Col != 8 {
		t.Errorf("got %+v", *e)
	}
}
