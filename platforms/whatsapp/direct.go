package whatsapp

import (
	"cmp"
	"net/http"
	"strconv"
	"time"

	fakewa "github.com/omnisim/omnisim/fakes/whatsapp"
	"github.com/omnisim/omnisim/router"
	routerwa "github.com/omnisim/omnisim/router/whatsapp"
	"github.com/omnisim/omnisim/sim"
)

// openDirect connects the fake and the adapter by values (sim.Direct): the
// adapter's sends and uploads go to the fake's direct entry points, which
// judge them by the fake's own rules; the fake's webhooks reach the
// adapter's value path (dedupe and normalization, no signature).
// A channel with a fault plan, which the fake applies in its webhook
// deliveries and send handler, is played on the wire (sim.ErrNeedsWire).
func openDirect(b *binding, fcfg fakewa.Config, acfg routerwa.Config, env sim.Env) (sim.Binding, error) {
	if !fcfg.Faults.Zero() {
		return nil, sim.ErrNeedsWire
	}
	fcfg.WebhookURL, fcfg.Client, fcfg.AutoFlush = "", nil, false
	b.fake = fakewa.New(fcfg)
	b.direct = b.fake.Direct(cmpOr(acfg.APIVersion, routerwa.DefaultAPIVersion))
	acfg.Client, acfg.BaseURL = nil, ""
	acfg.Graph = newGraph(b.direct, b.due)
	b.acfg = acfg // a restarted adapter calls the same entry points
	b.adapter = routerwa.New(acfg, env.Receiver)
	return b, nil
}

// otherInboundDirect is Inbound on the Direct network for the customer's
// message m other than a text: an event or an attachment, which the
// adapter takes as the message its webhook carries. Out of the way of
// Inbound's texts.
//
//go:noinline
func (b *binding) otherInboundDirect(customer, name string, m *sim.Message) (sim.Inbound, error) {
	var msg fakewa.InboundMessage
	if err := b.otherDirect(&msg, customer, m); err != nil {
		return sim.Inbound{}, err
	}
	var v routerwa.Message
	message(&v, &msg, name)
	b.adapter.ReceiveMessage(&v)
	return sim.Inbound{ID: msg.ID, Status: http.StatusOK}, nil
}

// otherDirect sets msg, which is zero, to the customer's message m, an
// event or an attachment, as otherInboundDirect records it.
func (b *binding) otherDirect(msg *fakewa.InboundMessage, customer string, m *sim.Message) (err error) {
	if m.Event != "" {
		*msg, err = b.eventDirect(customer, *m)
		return err
	}
	a := m.Attachment
	return b.direct.CustomerMessageTo(msg, customer, a.Kind, a.Format, m.Text, a.Size)
}

// eventDirect is event (limits.go) on the Direct network: the customer
// answers the last message the business sent them.
func (b *binding) eventDirect(customer string, m sim.Message) (fakewa.InboundMessage, error) {
	last, err := b.answered(customer, m.Event)
	if err != nil {
		return fakewa.InboundMessage{}, err
	}
	switch m.Event {
	case EventReply:
		return b.direct.CustomerReply(customer, m.Text, last)
	case EventReaction:
		return b.direct.CustomerReaction(customer, last, cmpOr(m.EventKey, defaultReaction))
	case EventButton:
		return b.direct.CustomerButton(customer, last, m.EventKey, m.EventKey)
	default:
		return b.direct.CustomerInteractive(customer, last, m.Event, m.EventKey, m.EventKey, "")
	}
}

// message sets v, which is zero, to the adapter's value of the message
// msg's webhook carries, from a customer named name.
func message(v *routerwa.Message, msg *fakewa.InboundMessage, name string) {
	v.From, v.Name, v.ID, v.Type = msg.From, name, msg.ID, msg.Type
	if msg.Context != nil {
		v.Context = msg.Context.ID
	}
	if msg.Text != nil {
		v.Text = msg.Text.Body
	}
	if msg.Type != "text" { // a text has only its text and a context
		messageParts(v, msg)
	}
}

// messageParts sets v's parts of a message other than a text from msg's:
// its media, button, interactive answer or reaction.
//
//go:noinline
func messageParts(v *routerwa.Message, msg *fakewa.InboundMessage) {
	for _, md := range [...]*fakewa.InboundMedia{msg.Image, msg.Audio, msg.Video, msg.Document, msg.Sticker} {
		if md != nil {
			v.Caption, v.MIMEType, v.Filename = md.Caption, md.MimeType, md.Filename
		}
	}
	if bt := msg.Button; bt != nil {
		v.Text, v.Payload = bt.Text, bt.Payload
	}
	if it := msg.Interactive; it != nil {
		v.Interactive = it.Type
		if r := cmp.Or(it.ButtonReply, it.ListReply); r != nil {
			v.Text, v.Payload = r.Title, r.ID
		}
	}
	if r := msg.Reaction; r != nil {
		v.ReactionTo, v.Emoji = r.MessageID, r.Emoji
	}
}

// flushDirect hands the fake's queued statuses to the adapter.
func (b *binding) flushDirect() {
	b.direct.Statuses(func(st fakewa.QueuedStatus) {
		code := ""
		if c, ok := st.ErrorCode(); ok {
			code = strconv.Itoa(c)
		}
		b.adapter.ReceiveStatus(st.RecipientID(), st.ID(), st.State(), code)
	})
}

