package inbox

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/omnisim/omnisim/router"
)

// answered applies a conversation opened and assigned at open, answered by
// agent at reply.
func answered(ib *Inbox, id router.ConversationID, agent string, open, reply time.Duration) {
	c := fmt.Sprintf("u%d", id)
	ib.Apply(ev(open, router.EventOpened, id, c, ""))
	ib.Apply(ev(open, router.EventInbound, id, c, ""))
	ib.Apply(ev(open, router.EventAssigned, id, c, agent))
	ib.Apply(ev(reply, router.EventSent, id, c, agent))
}

func TestFiguresAndWarningHysteresis(t *testing.T) {
	var got []Warning
	ib := New(Config{
		Window:   10 * time.Minute,
		Standard: Standard{FirstResponseP90: time.Minute, MaxWaiting: 2, Clear: 0.5},
		OnWarning: func(w Warning) {
			got = append(got, w)
		},
	})
	m := time.Minute
	s := time.Second
	type want struct {
		p90, mean time.Duration
		answered  int
		waiting   int
		raised    []Metric // raised now, by metric order
		warnings  int      // warnings so far
	}
	steps := []struct {
		name string
		do   func()
		at   time.Duration
		want want
	}{
		{"within standard", func() { answered(ib, 1, "a1", 0, 30*s) }, 30 * s,
			want{30 * s, 30 * s, 1, 0, nil, 0}},
		{"breach raises", func() { answered(ib, 2, "a2", m, 3*m) }, 3 * m,
			want{120 * s, 75 * s, 2, 0, []Metric{MetricFirstResponseP90}, 1}},
		{"still above", func() { answered(ib, 3, "a1", 4*m, 4*m+50*s) }, 4*m + 50*s,
			want{120 * s, 200 * s / 3, 3, 0, []Metric{MetricFirstResponseP90}, 1}},
		{"below the limit, above the clear level: stays raised", func() {}, 13 * m,
			want{50 * s, 50 * s, 1, 0, []Metric{MetricFirstResponseP90}, 1}},
		{"a fast answer", func() { answered(ib, 4, "a2", 13*m, 13*m+20*s) }, 13*m + 20*s,
			want{50 * s, 35 * s, 2, 0, []Metric{MetricFirstResponseP90}, 1}},
		{"the slow one leaves the window: clears", func() {}, 14*m + 51*s,
			want{20 * s, 20 * s, 1, 0, nil, 2}},
		{"under the limit does not raise", func() { answered(ib, 5, "a1", 15*m, 15*m+50*s) }, 15*m + 50*s,
			want{50 * s, 35 * s, 2, 0, nil, 2}},
		{"above raises again", func() { answered(ib, 6, "a2", 16*m, 17*m+5*s) }, 17*m + 5*s,
			want{65 * s, 45 * s, 3, 0, []Metric{MetricFirstResponseP90}, 3}},
		{"three waiting", func() {
			for id := router.ConversationID(7); id <= 9; id++ {
				ib.Apply(ev(18*m, router.EventOpened, id, fmt.Sprint("u", id), ""))
				ib.Apply(ev(18*m, router.EventQueued, id, fmt.Sprint("u", id), ""))
			}
		}, 18 * m,
			want{65 * s, 45 * s, 3, 3, []Metric{MetricFirstResponseP90, MetricWaiting}, 4}},
		{"two waiting: stays raised", func() { ib.Apply(ev(19*m, router.EventAssigned, 7, "u7", "a1")) }, 19 * m,
			want{65 * s, 45 * s, 3, 2, []Metric{MetricFirstResponseP90, MetricWaiting}, 4}},
		{"one waiting: clears", func() { ib.Apply(ev(19*m, router.EventAssigned, 8, "u8", "a2")) }, 19 * m,
			want{65 * s, 45 * s, 3, 1, []Metric{MetricFirstResponseP90}, 5}},
		{"window empties: unreadable clears", func() {}, 28 * m,
			want{0, 0, 0, 1, nil, 6}},
	}
	for _, st := range steps {
		st.do()
		f := ib.Figures(at(st.at))
		var raised []Metric
		for _, w := range f.Warnings {
			raised = append(raised, w.Metric)
		}
		w := st.want
		if f.FirstResponseP90 != w.p90 || f.FirstResponseMean != w.mean || f.Answered != w.answered || f.Waiting != w.waiting ||
			!slices.Equal(raised, w.raised) || len(got) != w.warnings {
			t.Fatalf("%s: p90 %v mean %v answered %d waiting %d raised %v warnings %d; want %+v",
				st.name, f.FirstResponseP90, f.FirstResponseMean, f.Answered, f.Waiting, raised, len(got), w)
		}
	}
	wantLog := []struct {
		metric Metric
		raised bool
		at     time.Duration
		value  float64
	}{
		{MetricFirstResponseP90, true, 3 * m, 120},
		{MetricFirstResponseP90, false, 14*m + 51*s, 20},
		{MetricFirstResponseP90, true, 17*m + 5*s, 65},
		{MetricWaiting, true, 18 * m, 3},
		{MetricWaiting, false, 19 * m, 1},
		{MetricFirstResponseP90, false, 28 * m, 0},
	}
	log := ib.Warnings(0)
	if !reflect.DeepEqual(log, got) {
		t.Errorf("Warnings(0) = %+v, OnWarning got %+v", log, got)
	}
	for k, w := range wantLog {
		g := got[k]
		if g.Seq != uint64(k+1) || g.Metric != w.metric || g.Raised != w.raised || !g.At.Equal(at(w.at)) || g.Value != w.value {
			t.Errorf("warning %d = %+v, want %+v", k+1, g, w)
		}
	}
	if g := got[0]; g.Limit != 60 {
		t.Errorf("limit = %v", g.Limit)
	}
	if tail := ib.Warnings(4); len(tail) != 2 || tail[0].Seq != 5 {
		t.Errorf("Warnings(4) = %+v", tail)
	}
	f := ib.Figures(at(28 * m))
	if f.LongestWait != 10*m || f.Active != 8 {
		t.Errorf("longest wait %v active %d", f.LongestWait, f.Active)
	}
}

