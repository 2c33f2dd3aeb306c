// Package douyin is a fake Douyin Open Platform (抖音开放平台) for the IM
// customer service of Douyin Laike (抖音来客) life-service merchants. It
// speaks the platform's wire protocol on both sides: the client_token and
// IM send endpoints of open.douyin.com, and signed JSON webhooks to the
// router (the verify_webhook handshake, im_enter_direct_msg and
// im_receive_msg), with Douyin's retry schedule and repeats. Where Douyin's
// documents stop, the shapes are the fake's choice of the most plausible,
// said so below: the send's content and its answer's envelope (see
// Unconfirmed shapes). It is an independent oracle of the platform's rules
// and imports only the standard library.
//
// Like net/http/httptest it needs no setup:
//
//	dy := douyin.New(douyin.Config{WebhookURL: routerURL, Clock: clk.Now})
//	dy.Start()        // or use dy as an http.Handler, in memory
//	defer dy.Close()
//	dy.Verify(ctx)    // verify_webhook: the router must echo the challenge
//	dy.CustomerText(ctx, openID, "你好", douyin.Attributes{Region: "hangzhou"})
//	// ... the router calls dy.URL + "/oauth/client_token/" and "/im/send/msg/?open_id=..." ...
//	dy.Flush(ctx)     // repeats and retries that are due
//	dy.Deliveries(openID), dy.LastError(openID), dy.Journal(), dy.Counts()
//
// # Configuration
//
// Every [Config] field has a default for its zero value:
//
//   - ClientKey [DefaultClientKey] and ClientSecret [DefaultClientSecret]:
//     the app's credentials. The secret signs every webhook and the token
//     endpoint checks both.
//   - AccountOpenID [DefaultAccountOpenID]: the merchant account's open_id,
//     the to_user_id of inbound messages and the open_id query parameter of
//     sends.
//   - WebhookURL; Client (default http.DefaultClient) makes the calls.
//     Deliver, when set, replaces HTTP: webhooks are handed to it as
//     values, without bytes (the simulator's direct network), and its
//     answer is judged as the router's HTTP answer is.
//   - Clock (default time.Now) is the platform's only time source: windows,
//     quotas, token expiry, create_time, log ids, retry times and the
//     journal. Seed seeds every generated id.
//   - Window 48 h and ReplyLimit 5 (see Rules); negative windows never
//     close, negative limits are unlimited.
//   - RateLimit: sends per second per app; 0 (the default) does not limit.
//   - Scopes: the scopes the app holds; nil means [DefaultScopes]. Sending
//     needs [ScopeIM].
//   - TokenTTL 7200 s. SendEvents false (see Webhooks).
//   - WebhookTimeout 5 s per try, WebhookRetries 3; Repeats 0 and
//     LostAnswers 0 (see Webhooks).
//   - Faults: a fault plan, none by default (see Faults).
//   - Envelope [EnvelopeData]: the shape of the send API's answers,
//     EnvelopeData or EnvelopeErrNo (see Unconfirmed shapes).
//   - WindowCode [CodeQuota]: the error_code of a reply after the window
//     (see Rules).
//   - JournalLimit: each [Journal] list keeps only its newest entries (0
//     keeps all, a negative limit none). A positive limit bounds each
//     customer's delivery history ([Server.Deliveries]) the same way, to
//     the customer's newest JournalLimit deliveries, so that a server that
//     runs for days (omnisim serve, which keeps every customer) does not
//     grow without end; 0 or a negative limit keeps every delivery.
//     [Server.Counts] and [Server.LastError] stay exact.
//   - KeepDeliveries and ForgetAfter: memory over a long run. By default
//     every customer and delivery is kept (each customer's newest
//     JournalLimit deliveries when that is positive). KeepDeliveries
//     keeps the delivery history ([Server.Deliveries]) of the customers
//     it names only; the others' deliveries are counted ([Server.Counts],
//     the journal's newest entries). ForgetAfter forgets a customer whose
//     deliveries are not kept once the customer's last message or entry
//     is that old and the reply window has closed (never with a window
//     that never closes). A customer who writes again starts afresh,
//     with a new conversation_short_id, and every reply to the new
//     message is answered as before; a send to a forgotten customer who
//     has not written again is answered as to one who never wrote. See
//     retain.go.
//
// # API routes
//
//	POST /oauth/client_token/   {"client_key","client_secret","grant_type":"client_credential"}
//	     (JSON or a form) -> {"data":{"access_token":"clt.…","description":"","error_code":0,"expires_in":7200},"message":"success"}
//	GET  /oauth/client_token/?client_key=…&client_secret=…&grant_type=client_credential   (the older form, same answers)
//	POST /im/send/msg/?open_id=ACCOUNT_OPEN_ID   headers access-token, content-type: application/json
//	     {"msg_id","conversation_id","to_user_id","scene":"im_reply_msg","content":{"msg_type":"text","text":{"text":"…"}}}
//	     -> {"data":{"msg_id":"…"},"extra":{"error_code":0,"description":"","sub_error_code":0,"sub_description":"","logid":"…","now":MS}}
//	     (EnvelopeErrNo: {"err_no":0,"err_msg":"","log_id":"…","data":{"msg_id":"…"}})
//
// Every answer is HTTP 200 (an unknown path 404, a wrong method 405); a
// send's error is {"data":{"error_code":N,"description":"…"},"extra":
// {"error_code":N,"description":"…","sub_error_code":0,"sub_description":"",
// "logid":"…","now":MS}} (EnvelopeErrNo: {"err_no":N,"err_msg":"…",
// "log_id":"…"}, the same N and text); the token endpoint's is
// {"data":{"error_code":N,"description":"…"},"message":"error"}. The send
// checks run in this order; the first failure answers:
//
//  1. access-token missing, unknown or older than TokenTTL: 28001008
//     "access_token过期,请刷新或重新授权".
//  2. The app does not hold ScopeIM: 28001012 "用户未授权该OpenAPI".
//  3. More than RateLimit sends in the current second: 28003018
//     "请求频率过高". Every call that gets this far counts, one that a
//     later check refuses too.
//  4. A body over 1 MiB or unreadable, one that is not the JSON above, an
//     open_id query that is not the account, an unknown to_user_id, a
//     msg_id that is not one of the customer's messages, a
//     conversation_id that is not the customer's, a scene other than
//     im_reply_msg, a msg_type other than text or an empty text: 28001007
//     "参数不合法".
//  5. The customer's last message is Window or more ago: WindowCode,
//     28003017 "quota 已用完" by default (description "reply window
//     closed: …", after the code's title when the status-code table
//     has one).
//  6. ReplyLimit replies already sent since the customer's last message:
//     28003017 "quota 已用完" (description "reply quota used up: …").
//
// # Rules
//
// Each customer message opens a reply window of Window (48 h) and grants
// ReplyLimit (5) replies; the customer's next message restarts both. The
// values are Douyin's for its mini-game customer-service API ("用户发送信息后,
// 可在48小时内,至多回复5条信息"); for the life-service IM they are
// UNCONFIRMED, and third-party adapters of the private-message API assume
// about 24 h and 6 replies, so both are configurable per scenario. Douyin
// publishes no error code for a closed window: by default the fake answers
// the quota code 28003017 (quota 已用完, the status-code table's nearest
// meaning: the allowance of replies to the message is spent) for both the
// window and the count, and says which in the description. That is the
// fake's choice, and Config.WindowCode sets another code for the window.
// A refused send changes nothing; an accepted one is
// delivered to the customer's device at once. The window and a token's
// lifetime are timed in Unix nanoseconds and compared without overflow:
// one that ends past year 2262 stays open to the end of that range, and
// one started more than 292 years before has run out.
//
// # Unconfirmed shapes
//
// Two shapes of the send are not in Douyin's documents; the fake uses the
// most plausible and says why.
//
// The answer's envelope. Douyin's OpenAPIs answer in one of two shapes,
// and which one im/send uses is UNCONFIRMED. The fake's default,
// EnvelopeData, is {"data":{…,"error_code","description"},"extra":
// {"error_code","description","sub_error_code","sub_description","logid",
// "now"}}: the shape of the open.douyin.com endpoints of the send's own
// family (paths at the root, such as /friend/list/ and /open/getticket/,
// whose documented answers carry it), with the error_code in both data
// and extra. The alternative, EnvelopeErrNo, is the flat {"err_no":N,
// "err_msg":"…","log_id":"…"} of Douyin's newer /api/… OpenAPIs, with the
// result in "data"; a client that reads both, as the router's adapter
// does, is safe either way. The codes are the same in both.
//
// The content. The body's members (msg_id, conversation_id, to_user_id,
// scene) come from third-party SDK code; the content schema
// {"msg_type":"text","text":{"text":"…"}} is UNCONFIRMED and the fake's
// choice: a type name with an object of that type, the shape of the send
// APIs of Chinese IM platforms (WeChat's {"msgtype":"text","text":
// {"content":"…"}}), with Douyin's own word for the text. The plausible
// alternative is the webhook's flat content, {"message_type":"text",
// "text":"…"}; the fake refuses it (28001007), so a router written to it
// would meet the fake's choice, not Douyin's.
//
// # Webhooks
//
// Every webhook is a POST of application/json with the headers
// X-Douyin-Signature (lowercase hex of SHA-1 over the client secret
// followed by the exact body bytes: not an HMAC) and Msg-Id (the event's
// id, the same on every try and repeat). The body is
//
//	{"event":"im_receive_msg","client_key":"…","from_user_id":"<open_id>","to_user_id":"<account open_id>","content":"<JSON text>","log_id":"…"}
//
// with content a JSON-encoded string (the life-service variant), holding
// conversation_short_id, server_message_id, conversation_type (1),
// create_time (13-digit milliseconds), message_type (text, image, video),
// text, source ("": sent from the app), user_infos [{open_id, nick_name,
// avatar}], and for media resource_type and resource_size (no URL, as
// Douyin sends none). Strings are written with raw UTF-8, escaping only
// quotes, backslashes and control characters (UNCONFIRMED: Douyin's
// escaping is not documented; the signature covers whatever bytes are
// sent).
//
// The customer's routing attributes travel in content too: entry_page (the
// mini-program page the consultation button was on), region (the city the
// Douyin app reports) and poi_id (the store, present only when the customer
// granted location permission). The 来客 document splits conversations by
// exactly these, but the field names are UNCONFIRMED: Douyin's public event
// list does not show where they travel.
//
// im_enter_direct_msg (the customer opened the chat) carries the same
// content without a message. With SendEvents, each delivered reply comes
// back as im_send_msg (from_user_id the account, to_user_id the customer,
// source the client_key), queued for Flush. verify_webhook is {"event":"verify_webhook",
// "client_key":"…","content":{"challenge":N}} and is also signed; the
// router must answer 200 with the JSON text {"challenge":N}.
//
// A try fails when the router does not answer 200 within WebhookTimeout
// (or, with LostAnswers N, when it is one of the first N tries: the
// router's answer is lost, though the router may have acted on the
// webhook); Douyin then retries, up to WebhookRetries times,
// WebhookTimeout after the failed try. The retry schedule is UNCONFIRMED
// beyond "5 s, 3 retries". Delivery is not ordered and may repeat: with Repeats N,
// every event is sent N more times after it was accepted, WebhookTimeout
// apart (as when Douyin did not see the answer). Retries and repeats are
// due at virtual times: [Server.Flush] sends what is due and
// [Server.NextDeadline] tells when the next is. All of it goes through one
// delivery function.
//
// # Faults
//
// Config.Faults (package fakes/fault) makes the platform misbehave on
// purpose, in the same delivery function and on the same schedule as
// Repeats and LostAnswers: webhooks duplicated (the same body, signature
// and Msg-Id), held behind the next webhook try, delivered up to LateBy
// late (create_time stays the platform's), or tries that time out (the
// router got them; Douyin saw no answer) or are answered 502 by the
// router's edge (the router got nothing), each retried WebhookTimeout
// later while WebhookRetries last, then given up. The plan's failures are
// not errors of Flush; [Inbound].Pending says the first try was held or
// failed. The send API refuses a call the plan throttles with 28003018
// "请求频率过高" (the status-code table's code for calling too often) and
// one it fails with 2100004 "系统繁忙,此时请开发者稍候再试" (the code Douyin's
// OpenAPI pages give for an internal error the developer should retry;
// used by the fault plan only),
// HTTP 200 in the usual envelope, after the token check and before the
// request is read: nothing is delivered, so a client may send it again.
// The direct path (Deliver, [Server.Send]) goes through the same
// functions, so a plan acts the same on it. See faults.go.
package douyin
