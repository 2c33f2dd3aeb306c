// Package wechat is a fake WeChat Official Account platform (公众号) that
// speaks the real wire protocol: the access_token, customer-service send
// and temporary-media endpoints of api.weixin.qq.com on one side (errcode
// envelopes, always HTTP 200), and signed XML pushes to the router on the
// other (plaintext, compatible or safe mode, with the URL-verification
// handshake, retries and passive replies). It is an independent oracle of
// the platform's rules and imports only the standard library.
//
// Like net/http/httptest it needs no setup:
//
//	wx := wechat.New(wechat.Config{WebhookURL: routerURL, Clock: clk.Now})
//	wx.Start()            // or use wx as an http.Handler, in memory
//	defer wx.Close()
//	wx.Verify(ctx)        // GET handshake: signature, echostr, timestamp, nonce
//	wx.CustomerText(ctx, "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o", "hi") // push; opens the 48 h window
//	// ... the router calls wx.URL + "/cgi-bin/token?..." and ".../message/custom/send?access_token=..." ...
//	wx.Deliveries(openid), wx.LastError(openid), wx.Journal(), wx.Counts()
//
// # Configuration
//
// Every [Config] field has a default for its zero value:
//
//   - AppID [DefaultAppID], AppSecret [DefaultAppSecret] (the token
//     endpoint's appid and secret), Token [DefaultToken] (signatures),
//     EncodingAESKey [DefaultEncodingAESKey] (43 characters), OriginalID
//     [DefaultOriginalID] (the ToUserName of pushes).
//   - Mode: [Plaintext] (default; the mode Zoho SalesIQ requires),
//     [Compatible] or [Safe].
//   - WebhookURL; Client (default http.DefaultClient) makes the calls.
//   - Clock (default time.Now) is the platform's only time source: windows,
//     quotas, token and media expiry, CreateTime, timestamps, the journal.
//     Webhook timeouts are real durations.
//   - Seed seeds every generated id. Each kind of id (MsgId, media_id,
//     access_token, nonce, echostr, rid, AES random prefix, QR ticket) has
//     its own counter, so the same seed and the same calls give the same
//     ids and bytes, and an error answer (which draws a rid) does not shift
//     the MsgIds.
//   - Window 48h, ReplyLimit 5; EventWindow 1 minute, EventReplyLimit 3
//     (see Window and quota). Negative windows never close, negative limits
//     are unlimited.
//   - TokenTTL 7200 s, TokenGrace 5 minutes (negative: no grace).
//   - IPWhitelist: IPs or CIDR prefixes; empty allows every caller.
//   - Media: upload limits by type, default [DefaultMedia]: image
//     jpeg/png/jpg 10 MB, voice mp3/mpeg/amr 2 MB, video mp4 10 MB, thumb
//     jpg 64 KB (MB = 1<<20, KB = 1<<10). MediaTTL 3 days.
//   - MaxTextLength 2048 bytes of UTF-8 (negative: unlimited).
//   - WebhookTimeout 5 s per try, WebhookTries 3 in total.
//   - UnknownPathStatus 200 ([DefaultUnknownPathStatus]): the HTTP status
//     of an unknown path's 48001 answer; 404 is the other choice.
//   - JournalLimit: each [Journal] list keeps only its newest entries (0
//     keeps all, a negative limit none). A positive limit bounds each
//     customer's delivery history ([Server.Deliveries]) the same way, to
//     the customer's newest JournalLimit deliveries, so that a server that
//     runs for days (omnisim serve, which keeps every customer) does not
//     grow without end; 0 or a negative limit keeps every delivery.
//     [Server.Counts] and [Server.LastError] stay exact.
//
// # API routes
//
//	GET  /cgi-bin/token?grant_type=client_credential&appid=APPID&secret=APPSECRET
//	     -> {"access_token":"...","expires_in":7200}
//	POST /cgi-bin/message/custom/send?access_token=TOKEN   JSON SendRequest
//	     -> {"errcode":0,"errmsg":"ok"}
//	POST /cgi-bin/media/upload?access_token=TOKEN&type=image|voice|video|thumb
//	     multipart field "media" -> {"type":"image","media_id":"...","created_at":UNIX}
//	GET  /cgi-bin/media/get?access_token=TOKEN&media_id=ID  -> the bytes
//
// Every error is HTTP 200 with {"errcode":N,"errmsg":"<text> rid: <rid>"},
// where rid is WeChat's "<8 hex of the Unix time>-<8 hex>-<8 hex>"; only
// an unknown path's status can be set otherwise (Config.UnknownPathStatus).
// JSON answers have Content-Type "application/json; encoding=utf-8".
// Checks run in this order; the first failure answers:
//
//  1. Path not one of the four: 48001 "api unauthorized", HTTP 200 (or
//     Config.UnknownPathStatus, e.g. 404).
//  2. Wrong method: 43001 "require GET method" (token, media/get) or 43002
//     "require POST method" (send, upload).
//  3. Token endpoint: grant_type not client_credential 40002 "invalid
//     grant_type", appid 40013 "invalid appid", secret 40125 "invalid
//     appsecret", then the IP whitelist. Success issues a new token each
//     call.
//  4. Other endpoints: access_token missing 41001 "access_token missing";
//     neither the latest token nor the previous one within TokenGrace of
//     its replacement 40001 "invalid credential, access_token is invalid or
//     not latest"; a valid token older than TokenTTL 42001 "access_token
//     expired". Then the IP whitelist.
//  5. IP whitelist (when set): 40164 "invalid ip 1.2.3.4 ipv6
//     ::ffff:1.2.3.4, not in whitelist", the caller's address from
//     RemoteAddr.
//  6. Send: body not JSON (or a field of the wrong JSON type, or over
//     1 MiB) 47001 "data format error"; then the send rules, which
//     [Server.Check] runs with the same code: touser not a customer of this
//     account (one who has written or triggered an event) 40003 "invalid
//     openid"; msgtype not text, image, voice or video 40008 "invalid
//     message type"; a media_id (or video thumb_media_id) unknown, expired
//     or of another type 40007 "invalid media_id"; text content missing or
//     empty 44004 "empty content", longer than MaxTextLength bytes 45002
//     "content size out of limit"; no open grant 45015 "response out of
//     time limit or subscription is canceled"; open grants used up 45047
//     "out of response count limit". Accepted sends are delivered to the
//     customer's device and journaled.
//  7. Upload: type not image/voice/video/thumb 40004 "invalid media type";
//     not multipart, a part header that does not read (a control
//     character other than tab in a file name or Content-Type), no "media"
//     part or an empty one 41005 "media data missing"; format (the part's
//     file-name extension, else its Content-Type) not accepted for the
//     type 40005 "invalid file type"; larger than the type's limit 40006
//     "invalid meida size" (WeChat's spelling). The body is read
//     streaming, up to the limit, whatever Content-Length says.
//     [Server.CheckMedia] runs the 40004/40005/40006 rule.
//  8. Media get: media_id unknown or expired 40007. Uploads answer their
//     bytes, customer media as many zero bytes as the media's size, with
//     the format's Content-Type and Content-Disposition attachment.
//
// # Window and quota
//
// Each customer has two grants. A message ([Server.CustomerText],
// [Server.CustomerMedia]) opens the message grant: Window (48h) long from
// the message, with ReplyLimit (5) replies; a new message restarts it and
// resets the count to ReplyLimit (reset, not added to). An event
// (subscribe, CLICK, SCAN) opens the event grant: EventWindow (1 minute)
// with EventReplyLimit (3) replies, likewise reset by the next event; it
// does not touch the message grant. unsubscribe closes both. Grants start
// at the platform's Clock before the push is made, even when the router
// refuses it or cannot be reached. A grant is open while now < start +
// window, so the 48h window is closed at exactly 48h. Grants and tokens are
// timed in Unix nanoseconds, compared without overflow: one whose end lies
// past year 2262 stays open to the end of that range, and one started more
// than 292 years ago has closed.
//
// A send (or passive reply) needs an open grant (else 45015) with replies
// left (else 45047), and consumes one reply of the open grant with replies
// left that closes first: after a menu click inside a message window the
// event's 3 replies are used before the message's. So the replies
// available are the sum of both open grants ([Server.RepliesLeft]).
//
// # Long runs
//
// The platform keeps each customer's delivery history ([Server.Deliveries]),
// the newest Config.JournalLimit deliveries when that is positive.
// Config.KeepDeliveries limits it to the customers it names (the simulator
// names those whose devices it reads); the others' deliveries are counted
// ([Server.Counts], the journal's newest entries) but not kept, and every
// send is answered as before. Config.ForgetAfter (never shorter than the
// longer of Window and EventWindow; off when either window never closes)
// forgets such a customer once the customer's last message or event is that
// old, when both grants have closed: the record (grants, last error) goes,
// and the openid stays, for the rest of the run, only in a set of the
// customers who once wrote, as its 64-bit hash in an open-addressing set (11
// to 21 bytes a customer, where a map of the openids' 20 bytes took 39 to
// 50), since a send to a customer who never wrote answers 40003 and one to a
// customer whose grants closed 45015. A send or passive reply to a forgotten
// customer is judged as one to a customer whose grants all closed (the
// content and media checks first, then 45015), which is the answer the
// record would have given; [Server.WindowOpen] is false and
// [Server.RepliesLeft] 0 as they would be, and [Server.LastError] answers
// nil for one. A forgotten customer who writes again starts afresh, as the
// record would have (a message or event resets its grant). An openid that
// never wrote is taken for a forgotten one, and answered 45015 rather than
// 40003, only if its hash is a forgotten customer's: a chance of the
// customers forgotten in 2^64. [Server.Customers] counts the records held.
// Both default to off: every delivery and record is kept.
//
// # Pushes
//
// Inbound XML is one line, in WeChat's element order, text values in CDATA
// (a "]]>" inside a value splits the section):
//
//	<xml><ToUserName><![CDATA[gh_…]]></ToUserName><FromUserName><![CDATA[openid]]></FromUserName>
//	<CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType>
//	<Content><![CDATA[…]]></Content><MsgId>12345678901234567</MsgId></xml>
//
// (shown wrapped). image adds PicUrl and MediaId, voice MediaId and Format
// (amr|speex), video MediaId and ThumbMediaId; events have MsgType event,
// Event, and EventKey (CLICK, SCAN, subscribe by QR code with "qrscene_"
// prefix) and Ticket (SCAN, QR subscribe), and no MsgId. Every POST
// carries ?signature=&timestamp=&nonce=&openid= (signature =
// [Signature](token, timestamp, nonce)), Content-Type text/xml and
// User-Agent Mozilla/4.0.
//
// In [Safe] mode the body is <xml><ToUserName/><Encrypt/></xml> and the
// query adds encrypt_type=aes&msg_signature=[Signature](token, timestamp,
// nonce, Encrypt); in [Compatible] mode the body is the plain XML with the
// Encrypt element added before </xml>, with the same query. Encrypt is
// [Encrypt]: base64(AES-256-CBC(key, IV = key[:16], random16 + uint32
// big-endian len(msg) + msg + AppID, PKCS#7-padded to 32 bytes)), key =
// base64(EncodingAESKey + "="), random16 a seeded alphanumeric prefix.
//
// Delivery makes up to WebhookTries POSTs of the same URL and bytes, each
// with a WebhookTimeout, retrying while the router fails, times out or
// answers a status other than 200. A 200 ends it: an empty body or
// "success" (surrounding white space ignored) is a plain acknowledgement;
// any other body is a passive reply. [Inbound].Status is the status of
// the last try (0 when it failed, in which case the error is returned);
// every try is a [Webhook] in the journal with the exact URL, headers and
// body.
//
// A passive reply is XML like WeChat's reply format (<xml><ToUserName>
// openid, <FromUserName>, <CreateTime>, <MsgType>, then <Content> or
// <Image|Voice><MediaId> or <Video><MediaId><Title><Description>). In
// Safe mode it must be <xml><Encrypt/><MsgSignature/><TimeStamp/><Nonce/>
// </xml>: MsgSignature must equal Signature(token, TimeStamp, Nonce,
// Encrypt), and the decrypted message must end with AppID. Compatible mode
// accepts a plain or an encrypted reply, Plaintext mode only a plain one.
// The reply then goes through the send rules for that customer and, when
// accepted, is a [Delivery] with Passive set that consumes a reply like a
// custom send. A refused reply is not delivered: it is journaled (and is
// the customer's LastError) with Passive set and either the send rule's
// errcode (40003 when ToUserName is not the customer, 40008, 40007, 44004,
// 45002, ...) or WeChat's WXBizMsgCrypt SDK code (CodeSDK*: -40001 bad
// signature, -40002 not XML or wrong for the mode, -40005 AppID, -40007,
// -40008, -40010).
//
// [Server.Verify] sends GET ?signature=&echostr=&timestamp=&nonce= and
// succeeds when the router answers 200 with exactly echostr. The handshake
// is plain in every mode.
//
// # Choices and UNCONFIRMED behaviour
//
// platforms.md does not confirm these; the fake chooses:
//
//   - MaxTextLength: 2048 bytes of UTF-8 by default, refused with 45002
//     "content size out of limit" (the real limit is not documented).
//     Empty text content is 44004 "empty content".
//   - A passive reply counts against the reply quota like a custom send,
//     and needs an open grant.
//   - Message and event grants coexist; a send consumes the one that
//     closes first (see Window and quota). An event does not shorten or
//     replace a message window. unsubscribe closes both (45015 afterwards).
//   - The window runs from the customer's last message (Zoho's document says
//     from the start of the chat); it is closed at exactly 48h.
//   - touser must be a customer who has pushed something to this fake;
//     other openids are 40003. A send to an unsubscribed customer is 45015,
//     not 43004 "require subscribe".
//   - msgtype values WeChat has but the fake does not model (news, mpnews,
//     music, msgmenu, wxcard, miniprogrampage) are 40008. A video
//     thumb_media_id is optional; when given it must be a thumb or image
//     media. A media_id of another type than the msgtype is 40007.
//   - Upload: image 10 MB (the official page says 2 MB in one place and 10
//     MB in another) and jpeg/png/jpg only (the official page also lists
//     GIF; Zoho does not); voice accepts mp3, mpeg and amr (Zoho says
//     "mpeg/amr"). Codes 40005, 40006 ("invalid meida size") and 41005 are
//     WeChat's upload codes; the order type, media part, format, size is the
//     fake's. The format comes from the file name's extension, else the
//     part's Content-Type. An empty file is 41005.
//   - media/get answers the bytes for every type (WeChat answers
//     {"video_url":...} for videos); customer media are zero bytes of the
//     recorded size. Customer media ids are accepted in sends.
//   - Unknown path: errcode 48001 "api unauthorized" with HTTP 200, like
//     every WeChat error (WeChat's errors are HTTP 200 with an errcode; what
//     it answers for a path it does not serve is not confirmed).
//     Config.UnknownPathStatus 404 (the scenario key unknown_path_status)
//     makes it loud for clients that check statuses, still with the
//     errcode envelope; a client that reads the errcode, as the router's
//     adapter does, sees 48001 either way.
//   - Wrong method: 43001/43002, checked before the access_token.
//   - The IP whitelist is checked after the credentials (the whitelist
//     belongs to an identified app) and on every route, not only the
//     token endpoint.
//   - Every error errmsg ends with " rid: <rid>"; the older " hint: [...]"
//     suffix is never produced ([Error.Title] strips both). The texts of
//     40125 and 40001 omit WeChat's trailing "view more at ..." and
//     getStableAccessToken advice.
//   - Tokens: each token call issues a new token; only the previous token
//     gets TokenGrace; expires_in is TokenTTL in seconds (7200 when TokenTTL
//     is negative). The token format ("NN_" + 133 url-safe characters),
//     64-character media_ids, 17-digit MsgIds and 10-digit nonces imitate
//     observed values.
//   - Retries resend the same URL (timestamp, nonce, signatures) and bytes;
//     a non-200 answer is retried like a timeout. "success" and the empty
//     body are compared after trimming white space.
//   - Pushes are single-line XML without indentation.
//   - Passive replies: ToUserName is checked, FromUserName and CreateTime
//     are not; news/music replies are refused (40008). In Plaintext mode an
//     encrypted reply is refused, in Safe mode a plain one (-40002).
//   - Customer openids are 1 to 64 characters of [A-Za-z0-9_-]; customer
//     text must be valid XML text. Its line ends, and an event key's, are
//     pushed as XML parsers read them: "\r\n" and a lone "\r" as "\n", in
//     the XML and in a [Direct] push alike. Inbound media sizes are not
//     limited.
//
// # Faults
//
// Config.Faults (package fakes/fault) makes the platform misbehave on
// purpose: pushes repeated, held back behind the next one, delivered
// late, or tries that time out (the router handles them) or fail with 502
// at the router's edge; under such a plan a failed try is tried again
// WebhookTimeout (5 s) later, WebhookTries in all, and the held pushes go
// out with FlushFaults (NextFault says when). custom/send answers a
// throttled call with errcode 45011 "api minute-quota reach limit" and a
// failed one with -1 "system error" (WeChat's "system busy"), HTTP 200 as
// always; both are WeChat's documented global return codes. See faults.go.
package wechat
