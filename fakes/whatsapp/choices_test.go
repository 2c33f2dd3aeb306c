package whatsapp

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/omnisim/omnisim/fakes/fault"
)

// TestThrottleStatus: 130429 answers with Config.ThrottleStatus, 429
// unless set, from the throughput limit and from the fault plan alike;
// Check reports the same status.
func TestThrottleStatus(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int // Config.ThrottleStatus
		fault  bool
		want   int
	}{
		{"throughput, default", 0, false, http.StatusTooManyRequests},
		{"throughput, 429", 429, false, http.StatusTooManyRequests},
		{"throughput, 400", 400, false, http.StatusBadRequest},
		{"fault plan, default", 0, true, http.StatusTooManyRequests},
		{"fault plan, 400", 400, true, http.StatusBadRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := Config{ThrottleStatus: tc.status, Limits: Limits{Throughput: 1}}
			if tc.fault {
				cfg.Faults = fault.Plan{Send429: 1}
				cfg.WebhookURL = newRouter(t, DefaultAppSecret).srv.URL
				cfg.Limits.Throughput = -1
			}
			s, _ := newTest(cfg)
			if got := s.Config().ThrottleStatus; got != tc.want {
				t.Errorf("Config().ThrottleStatus %d, want %d", got, tc.want)
			}
			if !tc.fault {
				wantOK(t, sendReq(s, tmpl(number(0), "hello")))
				if e := s.Check(tmpl(number(1), "hello")); e == nil || e.Code != CodeThroughput || e.HTTPStatus != tc.want {
					t.Fatalf("Check: %+v", e)
				}
			}
			e := wantError(t, sendReq(s, tmpl(number(1), "hello")), tc.want, CodeThroughput)
			if e.Title() != titleThroughput || e.Details() != DetailsThroughput {
				t.Errorf("%+v", e)
			}
			if le := s.LastError(number(1)); !tc.fault && (le == nil || le.HTTPStatus != tc.want) {
				t.Errorf("last error %+v", le)
			}
		})
	}
}

// TestTemplateMissingStatus: 132001 answers with
// Config.TemplateMissingStatus, 404 unless set; 132000 and accepted
// templates are not affected.
func TestTemplateMissingStatus(t *testing.T) {
	reg := []TemplateSpec{{Name: "order_update", Languages: []string{"en_US"}, Params: 0}}
	send := func(name, lang string) SendRequest {
		r := tmpl(cust, name)
		r.Template.Language.Code = lang
		return r
	}
	for _, tc := range []struct {
		name   string
		status int // Config.TemplateMissingStatus
		req    SendRequest
		want   int
		code   int
	}{
		{"unknown name, default", 0, send("nope", "en_US"), 404, CodeTemplateNotExists},
		{"unknown name, 404", 404, send("nope", "en_US"), 404, CodeTemplateNotExists},
		{"unknown name, 400", 400, send("nope", "en_US"), 400, CodeTemplateNotExists},
		{"unknown language, default", 0, send("order_update", "de"), 404, CodeTemplateNotExists},
		{"unknown language, 400", 400, send("order_update", "de"), 400, CodeTemplateNotExists},
		{"name list, 400", 400, send("other", "en_US"), 400, CodeTemplateNotExists},
		{"registered, 400", 400, send("order_update", "en_US"), 200, 0},
		{"listed, 400", 400, send("hello", "fr"), 200, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := newTest(Config{TemplateMissingStatus: tc.status, Templates: []string{"hello"}, Limits: Limits{Templates: reg}})
			if tc.code == 0 {
				wantOK(t, sendReq(s, tc.req))
				return
			}
			if e := s.Check(tc.req); e == nil || e.Code != tc.code || e.HTTPStatus != tc.want {
				t.Fatalf("Check: %+v", e)
			}
			e := wantError(t, sendReq(s, tc.req), tc.want, tc.code)
			if e.Title() != titleTemplateNotExists {
				t.Errorf("%+v", e)
			}
		})
	}
	t.Run("132000 keeps 400", func(t *testing.T) {
		s, _ := newTest(Config{TemplateMissingStatus: 404, Limits: Limits{Templates: []TemplateSpec{{Name: "two", Params: 2}}}})
		wantError(t, sendReq(s, send("two", "en_US")), 400, CodeTemplateParams)
	})
}

