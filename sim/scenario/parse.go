package scenario

import (
	"errors"
	"fmt"
	"path"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
)

// DefaultStart is the virtual start time of a scenario that sets none.
var DefaultStart = time.Date(2026, time.January, 5, 9, 0, 0, 0, time.UTC)

// Parse decodes, completes and validates the scenario in src; file names it
// in errors, in Scenario.File and in the default name. Any error is an
// [ErrorList] of every problem found (up to about twenty), in source order.
// A source larger than [MaxFileSize] is refused before it is read.
//
// Parsing is strict: unknown keys (also keys that differ from a known key
// only in case), wrong types, malformed values, unknown references and
// out-of-range values are all errors.
func (f *Format) Parse(file string, src []byte) (*Scenario, error) {
	r := &reporter{file: file}
	if len(src) > MaxFileSize {
		return nil, ErrorList{TooLarge(file, int64(len(src)))}
	}
	text := string(src)

	// 1. Syntax.
	if p, msg := tooComplex(text); msg != "" {
		r.add(p, "", "", msg)
		return nil, r.list()
	}
	var tree map[string]any
	if _, err := toml.Decode(text, &tree); err != nil {
		r.ix = &posIndex{at: map[string]posEntry{}}
		r.syntaxError(text, err)
		return nil, r.list()
	}
	r.ix = indexPositions(text)

	// 2. Shape: unknown keys, types and values, checked on the generic tree.
	c := &checker{reporter: r, given: map[string]bool{}, format: f}
	c.walkStruct("", tree, reflect.TypeFor[Scenario]())
	if c.blocking {
		return nil, r.list()
	}

	// 3. Decode into the types.
	s := &Scenario{File: file}
	md, err := toml.Decode(text, s)
	if err != nil {
		r.decodeError(text, err)
		return nil, r.list()
	}
	f.decodeChannels(s, tree)
	f.decodeHandles(s, tree)
	if len(r.errs) == 0 {
		// The shape check reports every unknown key; this only guards
		// against the two disagreeing. Channel settings and customer
		// handles are decoded on their own.
		for _, k := range md.Undecoded() {
			if len(k) > 0 && k[0] == "channels" || len(k) > 1 && k[0] == "customers" && slices.Contains(f.handleKeys(), k[len(k)-1]) {
				continue
			}
			r.atKey(k.String(), "", "unknown key %q", k.String())
		}
	}

	// 4. Defaults, then 5. validation.
	s.complete(f, c.given, r.ix)
	shape := len(r.errs)
	s.validate(r, f, c.given)
	r.errs = suppress(r.errs, shape, c.unknownIn)
	if len(r.errs) > 0 {
		return nil, r.list()
	}
	return s, nil
}

// decodeChannels decodes each known channel's own keys into its platform's
// settings; the rules every channel has are decoded with the scenario. The
// shape check has already refused every key and type the decoder could
// trip on.
func (f *Format) decodeChannels(s *Scenario, tree map[string]any) {
	chans, _ := tree["channels"].(map[string]any)
	for name, ch := range s.Channels {
		spec, ok := f.Channel(name)
		table, _ := chans[name].(map[string]any)
		if !ok || spec.Settings == nil {
			continue
		}
		if ch == nil {
			ch = &Channel{}
			s.Channels[name] = ch
		}
		ch.Settings = spec.Settings()
		// Decode the table again, from the generic tree written back as
		// text, so that the decoder's own rules apply to every type.
		if buf, err := encodeTable(table); err == nil {
			toml.Decode(buf, ch.Settings)
		}
	}
}

// encodeTable writes a generic TOML table back as text.
func encodeTable(table map[string]any) (string, error) {
	var b strings.Builder
	if err := toml.NewEncoder(&b).Encode(table); err != nil {
		return "", err
	}
	return b.String(), nil
}

// decodeHandles reads each customer's handle key from the generic tree.
func (f *Format) decodeHandles(s *Scenario, tree map[string]any) {
	cs, _ := tree["customers"].([]map[string]any)
	keys := f.handleKeys()
	for i := range s.Customers {
		if i >= len(cs) {
			break
		}
		for _, k := range keys {
			if h, ok := cs[i][k].(string); ok {
				s.Customers[i].Handle = h
			}
		}
	}
}

// suppress drops validation errors (those from index from on) about tables
// that had unknown keys: a misspelt key there usually explains them.
func suppress(errs ErrorList, from int, tables []string) ErrorList {
	if len(tables) == 0 {
		return errs
	}
	out := errs[:from]
next:
	for _, e := range errs[from:] {
		for _, t := range tables {
			if t != "" && (e.Field == t || strings.HasPrefix(e.Field, t+".") || strings.HasPrefix(e.Field, t+"[")) {
				continue next
			}
		}
		out = append(out, e)
	}
	return out
}

