package messenger

import "net/http"

// Direct is the Send API and the Attachment Upload API by value, for the
// simulator's Direct network: each call judges and records what its POST
// would, answers what the POST would, and is journaled as a request to the
// path the POST has, the API version in it.
type Direct struct {
	s            *Server
	msgs, upload string // the journaled paths of a send and an upload
}

// Direct returns the platform's direct entry points; apiVersion ("v25.0")
// is the version the journal records in request paths, as the router's
// calls to /{version}/{page-id}/... record it on the wire ("" records none,
// as a call that leaves it out).
func (s *Server) Direct(apiVersion string) *Direct {
	base := "/" + s.cfg.PageID
	if apiVersion != "" {
		base = "/" + apiVersion + base
	}
	return &Direct{s: s, msgs: base + "/messages", upload: base + "/message_attachments"}
}

// Send is the Send API by value: it judges req now and records its
// delivery, fault plan included, exactly as a POST of it would, and
// answers what the POST would.
func (d *Direct) Send(req SendRequest) (SendResponse, *Error) {
	s := d.s
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.sendFaultLocked(now, http.MethodPost, d.msgs); e != nil {
		return SendResponse{}, e
	}
	return s.sendLocked(&req, now, d.msgs)
}

// Upload is the Attachment Upload API by value: a file of type, format
// (the extensions its name ends in, without the dot: "pdf", "tar.gz"; read
// as [Server.CheckAttachment] reads them) and size; it returns the
// attachment id.
func (d *Direct) Upload(typ, format string, size int64) (string, *Error) {
	s := d.s
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.uploadLocked(typ, format, size, now, d.upload)
}