// mediaSend is a send of media kind by media id.
func mediaSend(to, kind, id string) SendRequest {
	r := SendRequest{MessagingProduct: "whatsapp", To: to, Type: kind}
	r.SetMedia(kind, &Media{ID: id})
	return r
}

// TestMediaTTL: a media id older than Config.MediaTTL (30 days unless
// set; negative: never) is answered exactly as an id the fake never made,
// on the send, the media URL and the download routes, by the fake's
// clock.
func TestMediaTTL(t *testing.T) {
	const day = 24 * time.Hour
	for _, tc := range []struct {
		name     string
		ttl      time.Duration
		age      time.Duration
		customer bool // a customer's media rather than an upload
		expired  bool
	}{
		{"default, a day short of 30", 0, 29 * day, false, false},
		{"default, a nanosecond short of 30 days", 0, 30*day - 1, false, false},
		{"default, 30 days", 0, 30 * day, false, true},
		{"default, a year", 0, 365 * day, false, true},
		{"one hour, 59 minutes", time.Hour, 59 * time.Minute, false, false},
		{"one hour, one hour", time.Hour, time.Hour, false, true},
		{"customer media, default, 30 days", 0, 30 * day, true, true},
		{"customer media, default, 29 days", 0, 29 * day, true, false},
		{"never, ten years", -1, 3650 * day, false, false},
		{"never, customer media, ten years", -1, 3650 * day, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, clk := newTest(Config{MediaTTL: tc.ttl, Window: -1})
			var id string
			if tc.customer {
				m, err := s.Direct("v21.0").CustomerMessage(cust2, "image", "jpeg", "", 1000)
				if err != nil {
					t.Fatal(err)
				}
				id = m.Image.ID
			} else {
				id = uploadBytes(t, s, "image/jpeg", []byte("jpeg data"))
			}
			dl := downloadPath(t, s, id)
			clk.Add(tc.age)
			const never = "1999999999999999999999999999999999999999"
			unknown := sendReq(s, mediaSend(cust, "image", never))
			wu := wantError(t, unknown, 400, CodeInvalidParameter)
			w := sendReq(s, mediaSend(cust, "image", id))
			wantMedia := func(path string) int { return do(s, "GET", path, "", nil, bearer).Code }
			if !tc.expired {
				wantOK(t, w)
				if c := wantMedia("/v21.0/" + id); c != 200 {
					t.Errorf("media URL: %d", c)
				}
				if c := wantMedia(dl); c != 200 {
					t.Errorf("download: %d", c)
				}
				return
			}
			e := wantError(t, w, 400, CodeInvalidParameter)
			if e.ErrorSubcode != wu.ErrorSubcode || e.Title() != wu.Title() ||
				e.Details() != strings.ReplaceAll(wu.Details(), never, id) {
				t.Errorf("expired %+v, unknown %+v", e, wu)
			}
			if ce := s.Check(mediaSend(cust, "image", id)); ce == nil || ce.Code != CodeInvalidParameter || ce.HTTPStatus != 400 {
				t.Errorf("Check: %+v", ce)
			}
			wantError(t, do(s, "GET", "/v21.0/"+id, "", nil, bearer), 400, CodeInvalidParameter)
			wantError(t, do(s, "GET", "/v21.0/"+never, "", nil, bearer), 400, CodeInvalidParameter)
			if w := do(s, "GET", dl, "", nil, bearer); w.Code != 404 || w.Body.String() != "not found\n" {
				t.Errorf("download: %d %q", w.Code, w.Body)
			}
		})
	}
}