func TestAgentFigures(t *testing.T) {
	w := newWorld(t, 2, Config{Window: time.Hour})
	c1 := w.receive(0, "u1", "", "hi")
	c2 := w.receive(0, "u2", "", "hi")
	a1, a2 := w.agentOf(c1), w.agentOf(c2)
	if a1 == a2 {
		t.Fatalf("both on %s", a1)
	}
	w.send(30*time.Second, a1, "u1", "hello")
	w.send(40*time.Second, a1, "u1", "second message: not a first response")
	w.send(90*time.Second, a2, "u2", "hello")
	must(t, w.e.Close(at(2*time.Minute), a2, key("u2")))
	must(t, w.e.SetOnline(at(2*time.Minute), a2, false))
	w.ib.Sync(w.e)
	f := w.ib.Figures(at(3 * time.Minute))
	want := map[string]AgentFigures{
		a1: {Agent: a1, Online: true, Active: 1, Answered: 1, FirstResponseMean: 30 * time.Second},
		a2: {Agent: a2, Online: false, Active: 0, Answered: 1, FirstResponseMean: 90 * time.Second},
	}
	if len(f.Agents) != 2 || f.Agents[0].Agent != "a1" {
		t.Fatalf("agents = %+v", f.Agents)
	}
	for _, a := range f.Agents {
		if a != want[a.Agent] {
			t.Errorf("agent %+v, want %+v", a, want[a.Agent])
		}
	}
	if f.Active != 1 || f.Waiting != 0 || f.Answered != 2 || f.FirstResponseMean != time.Minute {
		t.Errorf("figures = %+v", f)
	}
}

