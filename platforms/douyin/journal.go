package douyin

import (
	"net/url"
	"strconv"

	fakedy "github.com/omnisim/omnisim/fakes/douyin"
	"github.com/omnisim/omnisim/sim"
)

// Journal converts the fake's journal (requests, webhook tries, deliveries,
// errors) to records.
func (b *binding) Journal(f sim.JournalFilter) []sim.Record {
	j, counts := b.consistentJournal()
	lists := make([][]sim.Record, 4)
	for _, q := range j.Requests {
		lists[0] = append(lists[0], sim.Record{At: q.At, Kind: sim.RecordRequest, Method: q.Method, Path: q.Path, Status: q.Status, Code: code(q.Code)})
	}
	for _, w := range j.Webhooks {
		// "message <server_message_id> ...", "event <name> ..." or
		// "verify ...": the kind and id first, as on every platform.
		r := sim.Record{At: w.At, Kind: sim.RecordWebhook, Method: "POST", Status: w.Status, Customer: w.OpenID,
			Header: w.Header, Body: string(w.Body), Made: w.Made}
		switch {
		case w.Event == fakedy.EventReceive && w.ServerMessageID != "":
			r.Text = "message " + w.ServerMessageID + " Msg-Id " + w.MsgID
		case w.Event == fakedy.EventVerify:
			r.Text = "verify " + w.Event + " Msg-Id " + w.MsgID
		default:
			r.Text = "event " + w.Event + " Msg-Id " + w.MsgID
		}
		if u, err := url.Parse(w.URL); err == nil {
			r.Path = u.Path
		}
		switch {
		case w.Repeat:
			r.Text += " (repeat, try " + strconv.Itoa(w.Try) + ")"
		case w.Try > 1:
			r.Text += " (retry, try " + strconv.Itoa(w.Try) + ")"
		}
		if w.Err != "" {
			r.Text += ": " + w.Err
		}
		lists[1] = append(lists[1], r)
	}
	for _, d := range j.Deliveries {
		lists[2] = append(lists[2], sim.Record{At: d.At, Kind: sim.RecordDelivery, Customer: d.To, Text: d.Text})
	}
	for _, e := range j.Errors {
		lists[3] = append(lists[3], sim.Record{At: e.At, Kind: sim.RecordError, Customer: e.To, Path: e.Path, Status: 200, Code: code(e.Code), Text: e.Message})
	}
	b.numbering.Number(lists, []int{counts.Requests, counts.Webhooks, counts.Deliveries, counts.Errors}, b.fake.Config().JournalLimit)
	return sim.Select(Platform.Name(), lists, f)
}

// consistentJournal returns the fake's journal with the totals it was taken
// at: totals read just before and just after it agree. Under a steady
// stream of traffic it gives up after a few tries.
func (b *binding) consistentJournal() (fakedy.Journal, fakedy.Counts) {
	for try := 0; ; try++ {
		before := b.fake.Counts()
		j := b.fake.Journal()
		after := b.fake.Counts()
		if before == after || try == 8 {
			return j, after
		}
	}
}

func code(c int) string {
	if c == 0 {
		return ""
	}
	return strconv.Itoa(c)
}
