package whatsapp

import "strings"

// formats maps a format (file extension) to the MIME type WhatsApp uses for
// it. The first format listed for a MIME type is its canonical format.
var formats = []struct{ format, mime string }{
	{"jpeg", "image/jpeg"},
	{"jpg", "image/jpeg"},
	{"png", "image/png"},
	{"webp", "image/webp"},
	{"gif", "image/gif"},
	{"mp3", "audio/mpeg"},
	{"ogg", "audio/ogg"},
	{"opus", "audio/opus"},
	{"aac", "audio/aac"},
	{"amr", "audio/amr"},
	{"m4a", "audio/mp4"},
	{"mp4", "video/mp4"},
	{"3gp", "video/3gpp"},
	{"pdf", "application/pdf"},
	{"txt", "text/plain"},
	{"doc", "application/msword"},
	{"docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
	{"xls", "application/vnd.ms-excel"},
	{"xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
	{"ppt", "application/vnd.ms-powerpoint"},
	{"pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"},
}

var (
	mimeOfFormat = map[string]string{}
	formatOfMIME = map[string]string{}
)

func init() {
	for _, f := range formats {
		if _, ok := mimeOfFormat[f.format]; !ok {
			mimeOfFormat[f.format] = f.mime
		}
		if _, ok := formatOfMIME[f.mime]; !ok {
			formatOfMIME[f.mime] = f.format
		}
	}
}

// OctetStream is the MIME type [MIMEType] gives an unknown format.
const OctetStream = "application/octet-stream"

// MIMEType returns the MIME type of a format (a file extension such as "jpeg",
// "mp3" or "pdf", case-insensitive, with or without a leading dot):
// image/jpeg, image/png, image/webp, audio/mpeg, audio/ogg, audio/aac,
// audio/amr, audio/mp4 (m4a), video/mp4, video/3gpp (3gp), application/pdf,
// text/plain and the Office types. An unknown format gives [OctetStream].
// It is the inverse of [FormatOf] for the formats WhatsApp supports.
func MIMEType(format string) string {
	format = strings.TrimPrefix(format, ".")
	if m, ok := mimeOfFormat[format]; ok {
		return m
	}
	if m, ok := mimeOfFormat[strings.ToLower(format)]; ok {
		return m
	}
	return OctetStream
}

// FormatOf returns the format (lower-case file extension, as in
// [router.Attachment.Format]) of a MIME type as WhatsApp reports it in a
// webhook's mime_type: "image/jpeg" gives "jpeg", "audio/mpeg" "mp3",
// "audio/ogg; codecs=opus" "ogg", "video/3gpp" "3gp". Parameters and case are
// ignored. A MIME type not in the table gives its subtype when that is a plain
// alphanumeric word ("image/heic" gives "heic"), and "" otherwise.
func FormatOf(mimeType string) string {
	if i := strings.IndexByte(mimeType, ';'); i >= 0 {
		mimeType = mimeType[:i]
	}
	mimeType = strings.TrimSpace(mimeType)
	if f, ok := formatOfMIME[mimeType]; ok {
		return f
	}
	lower := strings.ToLower(mimeType)
	if f, ok := formatOfMIME[lower]; ok {
		return f
	}
	i := strings.IndexByte(lower, '/')
	if i < 0 {
		return ""
	}
	sub := lower[i+1:]
	if sub == "" || len(sub) > 16 {
		return ""
	}
	for j := 0; j < len(sub); j++ {
		c := sub[j]
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') {
			return ""
		}
	}
	return sub
}

// extension returns the lower-case extension of a file name, without the dot,
// or "" when it has none.
func extension(name string) string {
	i := strings.LastIndexByte(name, '.')
	if i < 0 || i == len(name)-1 {
		return ""
	}
	ext := name[i+1:]
	if strings.ContainsAny(ext, `/\`) {
		return ""
	}
	return strings.ToLower(ext)
}

// mediaFormat is FormatOf for a mime_type read from a webhook; known
// reports whether the MIME type (without parameters, case-insensitively) is
// in the format table.
func mediaFormat(mimeType string) (format string, known bool) {
	if f, ok := formatOfMIME[mimeType]; ok {
		return f, true
	}
	_, known = formatOfMIME[mimeBase(mimeType)]
	return FormatOf(mimeType), known
}

// mimeBase strips parameters and case from a MIME type.
func mimeBase(t string) string {
	if i := strings.IndexByte(t, ';'); i >= 0 {
		t = t[:i]
	}
	return strings.ToLower(strings.TrimSpace(t))
}