func TestFirstResponseAfterBotHandoff(t *testing.T) {
	ib := New(Config{})
	ib.Apply(ev(0, router.EventOpened, 1, "u1", ""))
	ib.Apply(ev(0, router.EventBot, 1, "u1", ""))
	ib.Apply(ev(0, router.EventInbound, 1, "u1", ""))
	if f := ib.Figures(at(time.Minute)); f.WithBot != 1 || f.Waiting != 0 {
		t.Fatalf("with the bot: %+v", f)
	}
	ib.Apply(ev(5*time.Minute, router.EventHandoff, 1, "u1", ""))
	ib.Apply(ev(5*time.Minute, router.EventQueued, 1, "u1", ""))
	ib.Apply(ev(6*time.Minute, router.EventAssigned, 1, "u1", "a1"))
	ib.Apply(ev(7*time.Minute, router.EventSent, 1, "u1", "a1"))
	f := ib.Figures(at(7 * time.Minute))
	if f.FirstResponseMean != 2*time.Minute || f.Agents[0].FirstResponseMean != time.Minute {
		t.Errorf("first response %v, agent's %v; want 2m (since the hand-off) and 1m (since the assignment)",
			f.FirstResponseMean, f.Agents[0].FirstResponseMean)
	}
}

func TestSamplesBounded(t *testing.T) {
	ib := New(Config{MaxSamples: 8, Window: 24 * time.Hour})
	for k := range 100 {
		answered(ib, router.ConversationID(k+1), "a1", time.Duration(k)*2*time.Minute, time.Duration(k)*2*time.Minute+time.Duration(k)*time.Second)
	}
	f := ib.Figures(at(200 * time.Minute))
	if f.Answered != 8 || f.FirstResponseP90 != 99*time.Second || f.FirstResponseMean != 95500*time.Millisecond || f.Agents[0].Answered != 8 {
		t.Errorf("figures = %+v", f)
	}
	if n := len(ib.fig.samples) - ib.fig.head; n != 8 || cap(ib.fig.samples) > 256 {
		t.Errorf("samples held %d, capacity %d", n, cap(ib.fig.samples))
	}
}

// run drives a seeded scenario through a real engine and returns what the
// inbox shows.
func run(t *testing.T, seed uint64) (Result, Figures, []Warning, Result, map[View]Count) {
	w := newWorld(t, 3, Config{Standard: Standard{FirstResponseP90: 40 * time.Second, MaxWaiting: 3}, Window: 10 * time.Minute})
	rng := rand.New(rand.NewPCG(seed, 7))
	texts := []string{"hi", "my phone 0912-345-678", "mail a@b.tw", "運費?", "refund", "where is my order"}
	open := map[string]bool{}
	for k := range 300 {
		d := time.Duration(k) * 7 * time.Second
		c := fmt.Sprintf("u%d", rng.IntN(40))
		switch rng.IntN(5) {
		case 0, 1:
			id := w.receive(d, c, "N"+c, texts[rng.IntN(len(texts))])
			open[c] = true
			if rng.IntN(4) == 0 {
				must(t, w.ib.Star(at(d), id))
			}
		case 2:
			if conv, _, ok := w.e.Latest(key(c)); ok && conv.State == router.Assigned {
				w.send(d, conv.Agent, c, "answer "+texts[rng.IntN(len(texts))])
			}
		case 3:
			if conv, _, ok := w.e.Latest(key(c)); ok && conv.State == router.Assigned && rng.IntN(2) == 0 {
				must(t, w.e.Close(at(d), conv.Agent, key(c)))
				w.ib.Sync(w.e)
				must(t, w.ib.SetRating(at(d), conv.ID, 1+rng.IntN(5)))
				must(t, w.ib.Archive(at(d), conv.ID))
			}
		case 4:
			if conv, _, ok := w.e.Latest(key(c)); ok {
				must(t, w.ib.Tag(at(d), conv.ID, fmt.Sprint("t", rng.IntN(4))))
				w.ib.MarkRead(at(d), conv.ID)
			}
		}
	}
	end := at(300 * 7 * time.Second)
	list := w.ib.List(Filter{IncludeArchived: true}, Page{Limit: MaxLimit})
	hist := w.ib.History(Viewer{Agent: "a2"}, HistoryQuery{Keyword: "order"}, Page{})
	return list, w.ib.Figures(end), w.ib.Warnings(0), hist, w.ib.Counts(Filter{})
}

