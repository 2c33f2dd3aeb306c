// Package prefetch asks the processor to bring a cache line into its
// caches ahead of a read, so that code which knows, one step before, the
// records its next step reads (a queue's next entries, a free list's next
// record) does not wait for memory then.
//
// A prefetch is a hint: it never faults, whatever the address (nil, freed
// or unmapped), changes no memory and no result, and may be dropped by the
// processor. On amd64 it is PREFETCHT0 and on arm64 PRFM PLDL1KEEP; on
// other architectures [Line] does nothing.
package prefetch