// downloadPath is the path of the download URL of media id.
func downloadPath(t *testing.T, s *Server, id string) string {
	t.Helper()
	w := do(s, "GET", "/v21.0/"+id, "", nil, bearer)
	var m MediaURLResponse
	if w.Code != 200 || json.Unmarshal(w.Body.Bytes(), &m) != nil {
		t.Fatalf("media URL: %d %s", w.Code, w.Body)
	}
	u, err := url.Parse(m.URL)
	if err != nil {
		t.Fatal(err)
	}
	return u.Path
}

// TestMediaTTLPrune: expired media are dropped once the media ids reach
// the prune mark, by an upload or a customer's media alike, and their
// kept content's room goes back to MediaStore; the next prune waits for
// twice the ids left; a Check naming an expired id drops nothing; without
// a TTL nothing is dropped.
func TestMediaTTLPrune(t *testing.T) {
	for _, tc := range []struct {
		name     string
		ttl      time.Duration
		customer bool // the media id made at the mark is a customer's
		left     int  // media ids left after it
	}{
		{"an hour", time.Hour, false, 1},
		{"an hour, customer media", time.Hour, true, 1},
		{"never", -1, false, minMediaPrune + 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, clk := newTest(Config{MediaTTL: tc.ttl, MediaStore: 1 << 20, Window: -1})
			d := s.Direct("v21.0")
			first := uploadBytes(t, s, "image/jpeg", []byte("kept jpeg content"))
			for i := 1; i < minMediaPrune; i++ {
				if _, e := d.Upload("image/jpeg", 10); e != nil {
					t.Fatal(e)
				}
			}
			clk.Add(2 * time.Hour)
			s.Check(mediaSend(cust, "image", first))
			if n := len(s.uploads); n != minMediaPrune {
				t.Fatalf("%d media before the prune, want %d", n, minMediaPrune)
			}
			if tc.customer {
				if _, err := d.CustomerMessage(cust2, "image", "jpeg", "", 10); err != nil {
					t.Fatal(err)
				}
			} else if _, e := d.Upload("image/jpeg", 10); e != nil {
				t.Fatal(e)
			}
			if n := len(s.uploads); n != tc.left {
				t.Errorf("%d media after the prune, want %d", n, tc.left)
			}
			if want := max(minMediaPrune, 2*(tc.left-1)); s.mediaMark != want {
				t.Errorf("next prune at %d media, want %d", s.mediaMark, want)
			}
			wantLeft := int64(1<<20 - len("kept jpeg content"))
			if tc.ttl > 0 {
				wantLeft = 1 << 20
			}
			if s.mediaLeft != wantLeft {
				t.Errorf("media store has %d bytes free, want %d", s.mediaLeft, wantLeft)
			}
		})
	}
}

// riffChunk is a RIFF chunk: its FourCC and payload.
type riffChunk struct {
	fourcc  string
	payload []byte
}

// webpFile builds a RIFF/WEBP file of chunks (padded to even lengths).
func webpFile(chunks ...riffChunk) []byte {
	var body []byte
	body = append(body, "WEBP"...)
	for _, c := range chunks {
		body = append(body, c.fourcc...)
		body = binary.LittleEndian.AppendUint32(body, uint32(len(c.payload)))
		body = append(body, c.payload...)
		if len(c.payload)%2 == 1 {
			body = append(body, 0)
		}
	}
	out := append([]byte("RIFF"), binary.LittleEndian.AppendUint32(nil, uint32(len(body)))...)
	return append(out, body...)
}

// vp8x is a VP8X payload with flags.
func vp8x(flags byte) []byte { return []byte{flags, 0, 0, 0, 9, 0, 0, 9, 0, 0} }

// staticWebP is a static (simple format) WebP file of exactly size bytes.
func staticWebP(size int) []byte { return webpFile(riffChunk{"VP8 ", make([]byte, size-20)}) }