func TestDeterminism(t *testing.T) {
	l1, f1, w1, h1, c1 := run(t, 42)
	for range 3 {
		l2, f2, w2, h2, c2 := run(t, 42)
		if !reflect.DeepEqual(l1, l2) || !reflect.DeepEqual(f1, f2) || !reflect.DeepEqual(w1, w2) || !reflect.DeepEqual(h1, h2) || !reflect.DeepEqual(c1, c2) {
			t.Fatal("the same calls gave different results")
		}
	}
	if l1.Total == 0 || len(w1) == 0 || h1.Total == 0 || f1.Answered == 0 {
		t.Errorf("the scenario exercises too little: %d rows, %d warnings, %d history, %d answered", l1.Total, len(w1), h1.Total, f1.Answered)
	}
}

func TestConcurrentUse(t *testing.T) {
	w := newWorld(t, 4, Config{Standard: Standard{MaxWaiting: 1}, OnWarning: func(Warning) {}})
	var mu sync.Mutex // the world's message counter and the test's clock
	clock := time.Duration(0)
	tick := func() time.Duration {
		mu.Lock()
		defer mu.Unlock()
		clock += time.Second
		return clock
	}
	var wg sync.WaitGroup
	// Customers write and agents answer.
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := range 50 {
				d := tick()
				k := key(fmt.Sprintf("g%d-u%d", g, n%5))
				in := router.Inbound{Customer: k, MessageID: fmt.Sprintf("g%d-%d", g, n), Name: "N", Text: "call 0912-345-678"}
				id, err := w.e.Receive(at(d), in)
				if err != nil {
					t.Error(err)
					return
				}
				w.ib.AddInbound(at(d), id, in)
				if r, ok := w.ib.AutoReply(at(d), id, in, false); ok {
					_ = r
				}
				if c, _, ok := w.e.Latest(k); ok && c.State == router.Assigned {
					w.e.Send(t.Context(), at(d), c.Agent, k, router.Outbound{Kind: router.KindText, Text: "ok"})
					if n%7 == 0 {
						w.e.Close(at(d), c.Agent, k)
					}
				}
			}
		}()
	}
	// The event follower.
	stop := make(chan struct{})
	var follower sync.WaitGroup
	follower.Add(1)
	go func() {
		defer follower.Done()
		for {
			select {
			case <-stop:
				w.ib.Sync(w.e)
				return
			default:
				w.ib.Sync(w.e)
			}
		}
	}()
	// The web console.
	for g := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range 100 {
				d := tick()
				res := w.ib.List(Filter{View: Views()[k%4], Search: "0912"}, Page{Limit: 5})
				for _, r := range res.Rows {
					w.ib.MarkRead(at(d), r.ID)
					w.ib.Tag(at(d), r.ID, fmt.Sprint("t", g))
					w.ib.Star(at(d), r.ID)
					w.ib.Render(QuickReply{Title: "t", Body: "hi {name}"}, r.ID, "")
				}
				w.ib.SetTagColour(at(d), fmt.Sprint("t", k%3), DefaultPalette()[k%10])
				w.ib.Counts(Filter{})
				w.ib.Figures(at(d))
				w.ib.History(Viewer{Agent: "a1"}, HistoryQuery{Keyword: "call"}, Page{})
				w.ib.MarkUnreadWhere(at(d), Filter{Tag: "t1"})
				w.ib.Tags()
				w.ib.Warnings(0)
				w.ib.Stats()
			}
		}()
	}
	wg.Wait()
	close(stop)
	follower.Wait()
	var n int
	w.e.Conversations(func(router.Conversation) { n++ })
	if st := w.ib.Stats(); st.Conversations != n || st.Lost != 0 {
		t.Errorf("stats %+v, engine has %d conversations", st, n)
	}
}

func TestOnWarningMayCallTheInbox(t *testing.T) {
	var ib *Inbox
	var w *world
	var seen []Metric
	cfg := Config{Standard: Standard{MaxWaiting: 1}, OnWarning: func(wr Warning) {
		seen = append(seen, wr.Metric)
		ib.Figures(wr.At)
		ib.List(Filter{}, Page{})
		ib.Sync(w.e)
		ib.Advance(wr.At.Add(time.Second))
	}}
	w = newWorld(t, 0, cfg)
	ib = w.ib
	w.receive(0, "u1", "", "hi")
	w.receive(time.Second, "u2", "", "hi")
	if !slices.Equal(seen, []Metric{MetricWaiting}) {
		t.Errorf("warnings %v", seen)
	}
}
