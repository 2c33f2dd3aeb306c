package serve

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/omnisim/omnisim/router"
	"github.com/omnisim/omnisim/sim"
	"github.com/omnisim/omnisim/sim/scenario"
)

// MaxBodySize is the largest request body the control API reads; a larger
// one is answered 413.
const MaxBodySize = 64 << 10

// writeJSON answers v as indented JSON, with <, > and & as they are (a
// journal's XML bodies stay readable).
func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		status = http.StatusInternalServerError
		buf.Reset()
		enc.Encode(errorBody{Error: "encoding the answer: " + err.Error()}) //nolint:errcheck // a string cannot fail
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes()) //nolint:errcheck // the client went away
}

// errorBody is every error's answer.
type errorBody struct {
	Error string `json:"error"`
}

// writeError answers {"error": …} with status.
func writeError(w http.ResponseWriter, status int, format string, args ...any) {
	writeJSON(w, status, errorBody{Error: fmt.Sprintf(format, args...)})
}

// decode reads r's JSON body into v: at most MaxBodySize bytes, one JSON
// value, no field v does not have. An empty body is an error unless
// optional. It answers the error itself and reports whether v was read.
func decode(w http.ResponseWriter, r *http.Request, v any, optional bool) bool {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodySize))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeError(w, http.StatusRequestEntityTooLarge, "request body larger than %d bytes", MaxBodySize)
			return false
		}
		writeError(w, http.StatusBadRequest, "reading the request body: %v", err)
		return false
	}
	if len(bytes.TrimSpace(body)) == 0 {
		if optional {
			return true
		}
		writeError(w, http.StatusBadRequest, "empty request body: want a JSON object")
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		writeError(w, http.StatusBadRequest, "bad request body: %v", jsonError(err))
		return false
	}
	if _, err := dec.Token(); err != io.EOF {
		writeError(w, http.StatusBadRequest, "bad request body: data after the JSON object")
		return false
	}
	return true
}

// jsonError words a decoding error without Go type names.
func jsonError(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return fmt.Errorf("%s: want %s, got %s", te.Field, jsonType(te.Type.Kind().String()), te.Value)
	}
	return err
}

func jsonType(kind string) string {
	switch kind {
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "struct", "map":
		return "an object"
	case "slice", "array":
		return "an array"
	}
	return "a number"
}

// size is an attachment size in JSON: a number of bytes, or a string with
// a unit ("2MB"), as in scenario files.
type size int64

// UnmarshalJSON reads a number of bytes or a size string.
func (s *size) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var str string
		if err := json.Unmarshal(b, &str); err != nil {
			return err
		}
		var v scenario.Size
		if err := v.UnmarshalText([]byte(str)); err != nil {
			return err
		}
		*s = size(v)
		return nil
	}
	n, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil || n < 0 {
		return fmt.Errorf("size %s: want a whole number of bytes or a string such as \"2MB\"", b)
	}
	*s = size(n)
	return nil
}

// attachmentJSON is a file in a message.
type attachmentJSON struct {
	Kind   string `json:"kind"`   // image, audio, video, document, sticker
	Format string `json:"format"` // file extension: jpeg, pdf, mp4, ...
	Size   size   `json:"size"`
	Name   string `json:"name,omitempty"`
}

func (a *attachmentJSON) attachment() (*router.Attachment, error) {
	if a.Kind == "" || a.Format == "" {
		return nil, errors.New(`attachment: want "kind" and "format"`)
	}
	return &router.Attachment{Kind: a.Kind, Format: a.Format, Size: int64(a.Size), Name: a.Name}, nil
}

// recordJSON is a journal record.
type recordJSON struct {
	Seq      uint64              `json:"seq"`
	At       time.Time           `json:"at"`
	Platform string              `json:"platform"`
	Kind     string              `json:"kind"`
	Customer string              `json:"customer,omitempty"`
	Method   string              `json:"method,omitempty"`
	Path     string              `json:"path,omitempty"`
	Status   int                 `json:"status,omitempty"`
	Code     string              `json:"code,omitempty"`
	Header   map[string][]string `json:"header,omitempty"`
	Body     string              `json:"body,omitempty"`
	Text     string              `json:"text,omitempty"`
}

