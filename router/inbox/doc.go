// Package inbox is the message center of the routing engine: the state
// people work with on top of [router.Engine]'s conversations, as the web
// shop's message center shows it (SHOPLINE: a newest-first list, unread,
// starred and archived folders, phone-number and ad marks, search, tags with
// shared colours, bulk read and unread, quick replies), with Zendesk's
// auto-replies and Douyin's live service figures, service-level warnings
// and history search.
//
// # What it holds
//
// An [Inbox] follows one engine's event log and keeps, per conversation:
// its state, group and agent as the events tell them (and every agent it
// was ever assigned to), the unread count, starred, archived, the rating,
// the last activity time, a preview of the latest message, and the latest
// texts for history search. Per customer (shared by the customer's
// conversations, as the web shop keeps one chat per customer): the display
// name, the tags, the ad sources, and the phone numbers and e-mail
// addresses detected in the customer's messages. One table maps every tag
// to its colour. The list's rows are conversations: a customer whose
// conversation closed and who writes again has a new row (the engine opens
// a new conversation), which shows the customer's name, tags, ad sources,
// numbers and addresses but starts unread, unstarred and unarchived.
//
// # Time
//
// Nothing reads the wall clock. Events carry their time, which the
// conversation keeps (the engine logs in time order); every operation that
// changes state takes the virtual time now (the web console's or the
// scenario's clock). The inbox's clock is the latest time it was given, by
// an event or an operation, and never goes back: an operation's earlier
// time is taken as the clock, like the engine's. Moving the clock slides
// the figures' window, checks the standard and drops what is past the
// retention ([Inbox.Advance]); operations stamp what they do (a read, a
// text) with the clock. The same
// calls in the same order give the same state, lists, figures and
// warnings; nothing depends on map order or goroutine timing.
//
// # Following the engine
//
// [Inbox.Sync] reads the events logged since its previous call
// ([router.Engine.EventsSince], from a cursor of its own) and applies them;
// [Inbox.Apply] applies one event for a caller that reads the log itself;
// an inbox uses one or the other. Events are applied once, in Seq order: an
// event whose Seq is not above the latest applied one is skipped, so
// applying an event twice is harmless (hand-built events with Seq 0 are
// always applied). When the engine's ring overwrote events before Sync read
// them, Sync reconciles every conversation with the engine's snapshots
// (state, agent, closing) so that the live figures stay right; the unread
// counts and first responses of the lost events are not recovered, and
// [Stats.Lost] counts them. One inbox follows one engine: when the engine is
// replaced (a reset), build a new inbox.
//
// A conversation enters the inbox with its first event (normally opened);
// status, failure and refusal events never bring one in, since the engine
// may log them against a conversation closed long ago (nor, for a customer
// whose closed conversations go at once, [Config.DropClosed], does any
// event but the opening). The events do the counting: an inbound event
// adds an unread message; inbound and sent events set the last activity
// and un-archive; queued, assigned, bot, hand-off and closed events move
// the state.
//
// # Message texts
//
// Engine events carry message ids, not texts. A caller gives the inbox the
// texts in one of two ways, not both (or every text is kept twice):
//
//   - [Inbox.AddMessage] (now, conversation, from, text), or
//     [Inbox.AddInbound] with the [router.Inbound] the engine received,
//     which also records the customer's display name. A caller calls it
//     with the conversation id Receive returned, or a Send's
//     SendResult.Conversation. It may come before the conversation's
//     events: the texts wait, for at most [MaxPending] conversations, until
//     the first event arrives.
//   - [Config.Text], a callback that gives the text of an inbound or sent
//     event (for a caller keeping a transcript by message id); Sync and
//     Apply call it with the inbox locked, so it must not call the Inbox.
//
// A text changes no counter. It becomes the preview (white space collapsed,
// cut to [Config.PreviewLength] runes with an ellipsis) when it is not older
// than the current one, is kept among the conversation's latest
// [Config.MaxTexts] texts (each cut to [MaxTextBytes]) for history search
// and [Inbox.Transcript], and a customer's text is scanned for phone numbers
// and e-mail addresses. Agents' texts are not scanned: they carry the
// shop's own number.
//
// # Phone numbers and e-mail addresses
//
// [DetectPhones] reads the document's rule (digits separated by spaces,
// dots or dashes: 0912-345-678) broadly: a candidate is a run of digit
// groups (ASCII or full-width digits) separated by at most three of space,
// dot, dash, slash, parentheses or their full-width and no-break forms,
// with an optional leading '+'. libphonenumber
// (github.com/nyaruka/phonenumbers, whose matcher is not implemented, so
// the runs are found here) parses each candidate with [Config.Region]
// (default "TW", the document's) for numbers without a country code, and
// only valid numbers count; a run holding several numbers ("0912 345 678 0987 654 321") is
// split into the longest valid numbers from the left. A run glued to an
// ASCII letter, '@' or '_' is a word, not a number (ABC0912345678,
// 0912345678@example.com), but CJK text next to it is not
// (電話0912345678謝謝). Numbers are normalized to E.164 (+886912345678)
// and also kept as national digits (0912345678) for search. At most 64
// candidates are parsed per text, since a parse costs tens of
// microseconds. A customer keeps the latest [MaxPhones] numbers and
// [MaxEmails] addresses, newest first (one mentioned again moves first);
// the has-phone filter selects the conversations of customers with at
// least one.
//
// [DetectEmails] is a simple RFC 5322-ish matcher: a dot-atom local part
// (letters, digits and !#$%&'*+/=?^_`{|}~- in atoms joined by single dots),
// '@', and a host of at least two labels (letters, digits, inner hyphens,
// at most 63 characters each) ending in 2 to 63 letters. Quoted local
// parts, comments, address literals and international domain names are
// not recognized; addresses are lower-cased (the local part is
// case-sensitive in theory, never in practice) and those over 254
// characters skipped.
//
// # The list
//
// [Inbox.List] returns a page of the conversations matching a [Filter],
// newest first: by last activity (the latest message either way), ties by
// conversation id, the highest (newest) first. Filters combine: a view
// (all, unread, starred, archived), has a phone number, from an ad (any, or
// one source), tag, channel, business account, agent (assigned or last
// assigned), state, a list of ids, and a search. Archived conversations are
// a folder of their own: the all, unread and starred views leave them out
// unless [Filter.IncludeArchived]; the archived view shows only them. The
// search matches, case-insensitively, a substring of the preview, the
// customer's name, a detected address or number, or the customer id; a
// query that looks like a phone number also matches by digits, so
// "0912-345-678", "0912345678" and "+886 912 345 678" all find
// +886912345678. A result counts its matches over all pages and the
// unread ones among them; [Inbox.Counts] gives every view's size (the
// folder badges) under the rest of a filter: conversations, unread
// conversations and unread messages. Listing costs O(n log n) in the
// conversations held.
//
// # Operations
//
// Every operation on conversations by id acts on all of them or, with an
// unknown id, on none ([ErrUnknownConversation]).
//
//   - Read and unread. The unread count is the customer messages since the
//     last [Inbox.MarkRead]. [Inbox.MarkUnread] shows the badge "1" (a
//     conversation with unread messages keeps its count). Bulk edits:
//     several ids, or [Inbox.MarkReadWhere] and [Inbox.MarkUnreadWhere]
//     over a filter. Sending does not mark a conversation read (an
//     auto-reply would otherwise hide the customer's message).
//   - [Inbox.Star] and [Inbox.Unstar]: the starred (follow-up) folder.
//   - [Inbox.Archive] and [Inbox.Unarchive] (and [Inbox.ArchiveWhere]). A
//     new message either way (an inbound or sent event) un-archives, as the
//     document says a reply by the customer or the shop does.
//   - Tags are the customer's. [Inbox.Tag] adds one (trimmed, 1 to
//     [MaxTagLength] runes, no control characters) and [Inbox.Untag]
//     removes one; a new tag enters the shared table with the next palette
//     colour, cycling in creation order. [Inbox.SetTagColour] changes a
//     tag's colour in the table, so every customer with the tag shows it;
//     different tags may share a colour; colours are the palette's
//     ([Config.Palette], by default [DefaultPalette]: ten hues on which
//     white text has a WCAG AA contrast of at least 4.5:1). The table keeps
//     tags no customer holds. Rows list all of a customer's tags in the
//     order added (the web shop shows three under each message).
//   - [Inbox.SetAdSource]: the engine keeps [router.Profile.AdSource] for
//     routing but reports it nowhere (no event carries it), so the caller
//     that sets a profile tells the inbox too. A customer lists at most
//     [MaxAdSources] (10, the document's) distinct sources, newest first; a
//     source seen again moves first.
//   - [Inbox.SetName]: the customer's display name, also taken from
//     [Inbox.AddInbound].
//
// # Quick replies
//
// A [QuickReply] has a title and a body, both required (not blank), and
// at most [MaxImages] (10) images; [QuickReply.Validate] says what is wrong
// ([ErrTitleRequired], [ErrBodyRequired], [ErrTooManyImages],
// [ErrNotImage]). The body's customer-name parameter is the placeholder
// {name}, replaced by the customer's display name (or
// [Config.UnknownName]); it is the only placeholder, and other text in
// braces is sent as written. [Inbox.SaveQuickReply] stores replies (ids q1,
// q2, ...). [Inbox.Render] turns one into the messages to send for a
// conversation, in order: the body as a text, then one attachment message
// per image; on the channel kinds of [Config.FirstImageOnly] (by default
// "webshop" and "order", the web shop's store and order messages) only the
// first image. The channel kind is the conversation's channel name unless
// the caller names one. The inbox sends nothing: the caller sends the
// messages through the engine, whose policy still applies.
//
// # Auto-replies
//
// [AutoReply] rules (Zendesk: an auto-reply answers a message received
// from the customer) match an inbound message on channel, keywords
// (case-insensitive substrings; none: every message) and hours (any time,
// only outside, or only inside business hours, as the caller reads them:
// the engine's schedules are per agent). [Inbox.AutoReply] returns the
// reply of the first rule, in order, that matches and may fire. A rule
// fires once per conversation, or, with Every, again after that long: the
// document says nothing of repeats, and answering every message would
// spend a channel's reply allowance (WeChat's five consecutive messages).
// A closed conversation takes none: a message after the close comes in a
// new conversation, so the firings go when a conversation closes and a
// closed conversation kept for the retention holds none of them.
// The text takes {name}. The inbox records the firing and sends nothing:
// the caller sends the reply through the engine (as the assigned agent,
// since the engine sends only for the assigned agent) and passes the
// message id it got to [Inbox.MarkAutoReply], before or after the sent
// event reaches the inbox (after: while the conversation is open; a closed
// conversation's first response is final), so that the auto-reply does not
// count as the conversation's first response (otherwise every
// auto-replied conversation would be answered at once). It counts as a
// sent message otherwise: it sets the last activity and un-archives.
//
// # Service figures and warnings
//
// [Inbox.Figures] gives the live figures (Douyin 1.5's real-time
// dashboard): conversations waiting for an agent (in a queue or the
// unassigned inbox), with the bot, and assigned; the longest current wait;
// and over a sliding window of virtual time ([Config.Window], default one
// hour) the first responses: how many, their mean and their 90th
// percentile (nearest rank). A conversation's first response time runs from
// when it started to need a human (its opening, or the bot's hand-off) to
// the first message an agent sent in it, so it includes the queue. Per
// agent: online (by the online and offline events), open conversations
// assigned now, and the first responses in the window measured from the
// assignment to that agent (so a reassigned conversation counts for each
// agent that answered it), with their mean. The window keeps at most
// [Config.MaxSamples] first responses (the oldest go first), so memory is
// bounded whatever the traffic.
//
// The document's warning ("when service falls below the platform's
// standard, a warning is raised and pinned") is read as a [Standard]: a
// limit on the first responses' 90th percentile, on their mean, and on the
// number waiting. The standard is checked whenever the clock moves (every
// event, every operation). A metric above its limit raises a [Warning]; it
// clears only when the metric is at or below Clear times the limit (default
// 0.8), so a value hovering at the limit does not flap. The first-response
// metrics are read only when the window holds at least MinAnswered of them
// (default 1); with fewer they read as within the standard (a raised
// warning clears; the waiting limit covers nobody answering). Warnings are
// numbered, kept (the latest [MaxWarningLog], read with
// [Inbox.Warnings](since)), listed while raised in [Figures.Warnings], and
// given in order to [Config.OnWarning], which is called with the inbox
// unlocked.
//
// # History
//
// [Inbox.History] searches the conversations held (Douyin 1.6) by agent
// (assigned to it at any time), customer nickname (a case-insensitive
// substring of the display name), rating ([Inbox.SetRating], 1 to
// [MaxRating]; or unrated), keyword (a case-insensitive substring of a kept
// text, either side), opening time range, channel, and closed only; newest
// opening first. A [Viewer] without the all-conversations permission sees
// only the conversations it was ever assigned to, both in History and in
// [Inbox.Transcript]; another's conversation reads as unknown. The history
// covers the retention.
//
// # Memory
//
// Everything is bounded. A closed conversation is dropped when it closed
// more than [Config.Retention] (default 30 days of virtual time) before the
// clock; a customer is dropped with its last conversation (or, without
// any, that long after it was last touched), losing its name, tags, ad
// sources, numbers and addresses: the inbox is a view of recent traffic,
// not the customer database. The drop happens when the clock moves, so a
// customer whose last conversation closed a retention ago but who was
// touched since (a new ad source, a name) is kept until that touch is a
// retention old. A caller that reads nothing of some customers' closed
// conversations says so with [Config.DropClosed]: their conversations go
// as they close, and their records with the last, so that the inbox holds
// only what is open of them. Open conversations stay as long as they are
// open. Texts, numbers, addresses and ad sources per conversation or
// customer, texts waiting for their conversation, first-response samples
// and warnings have fixed caps. The tag table and the quick replies grow only by
// people's actions.
//
// # Concurrency
//
// All methods are safe for concurrent use (the web server calls them),
// unless the inbox was made with Config.Solo for one goroutine at a time;
// one mutex guards the state and Sync runs one at a time. No method calls
// the engine with the inbox locked.
package inbox
