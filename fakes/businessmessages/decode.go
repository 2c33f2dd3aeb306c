package businessmessages

import (
	"sync"

	"github.com/omnisim/omnisim/jsonscan"
)

// scanner is the package's one-pass JSON reader: the message-body decoder
// is its methods.
type scanner struct {
	jsonscan.Scanner
	// strs makes the body's strings (but an image's and the ones StrIn
	// reuses), which live as long as the journal keeps the message.
	strs jsonscan.Arena
}

// str decodes a string value into a string of d.strs; "" when the value
// is not a string (the scanner has then failed).
func (d *scanner) str() string { return d.StrInArena(nil, &d.strs) }

// scanners keeps scanners with their unquoting buffers.
var scanners = sync.Pool{New: func() any { return new(scanner) }}

// decodeSendFast decodes a message body in one pass without reflection. It
// decodes only what it can decode exactly as the strict encoding/json
// decoder would (known keys matched exactly, each once, no nulls, no rich
// cards or suggestions, nothing after the object) and reports false on
// anything else, leaving the body to encoding/json, which then decides. A
// differential fuzz target holds the two to the same answers.
//
// The representative is decoded into *rep, and rep reports whether the
// body has one: the caller points req at it, so that one on the caller's
// stack can stay there.
func decodeSendFast(b []byte, req *SendRequest, rep *Representative) (ok, hasRep bool) {
	d := scanners.Get().(*scanner)
	d.Reset(b)
	defer func() {
		d.Clear()
		scanners.Put(d)
	}()
	if !d.Open('{') {
		return false, false
	}
	var mask uint32
	for n := 0; ; n++ {
		key, more := d.Member(n)
		if !more {
			break
		}
		switch string(key) {
		case "name":
			if d.Seen(&mask, 1) {
				req.Name = d.str()
			}
		case "messageId":
			if d.Seen(&mask, 2) {
				req.MessageID = d.str()
			}
		case "text":
			if d.Seen(&mask, 4) {
				req.Text = d.str()
			}
		case "fallback":
			if d.Seen(&mask, 8) {
				req.Fallback = d.str()
			}
		case "containsRichText":
			if d.Seen(&mask, 16) {
				req.ContainsRichText = d.Bool()
			}
		case "representative":
			if d.Seen(&mask, 32) {
				*rep, hasRep = Representative{}, true
				d.representative(rep)
			}
		case "image":
			if d.Seen(&mask, 64) {
				req.Image = &Image{}
				d.image(req.Image)
			}
		default:
			d.Fail() // an unknown field, or one left to encoding/json
		}
	}
	if !d.End() {
		return false, hasRep
	}
	return true, hasRep
}

// repTypes are the representative types, whose strings a decoded body
// reuses.
var repTypes = []string{"BOT", "HUMAN"}

func (d *scanner) representative(r *Representative) {
	if !d.Open('{') {
		return
	}
	var mask uint32
	for n := 0; ; n++ {
		key, more := d.Member(n)
		if !more {
			return
		}
		switch string(key) {
		case "representativeType":
			if d.Seen(&mask, 1) {
				r.RepresentativeType = d.StrIn(repTypes)
			}
		case "displayName":
			if d.Seen(&mask, 2) {
				r.DisplayName = d.str()
			}
		case "avatarImage":
			if d.Seen(&mask, 4) {
				r.AvatarImage = d.str()
			}
		default:
			d.Fail()
		}
	}
}

func (d *scanner) image(img *Image) {
	if !d.Open('{') {
		return
	}
	var mask uint32
	for n := 0; ; n++ {
		key, more := d.Member(n)
		if !more {
			return
		}
		switch string(key) {
		case "imageId":
			if d.Seen(&mask, 1) {
				img.ImageID = d.Str()
			}
		case "contentInfo":
			if d.Seen(&mask, 2) {
				img.ContentInfo = &ContentInfo{}
				d.contentInfo(img.ContentInfo)
			}
		default:
			d.Fail()
		}
	}
}

func (d *scanner) contentInfo(ci *ContentInfo) {
	if !d.Open('{') {
		return
	}
	var mask uint32
	for n := 0; ; n++ {
		key, more := d.Member(n)
		if !more {
			return
		}
		switch string(key) {
		case "fileUrl":
			if d.Seen(&mask, 1) {
				ci.FileURL = d.Str()
			}
		case "thumbnailUrl":
			if d.Seen(&mask, 2) {
				ci.ThumbnailURL = d.Str()
			}
		case "altText":
			if d.Seen(&mask, 4) {
				ci.AltText = d.Str()
			}
		case "forceRefresh":
			if d.Seen(&mask, 8) {
				ci.ForceRefresh = d.Bool()
			}
		default:
			d.Fail()
		}
	}
}
