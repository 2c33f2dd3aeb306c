// Package sim plays scenarios: it drives customers through the fake
// platforms' real wire protocols into the embedded router, and agents
// through the router's API, on a virtual clock.
//
// A run pops events from one queue ordered by virtual time, then by the
// order they were scheduled. Before each event, every router deadline due
// by then fires at its own time. HTTP between the fakes and the router goes
// through an in-memory [Transport] that calls the handlers directly, or over
// real loopback sockets; both give the same result. On the [Direct] network
// there are no bytes: each platform connects its fake and its router
// adapter by values, the fake's own rules judging every message, with the
// same result but for the wire counters. All randomness comes
// from one seed, split into an independent stream per subsystem, so the same
// scenario and seed give a byte-identical report.
package sim
