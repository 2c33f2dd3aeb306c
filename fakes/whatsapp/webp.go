package whatsapp

import (
	"bytes"
	"encoding/binary"
)

// webpShape is what an uploaded file's bytes showed it to be, for the
// sticker limits: Meta takes static stickers up to 100 KB and animated
// ones up to 500 KB.
type webpShape uint8

const (
	// webpUnknown: not a WebP image, or the fake did not see the bytes
	// (a size alone); the kind's MaxBytes applies.
	webpUnknown webpShape = iota
	// webpStatic: a WebP image without animation; the kind's static limit
	// applies too.
	webpStatic
	// webpAnimated: a WebP image with animation (a VP8X chunk whose
	// animation flag is set, or an ANIM or ANMF chunk).
	webpAnimated
)

// webpAnimationFlag is the animation bit of a VP8X chunk's flags byte
// (the chunk's first payload byte: reserved 2 bits, ICC, alpha, EXIF,
// XMP, animation, reserved 1 bit).
const webpAnimationFlag = 0x02

// webpSniffer reads, as an upload's bytes stream past it, whether the
// file is a WebP image and whether that image is animated: the RIFF
// header ("RIFF", a size, "WEBP"), then each chunk's header (a FourCC and
// a little-endian size; the payload, padded to an even length, is
// skipped) and, of a VP8X chunk, the flags byte. It copies at most a
// chunk header at a time, whatever the file's size, and keeps nothing.
type webpSniffer struct {
	n    int64    // bytes seen
	at   int64    // the offset of the bytes it waits for
	want int      // how many it waits for; 0 before the first write
	got  int      // how many of them it has, in buf
	buf  [12]byte // the bytes it waits for
	// step is what the bytes in buf are: the RIFF header, a chunk
	// header, or a VP8X chunk's flags byte.
	step     uint8
	next     int64 // the offset of the chunk after the VP8X one
	image    bool  // the RIFF header is WebP's and the first chunk an image's
	animated bool
	done     bool // nothing more to learn
}

// webpFirstChunk is the offset of a WebP file's first chunk, after the
// RIFF header.
const webpFirstChunk = 12

// The steps of webpSniffer.
const (
	webpHeader uint8 = iota
	webpChunk
	webpFlags
)

// Write reads p, the next bytes of the file; it never fails.
func (w *webpSniffer) Write(p []byte) (int, error) {
	start := w.n
	w.n += int64(len(p))
	if w.want == 0 {
		w.want = len(w.buf) // the RIFF header, at offset 0
	}
	for !w.done {
		i := w.at + int64(w.got) - start // where the next byte it waits for is in p
		if i >= int64(len(p)) {
			break
		}
		w.got += copy(w.buf[w.got:w.want], p[i:])
		if w.got < w.want {
			break
		}
		w.read()
	}
	return len(p), nil
}

// read takes the bytes buf holds, as step says, and sets what it waits
// for next.
func (w *webpSniffer) read() {
	b := w.buf[:w.want]
	switch w.step {
	case webpHeader:
		if !bytes.Equal(b[:4], []byte("RIFF")) || !bytes.Equal(b[8:12], []byte("WEBP")) {
			w.done = true
			return
		}
		w.wait(webpChunk, webpFirstChunk, 8)
	case webpChunk:
		fourcc := string(b[:4])
		size := int64(binary.LittleEndian.Uint32(b[4:8]))
		next := w.at + 8 + size + size&1
		if w.at == webpFirstChunk {
			w.image = fourcc == "VP8 " || fourcc == "VP8L" || fourcc == "VP8X"
			if !w.image {
				w.done = true
				return
			}
		}
		switch fourcc {
		case "ANIM", "ANMF":
			w.animated, w.done = true, true
			return
		case "VP8X":
			if size > 0 {
				w.next = next
				w.wait(webpFlags, w.at+8, 1)
				return
			}
		}
		w.wait(webpChunk, next, 8)
	case webpFlags:
		if b[0]&webpAnimationFlag != 0 {
			w.animated, w.done = true, true
			return
		}
		w.wait(webpChunk, w.next, 8)
	}
}

// wait makes the sniffer wait for n bytes at offset at, as step.
func (w *webpSniffer) wait(step uint8, at int64, n int) {
	w.step, w.at, w.want, w.got = step, at, n, 0
}

// shape is what the bytes written showed the file to be.
func (w *webpSniffer) shape() webpShape {
	switch {
	case !w.image:
		return webpUnknown
	case w.animated:
		return webpAnimated
	}
	return webpStatic
}
