package line

import "github.com/omnisim/omnisim/router"

// Policy returns the router's policy for LINE: no reply window (a push
// reaches a friend at any time), no reply count, texts of at most 5000
// characters, and LINE's media types and sizes: image JPEG or PNG up to
// 10 MB, video MP4 and audio M4A or MP3 up to 200 MB. LINE has no
// document messages a bot can send, and its stickers are chosen by
// package and sticker id, which a router attachment does not carry.
func Policy() router.Policy {
	const mb = 1 << 20
	return router.Policy{
		TemplatesOutsideWindow: true,
		MaxTextLength:          5000,
		Attachments: map[string]router.AttachmentRule{
			"image": {Formats: []string{"jpeg", "jpg", "png"}, MaxBytes: 10 * mb},
			"video": {Formats: []string{"mp4"}, MaxBytes: 200 * mb},
			"audio": {Formats: []string{"m4a", "mp3"}, MaxBytes: 200 * mb},
		},
	}
}
