// Package messenger is a fake Facebook Messenger Platform (Meta Graph API)
// for one Facebook Page that speaks the real wire protocol: the Send API
// and the Attachment Upload API with the page access token and Graph's
// error envelope on one side, and signed webhooks (the GET verification
// handshake, messages, postbacks, ad referrals, delivery receipts),
// retried on failure, to the router on the other. It is an independent
// oracle of the platform's rules: it imports only the standard library.
//
//	ms := messenger.New(messenger.Config{WebhookURL: routerURL, Clock: clk.Now})
//	ms.Start()            // or use ms as an http.Handler, in memory
//	defer ms.Close()
//	ms.Verify(ctx)        // GET handshake
//	ms.CustomerText(ctx, "7240412345678901", "hi") // signed webhook; opens the window
//	ms.CustomerAdText(ctx, "7240412345678901", "hi", "120210000000000042", "spring")
//	// ... the router calls ms.URL + "/v25.0/me/messages?access_token=..." ...
//	ms.Flush(ctx)         // delivery receipts and due retries
//	ms.Deliveries(psid), ms.LastError(psid), ms.Journal(), ms.Counts()
//
// # Configuration
//
// Every [Config] field has a default for its zero value: PageID
// "104857392016483", AccessToken "omnisim-messenger-page-token", AppSecret
// "omnisim-messenger-app-secret", VerifyToken
// "omnisim-messenger-verify-token", Window 24h, HumanAgentWindow 7 days,
// AdWindow 0 (the ad window not modelled), MaxTextLength 2000
// characters, Attachments [DefaultAttachments] (image, audio, video and
// file of any format up to 25 MB), RetrySchedule [DefaultRetrySchedule],
// WebhookTimeout 20s. Clock (default time.Now) is
// the only time the fake reads; Seed seeds every id (message ids "m_" and
// 43 base64url characters, fbtrace_ids, attachment ids, challenges), each
// kind from its own counter, so that errors do not shift message ids.
// Deliver, when set, takes every webhook as an [Event] value instead of an
// HTTP POST: the simulator's Direct network, whose router calls the API by
// value through [Server.Direct] (journaled with the same paths as on the
// wire).
//
// # API routes
//
//	POST /{version}/{page-id|me}/messages              Send API (JSON, form, or multipart with the file in filedata); answers {"recipient_id","message_id"}
//	POST /{version}/{page-id|me}/message_attachments   Attachment Upload API (multipart message + filedata); answers {"attachment_id"}
//
// The version ("v25.0") may be left out, as Graph allows. The token is the
// access_token query parameter or an "Authorization: Bearer" (or "OAuth")
// header. The send body is JSON, or form fields whose recipient and message
// are JSON (the documented curl form). Errors are Graph's envelope
// {"error":{"message","type","code","error_subcode","fbtrace_id"}}:
//
//	104          no access token (HTTP 400)
//	190          wrong access token (HTTP 400)
//	100/33       another page's id (HTTP 400)
//	2500         unknown path (HTTP 400)
//	100          a missing or invalid parameter: recipient, messaging_type (RESPONSE, UPDATE, MESSAGE_TAG),
//	             tag (required with MESSAGE_TAG; HUMAN_AGENT, ACCOUNT_UPDATE, CONFIRMED_EVENT_UPDATE,
//	             POST_PURCHASE_UPDATE), message (text or one attachment), sender_action, a text over
//	             MaxTextLength, an attachment type other than image, audio, video, file
//	100/2018001  "No matching user found": the customer never wrote to the page
//	100/2018047  upload attachment failure: an attachment over its type's size or of a format not accepted,
//	             an unknown attachment id, or one uploaded as another type
//	10/2018278   outside of the allowed window (HTTP 400)
//
// # Rules
//
// Every customer message or postback (re)starts the customer's window.
// RESPONSE and UPDATE messages (and sender actions) are accepted within
// Window of it; MESSAGE_TAG with HUMAN_AGENT within HumanAgentWindow;
// the other tags at any time after the customer's first message. With a
// positive AdWindow, a customer message that carries an ad referral
// ([Server.CustomerAdText]) also (re)starts the customer's ad window, in
// which every message is accepted as within the standard window; a later
// message without a referral restarts the standard window and leaves the
// ad window as it is, so a send is within the window while either is
// open: the window ends at the later of the two ends. The windows are
// compared without overflow, from the first instant Unix nanoseconds hold
// (1677) to the last (2262). An
// uploaded file's format, which its type's Formats limit, is read from its
// file name ([FileFormat]): the last extension, or the last two for a
// compressed tar archive (tar.gz, tar.bz2, tar.xz, tar.zst, tar.lz,
// tar.lzma, tar.z), so "x.tar.gz" is tar.gz and "x.svg.gz" is gz; when the
// name has none, it is the one a fixed table gives its part's Content-Type
// (none for application/octet-stream); the host's MIME tables are never
// read. A format given by value ([Direct.Upload], [Server.CheckAttachment])
// is read as the extensions ending a name. Formats accept a file when they
// list its format or, for a tar archive, its last extension (a tar.gz file
// is a gz file); a listed format of two extensions that is no tar archive
// ("svg.gz") accepts nothing.
//
// # Webhooks
//
// Every webhook is one entry of object "page" with one messaging event,
// millisecond timestamps, in Meta's escaped-unicode JSON (non-ASCII as
// \uXXXX, "/" as \/, < > & % @ as \u escapes), signed over the exact bytes
// sent: X-Hub-Signature-256 "sha256=" hex HMAC-SHA256 and, beside it, the
// legacy X-Hub-Signature "sha1=" hex HMAC-SHA1 (NoLegacySignature stops it).
// A message from an ad carries "referral":{"ref","ad_id","source":"ADS",
// "type":"OPEN_THREAD"} in its messaging event. Every webhook goes through
// one delivery function, which applies the retry schedule.
//
// # Faults
//
// Config.Faults (package fakes/fault) makes the platform misbehave, drawn
// from Seed: customer webhooks (messages and postbacks) duplicated (the
// same bytes, mid and signature), reordered, late (keeping the platform's
// timestamp), or a try timing out (the receiver handled it; the platform
// saw no answer) or failing at the receiver's edge (502; the receiver saw
// nothing), each failed try retried on RetrySchedule until it gives up.
// Delivery receipts go out as without a plan. A Send API call the plan
// refuses is answered before the message is looked at, with Graph's
// envelope and "is_transient":true, naming no customer:
//
//	613  (#613) Calls to this api have exceeded the rate limit.   HTTP 429 (ThrottleStatus; 400 as Graph has also answered)
//	2    An unexpected error has occurred. Please retry your request later.   HTTP 500
//
// Code 613 is the Send API's own rate limit in Meta's error table (code 4,
// the application's request limit, is the other throttle a client meets);
// code 2 is Graph's temporary service error, which asks for the same call
// again. Code 1 ("An unknown error occurred") is not used: Meta documents
// it also for messages that were sent, so it promises nothing to a client
// retrying. The upload endpoint is not refused. On the Direct network
// (Deliver, and Direct's Send and Upload) the plan acts the same, on values:
// the same decisions in the same order, so that a Direct run matches one
// on the wire. FaultCount counts what the plan did.
//
// # What the platform keeps
//
// By default the fake keeps every customer's delivery history
// ([Server.Deliveries]). A positive Config.JournalLimit, which keeps only
// the newest entries of each [Journal] list, bounds each customer's history
// the same way, to the customer's newest JournalLimit deliveries, so that a
// server that runs for days (omnisim serve, which keeps every customer) does
// not grow without end; 0 or a negative limit keeps every delivery, and
// [Server.Counts] stays exact. Config.KeepDeliveries limits the history to
// the customers it names (the simulator names those whose devices it reads);
// the others' deliveries are counted ([Server.Counts], the journal's newest
// entries) but not kept, and every send is answered as before.
// Config.ForgetAfter (never shorter than the longest window) forgets such a
// customer once the customer's last message is that old: the record (last
// message, last error) goes, and the PSID stays, for the rest of the run,
// only in a set of customers who once wrote, as the number it spells in an
// open-addressing set (11 to 21 bytes each, where a map of the same numbers
// took 29 to 38), since tags other than HUMAN_AGENT reach a customer at any
// time after the first message while a customer who never wrote gets
// 100/2018001. A send to a forgotten customer is judged as one to a customer
// whose windows all closed long ago (RESPONSE, UPDATE and HUMAN_AGENT
// 10/2018278, other tags accepted), which is the answer the record would
// have given; [Server.LastError] answers nil for one. A forgotten customer
// who writes again starts afresh. [Server.Customers] counts the records
// held.
//
// # Unconfirmed choices
//
// Where Meta's behaviour is not confirmed by its documentation, the fake
// chooses; where a [Config] field is named, it changes the choice (and a
// scenario's [channels.messenger] key sets that field: throttle_status,
// human_agent, delivery_webhooks, ad_window; rules.media the attachment
// limits):
//
//   - Retries: 15s, 1m, 5m and 8m after a failed try (within the 15
//     minutes after which Meta is said to give up); RetrySchedule.
//   - The HTTP status of a throttled send (code 613): 429; ThrottleStatus.
//   - A page not approved for HUMAN_AGENT (HumanAgentWindow < 0): the tag
//     extends nothing, and a tagged message after the standard window gets
//     10/2018278 like any other.
//   - The tags other than HUMAN_AGENT are accepted at any time after the
//     customer's first message (their content rules cannot be checked).
//   - Attachment errors are 100/2018047 for size and format alike; sizes
//     are 25 MB for every type (Attachments).
//   - Meta publishes no format rule for attachments; a file's format is
//     what its name's extensions name, as a MIME table (the shared MIME
//     database's globs) would read it, tar archives' compound extensions
//     included.
//   - The error messages are plausible texts, not copies of Meta's: the
//     window's ([WindowMessage], a constant no setting changes) included,
//     whose exact text is not confirmed either. Branch on code and
//     error_subcode.
//   - A message without messaging_type is taken as RESPONSE (client
//     libraries written before the parameter still send none);
//     RequireMessagingType refuses it with 100.
//   - Delivery receipts are sent at Flush, one webhook per accepted message
//     (DisableDeliveries); read receipts are not sent.
//   - The messaging window opened by a Click-to-Messenger ad (said to
//     extend to 7 days for the first message after the ad) is not modelled
//     by default: an ad message opens the standard window. AdWindow models
//     it (at most [MaxAdWindow] is meant; the scenario key ad_window
//     refuses more): the message that carries the referral opens a window
//     of AdWindow in which RESPONSE, UPDATE and tagged messages are all
//     accepted; a later message without a referral does not shorten it, a
//     later one with a referral restarts it. Only a message carrying the
//     referral opens it (the fake sends no referral without a message), and
//     an AdWindow shorter than Window extends nothing.
package messenger