// animatedWebP is an animated WebP file of exactly size bytes.
func animatedWebP(size int) []byte {
	return webpFile(riffChunk{"VP8X", vp8x(webpAnimationFlag)}, riffChunk{"ANIM", make([]byte, 6)},
		riffChunk{"ANMF", make([]byte, size-12-18-14-8)})
}

func TestWebpSniffer(t *testing.T) {
	for _, tc := range []struct {
		name string
		file []byte
		want webpShape
	}{
		{"simple lossy", staticWebP(64), webpStatic},
		{"simple lossless", webpFile(riffChunk{"VP8L", []byte{0x2f, 1, 2, 3, 4}}), webpStatic},
		{"extended, no animation flag", webpFile(riffChunk{"VP8X", vp8x(0x10)}, riffChunk{"ALPH", []byte{1, 2, 3}}, riffChunk{"VP8 ", make([]byte, 30)}), webpStatic},
		{"extended, animation flag", webpFile(riffChunk{"VP8X", vp8x(webpAnimationFlag)}), webpAnimated},
		{"extended, all flags", webpFile(riffChunk{"VP8X", vp8x(0x3e)}), webpAnimated},
		{"ANIM after an ICC profile, flag unset", webpFile(riffChunk{"VP8X", vp8x(0x20)}, riffChunk{"ICCP", make([]byte, 3001)}, riffChunk{"ANIM", make([]byte, 6)}), webpAnimated},
		{"ANMF without ANIM, flag unset", webpFile(riffChunk{"VP8X", vp8x(0)}, riffChunk{"ANMF", make([]byte, 20)}), webpAnimated},
		{"animated", animatedWebP(4096), webpAnimated},
		{"empty VP8X", webpFile(riffChunk{"VP8X", nil}, riffChunk{"VP8 ", make([]byte, 10)}), webpStatic},
		{"empty VP8X, then metadata", webpFile(riffChunk{"VP8X", nil}, riffChunk{"EXIF", make([]byte, 4)}), webpStatic},
		{"RIFF header only", webpFile(), webpUnknown},
		{"first chunk not an image", webpFile(riffChunk{"ANIM", make([]byte, 6)}), webpUnknown},
		{"RIFF of another form", append([]byte("RIFF\x04\x00\x00\x00WAVE"), "fmt "...), webpUnknown},
		{"zeros", make([]byte, 2048), webpUnknown},
		{"short", []byte("RIFF"), webpUnknown},
		{"nothing", nil, webpUnknown},
		{"a PNG", []byte("\x89PNG\r\n\x1a\n0000000000000000"), webpUnknown},
	} {
		for _, step := range []int{1, 3, 7, 13, 1 << 20} {
			var w webpSniffer
			for p := tc.file; len(p) > 0; {
				k := min(step, len(p))
				if n, err := w.Write(p[:k]); n != k || err != nil {
					t.Fatalf("%s: Write %d, %v", tc.name, n, err)
				}
				p = p[k:]
			}
			if got := w.shape(); got != tc.want {
				t.Errorf("%s, written %d bytes at a time: %d, want %d", tc.name, step, got, tc.want)
			}
		}
	}
}

