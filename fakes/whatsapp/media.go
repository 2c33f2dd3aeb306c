package whatsapp

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"hash/fnv"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/omnisim/omnisim/fakes/forget"
	"github.com/omnisim/omnisim/splitmix"
)

// downloadPrefix is the path of media download URLs.
const downloadPrefix = "/media-download/"

// keeper counts an uploaded file and keeps its content while the file fits
// in limit. Content that is only zero bytes is not stored: it is what the
// fake serves for a file it does not keep anyway.
type keeper struct {
	limit int64
	// room is the most the file can be, the length of the request's
	// body, or -1 when the request does not tell: the buffer grows four
	// times at a step and never past room, so that a large file is copied
	// a few times and ends in a buffer of its size, while a body that
	// claims more than it sends makes the fake hold at most four times
	// what came.
	room int64
	n    int64
	buf  []byte
	zero bool // every byte so far was zero (valid once n > 0)
	over bool // the file does not fit: served as zeros
	// webp reads, from every byte whether kept or not, whether the file
	// is a static or an animated WebP image.
	webp webpSniffer
}

var zeroChunk [4096]byte

func isZero(p []byte) bool {
	for len(p) > 0 {
		k := min(len(p), len(zeroChunk))
		if !bytes.Equal(p[:k], zeroChunk[:k]) {
			return false
		}
		p = p[k:]
	}
	return true
}

func (k *keeper) Write(p []byte) (int, error) {
	k.webp.Write(p) //nolint:errcheck // never fails
	if k.n == 0 {
		k.zero = true
	}
	start := k.n
	k.n += int64(len(p))
	if k.over {
		return len(p), nil
	}
	if k.n > k.limit {
		k.over, k.buf = true, nil
		return len(p), nil
	}
	if k.zero {
		if isZero(p) {
			return len(p), nil
		}
		k.zero = false
		k.buf = make([]byte, start, k.grown(0, k.n))
	}
	if need := k.n; need > int64(cap(k.buf)) {
		b := make([]byte, len(k.buf), k.grown(int64(cap(k.buf)), need))
		copy(b, k.buf)
		k.buf = b
	}
	k.buf = append(k.buf, p...)
	return len(p), nil
}

// grown is the capacity a buffer of capacity c grows to for need bytes:
// four times c (at least 4096, at least need), but no more than room when
// room holds need.
func (k *keeper) grown(c, need int64) int64 {
	size := max(4*c, 4096, need)
	if k.room >= need {
		size = min(size, k.room)
	}
	return size
}

// kept returns the content to keep, or nil when the file is served as
// zeros (all zero, too large, or empty).
func (k *keeper) kept() []byte {
	if k.over || k.zero || k.n == 0 {
		return nil
	}
	if cap(k.buf)-len(k.buf) > len(k.buf)/8+4096 {
		// The body held much besides the file: keep only the file.
		return bytes.Clone(k.buf)
	}
	return k.buf
}

func hexSum(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// zeroSums caches the sha256 of n zero bytes by n.
var zeroSums = struct {
	sync.Mutex
	m map[int64]string
}{m: map[int64]string{}}

const maxZeroSums = 4096

// zeroSum returns the hex sha256 of size zero bytes.
func zeroSum(size int64) string {
	zeroSums.Lock()
	v, ok := zeroSums.m[size]
	zeroSums.Unlock()
	if ok {
		return v
	}
	h := sha256.New()
	for n := size; n > 0; {
		k := min(n, int64(len(zeroChunk)))
		h.Write(zeroChunk[:k])
		n -= k
	}
	v = hex.EncodeToString(h.Sum(nil))
	zeroSums.Lock()
	if len(zeroSums.m) < maxZeroSums {
		zeroSums.m[size] = v
	}
	zeroSums.Unlock()
	return v
}

// mediaSum returns the sha256 of what the media's URL serves, computing
// (outside the lock) and remembering it the first time.
func (s *Server) mediaSum(up *upload) string {
	s.mu.Lock()
	sum, size := up.sum, up.size
	s.mu.Unlock()
	if sum != "" {
		return sum
	}
	sum = zeroSum(size)
	s.mu.Lock()
	up.sum = sum
	s.mu.Unlock()
	return sum
}

// downloadTag is the check part of a download URL: it binds the media id
// to this server's seed, so URLs cannot be made up from a media id alone.
func (s *Server) downloadTag(id string) string {
	h := fnv.New64a()
	io.WriteString(h, id)
	var b [16]byte
	return string(appendHex64(b[:0], splitmix.Mix(s.ids.tag^h.Sum64()), lowerHex))
}

// downloadURL is the URL of a media's content, on the host the request
// came to.
func (s *Server) downloadURL(r *http.Request, id string) string {
	scheme := "http"
	if r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https") {
		scheme = "https"
	}
	host := r.Host
	if host == "" {
		host = strings.TrimPrefix(s.URL, "http://")
	}
	if host == "" {
		host = "localhost"
	}
	return scheme + "://" + host + downloadPrefix + id + "-" + s.downloadTag(id)
}

