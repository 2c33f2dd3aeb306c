package douyin

import (
	"context"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/omnisim/omnisim/router"
	"github.com/omnisim/omnisim/sim"
	"github.com/omnisim/omnisim/sim/scenario"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		s    Settings
		want string // "" for valid
	}{
		{"defaults", Settings{}, ""},
		{"credentials", Settings{ClientKey: "awq3x8kd2m7v5npz", ClientSecret: "5b8e2f9c41d37a06e1f4c8b2d9a35e70", AccountOpenID: "_000abc"}, ""},
		{"client key", Settings{ClientKey: "tt123"}, "client_key"},
		{"client secret", Settings{ClientSecret: "XYZ"}, "client_secret"},
		{"account", Settings{AccountOpenID: "has space"}, "account_open_id"},
		{"rate", Settings{RateLimit: -1}, "rate_limit"},
		{"token ttl", Settings{TokenTTL: scenario.Duration(-time.Second)}, "token_ttl"},
		{"repeats", Settings{Repeats: 11}, "repeats"},
		{"lost answers", Settings{LostAnswers: 5}, "lost_answers"},
		{"lost answers of 4", Settings{LostAnswers: 4}, ""},
		{"envelope data", Settings{Envelope: "data"}, ""},
		{"envelope err_no", Settings{Envelope: "err_no"}, ""},
		{"envelope unknown", Settings{Envelope: "errno"}, "envelope"},
		{"window code", Settings{WindowCode: 28003019}, ""},
		{"window code of the quota", Settings{WindowCode: 28003017}, ""},
		{"window code of a bad parameter", Settings{WindowCode: 28001007}, "window_code"},
		{"window code of the rate", Settings{WindowCode: 28003018}, "window_code"},
		{"window code of an expired token", Settings{WindowCode: 28001008}, "window_code"},
		{"window code of the scope", Settings{WindowCode: 28001012}, "window_code"},
		{"window code of busy", Settings{WindowCode: 2100004}, "window_code"},
		{"negative window code", Settings{WindowCode: -1}, "window_code"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ps := validate(&tt.s)
			var got []string
			for _, p := range ps {
				got = append(got, p.Key+": "+p.Msg)
			}
			switch {
			case tt.want == "" && len(ps) > 0:
				t.Errorf("problems %v", got)
			case tt.want != "" && (len(ps) != 1 || !strings.HasPrefix(got[0], tt.want)):
				t.Errorf("problems %v, want one of %q", got, tt.want)
			case tt.want != "" && tt.want != "client_secret" && tt.want != "token_ttl" && ps[0].Hint == "":
				t.Errorf("problem %v without a hint", got)
			}
		})
	}
}

func TestCheckOpenID(t *testing.T) {
	for _, ok := range []string{"_000Iuoq1hxt4Kva16Y6szdms7qujIqiwvOx", "ba253642-0590-40bc-9bdf-9a1334b94059", "@72MqHzC5/A1Wn+=="} {
		if p, _ := checkOpenID(ok); p != "" {
			t.Errorf("%q refused: %s", ok, p)
		}
	}
	for _, bad := range []string{"", "has space", "中文", strings.Repeat("o", 129)} {
		if p, _ := checkOpenID(bad); p == "" {
			t.Errorf("%q accepted", bad)
		}
	}
	var b binding
	if h := b.NewHandle(1); !strings.HasPrefix(h, "_000") || len(h) != 36 || h == b.NewHandle(2) {
		t.Errorf("NewHandle(1) = %q", h)
	}
}

func TestModelled(t *testing.T) {
	var b binding
	text := &router.Outbound{Kind: router.KindText, Text: "x"}
	file := &router.Outbound{Kind: router.KindAttachment, Attachment: &router.Attachment{Kind: "image"}}
	for _, tt := range []struct {
		code string
		m    *router.Outbound
		want bool
	}{
		{"28003017", text, true}, {"28003017", nil, true}, {"28001007", file, true}, {"28001007", text, false},
		{"28001008", text, false}, {"28001012", text, false}, {"28003018", text, false}, {"", text, false},
	} {
		if got := b.Modelled(tt.code, tt.m); got != tt.want {
			t.Errorf("Modelled(%q, %v) = %v, want %v", tt.code, tt.m, got, tt.want)
		}
	}
	// A window_code of the scenario's is the window's; 28003017 stays the
	// reply count's.
	b.windowCode = "28003019"
	for code, want := range map[string]bool{"28003019": true, "28003017": true, "28003018": false, "": false} {
		if got := b.Modelled(code, text); got != want {
			t.Errorf("window_code 28003019: Modelled(%q) = %v, want %v", code, got, want)
		}
	}
}

// world is a platform opened by hand on a network, with an engine that
// was told nothing of the customers' profiles: what it knows of them came
// by the wire.
type world struct {
	now    time.Time
	engine *router.Engine
	b      sim.Binding
}

