// Package whatsapp is a fake WhatsApp Business Cloud API platform (Meta
// Graph API) that speaks the real wire protocol: the send and media-upload
// endpoints with bearer-token auth and Graph error envelopes on one side,
// and signed webhooks (inbound messages, statuses, the GET verification
// handshake) to the router on the other. It is an independent oracle of the
// platform's rules: it imports only the standard library and
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
//	wa.Flush(ctx)         // sent/delivered (or failed) status webhooks
//	wa.Deliveries("16505551234"), wa.LastError(...), wa.Journal(), wa.Counts()
//
// # Configuration
//
// Every [Config] field has a default for its zero value:
//
//   - PhoneNumberID "106540352242922", DisplayPhoneNumber "15550783881",
//     BusinessAccountID (WABA id, the webhook entry id) "102290129340398".
//   - AccessToken "omnisim-whatsapp-token": required as
//     "Authorization: Bearer <token>" (scheme case-insensitive) or as the
//     access_token query parameter.
//   - AppSecret "omnisim-app-secret": the HMAC key of X-Hub-Signature-256.
//   - VerifyToken "omnisim-verify-token": hub.verify_token of the handshake.
//   - WebhookURL: where webhooks go; Client (default http.DefaultClient)
//     makes those calls.
//   - Clock (default time.Now): the platform's time, used for windows,
//     timestamps and the journal. The fake never reads the wall clock
//     otherwise.
//   - Seed: seeds every generated id (wamids, media ids, fbtrace_ids,
//     conversation ids, hub.challenge). Each kind of id has its own counter,
//     so the same seed and the same sequence of calls give the same ids, and
//     Check or error answers do not shift the wamids.
//   - Window (default 24h; negative disables the window).
//   - MaxTextLength (default 4096 runes; negative is unlimited).
//   - Media: limits by kind; nil is [DefaultMedia] (image jpeg,png 5 MB;
//     audio aac,amr,mp3,m4a,ogg 16 MB; video mp4,3gp 16 MB; document
//     txt,xls,xlsx,doc,docx,ppt,pptx,pdf 100 MB; sticker webp 500 KB;
//     MB = 1<<20, KB = 1<<10). A kind given in the map overrides the
//     default field by field (nil Formats keeps the default formats, an
//     empty non-nil slice accepts none; MaxBytes <= 0 keeps the default).
//     "jpg" is read as "jpeg" everywhere.
//   - Templates: approved template names; empty approves every name.
//   - WindowErrors: [Sync] (default) or [Async], see below.
//   - DisableStatuses: no sent/delivered status webhooks (failed statuses of
//     Async window errors are still sent).
//   - JournalLimit: each [Journal] list keeps only its newest entries
//     (0 keeps all). [Server.Counts], [Server.Deliveries] and
//     [Server.LastError] stay exact.
//
// # API routes
//
//	POST /{version}/{phone-number-id}/messages   send; answers SendResponse
//	POST /{version}/{phone-number-id}/media      multipart upload; answers {"id":"<media id>"}
//
// version is "v<digits>.<digits>" (any); a trailing slash is tolerated.
// Uploads take the fields messaging_product=whatsapp, type (the MIME type;
// the file part's Content-Type serves when it is missing) and file; only the
// size, kind and format are kept, the bytes are read and discarded.
//
// Checks run in this order; the first failure answers:
//
//  1. Token missing or wrong: HTTP 401, code 190 "Invalid OAuth access
//     token" (with a WWW-Authenticate header).
//  2. Path not of the shape above (no version, unknown edge, extra
//     components, e.g. GET /v21.0/{media-id} which the fake does not model):
//     HTTP 400, code 2500 "Unknown path components".
//  3. Known edge but wrong method or a phone-number-id other than
//     Config.PhoneNumberID: HTTP 400, code 100, error_subcode 33
//     "Unsupported request" ("Unsupported post request. Object with ID
//     '...' does not exist ..." in details).
//  4. Body not JSON (or a field of the wrong JSON type), larger than 1 MiB,
//     or not a multipart upload: HTTP 400, code 100 "Invalid parameter".
//  5. Send rules ([Server.Check] runs exactly these, shared code):
//     messaging_product must be "whatsapp"; recipient_type, when present,
//     "individual"; to must be a valid number (digits with an optional
//     leading "+", valid for libphonenumber) — all code 100, HTTP 400. type
//     defaults to "text". text needs a non-empty body of at most
//     MaxTextLength runes (code 100, details "Param text['body'] must be at
//     most N characters long."). template needs name and language.code
//     (100); a name not in Templates gets code 132001 "Template name does not
//     exist in the translation", HTTP 404. Media (image, audio, video,
//     document, sticker) needs exactly one of id and link (both or neither:
//     100); an id must come from an upload or a customer's media (else 100),
//     and its format and size must suit the message kind; a link must be an
//     http(s) URL (else 100) and, when its path extension names a media
//     format, that format must suit the kind (links are never fetched, so
//     their size is not checked). A format or size the kind does not accept,
//     in an upload or a send, is HTTP 400 code 131053 "Media upload error",
//     with details naming the supported formats or the byte limit. Other
//     types (interactive, location, reaction, ...) are not modelled: 100.
//  6. The customer-service window: every non-template send needs the
//     customer's window open (see below), else code 131047 "Re-engagement
//     message" with details [DetailsReEngagement].
//
// Every error is the Graph envelope {"error":{message, type, code,
// error_data:{messaging_product, details}, error_subcode, fbtrace_id}}
// where message is always "(#<code>) <title>", type is always
// "OAuthException", error_data is always present, error_subcode only for
// 33, and fbtrace_id is a seeded 23-character id.
//
// # Window
//
// A customer's window (by wa_id) starts at each CustomerText/CustomerMedia,
// at the platform's Clock, even when the router refuses the webhook or
// cannot be reached. It is open while now < last customer message + Window,
// so it is closed at exactly 24h. Templates are accepted with the window
// closed and never reopen it.
//
// With [Sync] a send outside the window answers HTTP 400 with 131047. With
// [Async] it answers 200 with a wamid and nothing is delivered; Flush later
// sends a statuses[].status="failed" webhook with errors[0].code 131047,
// and only then does the error reach the journal and LastError
// (HTTPStatus 200, Async true). [Server.Check] returns this error with
// HTTPStatus 200.
//
// # Webhooks
//
// Webhooks are JSON in Meta's escaped-unicode form ([EncodeEscaped]):
// non-ASCII runes as lower-case \uXXXX (surrogate pairs above U+FFFF), "/"
// as \/, "%" as \u0025, "@" as \u0040, plus encoding/json's \u003c, \u003e,
// \u0026. They carry Content-Type application/json and X-Hub-Signature-256:
// [Sign] over exactly the bytes sent. Inbound message timestamps are strings
// of Unix seconds. Sends never call the webhook from inside ServeHTTP: each
// accepted send queues a "sent" and a "delivered" status (one status per
// webhook), and [Server.Flush] posts the queue in order. The verification
// GET carries no signature.
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
//     also seen).
//   - Invalid "to": code 100 "Invalid parameter", HTTP 400, not 131026
//     (which Meta uses for numbers that are not on WhatsApp, mostly by
//     webhook). Formatted numbers ("+1 650-555-...") are refused.
//   - Media: unsupported format or size over the limit is 131053 "Media
//     upload error" (HTTP 400) for uploads and sends alike; an unknown media
//     id, both id and link, or a non-http(s) link is 100. Sticker limit is
//     the animated 500 KB (the static 100 KB limit is not modelled). Empty
//     (0-byte) files are accepted.
//   - Error messages are uniformly "(#<code>) <title>" with error_data, also
//     for 190 and 2500 where the real Graph API words them differently.
//   - The API version is required in the path; unversioned calls get 2500.
//   - Statuses: pricing_model "CBP", billable true, category/origin
//     "service" for free-form messages and "utility" for templates; a new
//     conversation id per customer when the category changes or 24h after
//     the previous one started; expiration_timestamp only on "sent". No
//     "read" statuses. Statuses are sent in order, although Meta does not
//     order them.
//   - Throughput limits (130429, 131056) are not modelled.
//   - Webhooks that the router answers with a non-2xx status are not
//     retried; a transport error stops Flush and keeps the rest queued.
//   - wamids follow Meta's layout: base64 of 1c 18 <len> <wa_id> 15 02 00
//     <11 outbound | 12 inbound> 18 14 <20 hex digits> 00.
package whatsapp
