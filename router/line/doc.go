// Package line is the router's LINE Messaging API adapter: the webhook
// endpoint of one channel, which verifies, dedupes and normalizes what
// LINE posts, and the send client ([Adapter.Send]) that implements
// router.Sender.
//
// # Webhook
//
// [Adapter.ServeHTTP] takes POSTs only (else 405). X-Line-Signature must
// be the base64 HMAC-SHA256 of the exact body keyed with the channel
// secret, written as base64 writes it (a copy with an unused bit of its
// last character set is wrong): a missing or wrong one is answered 400
// and nothing of the body is read further, as LINE's SDKs answer an
// invalid signature. Bodies over [MaxBodySize] get 413, bodies that are
// not a webhook payload or are for another destination (bot user id) 400.
// The console's Verify (no events) gets 200.
//
// Each event is deduplicated on its webhookEventId (a redelivery repeats
// it) for Config.DedupeWindow; a duplicate is dropped and counted, and the
// webhook still answers 200. Events from groups and rooms are skipped. A
// user's newest reply token is kept for the next send to the user, except
// in standby mode. Message events become router.Inbound: text as text;
// image, video, audio and sticker as attachments of those kinds; a file as
// a document with its name, size and extension as format. Follow and
// unfollow events are noted (an unfollow drops the user's token). With
// Config.Profiles the user's display name is fetched once
// (GET /v2/bot/profile/{userId}), since LINE's webhooks carry no names;
// with Config.NameTTL it is fetched again when the user writes that long
// after the last message, and the names of users gone quiet are dropped.
// [Adapter.Events] is the same work on values (the simulator's Direct
// network).
//
// # Sending: reply or push
//
// A reply is free and needs the token of a recent event; a push reaches a
// friend at any time and counts against the account's monthly messages.
// As LINE routers do, Send replies while the user's token is fresh
// (younger than Config.ReplyTokenTTL, one minute by default) and unused,
// and pushes otherwise: after the token's one use, after its time, and
// when LINE refuses the reply with 400 "Invalid reply token" (the
// platform's expiry may be shorter than the router's), a 5xx or a
// rate-limit 429: a reply token answers one request and a reply takes no
// retry key, so a reply refused for now goes as a push with a retry key
// instead. (A reply with no answer at all is not pushed: it may have been
// delivered, and a push would show it twice; its error is returned.) Every
// push carries a new X-Line-Retry-Key (a UUID drawn from Config.Seed); a
// push without an answer, with a 5xx or with a rate-limit 429 is retried
// at once with the same key, Config.PushRetries times (the monthly
// limit's 429 is not retried), and a 409 to a retry means an earlier try
// went through: it counts as sent, once. A push whose last try got a 5xx
// or no answer may have been delivered; up to [SettleTries] more tries
// with the same key tell.
//
// # Restarts
//
// [Adapter.SaveState] and [Adapter.RestoreState] carry across a restart
// of the router what the adapter must not lose: the dedupe set (a
// redelivery that straddles a deploy is still dropped), the customers'
// unused reply tokens with their times (the reply after a deploy is still
// free), the display names fetched with the time of each user's last
// message (Config.NameTTL counts on), the users who blocked the account,
// and the count of retry keys drawn (a new adapter never reuses a key,
// which LINE would answer 409 for a new message). Each message event's
// timestamp becomes router.Inbound.Sent, so that a late or redelivered
// message is placed at the time the user wrote it.
//
// Outbound messages become LINE message objects ([Adapter.Messages]):
// texts; templates as a text of their name and parameters; images, videos
// and audio by HTTPS URLs under Config.MediaBaseURL that name the file's
// format and size, with a caption sent as a text after the file (LINE's
// media messages have none). Documents and stickers have no message type
// a bot can send. LINE's errors have no code of their own: a refusal is a
// router.PlatformError whose Code is the HTTP status ("400", "409", "429")
// and whose Message is LINE's message and details.
//
// The router's policy for the channel ([Policy]) has no window and no
// reply count; it limits texts to 5000 characters and media to LINE's
// types and sizes.
package line
