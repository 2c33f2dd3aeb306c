package whatsapp

import (
	"fmt"
	"testing"
	"time"
)

func TestSentIsTheTimestamp(t *testing.T) {
	for _, tc := range []struct {
		stamp string
		want  time.Time
	}{
		{`"1749416383"`, time.Unix(1749416383, 0)},
		{`"0"`, time.Time{}},
		{`"-5"`, time.Time{}},
		{`"soon"`, time.Time{}},
		{`""`, time.Time{}},
	} {
		t.Run(tc.stamp, func(t *testing.T) {
			a, rec, _ := newTestAdapter(t)
			body := envelopeOf(testPhoneID, fmt.Sprintf(`"messages":[{"from":"16505551234","id":"wamid.1","timestamp":%s,"type":"text","text":{"body":"hi"}}]`, tc.stamp))
			if st := postSigned(a, body); st != 200 {
				t.Fatalf("status %d", st)
			}
			if len(rec.received) != 1 || !rec.received[0].Sent.Equal(tc.want) {
				t.Fatalf("received %+v, want Sent %v", rec.received, tc.want)
			}
		})
	}
}
