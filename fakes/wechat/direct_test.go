package wechat

import (
	"bytes"
	"context"
	"encoding/json"
	"mime/multipart"
	"net/textproto"
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

// TestDirectUploadNamesMatchWire uploads files of the same names and MIME
// types through the endpoint, their part headers written as
// multipart.FileContentDisposition and textproto write them, and through
// Direct.Upload: both refuse the same ones with the same errcode and store
// the others under the same format.
func TestDirectUploadNamesMatchWire(t *testing.T) {
	wire, _ := newTest(Config{Seed: 5})
	dir, _ := newTest(Config{Seed: 5})
	d := dir.Direct()
	tok := token(t, wire)
	for _, u := range []struct{ name, mime string }{
		{"a.jpg", ""},
		{"a\x7f.jpg", "image/jpeg"},
		{"a\x01.jpg", ""},
		{"\x00.png", ""},
		{"a\x1f.jpg", ""},
		{"a\t.jpg", ""},
		{"a\r.jpg", ""},
		{"a\n.png", ""},
		{"a\r\n\t.png", ""},
		{"a.jpg\n", "image/png"},
		{"a.jpg\r", ""},
		{"a.png\t", ""},
		{"a.png\n/", ""},
		{"a\"b.jpg", ""},
		{`a\b.jpg`, ""},
		{"a\xff.jpg", ""},
		{"a\u0085.png", ""},
		{"dir/a.png", "image/jpeg"},
		{"a.png/", "image/jpeg"},
		{"a.png/b", "image/jpeg"},
		{"", "image/png"},
		{"a.jpg", "image/jpeg\x7f"},
		{"a", "image/png\x01"},
		{"a", "\timage/png"},
	} {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", multipart.FileContentDisposition("media", u.name))
		if u.mime != "" {
			h.Set("Content-Type", u.mime)
		}
		p, _ := mw.CreatePart(h)
		p.Write(bytes.Repeat([]byte{7}, 10))
		mw.Close()
		w := do(wire, "POST", PathUpload+"?access_token="+tok+"&type=image", mw.FormDataContentType(), buf.Bytes())
		var ans struct {
			Code    int    `json:"errcode"`
			MediaID string `json:"media_id"`
		}
		if err := json.Unmarshal(w.Body.Bytes(), &ans); err != nil {
			t.Fatalf("%q: %s", u.name, w.Body)
		}
		id, e := d.Upload("image", u.name, u.mime, 10)
		code := 0
		if e != nil {
			code = e.Code
		}
		if code != ans.Code || id != ans.MediaID {
			t.Errorf("name %q, type %q: wire %d %q, direct %d %q", u.name, u.mime, ans.Code, ans.MediaID, code, id)
			continue
		}
		if id != "" && wire.mediaStore[id].format != dir.mediaStore[id].format {
			t.Errorf("name %q, type %q: wire format %q, direct %q", u.name, u.mime, wire.mediaStore[id].format, dir.mediaStore[id].format)
		}
	}
}