func openWorld(t *testing.T, network sim.Network, settings string) *world {
	t.Helper()
	f := &scenario.Format{Channels: []scenario.ChannelSpec{Platform.Spec}}
	sc, err := f.Parse("t.toml", []byte(settings+"[[agents]]\nid = \"a\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	w := &world{now: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)}
	pol := Platform.Policy()
	w.engine, err = router.New(router.Config{Split: router.SplitRegion, Policies: map[string]router.Policy{"douyin": pol},
		Groups: []router.GroupConfig{{Name: "hz", Regions: []string{"hangzhou"}}},
		Agents: []router.AgentConfig{{ID: "hq", Capacity: 5}, {ID: "li", Capacity: 5, Groups: []string{"hz"}, NoReception: true}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range []string{"hq", "li"} {
		w.engine.SetOnline(w.now, a, true)
	}
	env := sim.Env{Clock: func() time.Time { return w.now }, Seed: 9, Network: network, Receiver: w.engine}
	if network == sim.Memory {
		tr := sim.NewTransport()
		env.Client = &http.Client{Transport: tr}
		env.Mount = func(part string, h http.Handler) (string, error) {
			tr.Handle(part+".douyin.omnisim", h)
			return "http://" + part + ".douyin.omnisim", nil
		}
	}
	ch := sc.Channels["douyin"]
	if ch == nil {
		ch = &scenario.Channel{Settings: &Settings{}}
	}
	w.b, err = Platform.Open(context.Background(), env, ch)
	if err != nil {
		t.Fatal(err)
	}
	w.engine.Handle("douyin", w.b.Sender())
	return w
}

// play runs one script and returns what happened, as text.
func (w *world) play(t *testing.T) []string {
	ctx := context.Background()
	var out []string
	hz, other := w.b.NewHandle(1), w.b.NewHandle(2)
	say := func(who, text string, prof router.Profile) {
		in, err := w.b.Inbound(ctx, who, "name", sim.Message{Text: text, Profile: prof})
		out = append(out, fmt.Sprintf("%s says %q: %d %v", who, text, in.Status, err))
	}
	send := func(agent, to, text string) {
		key := router.CustomerKey{Channel: "douyin", Account: w.b.Account(), Customer: to}
		res, err := w.engine.Send(ctx, w.now, agent, key, router.Outbound{Kind: router.KindText, Text: text})
		msg := ""
		if res.Err != nil {
			msg = res.Err.Error()
		}
		out = append(out, fmt.Sprintf("%s to %s %q: refusal %q, error %q, %v", agent, to, text, res.Refusal, msg, err))
	}
	// flush moves the clock on by d, sending the retries and repeats on
	// their way at their times.
	flush := func(d time.Duration) {
		end := w.now.Add(d)
		for {
			due, ok := w.b.NextDeadline()
			if !ok || due.After(end) {
				break
			}
			w.now = due
			if err := w.b.Flush(ctx); err != nil {
				out = append(out, "flush: "+err.Error())
			}
		}
		w.now = end
	}
	say(hz, "你好", router.Profile{Region: "hangzhou", EntryPage: "pages/index"})
	say(other, "hello", router.Profile{Region: "ningbo"})
	for i := 1; i <= 6; i++ {
		send("li", hz, fmt.Sprint("reply ", i))
	}
	flush(time.Minute)
	send("hq", other, "hi")
	flush(48 * time.Hour)
	send("hq", other, "late")
	say(other, "again", router.Profile{})
	send("hq", other, "again")
	flush(time.Minute)
	for _, who := range []string{hz, other} {
		c, n, _ := w.engine.Latest(router.CustomerKey{Channel: "douyin", Account: w.b.Account(), Customer: who})
		out = append(out, fmt.Sprintf("%s: %d conversations, group %s, agent %s, inbound %d", who, n, c.Group, c.Agent, c.Inbound))
		for _, d := range w.b.Device(who) {
			out = append(out, fmt.Sprintf("  %s %s %q", d.At.Format(time.RFC3339), d.Kind, d.Text))
		}
	}
	s := w.b.Stats()
	out = append(out, fmt.Sprintf("delivered %d, duplicates %d, rejected %d", s.Delivered, s.Duplicates, s.Rejected))
	return out
}

// The same script gives the same deliveries, refusals, routing and dedupe
// in memory (bytes, signatures, tokens) and directly (values), in either
// envelope of the send's answers.
func TestDirectMatchesMemory(t *testing.T) {
	const settings = "[channels.douyin]\nrepeats = 1\nlost_answers = 1\nsend_events = true\n"
	mem := openWorld(t, sim.Memory, settings).play(t)
	direct := openWorld(t, sim.Direct, settings).play(t)
	if !reflect.DeepEqual(mem, direct) {
		t.Fatalf("memory:\n%s\ndirect:\n%s", strings.Join(mem, "\n"), strings.Join(direct, "\n"))
	}
	if errNo := openWorld(t, sim.Memory, settings+"envelope = \"err_no\"\n").play(t); !reflect.DeepEqual(mem, errNo) {
		t.Fatalf("data envelope:\n%s\nerr_no envelope:\n%s", strings.Join(mem, "\n"), strings.Join(errNo, "\n"))
	}
	got := strings.Join(mem, "\n")
	for _, want := range []string{
		// The region came by the wire: the engine was told nothing.
		"group hz, agent li, inbound 1",
		"group default, agent hq, inbound 2",
		`li to ` + mem[0][:36] + ` "reply 6": refusal "reply_limit"`,
		`"late": refusal "window_closed"`,
		// Each webhook went three times (a lost answer, its retry, a
		// repeat): two duplicates for each of the 3 messages and the 7
		// im_send_msg events of the replies.
		"delivered 7, duplicates 20, rejected 0",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("no %q in\n%s", want, got)
		}
	}
}