// handleMediaURL answers GET /{version}/{media-id}.
func (s *Server) handleMediaURL(w http.ResponseWriter, r *http.Request, id string) {
	now := s.now()
	s.mu.Lock()
	up := s.uploadLocked(id, now.UnixNano())
	s.mu.Unlock()
	if up == nil {
		s.fail(w, r, errUnsupported(r.Method, id), "")
		return
	}
	if pid := r.URL.Query().Get("phone_number_id"); pid != "" && pid != s.cfg.PhoneNumberID {
		s.fail(w, r, errParamf("Param phone_number_id %q is not the business phone number the media %s belongs to.", pid, id), "")
		return
	}
	resp := MediaURLResponse{MessagingProduct: "whatsapp", URL: s.downloadURL(r, id), MimeType: up.mime,
		SHA256: s.mediaSum(up), FileSize: up.size, ID: id}
	b, err := EncodeEscaped(resp)
	if err != nil { // cannot happen: strings and an int
		s.fail(w, r, errParam(err.Error()), "")
		return
	}
	s.mu.Lock()
	s.addRequestLocked(s.now(), r, http.StatusOK, 0)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, b)
}

// handleDownload serves GET (or HEAD) /media-download/{id}-{tag}: the file
// with its MIME type, for the same bearer token as the API. Errors are
// plain text, not Graph envelopes: 401 without a valid token, 404 for a URL
// the fake did not hand out, 405 for other methods.
func (s *Server) handleDownload(w http.ResponseWriter, r *http.Request) {
	status := s.download(w, r)
	s.mu.Lock()
	s.addRequestLocked(s.now(), r, status, 0)
	s.mu.Unlock()
}

func (s *Server) download(w http.ResponseWriter, r *http.Request) int {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return http.StatusMethodNotAllowed
	}
	if !s.authorized(r) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="whatsapp media"`)
		http.Error(w, "unauthorized: the media URL needs the access token as a bearer token", http.StatusUnauthorized)
		return http.StatusUnauthorized
	}
	opaque := strings.TrimPrefix(r.URL.Path, downloadPrefix)
	id, tag, ok := strings.Cut(opaque, "-")
	var up *upload
	if ok && tag == s.downloadTag(id) {
		now := s.now()
		s.mu.Lock()
		up = s.uploadLocked(id, now.UnixNano())
		s.mu.Unlock()
	}
	if up == nil {
		http.Error(w, "not found", http.StatusNotFound)
		return http.StatusNotFound
	}
	var content io.ReadSeeker = &zeroFile{size: up.size}
	if up.data != nil {
		content = bytes.NewReader(up.data)
	}
	h := w.Header()
	h.Set("Content-Type", up.mime)
	h.Set("Cache-Control", "no-store")
	sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
	http.ServeContent(sw, r, "", time.Time{}, content)
	return sw.status
}

// statusWriter records the status a handler answers.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

// zeroFile reads size zero bytes and can seek.
type zeroFile struct{ size, off int64 }

func (z *zeroFile) Read(p []byte) (int, error) {
	if z.off >= z.size {
		return 0, io.EOF
	}
	if rest := z.size - z.off; int64(len(p)) > rest {
		p = p[:rest]
	}
	clear(p)
	z.off += int64(len(p))
	return len(p), nil
}

func (z *zeroFile) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		offset += z.off
	case io.SeekEnd:
		offset += z.size
	default:
		return 0, errors.New("zeroFile.Seek: invalid whence " + strconv.Itoa(whence))
	}
	if offset < 0 {
		return 0, errors.New("zeroFile.Seek: negative position")
	}
	z.off = offset
	return offset, nil
}

// minMediaPrune is the fewest media ids at which pruneMediaLocked looks
// for expired ones.
const minMediaPrune = 1024

// uploadLocked is the media of id at ns (Unix nanoseconds): nil when the
// fake made no such id, or when it has expired (Config.MediaTTL), which
// is then answered as an unknown id. It changes nothing (Check calls it):
// expired media are dropped by pruneMediaLocked. s.mu must be held.
func (s *Server) uploadLocked(id string, ns int64) *upload {
	up := s.uploads[id]
	if up == nil || s.mediaExpired(up, ns) {
		return nil
	}
	return up
}

// mediaExpired reports whether up has expired at ns (Unix nanoseconds):
// it was made Config.MediaTTL or more before, compared without overflow.
func (s *Server) mediaExpired(up *upload, ns int64) bool {
	return s.cfg.MediaTTL > 0 && forget.Old(ns, up.at, int64(s.cfg.MediaTTL))
}

// pruneMediaLocked drops the media expired at ns (Unix nanoseconds), and
// gives the room of their kept content back to Config.MediaStore, when
// the media ids reach mediaMark; the next prune waits for twice the ids
// left (at least minMediaPrune). So a new media id costs a constant share
// of a scan however many there are, the ids a long run keeps are at most
// about twice those made within a MediaTTL, and a media record holds
// nothing more than its time. It runs before a media id is made. s.mu
// must be held.
func (s *Server) pruneMediaLocked(ns int64) {
	if len(s.uploads) < s.mediaMark {
		return
	}
	if s.cfg.MediaTTL > 0 {
		for id, up := range s.uploads {
			if s.mediaExpired(up, ns) {
				s.mediaLeft += int64(len(up.data))
				delete(s.uploads, id)
			}
		}
	}
	s.mediaMark = max(minMediaPrune, 2*len(s.uploads))
}
