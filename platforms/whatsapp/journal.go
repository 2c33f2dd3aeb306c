package whatsapp

import (
	"encoding/base64"
	"net/url"
	"strconv"
	"strings"

	fakewa "github.com/omnisim/omnisim/fakes/whatsapp"
	"github.com/omnisim/omnisim/sim"
)

// Journal converts the fake's journal (requests, errors, deliveries and
// webhook tries) to records, numbered across the lists in time order; at
// equal times a request comes before the error or the delivery it caused,
// and those before the status webhooks that report them.
func (b *binding) Journal(f sim.JournalFilter) []sim.Record {
	j, counts := consistentJournal(b.fake)
	cfg := b.fake.Config()
	hookPath := ""
	if u, err := url.Parse(cfg.WebhookURL); err == nil {
		hookPath = u.Path
	}
	lists := make([][]sim.Record, 4)
	for _, q := range j.Requests {
		lists[0] = append(lists[0], sim.Record{At: q.At, Kind: sim.RecordRequest,
			Method: q.Method, Path: q.Path, Status: q.Status, Code: code(q.Code)})
	}
	for _, e := range j.Errors {
		r := sim.Record{At: e.At, Kind: sim.RecordError, Customer: e.To, Status: e.HTTPStatus, Code: code(e.Code), Text: e.Details}
		if e.Async {
			r.Text += " (reported by a failed status webhook for " + e.ID + ")"
		}
		lists[1] = append(lists[1], r)
	}
	for _, d := range j.Deliveries {
		lists[2] = append(lists[2], sim.Record{At: d.At, Kind: sim.RecordDelivery, Customer: d.To, Text: deliveryText(d)})
	}
	for _, w := range j.Webhooks {
		r := sim.Record{At: w.At, Kind: sim.RecordWebhook, Method: "POST", Path: hookPath, Status: w.Status,
			Customer: wamidCustomer(w.ID), Text: w.Kind}
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

// consistentJournal returns the fake's journal with the totals it was taken
// at: the totals read just before and just after it agree, so nothing was
// added in between. Under a steady stream of traffic it gives up after a few
// tries and returns the totals read after.
func consistentJournal(f *fakewa.Server) (fakewa.Journal, fakewa.Counts) {
	for try := 0; ; try++ {
		before := f.Counts()
		j := f.Journal()
		after := f.Counts()
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

// deliveryText is what the customer sees first: the text, the template's
// name, or the media kind with its caption.
func deliveryText(d fakewa.Delivery) string {
	switch d.Type {
	case "text":
		return d.Text
	case "template":
		return "template " + d.Template
	}
	if d.Caption != "" {
		return d.Type + ": " + d.Caption
	}
	return d.Type
}

// wamidCustomer reads the customer's wa_id out of a wamid. WhatsApp's
// message ids are base64 over a small binary record that starts with the
// bytes 0x1c 0x18, the wa_id's length and the wa_id, and the fake writes
// them the same way; "" when id is not such a wamid.
func wamidCustomer(id string) string {
	raw, ok := strings.CutPrefix(id, "wamid.")
	if !ok {
		return ""
	}
	b, err := base64.StdEncoding.DecodeString(raw)
	if err != nil || len(b) < 3 || b[0] != 0x1c || b[1] != 0x18 || len(b) < 3+int(b[2]) {
		return ""
	}
	return string(b[3 : 3+int(b[2])])
}
