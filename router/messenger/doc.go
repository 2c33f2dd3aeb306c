// Package messenger is the router's channel adapter for the Facebook
// Messenger Platform, for one Facebook Page: a webhook [http.Handler] that
// verifies, dedupes and normalizes the page's webhooks into
// [router.Inbound] for a [router.Receiver], and a [router.Sender] over the
// Send API.
//
// The webhook answers the GET handshake (hub.mode=subscribe and the verify
// token: 200 with hub.challenge; else 403). A POST must carry
// X-Hub-Signature-256 ("sha256=" lower-case hex HMAC-SHA256 of the raw body
// with the app secret), else 401; a wrong signature is 403, and so is a
// wrong X-Hub-Signature (sha1) sent beside it. [Config.LegacySignature]
// accepts a POST signed with X-Hub-Signature alone. A body over
// [MaxBodySize] is 413, one that is not a page notification 400; a refused
// POST changes nothing. Messages and postbacks are deduped by their mid
// for [Config.DedupeWindow]; echoes and events of other pages are dropped.
// An ad referral (source ADS) becomes the message's
// [router.Inbound.AdSource], the ad id; a referral without a message
// (messaging_referrals) is kept for the customer's next message. Delivery
// receipts become "delivered" statuses; read receipts are counted.
//
// Send chooses the messaging type from the customer's last message as its
// webhooks told it: RESPONSE inside [Config.Window] (24 hours), MESSAGE_TAG
// with the HUMAN_AGENT tag from then until [Config.HumanAgentWindow] (7
// days), and RESPONSE after that, which the platform refuses: the router's
// [Policy] has a 7-day window, so it refuses such messages first, and when
// the page is not approved for HUMAN_AGENT the difference shows as drift.
// With [Config.AdWindow] (a platform that extends the window for a
// Click-to-Messenger ad), a reply goes as RESPONSE while the ad window of
// the customer's last message carrying an ad referral is open; a referral
// that came without a message gives the next message its ad source but no
// ad window. The router's [Policy] keeps one window for every customer,
// so a router window shorter than the ad window refuses replies the
// platform would take: drift again.
// The page access token goes as the access_token query parameter.
// Attachments are uploaded with the Attachment Upload API, under their
// name ending in their format's extension ([UploadName]), and sent by
// attachment id; templates are sent as texts of their names. A Graph error
// becomes a *[router.PlatformError] whose Code is "code/subcode"
// ("10/2018278") or the code alone.
//
// Under a platform at its worst: a message is deduped by its mid however
// often, late or out of order it comes (Meta retries a failed webhook and
// may deliver one twice, with the same mid). Its [router.Inbound.Sent] is
// the webhook's timestamp, and the window that chooses RESPONSE or
// HUMAN_AGENT runs from that platform time, never moved back by an older
// message arriving after a newer one. Messenger has no idempotency key, so
// Send posts a message again only after a refusal that guarantees it was
// not sent: the rate limits (codes 4 and 613) and Graph's temporary errors
// that ask for the same call again (2, 1200), up to [SendTries] tries in
// all (see SendTries for what is not retried and why).
// [Adapter.SaveState] and [Adapter.RestoreState] carry the dedupe set, the
// window anchors (the ad windows' included), the waiting ad referrals and
// the counters across a restart of the router.
package messenger
