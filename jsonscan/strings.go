package jsonscan

// Strings collects the strings of one decoded value that live and die
// together, so that they cost one allocation rather than one each: a
// decoder keeps each string's bytes under its field's number (0 to
// MaxFields-1) as it reads them, and at the end Fill makes them one string
// and hands each field its part. Reset empties it for the next value; a
// decoder keeps a Strings with its pooled state.
//
// A string kept here keeps the value's other strings alive with it: keep
// only strings whose lives are alike, and give one that a decoder's caller
// remembers for long a copy of its own.
type Strings struct {
	buf   []byte
	spans [MaxFields]struct{ from, to int }
	set   uint32
}

// MaxFields is how many fields a Strings holds.
const MaxFields = 32

// Keep holds b, the value of field f; an empty b is not kept (its field
// stays "").
func (s *Strings) Keep(f int, b []byte) {
	if len(b) == 0 {
		return
	}
	s.spans[f].from, s.spans[f].to = len(s.buf), len(s.buf)+len(b)
	s.set |= 1 << f
	s.buf = append(s.buf, b...)
}

// KeepStr decodes a string value as Str does and keeps it as field f of s.
func (d *Scanner) KeepStr(s *Strings, f int) {
	if b, ok := d.StrBytes(); ok {
		s.Keep(f, b)
	}
}

// Fill makes one copy of every string s holds and calls set with each
// field's part of it, in the order of the fields.
func (s *Strings) Fill(set func(f int, v string)) {
	if s.set == 0 {
		return
	}
	all := string(s.buf)
	for f := 0; f < MaxFields; f++ {
		if s.set&(1<<f) != 0 {
			set(f, all[s.spans[f].from:s.spans[f].to])
		}
	}
}

// Reset empties s, letting go of a buffer grown large.
func (s *Strings) Reset() {
	s.set = 0
	if cap(s.buf) > 4096 {
		s.buf = nil
	}
	s.buf = s.buf[:0]
}