// syntaxError reports a TOML syntax error.
func (r *reporter) syntaxError(src string, err error) {
	var pe toml.ParseError
	if !errors.As(err, &pe) {
		r.add(pos{1, 1}, "", "", err.Error())
		return
	}
	p := pos{pe.Position.Line, pe.Position.Col}
	// Position.Start is the reliable part: recompute line and column from
	// it.
	if st := pe.Position.Start; st > 0 && st <= len(src) || st == 0 && p.line <= 1 {
		p = offsetPos(src, st)
	}
	msg := pe.Message
	if msg == "" {
		msg = err.Error()
	}
	r.add(p, "", "", "syntax error: "+msg)
}

// offsetPos returns the line and byte column of byte offset off.
func offsetPos(src string, off int) pos {
	off = min(max(off, 0), len(src))
	before := src[:off]
	line := strings.Count(before, "\n") + 1
	col := off - (strings.LastIndexByte(before, '\n') + 1) + 1
	return pos{line, col}
}

var decodeErrRe = regexp.MustCompile(`^toml: (?:line (\d+) )?\(last key "(.*)"\): (.*)$`)
var incompatibleRe = regexp.MustCompile(`incompatible types: TOML value has type (.*); destination has type (.*)$`)

// decodeError reports an error of the decoder. The shape check runs first
// and should leave nothing for the decoder to refuse; this is the fallback.
func (r *reporter) decodeError(src string, err error) {
	var pe toml.ParseError
	if errors.As(err, &pe) {
		p := offsetPos(src, pe.Position.Start)
		if pe.Position.Start == 0 && pe.Position.Line > 1 {
			p = pos{pe.Position.Line, 1}
		}
		msg := pe.Message
		if pe.LastKey != "" {
			msg = pe.LastKey + ": " + msg
		}
		r.add(p, pe.LastKey, "", msg)
		return
	}
	m := decodeErrRe.FindStringSubmatch(err.Error())
	if m == nil {
		r.add(pos{1, 1}, "", "", err.Error())
		return
	}
	line, _ := strconv.Atoi(m[1])
	key, msg := m[2], m[3]
	if im := incompatibleRe.FindStringSubmatch(msg); im != nil {
		msg = fmt.Sprintf("want %s, got %s", article(im[2]), article(strings.TrimPrefix(im[1], "[]")))
	}
	p := pos{max(line, 1), 1}
	// Find the key's last segment on that line.
	if line > 0 {
		lines := strings.Split(src, "\n")
		last := key[strings.LastIndexByte(key, '.')+1:]
		if line <= len(lines) {
			if i := strings.Index(lines[line-1], last); i >= 0 && last != "" {
				p.col = i + 1
			}
		}
	}
	r.add(p, key, "", key+": "+msg)
}

func article(t string) string {
	t = strings.ToLower(t)
	switch t {
	case "int64", "integer":
		t = "integer"
	case "float64":
		t = "float"
	case "bool":
		t = "boolean"
	}
	if t != "" && strings.ContainsRune("aeiou", rune(t[0])) {
		return "an " + t
	}
	return "a " + t
}

