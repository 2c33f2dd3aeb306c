package line

import (
	"net/url"
	"strconv"
	"strings"

	fakeline "github.com/omnisim/omnisim/fakes/line"
	"github.com/omnisim/omnisim/sim"
)

// Journal converts the fake's journal (requests, webhook tries,
// deliveries, errors) to records.
func (b *binding) Journal(f sim.JournalFilter) []sim.Record {
	j, counts := b.consistentJournal()
	lists := make([][]sim.Record, 4)
	for _, q := range j.Requests {
		r := sim.Record{At: q.At, Kind: sim.RecordRequest, Method: q.Method, Path: q.Path, Status: q.Status, Text: "request " + q.RequestID}
		if q.Status != 200 {
			r.Code = strconv.Itoa(q.Status)
		}
		if q.RetryKey != "" {
			r.Text += " retry key " + q.RetryKey
		}
		lists[0] = append(lists[0], r)
	}
	for _, w := range j.Webhooks {
		r := sim.Record{At: w.At, Kind: sim.RecordWebhook, Method: "POST", Status: w.Status, Customer: w.UserID,
			Header: w.Header, Body: string(w.Body), Text: w.Kind}
		if u, err := url.Parse(w.URL); err == nil {
			r.Path = u.Path
		}
		switch {
		case w.MessageID != "":
			r.Text += " " + w.MessageID + " event " + w.EventID
		case w.EventID != "":
			r.Text += " " + w.EventID
		}
		if w.Try > 1 {
			r.Text += " (redelivery " + strconv.Itoa(w.Try-1) + ")"
		}
		if w.Err != "" {
			r.Text += ": " + w.Err
		}
		lists[1] = append(lists[1], r)
	}
	for _, d := range j.Deliveries {
		text := d.Type
		if d.Type == "text" {
			text = d.Text
		}
		lists[2] = append(lists[2], sim.Record{At: d.At, Kind: sim.RecordDelivery, Customer: d.To, Text: text + " (" + d.Via + ")"})
	}
	for _, e := range j.Errors {
		r := sim.Record{At: e.At, Kind: sim.RecordError, Customer: e.To, Path: e.Path, Status: e.Status, Code: strconv.Itoa(e.Status), Text: e.Message}
		var ds []string
		for _, d := range e.Details {
			ds = append(ds, d.Property+": "+d.Message)
		}
		if len(ds) > 0 {
			r.Text += " (" + strings.Join(ds, "; ") + ")"
		}
		lists[3] = append(lists[3], r)
	}
	b.numbering.Number(lists, []int{counts.Requests, counts.Webhooks, counts.Deliveries, counts.Errors}, b.fake.Config().JournalLimit)
	return sim.Select(Platform.Name(), lists, f)
}

// consistentJournal returns the fake's journal with the totals it was taken
// at: totals read just before and just after it agree. Under a steady
// stream of traffic it gives up after a few tries.
func (b *binding) consistentJournal() (fakeline.Journal, fakeline.Counts) {
	for try := 0; ; try++ {
		before := b.fake.Counts()
		j := b.fake.Journal()
		after := b.fake.Counts()
		if before == after || try == 8 {
			return j, after
		}
	}
}
