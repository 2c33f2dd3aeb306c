package whatsapp

import "time"

// inboundLocked finds the customer message a wamid names: a wamid of this
// server, inbound, for the customer who sent it. s.mu must be held.
func (s *Server) inboundLocked(wamid string) (inboundRec, bool) {
	waID, part, outbound, ok := s.ids.parseWamid(wamid)
	if !ok || outbound {
		return inboundRec{}, false
	}
	c := s.customers.get(waID)
	if c == nil {
		return inboundRec{}, false
	}
	for i := len(c.parts) - 1; i >= 0; i-- { // the newest first
		if c.parts[i] == part {
			return inboundRec{c: c, seq: uint32(i + 2)}, true
		}
	}
	if c.hasFirst && c.first == part {
		return inboundRec{c: c, seq: 1}, true
	}
	return inboundRec{}, false
}

// markReadLocked records a read receipt. Marking a message read marks the
// customer's earlier messages read too. s.mu must be held.
func (s *Server) markReadLocked(now time.Time, in inboundRec, wamid string) {
	if in.seq > in.c.readSeq {
		in.c.readSeq, in.c.cold = in.seq, true
	}
	s.reads.Add(ReadReceipt{At: now, From: in.c.waID, ID: wamid})
	s.counts.Reads++
}

// Read reports whether the business marked the customer message wamid as
// read: that message, or a later one of the same customer (marking a
// message read marks the earlier ones read too). False for an id that is
// not a customer message of this server.
func (s *Server) Read(wamid string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	in, ok := s.inboundLocked(wamid)
	return ok && in.seq <= in.c.readSeq
}
