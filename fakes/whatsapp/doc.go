// Package whatsapp is a fake WhatsApp Business Cloud API platform (Meta
// Graph API) that speaks the real wire protocol: the send, mark-as-read,
// media-upload and media-download endpoints with bearer-token auth and
// Graph error envelopes on one side, and signed webhooks (inbound messages,
// statuses, the GET verification handshake), retried on failure, to the
// router on the other. It is an independent oracle of the platform's
// rules: it imports only the standard library and
// github.com/nyaruka/phonenumbers.
//
// Like net/http/httptest it needs no setup:
//
//	wa := whatsapp.New(whatsapp.Config{WebhookURL: routerURL, Clock: clk.Now})
//	wa.Start()            // or use wa as an http.Handler, in memory
//	defer wa.Close()
//	wa.Verify(ctx)        // GET handshake
//	wa.CustomerText(ctx, "+16505551234", "Sheena", "hi") // inbound webhook; opens the window
//	// ... the router calls wa.URL + "/v21.0/106540352242922/messages" ...
//	wa.Flush(ctx)         // sent/delivered (or failed) status webhooks, and due retries
//	wa.Deliveries("16505551234"), wa.LastError(...), wa.Read(wamid), wa.Journal(), wa.Counts()
//
// A simulator drives Flush with its virtual clock. A long-running server
// (omnisim serve) sets AutoFlush instead, so that status webhooks and
// retries go out by themselves, and a Seed taken from the wall clock at
// start. A simulator that plays world after world in one process calls
// [Server.Release] on a world's platform once its result is made: the
// memory of the platform's customers goes to the platforms made next.
//
// # Configuration
//
// Every [Config] field has a default for its zero value:
//
//   - PhoneNumberID "106540352242922", DisplayPhoneNumber "15550783881",
//     BusinessAccountID (WABA id, the webhook entry id) "102290129340398".
//   - AccessToken "omnisim-whatsapp-token": required as
//     "Authorization: Bearer <token>" (scheme case-insensitive) or as the
//     access_token query parameter, on every route including media
//     downloads.
//   - AppSecret "omnisim-app-secret": the HMAC key of X-Hub-Signature-256.
//   - VerifyToken "omnisim-verify-token": hub.verify_token of the handshake.
//   - WebhookURL: where webhooks go; Client (default http.DefaultClient)
//     makes those calls.
//   - Clock (default time.Now): the platform's time, used for windows,
//     timestamps, retry due times and the journal. The fake never reads the
//     wall clock otherwise (the AutoFlush timer waits in real time for a
//     retry's Clock due time).
//   - Seed: seeds every generated id (wamids, media ids, fbtrace_ids,
//     conversation ids, hub.challenge). Each kind of id has its own counter,
//     so the same seed and the same sequence of calls give the same ids, and
//     Check or error answers do not shift the wamids. See Ids below: servers
//     with different seeds never share an id, so omnisim serve seeds from
//     the wall clock at start (the caller passes the seed) and ids do not
//     repeat across restarts.
//   - Window (default 24h; negative disables the window).
//   - MaxTextLength (default 4096 runes; negative is unlimited).
//   - Media: limits by kind; nil is [DefaultMedia] (image jpeg,png 5 MB;
//     audio aac,amr,mp3,m4a,ogg 16 MB; video mp4,3gp 16 MB; document
//     txt,xls,xlsx,doc,docx,ppt,pptx,pdf 100 MB; sticker webp 500 KB, and
//     100 KB for an upload whose bytes show a static WebP (StaticMaxBytes,
//     see the choices below); MB = 1<<20, KB = 1<<10). A kind given in the
//     map overrides the default field by field (nil Formats keeps the
//     default formats, an empty non-nil slice accepts none; MaxBytes <= 0
//     and StaticMaxBytes 0 keep the default, a negative StaticMaxBytes
//     drops the static limit). "jpg" is read as "jpeg" everywhere.
//   - Templates: approved template names; empty approves every name
//     (unless Limits.Templates registers some).
//   - Limits: throughput, pair rate, template registry, undeliverable
//     numbers, read statuses, reactions and the business profile; see
//     [Limits] and the choices below.
//   - WindowErrors: [Sync] (default) or [Async], see below.
//   - DisableStatuses: no sent/delivered status webhooks (failed statuses of
//     Async window errors are still sent).
//   - JournalLimit: each [Journal] list keeps only its newest entries
//     (0 keeps all, a negative limit none). A positive limit bounds each
//     customer's delivery history ([Server.Deliveries]) the same way, to
//     the customer's newest JournalLimit deliveries, so that a server that
//     runs for days (omnisim serve, which keeps every customer) does not
//     grow without end; 0 or a negative limit keeps every delivery.
//     [Server.Counts], [Server.LastError] and [Server.Read] stay exact; a
//     customer's reply, reaction, button or list answer can refer only to
//     a delivery the history still keeps.
//   - AutoFlush (default false): post status webhooks and retries from a
//     goroutine instead of waiting for Flush; see Webhooks.
//   - RetrySchedule: the delays between the tries of a failed webhook; nil
//     is [DefaultRetrySchedule] (15s, 1m, 5m, 15m, 1h, 3h, 6h, 12h, then
//     24h six times), an empty non-nil slice disables retries. No retry
//     comes later than [MaxRetryAge] (7 days) after the first try.
//   - WebhookTimeout (default 10s; negative: none): the limit of each
//     webhook try, the verification GET included.
//   - MediaStore (default 64 MiB; negative keeps none): how much uploaded
//     file content is kept to be served back; see Media download.
//   - MediaTTL (default [DefaultMediaTTL], 30 days; negative: media ids
//     never expire): how long a media id, uploaded or from a customer's
//     media, stays valid; see Media expiry.
//   - ThrottleStatus (default 429): the HTTP status of 130429 "Rate limit
//     hit", from the throughput limit and from the fault plan alike.
//   - TemplateMissingStatus (default 404): the HTTP status of 132001
//     "Template name does not exist in the translation".
//
// # API routes
//
//	POST /{version}/{phone-number-id}/messages   send; answers SendResponse
//	                                             or mark as read; answers {"success":true}
//	POST /{version}/{phone-number-id}/media      multipart upload; answers {"id":"<media id>"}
//	GET|POST /{version}/{phone-number-id}/whatsapp_business_profile   the business profile
//	GET  /{version}/{media-id}                   media URL; answers MediaURLResponse
//	GET  /media-download/{opaque}                the file (the URL the previous route gives)
//
// version is "v<digits>.<digits>" (any); a trailing slash is tolerated.
// Uploads take the fields messaging_product=whatsapp, type (the MIME type;
// the file part's Content-Type serves when it is missing) and file.
//
// Checks run in this order; the first failure answers:
//
//  1. Token missing or wrong: HTTP 401, code 190 "Invalid OAuth access
//     token" (with a WWW-Authenticate header).
//  2. Path not of the shapes above (no version, unknown edge, extra
//     components): HTTP 400, code 2500 "Unknown path components".
//  3. Known edge but wrong method or a phone-number-id other than
//     Config.PhoneNumberID, or a /{version}/{id} that is not a media id the
//     fake knows or is called with a method other than GET (DELETE of media
//     is not modelled): HTTP 400, code 100, error_subcode 33 "Unsupported
//     request" ("Unsupported post request. Object with ID '...' does not
//     exist ..." in details). A GET /{version}/{media-id} whose
//     phone_number_id query parameter names another number: 100.
//  4. Body not JSON (or a field of the wrong JSON type), larger than 1 MiB,
//     or not a multipart upload: HTTP 400, code 100 "Invalid parameter".
//  5. Send rules ([Server.Check] runs exactly these, shared code):
//     messaging_product must be "whatsapp". A body with a status field is a
//     mark-as-read request (see below). Otherwise recipient_type, when
//     present, must be "individual"; to must be a valid number — all code
//     100, HTTP 400. to may be written as Meta accepts it: surrounding
//     spaces, an optional leading "+", digits mixed with the separators
//     space, "-", "(", ")" and "." ("+1 (650) 555-1234", "1-650-555-1234",
//     "+1.650.555.1234"); the digits must then be a valid number for
//     libphonenumber. Letters, other characters or a second "+" are 100.
//     The answer's contacts[].input echoes to as sent and wa_id is the E.164
//     digits. type defaults to "text". text needs a non-empty body of at
//     most MaxTextLength runes (code 100, details "Param text['body'] must
//     be at most N characters long."). template needs name and
//     language.code (100); a name not in Templates gets code 132001
//     "Template name does not exist in the translation", HTTP 404
//     (Config.TemplateMissingStatus). Media (image, audio, video,
//     document, sticker) needs exactly one of id and link (both or
//     neither: 100); an id must come from an upload or a customer's media
//     and not have expired (else 100, see Media expiry), and its format
//     and size must suit the message kind; a link must be an http(s) URL
//     (else 100) and, when its path extension names a media format, that
//     format must suit the kind (links are never fetched, so their size is
//     not checked). A format or size the kind does not accept, in an
//     upload or a send, is HTTP 400 code 131053 "Media upload error", with
//     details naming the supported formats or the byte limit. Other
//     types (interactive, location, reaction, ...) are not modelled: 100.
//     Then the template registry (132001, 132000), the throughput
//     (130429), the pair rate (131056) and undeliverable numbers
//     (131026); see the choices below.
//  6. The customer-service window: every non-template send needs the
//     customer's window open (see below), else code 131047 "Re-engagement
//     message" with details [DetailsReEngagement].
//
// Every error is the Graph envelope {"error":{message, type, code,
// error_data:{messaging_product, details}, error_subcode, fbtrace_id}}
// where message is always "(#<code>) <title>", type is always
// "OAuthException", error_data is always present, error_subcode only for
// 33, and fbtrace_id is a seeded 23-character id. (The media download URL
// is not a Graph route; its errors are plain text, see below.)
//
// # Mark as read
//
// POST /{version}/{phone-number-id}/messages with
// {"messaging_product":"whatsapp","status":"read","message_id":"wamid..."}
// (optionally "typing_indicator":{"type":"text"}) answers 200
// {"success":true} when message_id is a wamid of a message a customer sent
// to this number (by CustomerText or CustomerMedia). status other than
// "read", a missing message_id or a typing_indicator type other than
// "text" is 100; any other message_id (unknown, another server's, the
// business's own outbound message, a different spelling) is HTTP 400 code
// 131009 "Parameter value is not valid". Marking a message read marks the
// customer's earlier messages read too. An accepted request is journaled
// (Journal.Reads, Counts.Reads, a Request entry) and [Server.Read] reports
// it; it sends no webhook, needs no open window and does not reopen it.
//
// # Media download
//
// GET /{version}/{media-id} with the token answers
// {"messaging_product":"whatsapp","url":"<base>/media-download/<opaque>",
// "mime_type":...,"sha256":<lower-case hex>,"file_size":<number>,"id":...}
// for media ids from uploads and from customer media. <base> is built from
// the request: "https" when it came over TLS or carries
// X-Forwarded-Proto: https, else "http", and the request's Host, so a
// client that reached the fake under some name (behind omnisim serve, a
// port forward or a proxy) can follow the URL. A GET (or HEAD) of the URL
// with the same bearer token serves the file with its MIME type,
// Content-Length and Range support; sha256 is always the hash of exactly
// what is served. Without a valid token it answers 401, for a URL the fake
// did not hand out 404, for other methods 405, all as plain text. The URL
// does not expire; its media id does (see Media expiry), and the URL of an
// expired one is then a URL the fake did not hand out (404).
//
// What is served: the uploaded bytes when they were kept, else zero bytes
// of the file's size. Uploaded content is kept while it fits in
// Config.MediaStore (in total, first come first kept, never evicted while
// its media id lasts); files of only zero bytes (such as the router's
// uploads) take no room. Customer media (CustomerMedia) is size zero
// bytes; its webhook's sha256 is the hash of that.
//
// # Media expiry
//
// A media id, from an upload or from a customer's media, is valid for
// Config.MediaTTL (default 30 days, what third-party documentation gives
// for uploads) from when it was made, by the platform's Clock: it has
// expired once Clock is MediaTTL or more past that instant (like the
// window, expired at exactly MediaTTL; compared without overflow). An
// expired id is treated exactly as an id the fake never made: a send
// naming it is HTTP 400 code 100 (and [Server.Check] returns that error),
// GET /{version}/{media-id} is 100/33, and its download URL 404 (plain
// text). Expired media are dropped, and the room of their kept content
// given back to MediaStore, by a later upload or customer media once the
// media ids reach twice those the last such sweep left (at least 1024): a
// long run keeps only about twice the media of one MediaTTL, and a media
// record holds only its time more. A negative MediaTTL keeps every media
// id for ever (the fake's behaviour before MediaTTL).
//
// # Window
//
// A customer's window (by wa_id) starts at each CustomerText/CustomerMedia,
// at the platform's Clock, even when the router refuses the webhook or
// cannot be reached. It is open while now < last customer message + Window,
// so it is closed at exactly 24h. Templates are accepted with the window
// closed and never reopen it. The window, a billing conversation's 24h,
// the pair rate and ForgetAfter are compared without overflow: what
// started more than 292 years before has run out, and a conversation
// opened in the last day of 2262 lasts its day.
//
// With [Sync] a send outside the window answers HTTP 400 with 131047. With
// [Async] it answers 200 with a wamid and nothing is delivered; the failed
// status webhook then carries errors[0].code 131047, and at its first try
// the error reaches the journal and LastError (HTTPStatus 200, Async true).
// [Server.Check] returns this error with HTTPStatus 200.
//
// # Webhooks
//
// Webhooks are JSON in Meta's escaped-unicode form ([EncodeEscaped]):
// non-ASCII runes as lower-case \uXXXX (surrogate pairs above U+FFFF), "/"
// as \/, "%" as \u0025, "@" as \u0040, plus encoding/json's \u003c, \u003e,
// \u0026. They carry Content-Type application/json and X-Hub-Signature-256:
// [Sign] over exactly the bytes sent. Inbound message timestamps are strings
// of Unix seconds. The verification GET carries no signature.
//
// Sends never call the webhook from inside ServeHTTP: each accepted send
// queues a "sent" and a "delivered" status (one status per webhook). By
// default [Server.Flush] posts the queue in order. With Config.AutoFlush a
// goroutine posts them instead, in the order of the sends, each send's
// statuses only after its answer has been written (and flushed to the
// client): a later send's statuses wait behind an earlier send whose answer
// is still being written. [Server.Close] stops that goroutine: the webhook
// it is posting is cancelled and stays queued, nothing else is posted in
// the background, and Flush still works. [Server.Pending] counts the
// statuses not tried yet.
//
// Retries: a try of an inbound message or status webhook fails when the
// router answers anything but 2xx, the call fails, or no answer comes
// within WebhookTimeout. The webhook is then retried on Config.RetrySchedule
// at Clock times, with the same body and signature (the same wamid), so the
// router's dedupe sees a duplicate only when an earlier try actually got
// through (processed, but answered late). A 2xx answer is never retried.
// [Server.NextRetry] says when the earliest retry is due and
// [Server.Retrying] how many wait; Flush posts the retries due at
// Clock().Now before the queued statuses, and with AutoFlush a real-time
// timer does. Every try is journaled as a Webhook with Try (1, 2, ...),
// Status and, when a retry follows, NextTry; Counts.Webhooks counts every
// try and Counts.Retries the retries. At most 65536 webhooks wait for a
// retry; beyond that a failed webhook is dropped (journaled without
// NextTry). The customer-side calls make the first try themselves and
// return its result (Inbound.Status, the error) and Inbound.Retrying. Flush
// returns the number of tries it made and the first transport error; it
// goes on after a failed try, and when its context ends it stops, leaving
// the webhook it was posting (not counted as a try) and the rest queued.
//
// # Ids
//
// Wamids, media ids, fbtrace_ids and conversation ids are 128-bit values:
// a bijection of the seed and a bijection of the id kind's counter, mixed
// by a Feistel network (a bijection too). So a server never repeats an id
// and two servers with different seeds never produce the same one, while
// the ids look random. Wamids follow Meta's layout with 32 hex digits:
// base64 of 1c 18 <len> <wa_id> 15 02 00 <11 outbound | 12 inbound> 18 20
// <32 hex digits> 00. Media ids are 40 decimal digits ("1" and the value
// in 39 digits); fbtrace_ids 23 characters; conversation ids 32 hex digits.
//
// # Choices and UNCONFIRMED behaviour
//
// platforms.md marks these UNCONFIRMED, or leaves them open; the fake
// chooses:
//
//   - When Meta answers 131047 synchronously versus asynchronously
//     (UNCONFIRMED): configurable, Sync by default.
//   - Window boundary: closed at exactly Window after the last customer
//     message (the docs only say "more than 24 hours").
//   - Unknown template: 132001 with HTTP 404 (third-party tables; 400 is
//     also seen): configurable, Config.TemplateMissingStatus (scenario key
//     template_missing_status, 404 or 400).
//   - Invalid "to": code 100 "Invalid parameter", HTTP 400, not 131026
//     (which Meta uses for numbers that are not on WhatsApp, mostly by
//     webhook).
//   - Formatted numbers (UNCONFIRMED): "+", spaces, "-", "(", ")" and
//     "." are accepted and dropped before validation; any other character
//     is 100. libphonenumber decides what the digits mean (it drops a
//     trunk 0 after the country code: "+44 (0)7911 123456" is
//     447911123456).
//   - Media: unsupported format or size over the limit is 131053 "Media
//     upload error" (HTTP 400) for uploads and sends alike; an unknown or
//     expired media id, both id and link, or a non-http(s) link is 100.
//     Empty (0-byte) files are accepted.
//   - Sticker limits (Meta's media table: 100 KB static, 500 KB animated):
//     the fake tells them apart only where it has the file's bytes, an
//     upload through the media endpoint. It reads them as they stream in,
//     kept or not: a RIFF/WEBP file whose first chunk is VP8, VP8L or VP8X
//     is a WebP image, animated when a VP8X chunk has its animation flag
//     (0x02) set or an ANIM or ANMF chunk appears, static otherwise; a
//     static one is held to MediaLimit.StaticMaxBytes (100 KB for stickers),
//     at the upload and at each send of its media id. A file whose bytes are
//     not a WebP image (such as the zeros the router and [Direct.Upload]
//     upload) and a file known by its size alone (a link, whose size is
//     never checked; [Server.CheckMedia]; a simulator's attachment, which
//     declares a size and no bytes) cannot be told apart: they are held to
//     the animated 500 KB (MaxBytes), as before the static limit, which lets
//     every sticker Meta would take through.
//   - Media expiry: Config.MediaTTL, 30 days, the third-party figure for
//     uploads, applies to customers' media too (Meta is said to keep
//     webhook media 7 days, which no source at hand confirms).
//   - Mark as read (Meta's "Mark messages as read"
//     page): an invalid message_id is 131009 "Parameter value is not valid"
//     as that page says (not 100); earlier messages are marked read too, as
//     it says. UNCONFIRMED: the other error answers (100), that typing
//     indicators are only checked for type "text", and that there is no 30
//     day limit.
//   - Media URL (third-party docs): file_size is a
//     JSON number (some references show a string); sha256 is lower-case hex,
//     as in the fake's webhooks (Meta's webhooks have been seen with
//     base64); the URL is on the fake's own host (Meta: lookaside.fbsbx.com),
//     does not expire (Meta: 5 minutes), takes the access_token query
//     parameter as well as the bearer header, and its errors are plain text
//     (UNCONFIRMED). GET /{version}/{media-id} of an unknown id is 100/33 as
//     for other unknown Graph objects.
//   - Error messages are uniformly "(#<code>) <title>" with error_data, also
//     for 190 and 2500 where the real Graph API words them differently.
//   - The API version is required in the path; unversioned calls get 2500.
//   - Statuses: pricing_model "CBP", billable true, category/origin
//     "service" for free-form messages and "utility" for templates; a new
//     conversation id per customer when the category changes or 24h after
//     the previous one started; expiration_timestamp only on "sent". Read
//     statuses as Limits sets them (below). Statuses are sent in order,
//     although Meta does not order them.
//   - Throughput (130429): Limits.Throughput messages per second of Clock
//     time (default 80, Meta's default), counted in whole Unix seconds;
//     only accepted sends count (Meta also counts inbound messages; the
//     fake does not). HTTP 429, as YCloud's copy of Meta's table gives
//     (UNCONFIRMED: samples also show 400): configurable,
//     Config.ThrottleStatus (scenario key throttle_status, 429 or 400),
//     which the fault plan's throttled sends answer with too.
//   - Pair rate (131056, HTTP 429; "about 1 message per 6 s" is
//     UNCONFIRMED): a token bucket per recipient, a burst of
//     Limits.PairBurst (default 45) and then one message per
//     Limits.PairInterval (default 6s), as third-party copies of Meta's
//     throughput page describe it. A bucket's time stops at the last
//     instant of 2262, so in the last PairBurst-1 intervals before it the
//     pair rate lets sends through.
//   - Limits are checked after the parameters and the template, in this
//     order: throughput, pair rate, undeliverable recipient (131026), then
//     the window; refused sends consume neither limit; Check reads them
//     without consuming.
//   - Template registry: 132001 (HTTP 404, or TemplateMissingStatus) for
//     a name that is not approved or a language it is not approved in;
//     132000 "Number of parameters does not match the expected number of
//     params" (HTTP 400) when the parameters, counted over all components,
//     are not the registered count. A name in Config.Templates alone is
//     approved in every language with any parameters.
//   - 131026 "Message undeliverable" for the numbers of
//     Limits.NotOnWhatsApp: accepted (200, a wamid) and failed by status
//     webhook, as Meta mostly reports it; UndeliverableSync answers HTTP
//     400 instead. A listed number's own messages are still delivered to
//     the business (it may have left WhatsApp after writing).
//   - Read statuses: a delivered message is read with
//     Limits.ReadProbability (drawn from the Seed and the message's id
//     counter, so deterministic), Limits.ReadAfter after its delivery;
//     one read at once gets "read" instead of "delivered" (Meta: no
//     delivered event then). Default: never read. Reads do not mark
//     earlier messages read.
//   - Inbound replies: CustomerReply (text with context), CustomerButton
//     (template quick reply: button{text, payload}), CustomerInteractive
//     (interactive button_reply{id, title} or list_reply{id, title,
//     description}) carry context{from: the display number, id} and open
//     the window. CustomerReaction sends reaction{message_id, emoji} (no
//     emoji: removed), without context, and only to a message delivered
//     at most 30 days earlier (Meta sends no webhook otherwise). Whether
//     a reaction opens the customer-service window is not in Meta's docs,
//     which speak of a user who "messages or calls" (UNCONFIRMED): by
//     default it does not; Limits.ReactionOpensWindow makes it.
//   - Business profile (Meta's reference and the Zendesk document):
//     POST /{version}/{phone-number-id}/whatsapp_business_profile takes
//     messaging_product "whatsapp" and any of about (at most 139
//     characters), address (256), description (512), email (128, with an
//     "@"), profile_picture_handle, vertical and websites (at most 2, each
//     at most 256 characters, http:// or https://); the fields given
//     replace the stored ones, and a refused update changes nothing.
//     vertical is an industry code of the Zendesk document's fixed list
//     ([Verticals]: AUTO, BEAUTY, APPAREL, EDU, ENTERTAIN, EVENT_PLAN,
//     FINANCE, GROCERY, GOVT, HOTEL, HEALTH, NONPROFIT, PROF_SERVICES,
//     RETAIL, TRAVEL, RESTAURANT; Limits.Verticals overrides it); the
//     list's display names are not codes (100). Every refusal is 100.
//     GET with fields=about,address,description,email,profile_picture_url,
//     websites,vertical answers {"data":[{...,"messaging_product":
//     "whatsapp"}]} (an unknown field: 100). UNCONFIRMED: the error codes,
//     and the about/address/description/email limits, which no source at
//     hand gives.
//   - Webhook retries (UNCONFIRMED; Meta only says it retries with
//     decreasing frequency for up to 7 days): the schedule of
//     [DefaultRetrySchedule], a 10s timeout per try, any non-2xx answer
//     (3xx included) counts as a failure, and retries are not ordered with
//     respect to other webhooks.
//   - The verification GET is not retried.
//   - Ids are longer than Meta's where the seed needs the room: media ids
//     have 40 digits (Meta: 15-16), wamids 32 hex digits (Meta uses several
//     lengths).
//
// # Faults
//
// Config.Faults (package fakes/fault) makes the platform misbehave on
// purpose: customer "messages" webhooks duplicated, held back behind the
// next one, delivered late, or tries that time out (the router handles
// them; the platform retries) or fail with 502 at the router's edge,
// retried on the retry schedule until it gives up; sends throttled (HTTP
// 429 or Config.ThrottleStatus, 130429 "Rate limit hit", details "Cloud
// API message throughput has been reached.": Meta's throughput page and
// YCloud's copy of the error table, whose HTTP status is UNCONFIRMED) or
// failed (HTTP 500, 131000 "Something went wrong"). Held webhooks wait in
// the retry queue: Flush posts them, NextRetry says when. See faults.go.
package whatsapp
