package sim

import "testing"

// TestSolo: a world switches its engine's, adapters' and fakes' locks off
// (solo) on the networks its own goroutine alone drives, memory and
// direct, and not where servers' goroutines call them (loopback, serve) or
// an app outside the world receives a platform's webhooks.
func TestSolo(t *testing.T) {
	for _, c := range []struct {
		network  Network
		webhooks map[string]string
		want     bool
	}{
		{"", nil, true}, // memory, the default
		{Memory, nil, true},
		{Direct, nil, true},
		{Loopback, nil, false},
		{Serve, nil, false},
		{Memory, map[string]string{"whatsapp": "http://127.0.0.1:8080/hook"}, false},
	} {
		w := &World{opt: Options{Network: c.network, Webhooks: c.webhooks}}
		if got := w.solo(); got != c.want {
			t.Errorf("network %q, webhooks %v: solo %v, want %v", c.network, c.webhooks, got, c.want)
		}
	}
}
