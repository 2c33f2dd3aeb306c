// Package prefetch asks the processor to bring a cache line into its
// caches ahead of a read, so that code which knows, one step before, the
// records its next step reads (a queue's next entries, a free list's next
// record) does not wait for memory then.
//
// A prefetch is a hint: the instruction never faults, whatever the
// address, changes no memory and no result, and may be dropped by the
// processor. The pointer handed to [Line] or [Lines] must still be one Go
// allows: nil or into a live object (an unsafe.Pointer to freed memory, or
// one computed past an object's end, is not; the race detector's checkptr
// and the collector may object to it). [Lines] computes the lines after
// the first in assembly, so they may run past the object's end. On amd64
// it is PREFETCHT0 and on arm64 PRFM PLDL1KEEP; on other architectures
// Line and Lines do nothing.
package prefetch
