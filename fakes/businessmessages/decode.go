package businessmessages

import (
	"sync"

	"github.com/omnisim/omnisim/jsonscan"
)

// scanner is the package's one-pass JSON reader: the message-body decoder
// is its methods.
type scanner struct {
	jsonscan.Scanner
	// The body's strings (but an image's and the ones StrIn reuses), made
	// one string at the end.
	strs jsonscan.Strings
}

// The fields of a SendRequest the scanner keeps in strs.
const (
	fName = iota
	fMessageID
	fText
	fFallback
	fDisplayName
	fAvatarImage
)

// fill sets the fields kept in d.strs, from one copy of them.
func (d *scanner) fill(req *SendRequest, rep *Representative) {
	d.strs.Fill(func(f int, v string) {
		switch f {
		case fName:
			req.Name = v
		case fMessageID:
			req.MessageID = v
		case fText:
			req.Text = v
		case fFallback:
			req.Fallback = v
		case fDisplayName:
			rep.DisplayName = v
		case fAvatarImage:
			rep.AvatarImage = v
		}
	})
}

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
		d.strs.Reset()
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
				d.KeepStr(&d.strs, fName)
			}
		case "messageId":
			if d.Seen(&mask, 2) {
				d.KeepStr(&d.strs, fMessageID)
			}
		case "text":
			if d.Seen(&mask, 4) {
				d.KeepStr(&d.strs, fText)
			}
		case "fallback":
			if d.Seen(&mask, 8) {
				d.KeepStr(&d.strs, fFallback)
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
	d.fill(req, rep)
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
				d.KeepStr(&d.strs, fDisplayName)
			}
		case "avatarImage":
			if d.Seen(&mask, 4) {
				d.KeepStr(&d.strs, fAvatarImage)
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
