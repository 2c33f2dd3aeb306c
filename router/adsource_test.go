package router

import (
	"testing"
	"time"
)

// An inbound message's AdSource becomes the customer's profile ad source
// before routing (a workstream rule on it matches the conversation it
// opens) and the inbound event's Detail.
func TestInboundAdSource(t *testing.T) {
	e := newEngine(t, Config{
		Groups:      []GroupConfig{{Name: "ads"}, {Name: "general"}},
		Agents:      []AgentConfig{{ID: "lin", Capacity: 1, Groups: []string{"ads"}, NoReception: true}, {ID: "chen", Capacity: 1, Groups: []string{"general"}, NoReception: true}},
		Workstreams: []Workstream{{Name: "social", Fallback: "general", Rules: []Rule{{Group: "ads", AdSources: []string{"ad-42"}}}}},
	}, "lin", "chen")
	id, err := e.Receive(at(0), Inbound{Customer: key("a"), MessageID: "m1", AdSource: "ad-42"})
	if err != nil {
		t.Fatal(err)
	}
	if c, _ := e.Conversation(id); c.Group != "ads" || c.Agent != "lin" {
		t.Errorf("from the ad: group %q agent %q", c.Group, c.Agent)
	}
	if c := receive(t, e, at(time.Second), "b"); c.Group != "general" || c.Agent != "chen" {
		t.Errorf("no ad: group %q agent %q", c.Group, c.Agent)
	}
	found := false
	for _, ev := range e.Events(nil) {
		if ev.Kind == EventInbound && ev.Message == "m1" {
			found = ev.Detail == "ad-42"
		}
	}
	if !found {
		t.Error("the inbound event does not carry the ad source")
	}
}
