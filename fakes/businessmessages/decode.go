package businessmessages

import "unicode/utf8"

// decodeSendFast decodes a message body in one pass without reflection. It
// decodes only what it can decode exactly as the strict encoding/json
// decoder would (known keys matched exactly, strings without escapes, no
// nulls, no rich cards or suggestions, nothing after the object) and
// reports false on anything else, leaving the body to encoding/json, which
// then decides. A differential fuzz target holds the two to the same
// answers.
func decodeSendFast(b []byte, req *SendRequest) bool {
	d := scanner{b: b}
	if !d.object(func(k []byte) bool {
		switch string(k) {
		case "name":
			return d.str(&req.Name)
		case "messageId":
			return d.str(&req.MessageID)
		case "text":
			return d.str(&req.Text)
		case "fallback":
			return d.str(&req.Fallback)
		case "containsRichText":
			return d.boolean(&req.ContainsRichText)
		case "representative":
			if req.Representative == nil {
				req.Representative = &Representative{}
			}
			r := req.Representative
			return d.object(func(k []byte) bool {
				switch string(k) {
				case "representativeType":
					return d.str(&r.RepresentativeType)
				case "displayName":
					return d.str(&r.DisplayName)
				case "avatarImage":
					return d.str(&r.AvatarImage)
				}
				return false
			})
		case "image":
			if req.Image == nil {
				req.Image = &Image{}
			}
			img := req.Image
			return d.object(func(k []byte) bool {
				switch string(k) {
				case "imageId":
					return d.str(&img.ImageID)
				case "contentInfo":
					if img.ContentInfo == nil {
						img.ContentInfo = &ContentInfo{}
					}
					ci := img.ContentInfo
					return d.object(func(k []byte) bool {
						switch string(k) {
						case "fileUrl":
							return d.str(&ci.FileURL)
						case "thumbnailUrl":
							return d.str(&ci.ThumbnailURL)
						case "altText":
							return d.str(&ci.AltText)
						case "forceRefresh":
							return d.boolean(&ci.ForceRefresh)
						}
						return false
					})
				}
				return false
			})
		}
		return false
	}) {
		return false
	}
	d.ws()
	return d.i == len(d.b)
}

// scanner reads JSON for decodeSendFast.
type scanner struct {
	b []byte
	i int
}

func (d *scanner) ws() {
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

// object reads an object, calling field for each key with the scanner at
// its value.
func (d *scanner) object(field func(k []byte) bool) bool {
	d.ws()
	if d.i >= len(d.b) || d.b[d.i] != '{' {
		return false
	}
	d.i++
	d.ws()
	if d.i < len(d.b) && d.b[d.i] == '}' {
		d.i++
		return true
	}
	for {
		d.ws()
		k, ok := d.raw()
		if !ok {
			return false
		}
		d.ws()
		if d.i >= len(d.b) || d.b[d.i] != ':' {
			return false
		}
		d.i++
		if !field(k) {
			return false
		}
		d.ws()
		if d.i >= len(d.b) {
			return false
		}
		switch d.b[d.i] {
		case ',':
			d.i++
		case '}':
			d.i++
			return true
		default:
			return false
		}
	}
}

// raw reads a string without escapes, control characters or invalid UTF-8.
func (d *scanner) raw() ([]byte, bool) {
	if d.i >= len(d.b) || d.b[d.i] != '"' {
		return nil, false
	}
	start := d.i + 1
	for j := start; j < len(d.b); j++ {
		switch c := d.b[j]; {
		case c == '"':
			s := d.b[start:j]
			if !utf8.Valid(s) {
				return nil, false
			}
			d.i = j + 1
			return s, true
		case c == '\\' || c < 0x20:
			return nil, false
		}
	}
	return nil, false
}

func (d *scanner) str(v *string) bool {
	d.ws()
	s, ok := d.raw()
	if ok {
		*v = string(s)
	}
	return ok
}

func (d *scanner) boolean(v *bool) bool {
	d.ws()
	rest := d.b[d.i:]
	switch {
	case len(rest) >= 4 && string(rest[:4]) == "true":
		*v, d.i = true, d.i+4
	case len(rest) >= 5 && string(rest[:5]) == "false":
		*v, d.i = false, d.i+5
	default:
		return false
	}
	return true
}
