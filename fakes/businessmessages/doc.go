// Package businessmessages is a fake of Google's Business Messages: the
// API a partner's agent calls and the webhooks Google sends it, with the
// platform's rules enforced on its own. Use a [Server] as an http.Handler
// (omnisim mounts it as the API of the "businessmessages" channel).
//
// # What it speaks
//
//   - Webhook verification ([Server.Verify]): a POST of
//     {"clientToken":"…","secret":"…"} to the partner's webhook URL,
//     which must answer 200 with the secret as the whole body. The request
//     is unsigned unless Config.SignVerification is set (UNCONFIRMED:
//     Google's guide says only that the body carries the two values).
//   - Webhooks: a UserMessage ({"agent":"brands/B/agents/A",
//     "conversationId","customAgentId","requestId", one of "message"
//     {messageId,name,text|image,createTime}, "receipts" or "userStatus",
//     "context"{entryPoint,placeId,userInfo{displayName,userDeviceLocale},
//     widget{url,widgetContext},resolvedLocale,customContext},"sendTime"}),
//     POSTed with X-Goog-Signature = base64(HMAC-SHA512(clientToken, raw
//     body)). Strings are escaped as encoding/json escapes them
//     (UNCONFIRMED: Google's exact escaping of <, > and & was not seen).
//     Fields go in the order of Google's documented examples; empty
//     context fields are left out. A user's image arrives as
//     message.image.contentInfo.fileUrl (UNCONFIRMED shape).
//   - Retries: a webhook that gets no answer or any status but 2xx is
//     retried, first after Config.RetryDelay (10 s), the wait doubling up
//     to Config.RetryMaxDelay (1 h), for up to Config.RetryFor (7 days)
//     after its first try; then it is dropped. Google documents the 7
//     days; the schedule within them is UNCONFIRMED. Retries are made by
//     [Server.Flush] when the world's clock reaches [Server.NextDeadline].
//     Each retry carries the same requestId, which the receiver dedupes by.
//   - Faults (Config.Faults, a fakes/fault plan; faults.go): webhooks
//     duplicated with the same bytes and requestId, reordered, late (the
//     payload keeps its createTime), tries timed out (the receiver got
//     it, Google no answer) or answered 502 by the partner's edge, all
//     retried on the schedule above; sends refused before the message is
//     looked at with 429 RESOURCE_EXHAUSTED, or 503 UNAVAILABLE and 500
//     INTERNAL in turn (which of the two a real outage gives is not
//     documented for this API). A refused send was not accepted: the
//     same messageId goes through on a retry, and is ALREADY_EXISTS only
//     after a try that was. On the Direct network the plan applies by
//     value alike ([Server.SendFault] for the sender).
//   - OAuth: the fake issues a service account ([Server.Credentials], also
//     served at GET /omnisim/service-account.json) whose token_uri is its
//     own POST /token: the JWT-bearer grant (RFC 7523) with an RS256
//     assertion signed by the account's key, checked as Google checks it
//     ([CheckAssertion]); the answer is {"access_token","expires_in":3599,
//     "token_type":"Bearer"}, errors are OAuth's {"error",
//     "error_description"} with Google's wording. The key is a fixed test
//     key, so that every run is the same.
//   - POST /v1/conversations/{conversationId}/messages (messageId in the
//     body or the query, and the optional ?forceFallback=true) with
//     {"messageId","representative"{"representativeType":"BOT"|"HUMAN",
//     "displayName","avatarImage"}, one of "text", "image" (by
//     contentInfo.fileUrl or imageId) and "richCard", and "fallback",
//     "containsRichText", "suggestions"}; the answer is the created
//     Message, which echoes the content as sent (the rich card and the
//     suggestions compacted) with its name and createTime.
//     POST /v1/conversations/{id}/events with TYPING_STARTED,
//     TYPING_STOPPED, REPRESENTATIVE_JOINED or REPRESENTATIVE_LEFT.
//   - Errors: Google's envelope {"error":{"code","message","status"}}.
//
// # Rules, in the order they are checked
//
//   - A bearer token from /token, unexpired: else 401 UNAUTHENTICATED.
//   - Body shape: unknown fields, a missing representative, a type other
//     than BOT or HUMAN, not exactly one of text, image and richCard (a
//     null one is none), a richCard that is not an object with exactly one
//     of standaloneCard and carouselCard: 400 INVALID_ARGUMENT. What the
//     cards and the suggestions hold is not checked.
//   - The retirement: Google shut Business Messages down after 2024-07-31.
//     From Config.Retirement on (default the end of that day, UTC), every
//     message and event call is answered 403 PERMISSION_DENIED (the token
//     endpoint, Google's OAuth service, keeps working) with an ErrorInfo of reason
//     SERVICE_DISABLED (the answer of a Google API that is turned off;
//     UNCONFIRMED for this API), no user message is sent
//     ([ErrRetired]) and pending retries are dropped. It applies when the
//     world starts before the date and its clock passes it; a world that
//     starts after it (the scenarios' default start is in 2026) models the
//     platform as if it had not retired, or nothing could be simulated.
//     Config.NoRetirement turns it off.
//   - The conversation must exist (its user has written): else 403
//     PERMISSION_DENIED, as Google answers for a conversation the agent
//     may not message.
//   - A missing messageId (in the body or the query): 400 INVALID_ARGUMENT.
//   - ?forceFallback=true on a message without fallback text: 400
//     INVALID_ARGUMENT. Google says only that it "returns an error"; an
//     argument the call cannot use is what INVALID_ARGUMENT is for, so the
//     fake chose it. Google offers forceFallback only to agents that are
//     not launched; the fake has no launch and takes it always.
//   - The window: an agent can message a conversation for 30 days after
//     the user's last message (Config.Window). Later: 400
//     FAILED_PRECONDITION by default. Google documents the 30 days, not
//     the answer after them: FAILED_PRECONDITION, the canonical status of
//     a request the resource's state does not allow, is the fake's choice,
//     and Config.WindowStatus sets another (PERMISSION_DENIED, which Google
//     answers an agent that may not message a conversation, is the other
//     plausible one), its HTTP status following Google's mapping
//     ([HTTPStatusOf]). The window, an access token's hour, the time a
//     record is kept and the retries' 7 days are compared without
//     overflow: one started more than 292 years before has run out.
//   - A messageId used before in the conversation: 409 ALREADY_EXISTS
//     (UNCONFIRMED; Google says only that ids must be unique).
//   - A text over 3072 characters (Config.MaxTextLength): 400
//     INVALID_ARGUMENT.
//   - Images: jpeg, jpg or png by the URL's extension, at most 5 MB
//     (Config.ImageFormats, Config.ImageMaxBytes; both UNCONFIRMED); the
//     size is what the simulated file host [FileHost] reports. Else 400
//     INVALID_ARGUMENT.
//   - What the user's device can show: a message it cannot show and that
//     has no fallback text is refused 400 FAILED_PRECONDITION, as Google
//     documents. With fallback text it is accepted and the user is shown
//     that text instead (the delivery is a text, [Delivery].Fallback set);
//     with ?forceFallback=true the fallback text is shown whatever the
//     device.
//
// # What users' devices show
//
// Google does not publish which devices and surfaces show which messages:
// its guide gives suggested replies as an example of what a device may not
// support, and asks for fallback text for rich cards and carousels. The
// fake's model ([Device]): every device shows text and images; a device
// may not show rich cards, or suggestions (replies and actions). By
// default every device shows everything, as the fake always did.
// Config.Device sets what the channel's devices show; a user message's
// Context.Device sets the user's own, and the conversation keeps the
// device of its user's latest message.
//
// Receipts (DELIVERED) for delivered messages are sent when
// Config.Receipts is on. The fake keeps a journal of requests, webhook
// tries, deliveries and errors, and answers [Server.Check], the dry-run
// verdict on a message, without changing state.
//
// # Memory over a long run
//
// By default the fake keeps every conversation and its deliveries. A
// positive Config.JournalLimit, which keeps only the newest entries of each
// [Journal] list, bounds each conversation's delivery history
// ([Server.Deliveries]) the same way, to its newest JournalLimit deliveries,
// so that a server that runs for days (omnisim serve, which keeps every
// conversation) does not grow without end; 0 or a negative limit keeps every
// delivery. The messageIds the agent used in a conversation are all kept
// while the conversation is (a reused one is refused with ALREADY_EXISTS
// however old). Config.KeepDeliveries keeps the delivery history
// ([Server.Deliveries]) of the conversations it names only; the others'
// deliveries are counted ([Server.Counts], the journal's newest entries).
// Config.ForgetAfter forgets a conversation whose deliveries are not kept
// once its user's last message is that old and the 30-day window has closed:
// its record and the messageIds used in it. A user who writes again starts
// afresh and every send is answered as before; a send or event to a
// forgotten conversation whose user has not written again is answered as for
// one that never existed, and a messageId used before it was forgotten is
// accepted again. See retain.go.
package businessmessages