func recordView(r sim.Record, loc *time.Location) recordJSON {
	return recordJSON{Seq: r.Seq, At: r.At.In(loc), Platform: r.Platform, Kind: r.Kind, Customer: r.Customer,
		Method: r.Method, Path: r.Path, Status: r.Status, Code: r.Code, Header: r.Header, Body: r.Body, Text: r.Text}
}

// eventJSON is an entry of the router's event log.
type eventJSON struct {
	Seq          uint64    `json:"seq"`
	At           time.Time `json:"at"`
	Kind         string    `json:"kind"`
	Conversation string    `json:"conversation,omitempty"`
	Platform     string    `json:"platform,omitempty"`
	Customer     string    `json:"customer,omitempty"`
	Agent        string    `json:"agent,omitempty"`
	Group        string    `json:"group,omitempty"`
	Message      string    `json:"message,omitempty"`
	Detail       string    `json:"detail,omitempty"`
}

func eventView(ev router.Event, loc *time.Location) eventJSON {
	v := eventJSON{Seq: ev.Seq, At: ev.At.In(loc), Kind: string(ev.Kind), Platform: ev.Customer.Channel,
		Customer: ev.Customer.Customer, Agent: ev.Agent, Group: ev.Group, Message: ev.Message, Detail: ev.Detail}
	if ev.Conversation != 0 {
		v.Conversation = ev.Conversation.String()
	}
	return v
}

// conversationJSON is a conversation's snapshot.
type conversationJSON struct {
	ID          string    `json:"id"`
	Platform    string    `json:"platform"`
	Customer    string    `json:"customer"`
	Group       string    `json:"group"`
	State       string    `json:"state"`
	Agent       string    `json:"agent,omitempty"`
	OpenedAt    time.Time `json:"opened_at"`
	AssignedAt  time.Time `json:"assigned_at,omitzero"`
	ClosedAt    time.Time `json:"closed_at,omitzero"`
	CloseReason string    `json:"close_reason,omitempty"`
	Inbound     int       `json:"inbound"`
	Outbound    int       `json:"outbound"`
	Missed      bool      `json:"missed"`
}

func conversationView(c router.Conversation, loc *time.Location) conversationJSON {
	in := func(t time.Time) time.Time {
		if t.IsZero() {
			return t
		}
		return t.In(loc)
	}
	return conversationJSON{ID: c.ID.String(), Platform: c.Customer.Channel, Customer: c.Customer.Customer,
		Group: c.Group, State: string(c.State), Agent: c.Agent, OpenedAt: in(c.OpenedAt), AssignedAt: in(c.AssignedAt),
		ClosedAt: in(c.ClosedAt), CloseReason: string(c.CloseReason), Inbound: c.Inbound, Outbound: c.Outbound, Missed: c.Missed}
}

// agentJSON is an agent's figures.
type agentJSON struct {
	ID           string    `json:"id"`
	Capacity     int       `json:"capacity"`
	Online       bool      `json:"online"`
	Active       int       `json:"active"`
	Assignments  int       `json:"assignments"`
	PeakActive   int       `json:"peak_active"`
	OnlineTime   string    `json:"online_time"`
	BusyTime     string    `json:"busy_time"`
	LastAssigned time.Time `json:"last_assigned,omitzero"`
}

func agentView(a router.AgentStats, loc *time.Location) agentJSON {
	v := agentJSON{ID: a.ID, Capacity: a.Capacity, Online: a.Online, Active: a.Active, Assignments: a.Assignments,
		PeakActive: a.PeakActive, OnlineTime: scenario.FormatDuration(a.OnlineTime), BusyTime: scenario.FormatDuration(a.BusyTime)}
	if !a.LastAssigned.IsZero() {
		v.LastAssigned = a.LastAssigned.In(loc)
	}
	return v
}

// deliveryJSON is a message on a customer's device.
type deliveryJSON struct {
	At   time.Time `json:"at"`
	Kind string    `json:"kind"`
	Text string    `json:"text"`
}

// platformErrorJSON is a platform's refusal of a send.
type platformErrorJSON struct {
	Code    string `json:"code"`
	Status  int    `json:"status"`
	Message string `json:"message"`
}
