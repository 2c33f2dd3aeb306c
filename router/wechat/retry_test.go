package wechat

import (
	"context"
	"errors"
	"testing"

	"github.com/omnisim/omnisim/router"
)

func TestSendRetriesTransientErrcodes(t *testing.T) {
	for _, tc := range []struct {
		name     string
		codes    []int
		wantCode string // "" for success
		fetches  int
		sends    int
	}{
		{"system busy once", []int{-1}, "", 1, 2},
		{"minute quota then system busy", []int{45011, -1}, "", 1, 3},
		{"busy every time: SendTries sends", []int{-1, -1, -1, -1}, "-1", 1, SendTries},
		{"daily quota is not retried", []int{45009}, "45009", 1, 1},
		{"window is not retried", []int{45015}, "45015", 1, 1},
		{"token refresh, then busy", []int{40001, -1}, "", 2, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g, srv := newAPI(t)
			g.sendCodes = tc.codes
			a, _ := newSendAdapter(t, srv)
			id, err := a.Send(context.Background(), customer("o1"), text("x"))
			if tc.wantCode == "" {
				if err != nil || id != "wechat-1" {
					t.Fatalf("%q %v", id, err)
				}
			} else {
				var pe *router.PlatformError
				if !errors.As(err, &pe) || pe.Code != tc.wantCode || id != "" {
					t.Fatalf("%q %v, want errcode %s", id, err, tc.wantCode)
				}
			}
			if tokens, sends, _ := g.counts(); tokens != tc.fetches || sends != tc.sends {
				t.Fatalf("%d token fetches, %d sends; want %d, %d", tokens, sends, tc.fetches, tc.sends)
			}
		})
	}
}