// complete fills in the defaults; given holds the paths present in the
// source and ix their positions.
func (s *Scenario) complete(f *Format, given map[string]bool, ix *posIndex) {
	if s.Name == "" && s.File != "" {
		base := path.Base(filepath.ToSlash(s.File))
		if base != "." && base != "/" {
			s.Name = strings.TrimSuffix(base, path.Ext(base))
		}
	}
	if !given["start"] {
		s.Start = DefaultStart
	}
	s.Start = normalizeZone(s.Start)

	if s.Tenant.Split == "" {
		s.Tenant.Split = "none"
	}
	if s.Tenant.Strategy == "" {
		s.Tenant.Strategy = "least-loaded"
	}
	if s.Tenant.Overflow == "" {
		s.Tenant.Overflow = "none"
	}

	for name, ch := range s.Channels {
		if ch == nil {
			ch = &Channel{}
			s.Channels[name] = ch
		}
		if spec, ok := f.Channel(name); ok && ch.Settings == nil && spec.Settings != nil {
			ch.Settings = spec.Settings()
		}
		if n, ok := ch.Settings.(interface{ Normalize() }); ok {
			n.Normalize()
		}
		ch.Rules.normalize()
		if ch.Router != nil {
			ch.Router.normalize()
		}
	}
	for name, sch := range s.Schedules {
		for _, l := range []*[]string{&sch.Mon, &sch.Tue, &sch.Wed, &sch.Thu, &sch.Fri, &sch.Sat, &sch.Sun, &sch.Off, &sch.Holidays} {
			*l = nilIfEmpty(*l)
		}
		s.Schedules[name] = sch
	}
	if len(s.Schedules) == 0 {
		s.Schedules = nil
	}
	for i := range s.Workstreams {
		ws := &s.Workstreams[i]
		ws.Channels = nilIfEmpty(ws.Channels)
		ws.Rules = nilIfEmpty(ws.Rules)
		for k := range ws.Rules {
			r := &ws.Rules[k]
			for _, l := range []*[]string{&r.Channels, &r.EntryPages, &r.Regions, &r.Stores, &r.Languages, &r.AdSources} {
				*l = nilIfEmpty(*l)
			}
			if len(r.Attributes) == 0 {
				r.Attributes = nil
			}
		}
	}
	if len(s.Workstreams) == 0 {
		s.Workstreams = nil
	}
	for i := range s.Customers {
		if len(s.Customers[i].Attributes) == 0 {
			s.Customers[i].Attributes = nil
		}
	}
	if b := s.Bot; b != nil {
		b.Channels = nilIfEmpty(b.Channels)
		b.Keywords = nilIfEmpty(b.Keywords)
	}
	for i := range s.Agents {
		a := &s.Agents[i]
		if !given[indexPath("agents", i)+".capacity"] {
			a.Capacity = 1
		}
		if a.Reception == nil {
			a.Reception = ptr(true)
		}
		if a.Online == nil {
			a.Online = ptr(true)
		}
		a.Groups = nilIfEmpty(a.Groups)
	}
	for i := range s.Groups {
		g := &s.Groups[i]
		g.Regions = nilIfEmpty(g.Regions)
		g.EntryPages = nilIfEmpty(g.EntryPages)
		g.Stores = nilIfEmpty(g.Stores)
	}
	for i := range s.Customers {
		if s.Customers[i].Channel == "" {
			s.Customers[i].Channel = f.DefaultChannel()
		}
		s.useChannel(f, s.Customers[i].Channel)
	}
	for i := range s.Steps {
		st := &s.Steps[i]
		st.Line = ix.val(indexPath("steps", i)).line
		if st.Repeat == 0 {
			st.Repeat = 1
		}
		if st.Template != nil {
			if st.Template.Language == "" {
				st.Template.Language = "en_US"
			}
			st.Template.Params = nilIfEmpty(st.Template.Params)
		}
	}
	for i := range s.Agents {
		s.Agents[i].Line = ix.val(indexPath("agents", i)).line
	}
	for i := range s.Expect {
		e := &s.Expect[i]
		e.Line = ix.val(indexPath("expect", i)).line
		e.HasAt = given[indexPath("expect", i)+".at"]
		e.NeverAssignedTo = nilIfEmpty(e.NeverAssignedTo)
		e.AssignedOrder = nilIfEmpty(e.AssignedOrder)
	}
	for i := range s.Traffic {
		t := &s.Traffic[i]
		t.Line = ix.val(indexPath("traffic", i)).line
		t.Regions = nilIfEmpty(t.Regions)
		t.Pages = nilIfEmpty(t.Pages)
		t.Stores = nilIfEmpty(t.Stores)
		s.useChannel(f, t.Channel)
	}
	if len(s.Channels) == 0 {
		s.Channels = nil
	}
	if len(s.Agents) == 0 {
		s.Agents = nil
	}
	if len(s.Groups) == 0 {
		s.Groups = nil
	}
	if len(s.Customers) == 0 {
		s.Customers = nil
	}
	if len(s.Steps) == 0 {
		s.Steps = nil
	}
	if len(s.Expect) == 0 {
		s.Expect = nil
	}
	if len(s.Traffic) == 0 {
		s.Traffic = nil
	}
}

// useChannel makes sure Channels has an entry for a channel in use.
// Unknown channels are left out: they are reported where they are used.
func (s *Scenario) useChannel(f *Format, name string) {
	spec, ok := f.Channel(name)
	if !ok {
		return
	}
	if s.Channels == nil {
		s.Channels = map[string]*Channel{}
	}
	if s.Channels[name] == nil {
		ch := &Channel{}
		if spec.Settings != nil {
			ch.Settings = spec.Settings()
		}
		s.Channels[name] = ch
	}
}

func (r *Rules) normalize() {
	if len(r.Media) == 0 {
		r.Media = nil
	}
	for kind, m := range r.Media {
		if m == nil {
			m = &MediaRule{}
			r.Media[kind] = m
		}
		// Formats are file extensions in lower case, for the router and the
		// platform alike: "JPEG" is "jpeg".
		for i, f := range m.Formats {
			m.Formats[i] = strings.ToLower(strings.TrimSpace(f))
		}
		m.Formats = nilIfEmpty(m.Formats)
	}
}

// normalizeZone gives t a plain UTC or fixed-offset location, so equal
// scenarios compare equal whatever the input's form.
func normalizeZone(t time.Time) time.Time {
	_, off := t.Zone()
	if off == 0 {
		return t.In(time.UTC)
	}
	return t.In(time.FixedZone("", off))
}

func nilIfEmpty[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return s
}

func ptr[T any](v T) *T { return &v }