// TestStickerLimits: an upload whose bytes show a static WebP is held to
// the static limit (100 KB for stickers), at the upload and at a send of
// its id; an animated one, and a file known by its size alone, to the
// animated 500 KB, as before.
func TestStickerLimits(t *testing.T) {
	const kb = 1 << 10
	webpImage := map[string]MediaLimit{"image": {Formats: []string{"jpeg", "png", "webp"}}}
	for _, tc := range []struct {
		name  string
		media map[string]MediaLimit
		file  []byte
		typ   string
		ok    bool // the upload is accepted
		send  int  // when accepted, the status of a send of it as a sticker
	}{
		{"static, 100 KB", nil, staticWebP(100 * kb), "image/webp", true, 200},
		{"static, over 100 KB", nil, staticWebP(100*kb + 2), "image/webp", false, 0},
		{"animated, 500 KB", nil, animatedWebP(500 * kb), "image/webp", true, 200},
		{"animated, over 500 KB", nil, animatedWebP(500*kb + 2), "image/webp", false, 0},
		{"not a WebP, 400 KB", nil, bytes.Repeat([]byte{'x'}, 400*kb), "image/webp", true, 200},
		{"zeros, 400 KB", nil, make([]byte, 400*kb), "image/webp", true, 200},
		{"static limit dropped", map[string]MediaLimit{"sticker": {StaticMaxBytes: -1}}, staticWebP(400 * kb), "image/webp", true, 200},
		{"static limit raised", map[string]MediaLimit{"sticker": {StaticMaxBytes: 200 * kb}}, staticWebP(150 * kb), "image/webp", true, 200},
		{"sticker limit below the static one", map[string]MediaLimit{"sticker": {MaxBytes: 50 * kb}}, staticWebP(60 * kb), "image/webp", false, 0},
		// WebP taken as an image (no static limit there), then sent as a
		// sticker: the send applies the sticker's static limit.
		{"image, sent as a static sticker", webpImage, staticWebP(200 * kb), "image/webp", true, 400},
		{"image, sent as an animated sticker", webpImage, animatedWebP(200 * kb), "image/webp", true, 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if n := len(tc.file); n%kb != 0 && n%kb != 2 {
				t.Fatalf("the file has %d bytes", n)
			}
			s, _ := newTest(Config{Media: tc.media, Window: -1})
			ct, body := uploadBodyBytes(tc.typ, tc.file)
			w := do(s, "POST", media, ct, body, bearer)
			if !tc.ok {
				e := wantError(t, w, 400, CodeMediaUpload)
				if !strings.Contains(e.Details(), "too large") {
					t.Errorf("details %q", e.Details())
				}
				return
			}
			if w.Code != 200 {
				t.Fatalf("upload: %d %s", w.Code, w.Body)
			}
			id := strings.TrimSuffix(strings.TrimPrefix(w.Body.String(), `{"id":"`), `"}`)
			w = sendReq(s, mediaSend(cust, "sticker", id))
			if tc.send == 200 {
				wantOK(t, w)
				return
			}
			e := wantError(t, w, tc.send, CodeMediaUpload)
			if !strings.Contains(e.Details(), "static") {
				t.Errorf("details %q", e.Details())
			}
		})
	}
	t.Run("bytes read though not kept", func(t *testing.T) {
		s, _ := newTest(Config{MediaStore: -1})
		ct, body := uploadBodyBytes("image/webp", staticWebP(100*kb+2))
		wantError(t, do(s, "POST", media, ct, body, bearer), 400, CodeMediaUpload)
	})
	t.Run("declared sizes keep 500 KB", func(t *testing.T) {
		s, _ := newTest(Config{})
		for _, size := range []int64{100*kb + 1, 500 * kb} {
			if e := s.CheckMedia("sticker", "webp", size); e != nil {
				t.Errorf("CheckMedia of %d bytes: %+v", size, e)
			}
			if _, e := s.Direct("v21.0").Upload("image/webp", size); e != nil {
				t.Errorf("Direct.Upload of %d bytes: %+v", size, e)
			}
		}
		if e := s.CheckMedia("sticker", "webp", 500*kb+1); e == nil || e.Code != CodeMediaUpload {
			t.Errorf("CheckMedia over 500 KB: %+v", e)
		}
	})
}

// uploadBodyBytes builds a media upload form of a file of MIME type typ.
func uploadBodyBytes(typ string, content []byte) (string, []byte) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("messaging_product", "whatsapp")
	mw.WriteField("type", typ)
	fw, _ := mw.CreateFormFile("file", "f")
	fw.Write(content)
	mw.Close()
	return mw.FormDataContentType(), buf.Bytes()
}
