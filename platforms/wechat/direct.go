package wechat

import (
	"net/http"
	"strconv"

	fakewc "github.com/omnisim/omnisim/fakes/wechat"
	"github.com/omnisim/omnisim/router"
	routerwc "github.com/omnisim/omnisim/router/wechat"
	"github.com/omnisim/omnisim/sim"
)

// openDirect connects the fake and the adapter by values (sim.Direct): the
// adapter's sends and uploads go to the fake's direct entry points, which
// judge them by the fake's own rules, with no access token; the fake's
// pushes reach the adapter's value path (address check, dedupe and
// normalization; no signature, no encryption).
// A channel with a fault plan, which the fake applies in its webhook
// deliveries and send handler, is played on the wire (sim.ErrNeedsWire).
func openDirect(b *binding, fcfg fakewc.Config, acfg routerwc.Config, env sim.Env) (sim.Binding, error) {
	if !fcfg.Faults.Zero() {
		return nil, sim.ErrNeedsWire
	}
	fcfg.WebhookURL, fcfg.Client = "", nil
	b.fake = fakewc.New(fcfg)
	b.direct = b.fake.Direct()
	acfg.Client, acfg.BaseURL = nil, ""
	acfg.API = api{b.direct}
	b.acfg = acfg // a restarted adapter calls the same entry points
	b.adapter = routerwc.New(acfg, env.Receiver)
	// Without a fault plan the fake holds no push back and retries none
	// (its pushes reach the adapter by value, in Inbound): FlushFaults has
	// nothing to do and NextFault nothing to answer, whatever is sent. The
	// world need not ask them: nothing stirs its Due (b.due).
	return b, nil
}

// inboundDirect is Inbound on the Direct network.
func (b *binding) inboundDirect(customer string, m sim.Message) (sim.Inbound, error) {
	var n fakewc.Notification
	var err error
	switch {
	case m.Event != "":
		n, err = b.direct.CustomerEvent(customer, m.Event, m.EventKey)
	case m.Attachment != nil:
		a := m.Attachment
		n, err = b.direct.CustomerMedia(customer, mediaType(a.Kind), a.Format, a.Size)
	default:
		n, err = b.direct.CustomerText(customer, m.Text)
	}
	if err != nil {
		return sim.Inbound{}, err
	}
	b.adapter.ReceiveMessage(routerwc.Message{ToUserName: n.ToUserName, FromUserName: n.FromUserName, CreateTime: n.CreateTime,
		MsgType: n.MsgType, Content: n.Content, PicURL: n.PicURL, MediaID: n.MediaID, Format: n.Format,
		ThumbMediaID: n.ThumbMediaID, MsgID: n.MsgID, Event: n.Event, EventKey: n.EventKey, Ticket: n.Ticket})
	id := ""
	if n.MsgID != 0 {
		id = strconv.FormatInt(n.MsgID, 10)
	}
	return sim.Inbound{ID: id, Status: http.StatusOK}, nil
}

// api is the fake's API as the adapter calls it by values.
type api struct{ d *fakewc.Direct }

func (a api) Send(req *routerwc.Request) error {
	fr := fakewc.SendRequest{ToUser: req.ToUser, MsgType: req.MsgType}
	if t := req.Text; t != nil {
		fr.Text = &fakewc.Text{Content: t.Content}
	}
	if m := req.Image; m != nil {
		fr.Image = &fakewc.MediaRef{MediaID: m.MediaID}
	}
	if m := req.Voice; m != nil {
		fr.Voice = &fakewc.MediaRef{MediaID: m.MediaID}
	}
	if v := req.Video; v != nil {
		fr.Video = &fakewc.Video{MediaID: v.MediaID, ThumbMediaID: v.ThumbMediaID, Title: v.Title, Description: v.Description}
	}
	if e := a.d.Send(&fr); e != nil {
		return platformError(e)
	}
	return nil
}

func (a api) Upload(mediaType, filename, mimeType string, size int64) (string, error) {
	id, e := a.d.Upload(mediaType, filename, mimeType, size)
	if e != nil {
		return "", platformError(e)
	}
	return id, nil
}

// platformError is the adapter's error for an errcode answer (WeChat
// answers errors with HTTP 200).
func platformError(e *fakewc.Error) error {
	return &router.PlatformError{Code: strconv.Itoa(e.Code), HTTPStatus: http.StatusOK, Message: e.Message}
}
