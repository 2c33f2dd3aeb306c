// Package line is a fake LINE Messaging API: the platform's side of one
// Messaging API channel, usable like net/http/httptest. It is an
// independent oracle: it shares no code with the router's adapter
// (router/line).
//
// # API
//
// [Server] is an http.Handler for the API. api.line.me and api-data.line.me
// are served under one base URL:
//
//   - POST /v2/bot/message/reply: {"replyToken","messages","notificationDisabled"}
//   - POST /v2/bot/message/push: {"to","messages","notificationDisabled"}, with
//     an optional X-Line-Retry-Key header
//   - GET /v2/bot/message/{messageId}/content: the file a user sent
//   - GET /v2/bot/profile/{userId}: {"displayName","userId","language"}
//   - GET /v2/bot/info: the bot's user id and basic id
//
// Every call needs "Authorization: Bearer <channel access token>"; without
// it the answer is 401 "Authorization header required. ...", with a wrong
// token 401 "Authentication failed. ...". Every answer carries
// X-Line-Request-Id. A successful send answers
// {"sentMessages":[{"id","quoteToken"}]}; errors answer LINE's body
// {"message":...,"details":[{"message":...,"property":...}]}. Unknown paths
// answer 404 {"message":"Not found"}.
//
// # Rules
//
// The rules are the fake's own, applied on the wire and on the value path
// alike ([Server.Reply], [Server.Push]), in this order:
//
//   - Rate limit: each endpoint takes Config.RateLimit calls per second of
//     the platform's clock (default 2,000, LINE's figure for most
//     endpoints); more answer 429 "The API rate limit has been exceeded.
//     Try again later.".
//   - Retry keys: push takes X-Line-Retry-Key, a UUID in hexadecimal (else
//     400); a key already accepted within 24 hours answers 409 "The retry
//     key is already accepted" with X-Line-Accepted-Request-Id (the request
//     id of the accepted call) and the accepted call's sentMessages; reply
//     does not take the header (400).
//   - Messages: 1 to Config.MaxMessages (5) message objects, else 400 "The
//     request body has 1 error(s)" with {"message":"Size must be between 1
//     and 5","property":"messages"}; a text of at most Config.MaxTextLength
//     (5000) characters, else "Length must be between 0 and 5000" on
//     messages[i].text; image, video and audio by HTTPS URLs with their
//     required fields (previewImageUrl, duration).
//   - Reply tokens: each message and follow event carries one. It answers
//     one reply within Config.ReplyTokenExpiry (default one minute) of its
//     event; an unknown, used or expired token answers 400 "Invalid reply
//     token". A request refused before the token is checked (rate limit,
//     body) does not spend it.
//   - Recipients: a push goes to a user id ("U" and 32 lower-case hex
//     digits) of a user who has talked to the account; another answers 400
//     "Failed to send messages". A user who blocked the account (an
//     unfollow event) is accepted (200) and receives nothing, as LINE's
//     retry documentation says of blocked users.
//   - Monthly limit: with Config.MonthlyLimit set, pushes stop at that many
//     per calendar month in Japan time with 429 "You have reached your
//     monthly limit."; replies do not count.
//
// # Webhooks
//
// The customer actions ([Server.CustomerText], [Server.CustomerMedia],
// [Server.CustomerFollow], [Server.CustomerUnfollow]) record the user's
// message (ids, reply token, content) and post a webhook
// {"destination":<bot user id>,"events":[...]} with each event's type, mode,
// timestamp, source, webhookEventId, deliveryContext.isRedelivery,
// replyToken and message (or follow), signed with X-Line-Signature: the
// base64 HMAC-SHA256 of the exact body keyed with the channel secret.
// [Server.Verify] is the console's Verify button: a signed webhook with no
// events. Every webhook leaves through one delivery function, which posts
// it (or hands it to Config.Direct), journals the try and schedules its
// redelivery.
//
// # Faults
//
// Config.Faults (a fault plan, package fakes/fault; [channels.line.faults]
// in a scenario) makes the platform misbehave, with draws from Config.Seed:
//
//   - Duplicate: a webhook goes out a second time, the same bytes (same
//     webhookEventId, isRedelivery false): LINE's delivery is at least
//     once, and its documentation tells bots to dedupe on webhookEventId.
//   - Reorder and Late: a webhook is held back; its events keep the
//     timestamp of the moment the user wrote.
//   - Timeouts: a try reaches the router, which handles it, but LINE sees
//     no answer; Errors: the router's edge answers 502 and the router sees
//     nothing. Either way the try failed and is redelivered (same events,
//     same webhookEventId, isRedelivery true) on Config.Redelivery, or,
//     when that is empty, on DefaultFaultRedelivery (10 s, 1 min and 5 min
//     after the try before, four tries in all; LINE publishes no
//     schedule). Then LINE gives up. The journal marks such tries with
//     [ErrFaultTimeout] and [ErrFaultEdge].
//   - Send429: a reply or push is answered 429 "The API rate limit has
//     been exceeded. Try again later." (LINE's own rate-limit answer,
//     the one refusal a retry clears) before anything else is looked at:
//     a reply token is not spent, a push not counted. A push whose retry
//     key was already accepted is answered 409 all the same.
//   - Send5xx: 500 {"message":"Internal server error"} (LINE's error body;
//     the wording is the fake's). A reply is refused before its token is
//     checked. A push is answered 500 after it was accepted and delivered,
//     its retry key recorded: LINE's documentation warns that a push
//     answered with a 5xx or not at all may have been delivered, which is
//     what X-Line-Retry-Key is for, so its retry with the same key gets
//     409 with X-Line-Accepted-Request-Id and the accepted messages. A
//     push without a retry key retried after it is delivered twice.
//
// The plan acts in [Server.Reply] and [Server.Push] and in the one
// webhook-delivery function, which the wire and Config.Direct share: the
// Direct network meets the same faults, with the same draws, as the wire.
// [Server.Flush] sends what is due and [Server.NextDeadline] tells when;
// [Server.FaultCount] counts the faults.
//
// # What the platform keeps
//
// By default the fake keeps every user's delivery history
// ([Server.Deliveries]). A positive Config.JournalLimit, which keeps only
// the newest entries of each [Journal] list, bounds each user's history
// the same way, to the user's newest JournalLimit deliveries, so that a
// server that runs for days (omnisim serve, which keeps every user) does
// not grow without end; 0 or a negative limit keeps every delivery, and
// [Server.Counts] stays exact. Config.KeepDeliveries limits it to the users
// it names (the simulator names those whose devices it reads); the others'
// deliveries are counted ([Server.Counts], the journal's newest entries) but
// not kept, and every send is answered as before. Config.ForgetAfter (never
// less than the reply-token expiry) forgets such a user, unless the user
// blocked the account, once the user's last event is that old and every
// webhook of the user's events has had its last try (a redelivery or a try a
// fault plan holds may come later: until then the router may ask the user's
// profile): the record goes, and the user id stays, for the rest of the run,
// as its 64-bit hash in an open-addressing set of the users who once talked
// to the account (11 to 21 bytes a user, where the ids' 16 bytes and the
// display names in a map took about 86), since LINE accepts a push to such a
// user at any later time (and answers 400 "Failed to send messages" to one
// who never talked to it). A push to a forgotten user is accepted and
// delivered as with the record; the profile endpoint answers the user id as
// the display name (the name is not kept); a forgotten user who writes again
// starts afresh, named by the id unless a new name is given. A user id that
// never talked to the account is taken for a forgotten one only if its hash
// is a forgotten user's: a chance of the users forgotten in 2^64.
// [Server.Users] counts the records held. Reply tokens and retry keys are
// forgotten once they expire, their ages compared without overflow: one
// issued more than 292 years before has expired. The files of media
// messages users sent (GET .../content) are kept for the whole run.
//
// # Choices where LINE's behaviour is not confirmed
//
//   - Reply-token expiry: "must be used within one minute" is widely cited
//     but not confirmed from LINE's reference; the default is one minute,
//     and Config.ReplyTokenExpiry (reply_token_expiry in a scenario) changes
//     it.
//   - Redelivery: LINE redelivers failed webhooks only when the channel
//     turns redelivery on, on a schedule it does not publish. The default is
//     off; Config.Redelivery (redelivery in a scenario) lists the delays.
//     A redelivery carries the same events with isRedelivery true and the
//     same webhookEventId and reply token, however old.
//   - Media: LINE fetches a media message's file from the business's HTTPS
//     URL when the user opens it, and an unsuitable file fails on the
//     device. The fake fetches nothing: it reads the format from the URL's
//     extension and the size from its "size" query parameter ([MediaFile])
//     and refuses an unsuitable file at send time with a 400 on
//     messages[i].originalContentUrl, so that a scenario sees the failure.
//     The limits are image JPEG/PNG 10 MB, video MP4 200 MB, audio M4A/MP3
//     200 MB (Config.Media).
//   - Text length is counted in Unicode code points.
//   - The monthly count counts one per push request, whatever the number
//     of message objects in it.
//   - The error messages for an unparsable body, a bad retry key and a
//     retry key on reply, and the detail messages of media problems, are
//     the fake's own wording.
//   - A user who writes after blocking the account is taken to have
//     unblocked it.
package line
