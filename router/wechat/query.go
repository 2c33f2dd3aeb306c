package wechat

import (
	"net/url"
	"strings"
)

// params are the query parameters a webhook reads: for each, the first
// value given, as url.Values.Get returns it from the URL's Query.
type params struct {
	signature, msgSignature, timestamp, nonce, encryptType, echostr string
}

// maxQuickParams bounds the pairs parseParams scans itself; url.ParseQuery
// refuses more than 10000.
const maxQuickParams = 1000

// parseParams reads the webhook's parameters from a raw query. A query that
// needs no unescaping ('%' or '+'), has no ';' (which url.ParseQuery
// refuses in a pair) and has few pairs is scanned in place, the values
// being parts of raw; any other goes through url.ParseQuery. Both give what
// r.URL.Query().Get would.
func parseParams(raw string) params {
	var p params
	if !quickQuery(raw) {
		q, _ := url.ParseQuery(raw)
		p.signature = q.Get("signature")
		p.msgSignature = q.Get("msg_signature")
		p.timestamp = q.Get("timestamp")
		p.nonce = q.Get("nonce")
		p.encryptType = q.Get("encrypt_type")
		p.echostr = q.Get("echostr")
		return p
	}
	var seen [6]bool
	for raw != "" {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		var i int
		var dst *string
		switch k {
		case "signature":
			i, dst = 0, &p.signature
		case "msg_signature":
			i, dst = 1, &p.msgSignature
		case "timestamp":
			i, dst = 2, &p.timestamp
		case "nonce":
			i, dst = 3, &p.nonce
		case "encrypt_type":
			i, dst = 4, &p.encryptType
		case "echostr":
			i, dst = 5, &p.echostr
		default:
			continue
		}
		if !seen[i] {
			seen[i], *dst = true, v
		}
	}
	return p
}

// quickQuery reports whether parseParams may scan raw itself: no '%', '+'
// or ';', and fewer than maxQuickParams pairs.
func quickQuery(raw string) bool {
	return strings.IndexByte(raw, '%') < 0 && strings.IndexByte(raw, '+') < 0 &&
		strings.IndexByte(raw, ';') < 0 && strings.Count(raw, "&") < maxQuickParams
}
