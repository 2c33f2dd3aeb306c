// Package whatsapp is the WhatsApp Business Cloud API channel adapter of the
// routing engine: the webhook endpoint Meta calls (verification handshake,
// signature check, envelope parsing, dedupe) and the send client
// ([router.Sender]) that talks to the Graph API, with read receipts
// ([Adapter.MarkRead]).
//
// # Webhook
//
// [Adapter.ServeHTTP] answers:
//
//   - GET with hub.mode=subscribe and hub.verify_token equal to
//     [Config.VerifyToken]: 200 with the raw hub.challenge as a text/plain
//     body. Anything else, or an empty configured VerifyToken: 403. The GET
//     carries no signature and none is required.
//   - POST without X-Hub-Signature-256: 401.
//   - POST with a body over 3 MB ([MaxBodySize]): 413. A declared
//     Content-Length over the limit is refused before anything is read;
//     otherwise the body is read as it arrives, through
//     [net/http.MaxBytesReader], into a buffer that starts small and grows
//     with the bytes actually received (never sized by the declared
//     Content-Length, which is not trusted before the signature is
//     checked), and at most MaxBodySize+1 bytes are read. An unreadable
//     body is 400. A body handed over in process by the simulator's memory
//     network ([httpcall.Body]) is read where it is.
//   - POST whose signature is malformed, or is not
//     sha256=<hex HMAC-SHA256(AppSecret, raw body)>, or with an empty
//     configured AppSecret: 403. The HMAC is computed over the exact raw bytes
//     as received (Meta signs its escaped-unicode JSON) and compared in
//     constant time, as [hmac.Equal] does, before anything is parsed.
//   - POST whose body is not JSON, not a JSON object (or null), or whose
//     envelope or "messages" changes do not have the documented shapes: 400.
//   - Any other method: 405.
//   - Otherwise 200, after handing the content to the [router.Receiver].
//
// A refused webhook (401, 403, 413, 400) changes no state: the Receiver is not
// called and no message id is remembered; it only counts in [Stats.Rejected].
// The whole body is parsed before any message is processed, so a malformed
// body has no partial effect either.
//
// The verified body is decoded as [encoding/json.Unmarshal] decodes it into
// typed structs named after Meta's fields: a one-pass decoder reads the
// usual bodies, and leaves any body it cannot decode exactly as
// encoding/json would (one with a null, a repeated, escaped or case-folded
// key, a declared field of another type, an error code written as a
// string, deep nesting or a syntax error) to encoding/json itself.
// So the rules of encoding/json apply: it must be one valid JSON value
// (nesting deeper than 10000 is refused); keys match case-insensitively
// ("From" reads as "from"), while values such as the type "text" match
// exactly; a repeated key is decoded again over the earlier value (the last
// string or number wins, objects merge); null counts as an absent field,
// and a null element of an array is skipped; invalid UTF-8 and lone
// surrogates decode as U+FFFD; unknown fields are skipped, whatever their
// type.
//
// The fields the adapter declares must have their documented types, or the
// whole webhook is malformed (400) and nothing of it is delivered. In the
// envelope, object, entry[].id and changes[].field are strings, and entry
// and changes arrays of objects. Every change's value is decoded in one pass
// (Meta puts "value" before "field"), so a value, whatever its field, object
// or phone number, must be an object whose fields of these names are typed as
// Meta documents them for "messages" changes, whether the adapter uses them
// or not; fields of other names are ignored: messaging_product,
// metadata{display_phone_number, phone_number_id},
// contacts[]{profile{name}, wa_id}, messages[]{from, id, timestamp, type,
// text{body}, image, audio, video, document and sticker{id, mime_type,
// sha256, caption, filename}, context{from, id}, button{text, payload},
// interactive{button_reply{id, title}, list_reply{id, title}},
// reaction{message_id, emoji}} and statuses[]{id, status, timestamp, recipient_id,
// errors[]{code, title}} are strings, objects and arrays of objects as
// shown, except the error code: a JSON number, or a string holding one (as
// encoding/json allows for an [encoding/json.Number]). So a timestamp sent as
// a number, or a message whose text is a string, makes the webhook 400.
//
// Of an accepted envelope only object "whatsapp_business_account", changes
// with field "messages", and changes whose metadata.phone_number_id is
// [Config.PhoneNumberID] (which must not be empty) are processed; everything
// else (other fields, other business numbers, value.errors) is ignored and
// still answered 200, since Meta retries any non-200 answer.
//
// Messages are deduplicated by their wamid: an id is remembered for
// [Config.DedupeWindow] of [Config.Clock] time, and a message whose id was
// seen within the window is dropped and counted in [Stats.Duplicates]. The
// ids are kept in a map plus an insertion-ordered ring, and expired ones are
// forgotten from the ring's head as new messages arrive, so memory is
// proportional to the messages of one window. Each
// new message is passed to [router.Receiver.Receive] with the customer key
// (whatsapp, PhoneNumberID, from), the wamid, the contact's profile name, and:
//
//   - text: the body;
//   - image, audio, video, document, sticker: an [router.Attachment] with the
//     kind, the format derived from mime_type by [FormatOf] (for documents of
//     an unknown type, from the file name's extension), size 0 (unknown), the
//     document's file name, and the caption as text;
//   - button: the button's text, with its payload as [router.Inbound].Payload;
//     interactive: the title of the button or list reply, with its id as
//     Payload;
//   - reaction: no text; ReplyTo is reaction.message_id and Reaction the
//     emoji ("" when the customer removed the reaction). The engine takes
//     it as customer activity and restarts its window, while WhatsApp's
//     own window is not known to restart on a reaction (the fake, by
//     default, does not): a reply that relies on a reaction alone is drift;
//   - every other type (location, contacts, order, system, unsupported, and
//     types not known yet): a message with neither text nor attachment,
//     because it is still customer activity.
//
// Any message with context.id (a quoted reply, a button) has it as ReplyTo.
//
// A message without a from or id field cannot be routed and is skipped.
// An error returned by Receive does not change the answer (200): a redelivery
// could not fix it, and the wamid stays remembered.
//
// Each entry of value.statuses is passed to [router.Receiver.Status] with
// the key of its recipient_id, its wamid, its status as Meta names it (sent,
// delivered, read, failed) and the code of its first error as the number's
// literal text, e.g. "131047" ("" when it has no error or the first error
// no code). Statuses are not deduplicated.
//
// # Sending
//
// [Adapter.Send] posts to {BaseURL}/{APIVersion}/{PhoneNumberID}/messages
// with the bearer token and a JSON body: the bytes encoding/json gives for
// typed structs (without HTML escaping), written by an append encoder.
// Text goes as type text with preview_url false;
// templates with language policy "deterministic" and one body component
// holding the parameters (none when there are no parameters). An attachment
// is first uploaded to the /media endpoint as multipart/form-data (a file of
// Size zero bytes of the format's MIME type, see [MIMEType], streamed without
// being held in memory), then sent by media id, with the caption for image,
// video and document and the file name for document.
//
// The recipient is to.Customer; a key naming another channel or another
// business number is refused locally (an ordinary error), while empty
// Channel and Account fields mean this adapter's.
//
// [Adapter.MarkRead] marks a customer's message (a wamid received by
// webhook) as read: it posts
// {"messaging_product":"whatsapp","status":"read","message_id":"<wamid>"}
// to the same messages endpoint, and succeeds on a 2xx answer of
// {"success":true} (Meta then shows the customer blue ticks on that message
// and the earlier ones). An empty message id is refused locally.
//
// A non-2xx answer carrying a Graph error envelope becomes a
// *[router.PlatformError] with the error's code, the HTTP status, and
// error_data.details (or message when there are no details). A transport
// failure or an answer that cannot be understood is an ordinary wrapped
// error.
//
// Send tries a message again at once when Meta answers with a transient
// error (HTTP 5xx, or code 130429 with HTTP 429 or 400), up to
// [SendTries] tries in all: such an answer means the message was not
// accepted. [Adapter.SaveState]
// and [Adapter.RestoreState] carry the dedupe state across a restart.
package whatsapp
