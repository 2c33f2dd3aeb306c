// Package serve runs an omnisim world along real time on one loopback
// listener, for people and apps to talk to: what `omnisim serve` runs.
//
// Every platform of the table is served under its own path prefix: the
// fake's API at /{platform}/api (WhatsApp's Graph API base URL, for
// example) and the embedded router's webhook at /{platform}/webhook. An
// app under test changes only its base URL to reach the fake, and, with
// [Config.Webhooks], receives the fake's signed webhooks itself instead of
// the embedded router.
//
// A control API under /_omnisim/ (JSON in and out) lets a test script the
// customers, the agents and the clock, and read what happened:
//
//	GET  /_omnisim/health                                 {"ok":true,"now":…}
//	GET  /_omnisim/urls                                   the base, control and platform URLs
//	GET  /_omnisim/clock                                  now, speed, the next deadlines
//	POST /_omnisim/clock      {"advance":"25h"} | {"to":RFC3339}   jump ahead
//	POST /_omnisim/reset      [{"seed":N}]                a new world, seed+1 by default
//	GET  /_omnisim/journal?platform=&customer=&kind=&since=   the fakes' journals, in time order
//	POST /_omnisim/customers/{platform}/{customer}/messages   a customer writes
//	GET  /_omnisim/customers/{platform}/{customer}/device     what their device received
//	GET  /_omnisim/agents                                 every agent's figures
//	POST /_omnisim/agents/{id}/presence  {"online":bool}
//	POST /_omnisim/agents/{id}/send      {"platform","customer","text"|"template"|"attachment"}
//	POST /_omnisim/agents/{id}/close     {"platform","customer"}
//	GET  /_omnisim/conversations                          every conversation
//	GET  /_omnisim/events?since=N                         the router's event log
//	GET  /_omnisim/stream                                 server-sent events, one per change
//	GET  /_omnisim/inbox?view=&phone=&ad=&q=…             the message center
//	POST /_omnisim/inbox/{action}        {"ids":[…]}      read, unread, star, unstar, archive, unarchive
//	GET  /_omnisim/conversations/{id}                     a conversation, its transcript and timers
//	POST /_omnisim/conversations/{id}/tags  {"tag"[,"remove"]}
//	POST /_omnisim/tags/{tag}            {"colour":"#RRGGBB"}
//	GET|POST /_omnisim/quick-replies                      saved replies with {name}
//	POST /_omnisim/agents/{id}/quick-reply  {"conversation","quick_reply"}
//	POST /_omnisim/agents/{id}/transfer     {"platform","customer","agent"|"group"}
//	GET  /_omnisim/figures                                the live dashboard
//
// The web console (package console) is served at /: a page on the control
// API that follows the stream.
//
// The control API refuses (403) cross-origin browser requests other than
// GET, HEAD and OPTIONS, and on a loopback listener the control API and the console
// refuse (403) a Host that is not localhost or a loopback address; the
// platforms' endpoints take every request.
//
// Errors are answered as {"error":"…"} with status 400 (bad request), 403
// (a cross-origin request or a foreign Host), 404
// (unknown platform, agent or endpoint), 405 (wrong method), 413 (body over
// 64 KiB), 502 (a reset whose webhook handshake failed) or 503 (no world
// since then). docs/serve.md is the reference, with examples.
//
// # The clock
//
// Virtual time follows real time: it starts at the scenario's start (or at
// the wall clock's time, to the second, in the built-in world) and runs at
// [Config.Speed] virtual seconds per wall second. A ticker plays the world
// up to the current virtual time every [Config.Tick], so that timers fire
// and status webhooks go out on their own. POST /_omnisim/clock jumps ahead,
// firing every deadline it passes in time order. Virtual time ends with
// 2261-12-31 ([scenario.EndTime]): a jump past it is refused and a running
// clock stops there.
//
// # Concurrency
//
// A [sim.World] is not safe for concurrent use: the server serializes every
// use of it (the ticker's and the control API's) with one mutex. The
// platform endpoints are served by the fakes and router adapters, which are
// safe for concurrent use, without that mutex, so that a webhook posted
// while a control request holds it is still answered. An app that calls the
// control API from inside its webhook handler waits for the control call
// that sent the webhook, which waits for the webhook's answer, until the
// webhook times out: it should answer the webhook first.
package serve
