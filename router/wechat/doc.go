// Package wechat is the WeChat Official Account (公众号) channel adapter of
// the routing engine: the webhook endpoint WeChat calls (URL verification,
// signature checks, safe-mode decryption, XML decoding, dedupe) and the send
// client ([router.Sender]) that posts customer-service messages.
//
// # Webhook
//
// [Adapter.ServeHTTP] answers a GET (URL verification):
//
//   - 200 with the echostr query parameter, exactly as received (after URL
//     decoding), as a text/plain body, when signature is
//     hex(sha1(token+timestamp+nonce)), the three strings sorted byte-wise
//     before joining ([Config.Token] is the token; the hex may be in either
//     case), and, when [Config.MaxTimestampSkew] is set, the timestamp is
//     within it of [Config.Clock].
//   - 403 otherwise: a missing, malformed or wrong signature, a stale
//     timestamp, or an empty configured Token. The handshake is a
//     configuration check that WeChat's console reports as failed for any
//     answer but the echo, so one status serves; 403 says "this server will
//     not confirm" rather than asking for credentials. GET refusals are not
//     counted in [Stats.Rejected].
//
// A POST (notification) is checked in this order; the first failure decides
// the answer:
//
//  1. Safe mode is declared by encrypt_type=aes in the query. Then a missing
//     msg_signature is 401; otherwise a missing signature is 401.
//  2. An empty configured Token: 403.
//  3. A signature parameter that is present but is not the signature of
//     (Token, timestamp, nonce): 403. This holds in safe mode too, where
//     WeChat sends both signatures.
//  4. With [Config.MaxTimestampSkew] set, a timestamp that is not decimal
//     Unix seconds within the skew of Clock: 403.
//  5. A declared Content-Length over [MaxBodySize] (1 MB): 413, before
//     reading anything. The body is then read incrementally into a buffer
//     that doubles from 4 KB and never grows, nor reads, past MaxBodySize+1
//     bytes whatever the declared length: more than MaxBodySize is 413; a
//     read error (a body shorter than declared) is 400.
//  6. The body is decoded as XML (see below): malformed is 400.
//  7. When safe mode is declared or the body has an Encrypt element (also
//     compatible mode, which sends the plaintext fields too): a missing
//     msg_signature is 401; a msg_signature that is not
//     hex(sha1(sorted Token, timestamp, nonce, Encrypt)) is 403 (an absent
//     Encrypt counts as ""); an empty Encrypt is 400; a missing or invalid
//     EncodingAESKey is 403. Encrypt is then opened: AESKey is the standard
//     base64 decoding of EncodingAESKey+"=" (43 characters giving 32
//     bytes); the ciphertext, base64 (standard alphabet, line breaks
//     ignored), is decrypted with AES-256-CBC and IV AESKey[:16]. Not base64,
//     or not a whole, non-zero number of 16-byte blocks: 400. After
//     decryption, PKCS#7 padding to 32 bytes (the last byte p is 1..32 and
//     the last p bytes all equal p), a plaintext of at least 20 bytes, a
//     big-endian 32-bit message length that fits, and a trailing app id equal
//     to [Config.AppID] (which must not be empty) are required: any failure
//     is 403, and the failures are not told apart, so the answer is no
//     padding oracle. The message between length and app id is decoded as
//     XML like a plaintext body (malformed: 400) and replaces the body: in
//     compatible mode the plaintext copy is ignored.
//  8. Otherwise: 200 with the text/plain body "success" ([Success]), which
//     stops WeChat's retries, after the message is routed.
//
// Any other method is answered 405. The status classes mean: 401, no
// credential was presented; 403, a credential was presented but is wrong or
// cannot be checked (no Token, no key), or the payload does not open with
// this account's key, which only a forger or a misconfiguration produces;
// 400, the request is authenticated (or its defect does not depend on the
// key) but malformed; 413, too large.
//
// A refused webhook changes no state: the Receiver is not called, OnEvent is
// not called, no id is remembered; it only counts in [Stats.Rejected]. The
// whole body is decoded (and decrypted) before anything is routed.
//
// In plaintext mode WeChat's signature covers the token, timestamp and nonce
// only, not the body: whoever has seen one signed URL can replay it with any
// body. This is the protocol; safe mode (where msg_signature covers the
// ciphertext) or MaxTimestampSkew (which limits how long a URL can be
// replayed) narrows it. AES-CBC itself authenticates nothing: msg_signature,
// which needs the Token, is the ciphertext's only integrity check.
//
// # Decoding
//
// Bodies are decoded as encoding/xml decodes them (strict mode): WeChat's
// own flat form (CDATA or text in elements without attributes directly
// under <xml>) by a one-pass reader, anything else by encoding/xml itself,
// which makes the two one decoder. The document's root
// element must be named xml (in any namespace); before it only white space,
// comments and the XML declaration may appear, after it only white space
// and comments. A DOCTYPE, other text or markup outside the root, a second
// root, an undefined entity, invalid UTF-8, a character XML forbids, or a
// declared encoding other than UTF-8 makes the body malformed (400).
//
// The elements read are ToUserName, FromUserName, CreateTime, MsgType,
// Content, MsgId, PicUrl, MediaId, Format, ThumbMediaId, Event, EventKey,
// Ticket and Encrypt, matched by exact, case-sensitive name; other elements
// are ignored. CreateTime must be a base-10 int64 (surrounding white space
// allowed; empty is 0), or the body is malformed. The others are text kept
// exactly as decoded, CDATA and character references included, without
// trimming; child elements inside them are skipped and the text around them
// joined; when an element is repeated, the last one wins.
//
// # Routing
//
// A message whose ToUserName is not [Config.OriginalID] (or when OriginalID
// is empty), or that has no FromUserName, is ignored: answered 200, counted
// in [Stats.Ignored], not remembered. WeChat retries any other answer, so
// refusing it would only bring it back. The openid query parameter is not
// used; FromUserName (in safe mode, the encrypted one) names the customer.
//
// Notifications are deduplicated for [Config.DedupeWindow] of Clock time
// (default 48 hours, the reply window: WeChat tries three times, 5 seconds
// apart, but a delayed or repeated push may come much later): a message
// by its MsgId; an event by FromUserName, CreateTime, Event and EventKey
// (WeChat documents FromUserName+CreateTime; Event and EventKey keep two
// different events of one second apart, while a retry repeats them all); a
// message without a MsgId by FromUserName, CreateTime and MsgType. A
// duplicate is answered "success", counted in [Stats.Duplicates], and
// dropped. Keys are kept in a map plus an insertion-ordered ring and
// forgotten from the ring's head as they expire, so memory is proportional
// to one window's traffic.
//
// An event (MsgType "event": subscribe, unsubscribe, SCAN, CLICK, VIEW,
// LOCATION, ...) opens no conversation and is never passed to the Receiver:
// it counts in [Stats.Events] and goes to [Config.OnEvent] when that is set.
//
// Every other message is passed to [router.Receiver.Receive] with the
// customer key (wechat, AppID, FromUserName), the MsgId as message id (""
// when absent), no name (WeChat's messages carry none), and:
//
//   - text: Content as the text;
//   - image: an [router.Attachment] of kind image without a format (WeChat
//     gives a PicUrl and a MediaId but no format, and the adapter does not
//     fetch the file) and size 0;
//   - voice: kind audio, the Format element in lower case (amr, speex) as
//     the format;
//   - video and shortvideo: kind video, format mp4 (the message names no
//     format; WeChat records both kinds as MP4);
//   - every other type (location, link, types not known yet, no MsgType):
//     a message with neither text nor attachment, since it is still customer
//     activity.
//
// An error returned by Receive does not change the answer (200): a
// redelivery could not fix it, and the key stays remembered.
//
// Applications that answer webhooks themselves can build passive replies with
// [PassiveReply] and encrypt them for safe mode with [Adapter.EncryptReply];
// the router does not (it answers "success" and replies through the
// customer-service API).
//
// # Sending
//
// [Adapter.Send] needs an access token: GET
// {BaseURL}/cgi-bin/token?grant_type=client_credential&appid=…&secret=…,
// answered {"access_token","expires_in"}. The token is cached and reused
// until expires_in minus [TokenRefreshMargin] (5 minutes, at most half the
// lifetime) of Clock time has passed since the request; a missing or
// non-positive expires_in makes it good for one request. One request fetches
// at a time, the others wait (or give up with their context). A non-zero
// errcode (WeChat answers errors with HTTP 200) is a *[router.PlatformError]
// with the errcode in decimal, the HTTP status and the errmsg verbatim; an
// answer without a token, or that is not JSON of that shape, is an ordinary
// error. Failed fetches are not cached. When an upload or a send is answered
// errcode 40001 (invalid credential) or 42001 (token expired), a new token
// is fetched (unless another request already replaced the failed one) and
// that request is retried once.
//
// Text goes to POST {BaseURL}/cgi-bin/message/custom/send?access_token=… as
// {"touser":openid,"msgtype":"text","text":{"content":…}}, encoded as
// encoding/json encodes it without HTML escaping. Templates are refused locally (an
// ordinary error): WeChat's template messages are another API, not modelled.
//
// An attachment is first uploaded as temporary media: POST
// {BaseURL}/cgi-bin/media/upload?access_token=…&type=image|voice|video
// (router kinds image, audio, video; document and sticker are refused
// locally) as multipart/form-data with one file part named media, holding
// Size zero bytes, streamed (only the multipart framing is in memory) with
// its Content-Length. The part's file name carries the format's extension
// (the attachment's Name when its extension is the format's, otherwise
// "media.<ext>"; "mpeg" audio is uploaded as ".mp3") and its Content-Type
// the format's MIME type: image/jpeg (jpeg, jpg), image/png, image/gif,
// audio/mpeg (mp3, mpeg), audio/amr, video/mp4, and
// application/octet-stream for anything else, which the platform may refuse
// (errcode 40004). The format is the attachment's Format in lower case, or
// its Name's extension when Format is empty. The answer's media_id is then
// sent as {"msgtype":"image","image":{"media_id":…}}, likewise voice, or
// {"msgtype":"video","video":{"media_id":…,"title":"","description":…}}
// with the message's text as the description (no thumb_media_id, which the
// customer-service API does not require). WeChat's image and voice messages
// have no caption, so the text of an image or audio attachment is not sent.
//
// A send answered errcode 0 succeeded; the answer must carry an errcode. A
// non-zero errcode, whatever the HTTP status, is a *[router.PlatformError]
// (45015: out of the 48-hour window; 45047: out of the reply quota); a
// non-2xx status without one, or an answer that is not JSON, is an ordinary
// error, as is a transport failure. WeChat's answer carries no message id,
// so Send returns a local one: "wechat-<n>", n counting the adapter's
// successful sends from 1.
//
// The recipient is to.Customer (an openid); a key naming another channel or
// another account (AppID) is refused locally, while empty Channel and
// Account fields mean this adapter's. Error messages never contain the app
// secret or an access token: URLs in transport errors are cut to BaseURL and
// path.
//
// # Policy
//
// [Policy] gives the router WeChat's rules for customer-service messages: a
// 48-hour window from the customer's last message, 5 messages per customer
// message, a new conversation after the window, texts up to [MaxTextLength]
// characters, and the attachment kinds, formats and sizes above.
//
// Send tries a message again at once when WeChat answers errcode -1
// (system busy) or 45011 (the per-minute frequency limit), up to
// [SendTries] tries in all. [Adapter.SaveState] and [Adapter.RestoreState]
// carry the dedupe keys, the message numbering and the access token across
// a restart.
package wechat
