// Package douyin is the router's channel adapter for Douyin IM customer
// service (抖音开放平台, 来客 life-service merchants): the webhook endpoint
// that verifies, dedupes and normalizes Douyin's events into
// [router.Inbound], and the send client ([router.Sender]) for Douyin's IM
// reply API. [Policy] is the router's default policy for the channel.
//
// # Webhook
//
// [Adapter] is an http.Handler for POST requests (anything else: 405). A
// body over [MaxBodySize] is answered 413; then:
//
//   - no X-Douyin-Signature header: 401; one that is not the lowercase or
//     upper-case hex SHA-1 of the client secret followed by the exact body
//     bytes: 403. Douyin's signature is a plain digest, not an HMAC.
//   - a body that is not a Douyin event envelope: 400.
//   - verify_webhook: 200 with the JSON text {"challenge":N}, the
//     challenge as it came (a number, or a string).
//   - a client_key other than the app's, or a to_user_id other than the
//     account's (a from_user_id, for im_send_msg: the account's own
//     message): 200, ignored.
//   - an event whose create_time is MaxAge (default DedupeWindow) old or
//     older: 403 (a replay
//     from outside the dedupe window), nothing recorded.
//   - im_receive_msg: deduped on the Msg-Id header, and on the message's
//     server_message_id, for DedupeWindow (Douyin retries 3 times, 5 s
//     apart, and may repeat a delivery): a duplicate is answered 200 and
//     changes nothing. A new message goes to the [router.Receiver] as text
//     (text), or as an image or video attachment with resource_type as its
//     format and resource_size as its size; the customer is from_user_id,
//     the name user_infos' nick_name, and entry_page, region and poi_id
//     become [router.Inbound].Profile, on every message (a missing poi_id
//     is no store: the customer gave no location; the field names are
//     UNCONFIRMED, see fakes/douyin). The conversation_short_id and the message's
//     server_message_id are kept per customer: a reply names them.
//   - im_enter_direct_msg keeps the conversation too; it and every other
//     event (im_send_msg, ...) go to OnEvent after dedupe.
//
// # Sending
//
// [Adapter.Send] fetches a client_token (POST /oauth/client_token/ with
// client_key, client_secret and grant_type client_credential), keeps it
// until a minute before its expires_in, and posts
//
//	POST /im/send/msg/?open_id=ACCOUNT_OPEN_ID
//	access-token: clt.…
//	{"msg_id":"<the customer's last server_message_id>","conversation_id":"<conversation_short_id>",
//	 "to_user_id":"<open_id>","scene":"im_reply_msg","content":{"msg_type":"text","text":{"text":"…"}}}
//
// A template is sent as a text of its name (Douyin's reply API has no
// templates); attachments are refused before any call (the reply API takes
// text here). Douyin does not document which envelope the send answers in,
// and the adapter reads both (see fakes/douyin): {"data":{"msg_id"},
// "extra":{"error_code",…}} and {"err_no","err_msg","log_id","data":
// {"msg_id"}}. An answer with a non-zero error_code (in data or extra) or
// err_no is a *router.PlatformError with the code as a decimal string; on
// 28001008 (an expired token) the adapter fetches a new token and tries
// once more. A
// transient refusal (28003018, the app called too often, or 2100004, 系统
// 繁忙) means Douyin did not take the message: the reply is posted again,
// [SendTries] tries in all; a transport failure is not retried, since the
// message may have gone out and the send API has no idempotency key.
//
// # Late messages and restarts
//
// Each message's create_time becomes [router.Inbound].Sent, so that a
// message Douyin delivers late anchors the reply window at Douyin's time;
// a late message does not replace the newer message a reply names.
// [Adapter.SaveState] and [Adapter.RestoreState] carry the dedupe keys,
// the reply contexts, the counters and the client_token across a restart
// of the router.
package douyin
