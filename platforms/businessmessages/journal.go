package businessmessages

import (
	"net/url"
	"strconv"

	fakebm "github.com/omnisim/omnisim/fakes/businessmessages"
	"github.com/omnisim/omnisim/sim"
)

// Journal converts the fake's journal (requests, webhook tries, deliveries,
// errors) to records.
func (b *binding) Journal(f sim.JournalFilter) []sim.Record {
	j, counts := b.consistentJournal()
	lists := make([][]sim.Record, 4)
	for _, q := range j.Requests {
		lists[0] = append(lists[0], sim.Record{At: q.At, Kind: sim.RecordRequest, Method: q.Method, Path: q.Path, Status: q.Status, Code: q.Code})
	}
	for _, w := range j.Webhooks {
		r := sim.Record{At: w.At, Kind: sim.RecordWebhook, Method: "POST", Status: w.Status, Customer: w.Conversation,
			Header: w.Header, Body: string(w.Body), Text: w.Kind, Made: w.Made}
		if u, err := url.Parse(w.URL); err == nil {
			r.Path = u.Path
		}
		if w.MessageID != "" {
			r.Text += " " + w.MessageID
		}
		if w.Try > 1 {
			r.Text += " (try " + strconv.Itoa(w.Try) + ")"
		}
		if w.Err != "" {
			r.Text += ": " + w.Err
		}
		lists[1] = append(lists[1], r)
	}
	for _, d := range j.Deliveries {
		lists[2] = append(lists[2], sim.Record{At: d.At, Kind: sim.RecordDelivery, Customer: d.Conversation, Text: d.Text})
	}
	for _, e := range j.Errors {
		lists[3] = append(lists[3], sim.Record{At: e.At, Kind: sim.RecordError, Customer: e.Conversation, Path: e.Path,
			Status: e.Status, Code: e.Code, Text: e.Message})
	}
	b.numbering.Number(lists, []int{counts.Requests, counts.Webhooks, counts.Deliveries, counts.Errors}, b.fake.Config().JournalLimit)
	return sim.Select(Platform.Name(), lists, f)
}

// consistentJournal returns the fake's journal with the totals it was taken
// at: totals read just before and just after it agree. Under a steady
// stream of traffic it gives up after a few tries.
func (b *binding) consistentJournal() (fakebm.Journal, fakebm.Counts) {
	for try := 0; ; try++ {
		before := b.fake.Counts()
		j := b.fake.Journal()
		after := b.fake.Counts()
		if before == after || try == 8 {
			return j, after
		}
	}
}