// stir stirs due unless the fake d was idle (idle) before a call and is
// after it: only a call that left the fake with something queued or
// waiting, or took the last of it, may have changed what Flush would do
// or what NextDeadline answers.
func stir(due *sim.Due, d *fakewa.Direct, idle bool) {
	if !idle || !d.Idle() {
		due.Stir()
	}
}

// graph is the fake's Graph API as the adapter calls it by values.
type graph struct {
	d   *fakewa.Direct
	due *sim.Due // the world's: stirred by a call that may change what the fake has due (stir)

	// text is the text object of every text send's request, which points
	// to it (a request made on the stack, whose text's address the fake's
	// Send lets escape). The fake's Send keeps neither the request nor its
	// text once it has returned, and calls nothing that sends. It takes
	// no lock: the adapter makes one call at a time (routerwa.Graph), and
	// a world's adapters, a restarted router's too, send from the world's
	// goroutine alone. Between sends text is zero.
	text fakewa.Text
	// req is the request of every text send by values (Text), which
	// points to text: its constant fields are set once (newGraph), its
	// recipient for each send; between sends To is "".
	req fakewa.SendRequest
}

// newGraph returns the Graph API of the fake's direct entry points d,
// stirring due.
func newGraph(d *fakewa.Direct, due *sim.Due) *graph {
	g := &graph{d: d, due: due}
	g.req = fakewa.SendRequest{MessagingProduct: "whatsapp", RecipientType: "individual", Type: "text", Text: &g.text}
	return g
}

// Text is Message for the usual send, a text, taken by its values
// (routerwa.TextGraph): the fake is handed g.req with the recipient and
// the body set, the request Message would have built for it.
func (g *graph) Text(to, body string) (string, error) {
	idle := g.d.Idle()
	g.req.To, g.text.Body = to, body
	_, id, e := g.d.Send(&g.req)
	g.req.To, g.text.Body = "", "" // holding no string of a send that is over
	stir(g.due, g.d, idle)
	if e != nil {
		return "", platformError(e)
	}
	return id, nil
}

func (g *graph) Message(req *routerwa.Request) (string, error) {
	idle := g.d.Idle()
	// On the stack: setting its fields writes no pointer to the heap, so
	// no write barrier, and nothing is cleared after the send.
	fr := fakewa.SendRequest{MessagingProduct: req.MessagingProduct, RecipientType: req.RecipientType, To: req.To, Type: req.Type}
	if t := req.Text; t != nil {
		g.text.PreviewURL, g.text.Body = t.PreviewURL, t.Body
		fr.Text = &g.text
	}
	if req.Template != nil || req.Image != nil || req.Audio != nil || req.Video != nil || req.Document != nil || req.Sticker != nil {
		setOther(&fr, req)
	}
	_, id, e := g.d.Send(&fr)
	if fr.Text != nil {
		g.text = fakewa.Text{} // holding no string of a send that is over
	}
	stir(g.due, g.d, idle)
	if e != nil {
		return "", platformError(e)
	}
	return id, nil
}

// setOther sets fr's template and media objects from req's, as the
// adapter fills them: a template's name, language and parameters; an
// uploaded id, a caption, a document's filename. It is out of Message's
// way: a text send has none.
//
//go:noinline
func setOther(fr *fakewa.SendRequest, req *routerwa.Request) {
	if t := req.Template; t != nil {
		ft := &fakewa.Template{Name: t.Name, Language: fakewa.TemplateLanguage{Code: t.Language.Code, Policy: t.Language.Policy}}
		for _, c := range t.Components {
			fc := fakewa.TemplateComponent{Type: c.Type}
			for _, p := range c.Parameters {
				fc.Parameters = append(fc.Parameters, fakewa.TemplateParameter{Type: p.Type, Text: p.Text})
			}
			ft.Components = append(ft.Components, fc)
		}
		fr.Template = ft
	}
	if m := req.Image; m != nil {
		fr.Image = &fakewa.Media{ID: m.ID, Caption: m.Caption, Filename: m.Filename}
	}
	if m := req.Audio; m != nil {
		fr.Audio = &fakewa.Media{ID: m.ID, Caption: m.Caption, Filename: m.Filename}
	}
	if m := req.Video; m != nil {
		fr.Video = &fakewa.Media{ID: m.ID, Caption: m.Caption, Filename: m.Filename}
	}
	if m := req.Document; m != nil {
		fr.Document = &fakewa.Media{ID: m.ID, Caption: m.Caption, Filename: m.Filename}
	}
	if m := req.Sticker; m != nil {
		fr.Sticker = &fakewa.Media{ID: m.ID, Caption: m.Caption, Filename: m.Filename}
	}
}

func (g *graph) Upload(mimeType, _ string, size int64) (string, error) {
	idle := g.d.Idle()
	id, e := g.d.Upload(mimeType, size)
	stir(g.due, g.d, idle)
	if e != nil {
		return "", platformError(e)
	}
	return id, nil
}

// platformError is the adapter's error for a Graph error answer.
func platformError(e *fakewa.Error) error {
	return &router.PlatformError{Code: strconv.Itoa(e.Code), HTTPStatus: e.HTTPStatus, Message: cmpOr(e.Details(), e.Message)}
}

// retain tells the fake what the world reads at the end (env.Keep): only
// those customers' deliveries are kept, and a customer the world does not
// read is forgotten an hour after its window and its conversation (24
// hours) have both ended.
func retain(fcfg *fakewa.Config, env sim.Env) {
	if env.Keep == nil {
		return
	}
	fcfg.KeepDeliveries = env.Keep
	fcfg.ForgetAfter = max(fcfg.Window, 24*time.Hour) + time.Hour
}
