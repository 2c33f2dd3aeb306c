package wechat

import (
	"context"
	"reflect"
	"strconv"
	"testing"
	"time"
)

// TestDirectMatchesWire makes the same calls on two platforms of the same
// seed, through the API and through Direct, and compares what they
// answer and record.
func TestDirectMatchesWire(t *testing.T) {
	ctx := context.Background()
	wire, wclk := newTest(Config{Seed: 3})
	dir, dclk := newTest(Config{Seed: 3})
	d := dir.Direct()
	tok := token(t, wire)
	const who = "oCustomer1"

	in, err := wire.CustomerText(ctx, who, "hi")
	if err != ErrNoWebhookURL {
		t.Fatal(err)
	}
	n, err := d.CustomerText(who, "hi")
	if err != nil || strconv.FormatInt(n.MsgID, 10) != in.ID || n.FromUserName != who || n.Content != "hi" || n.ToUserName != DefaultOriginalID {
		t.Fatalf("CustomerText = %+v, %v; the wire's id %s", n, err, in.ID)
	}
	wire.CustomerMedia(ctx, who, "video", "mp4", 100)
	if n, err := d.CustomerMedia(who, "video", "mp4", 100); err != nil || n.MediaID == "" || n.ThumbMediaID == "" {
		t.Fatalf("CustomerMedia = %+v, %v", n, err)
	}
	wire.CustomerEvent(ctx, who, EventClick, "")
	if n, err := d.CustomerEvent(who, EventClick, ""); err != nil || n.MsgType != "event" || !n.HasEventKey || n.MsgID != 0 {
		t.Fatalf("CustomerEvent = %+v, %v", n, err)
	}
	if _, err := d.CustomerText("bad id!", "hi"); err == nil {
		t.Error("a bad openid wrote")
	}

	wid := upload(t, wire, tok, "image", "a.jpg", 10)
	did, e := d.Upload("image", "a.jpg", "image/jpeg", 10)
	if e != nil || did != wid {
		t.Fatalf("Upload = %q, %v; the wire's %q", did, e, wid)
	}
	check := func(req SendRequest) {
		t.Helper()
		w := sendReq(wire, tok, req)
		we := envelope(t, w)
		e := d.Send(&req)
		switch {
		case we.Code == 0 && e != nil, we.Code != 0 && (e == nil || e.Code != we.Code || e.Message != we.Message):
			t.Errorf("send %+v: wire %s, direct %v", req, w.Body, e)
		}
	}
	check(textReq(who, "one"))
	check(SendRequest{ToUser: who, MsgType: "image", Image: &MediaRef{MediaID: wid}})
	check(SendRequest{ToUser: who, MsgType: "image", Image: &MediaRef{MediaID: "nope"}})
	check(textReq("oNobody", "who?"))
	for i := 0; i < 5; i++ {
		check(textReq(who, "more")) // past the reply limit
	}
	wclk.Add(49 * time.Hour)
	dclk.Add(49 * time.Hour)
	tok = token(t, wire)
	check(textReq(who, "too late"))

	if !reflect.DeepEqual(wire.Deliveries(who), dir.Deliveries(who)) {
		t.Errorf("deliveries: wire %+v, direct %+v", wire.Deliveries(who), dir.Deliveries(who))
	}
	if !reflect.DeepEqual(wire.LastError(who), dir.LastError(who)) {
		t.Errorf("last error: wire %+v, direct %+v", wire.LastError(who), dir.LastError(who))
	}
	wc, dc := wire.Counts(), dir.Counts()
	if wc.Deliveries != dc.Deliveries || wc.Errors != dc.Errors || dc.Webhooks != 3 {
		t.Errorf("counts: wire %+v, direct %+v", wc, dc)
	}
	for _, u := range []struct {
		kind, name string
		size       int64
		code       int
	}{{"image", "a.bmp", 10, CodeInvalidFileType}, {"file", "a.jpg", 10, CodeInvalidMediaType}, {"image", "a.jpg", 0, CodeMediaMissing}, {"image", "a.jpg", 20 << 20, CodeInvalidMediaSize}} {
		if _, e := d.Upload(u.kind, u.name, "", u.size); e == nil || e.Code != u.code || !ridSuffix.MatchString(e.Message) {
			t.Errorf("Upload(%s, %s, %d) = %v, want %d", u.kind, u.name, u.size, e, u.code)
		}
	}

}
