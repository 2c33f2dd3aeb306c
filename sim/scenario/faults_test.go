package scenario

import (
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/omnisim/omnisim/fakes/fault"
)

func TestFaultsParse(t *testing.T) {
	src := `[channels.whatsapp.faults]
duplicate = 0.2
reorder = 0.1
late = 0.3
late_by = "90s"
timeouts = 0.1
errors = 0.05
send_429 = 0.2
send_5xx = 0.1
[channels.wechat.faults]
duplicate = 1
`
	s, err := testFormat.Parse("f.toml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	want := fault.Plan{Duplicate: 0.2, Reorder: 0.1, Late: 0.3, LateBy: 90 * time.Second, Timeouts: 0.1, Errors: 0.05, Send429: 0.2, Send5xx: 0.1}
	if got := s.Channels["whatsapp"].Faults.Plan(); got != want {
		t.Errorf("whatsapp plan = %+v, want %+v", got, want)
	}
	if got := s.Channels["wechat"].Faults.Plan(); got != (fault.Plan{Duplicate: 1}) {
		t.Errorf("wechat plan = %+v", got)
	}
	if err := s.Channels["whatsapp"].Faults.Plan().Check(); err != nil {
		t.Errorf("a valid table gave a plan that fails its check: %v", err)
	}
	var none *Faults
	if !none.Plan().Zero() {
		t.Error("no table, yet faults")
	}
	roundTrip(t, s)
}

func TestFaultsErrors(t *testing.T) {
	for _, tt := range []struct {
		name string
		src  string
		want []wantErr
	}{
		{"unknown key", "[channels.whatsapp.faults]\nduplicat = 0.1\n",
			[]wantErr{{"scen.toml:2:1", `unknown key "duplicat" in [channels.whatsapp.faults]`, `did you mean "duplicate"?`}}},
		{"string share", "[channels.whatsapp.faults]\nlate = \"0.1\"\n",
			[]wantErr{{"scen.toml:2:8", "channels.whatsapp.faults.late: want a number, got a string", "write the number without quotes"}}},
		{"share above 1", "[channels.wechat.faults]\nduplicate = 1.5\n",
			[]wantErr{{"scen.toml:2:13", "channels.wechat.faults.duplicate: 1.5 is outside 0..1", "one in ten"}}},
		{"negative share", "[channels.wechat.faults]\nsend_429 = -0.1\n",
			[]wantErr{{"scen.toml:2:12", "channels.wechat.faults.send_429: -0.1 is outside 0..1", ""}}},
		{"every try fails", "[channels.whatsapp.faults]\nerrors = 1\n",
			[]wantErr{{"scen.toml:2:10", "nothing reaches the router", "share below 1"}}},
		{"tries add up", "[channels.whatsapp.faults]\ntimeouts = 0.7\nerrors = 0.5\n",
			[]wantErr{{"scen.toml:3:10", "add up to more than 1", "timeouts + errors"}}},
		{"sends add up", "[channels.whatsapp.faults]\nsend_429 = 0.7\nsend_5xx = 0.5\n",
			[]wantErr{{"scen.toml:3:12", "add up to more than 1", "send_429 + send_5xx"}}},
		{"late_by alone", "[channels.whatsapp.faults]\ntimeouts = 0.1\nlate_by = \"1m\"\n",
			[]wantErr{{"scen.toml:3:11", "nothing is delayed", "set late, reorder or duplicate"}}},
		{"late_by zero", "[channels.whatsapp.faults]\nlate = 0.1\nlate_by = \"0s\"\n",
			[]wantErr{{"scen.toml:3:11", "must be longer than 0s", "default of 2m"}}},
		{"late_by too long", "[channels.whatsapp.faults]\nlate = 0.1\nlate_by = \"8d\"\n",
			[]wantErr{{"scen.toml:3:11", "out of range: at most 7d", ""}}},
		{"late_by not a duration", "[channels.whatsapp.faults]\nlate = 0.1\nlate_by = \"soon\"\n",
			[]wantErr{{"scen.toml:3:11", "channels.whatsapp.faults.late_by: bad duration", ""}}},
		{"faults not a table", "[channels.whatsapp]\nfaults = 0.1\n",
			[]wantErr{{"scen.toml:2:10", "channels.whatsapp.faults: want a table, got a float", ""}}},
		{"restart with a customer", base + "[[steps]]\nat = \"1m\"\nrestart_router = true\ncustomer = \"u1\"\n",
			[]wantErr{{"scen.toml:15:12", "steps[0].customer: a restart_router step does nothing else", "a step of its own"}}},
		{"restart not a boolean", "[[steps]]\nrestart_router = \"yes\"\n",
			[]wantErr{{"scen.toml:2:18", "steps[0].restart_router: want a boolean, got a string", ""}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, err := testFormat.Parse("scen.toml", []byte(tt.src))
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
					t.Errorf("error %d = %v (hint %q)\nwant %s: ...%s... (...%s...)", i, e, e.Hint, w.at, w.msg, w.hint)
				}
			}
		})
	}
}

func TestRestartStep(t *testing.T) {
	s, err := testFormat.Parse("r.toml", []byte(base+"[[steps]]\nat = \"1m\"\nrestart_router = true\n"))
	if err != nil {
		t.Fatal(err)
	}
	if st := s.Steps[0]; !st.RestartRouter || st.At.D() != time.Minute {
		t.Errorf("step = %+v", st)
	}
	roundTrip(t, s)
}

// FuzzFaults parses arbitrary text as a channel's faults table: it never
// panics, and a table that parses gives a plan the fault package accepts
// and survives a round trip.
func FuzzFaults(f *testing.F) {
	for _, s := range []string{
		"duplicate = 0.2\nreorder = 0.1\nlate = 0.3\nlate_by = \"90s\"\n",
		"timeouts = 0.5\nerrors = 0.5\n",
		"send_429 = 1\n",
		"errors = 1\n",
		"late_by = \"1m\"\n",
		"duplicate = nan\n",
		"late = 1e400\n",
		"reorder = -0.0\nlate_by = \"1ms\"\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, table []byte) {
		src := append([]byte("[channels.whatsapp.faults]\n"), table...)
		s, err := testFormat.Parse("fuzz.toml", src)
		if err != nil {
			return
		}
		ch := s.Channels["whatsapp"]
		if ch == nil {
			return
		}
		if err := ch.Faults.Plan().Check(); err != nil {
			t.Fatalf("parsed, but the plan fails its check: %v\n%s", err, src)
		}
		out, err := testFormat.Encode(s)
		if err != nil {
			t.Fatalf("Encode: %v", err)
		}
		back, err := testFormat.Parse("again.toml", out)
		if err != nil {
			t.Fatalf("Parse(Encode(s)): %v\n%s", err, out)
		}
		if got, want := back.Channels["whatsapp"].Faults, ch.Faults; !reflect.DeepEqual(got, want) {
			t.Fatalf("round trip changed the faults: %+v, want %+v", got, want)
		}
	})
}
