package messenger

import (
	"net/url"
	"strconv"

	fakems "github.com/omnisim/omnisim/fakes/messenger"
	"github.com/omnisim/omnisim/sim"
)

// Journal converts the fake's journal (requests, errors, deliveries and
// webhook tries) to records, numbered across the lists in time order.
func (b *binding) Journal(f sim.JournalFilter) []sim.Record {
	j, counts := consistentJournal(b.fake)
	cfg := b.fake.Config()
	hookPath := ""
	if u, err := url.Parse(cfg.WebhookURL); err == nil {
		hookPath = u.Path
	}
	lists := make([][]sim.Record, 4)
	for _, q := range j.Requests {
		lists[0] = append(lists[0], sim.Record{At: q.At, Kind: sim.RecordRequest, Method: q.Method, Path: q.Path, Status: q.Status, Code: code(q.Code, 0)})
	}
	for _, e := range j.Errors {
		lists[1] = append(lists[1], sim.Record{At: e.At, Kind: sim.RecordError, Customer: e.To, Status: e.HTTPStatus, Code: code(e.Code, e.Subcode), Text: e.Message})
	}
	for _, d := range j.Deliveries {
		text := d.Text
		if d.Type != "text" {
			text = d.Type
		}
		if d.Tag != "" {
			text += " [" + d.Tag + "]"
		}
		lists[2] = append(lists[2], sim.Record{At: d.At, Kind: sim.RecordDelivery, Customer: d.To, Text: text})
	}
	for _, w := range j.Webhooks {
		r := sim.Record{At: w.At, Kind: sim.RecordWebhook, Method: "POST", Path: hookPath, Status: w.Status, Customer: w.PSID, Text: w.Kind, Made: w.Made}
		if w.Body != nil {
			r.Header, r.Body = b.fake.WebhookHeader(w.Body), string(w.Body)
		}
		if w.Kind == "verify" {
			r.Method = "GET"
		}
		if w.ID != "" {
			r.Text += " " + w.ID
		}
		if w.Try > 1 {
			r.Text += " (try " + strconv.Itoa(w.Try) + ")"
		}
		if w.Err != "" {
			r.Text += ": " + w.Err
		}
		lists[3] = append(lists[3], r)
	}
	b.numbering.Number(lists, []int{counts.Requests, counts.Errors, counts.Deliveries, counts.Webhooks}, cfg.JournalLimit)
	return sim.Select(Platform.Name(), lists, f)
}

// consistentJournal returns the journal with the totals it was taken at.
func consistentJournal(f *fakems.Server) (fakems.Journal, fakems.Counts) {
	for try := 0; ; try++ {
		before := f.Counts()
		j := f.Journal()
		after := f.Counts()
		if before == after || try == 8 {
			return j, after
		}
	}
}
