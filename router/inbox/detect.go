package inbox

import (
	"maps"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"
)

// Phone is a phone number found in a customer's message.
type Phone struct {
	E164 string // normalized, e.g. +886912345678
	// National is the number's national digits with the trunk prefix,
	// e.g. 0912345678: what a customer of the region types.
	National string
}

// The candidate-run limits of phone detection.
const (
	minPhoneDigits = 7  // fewer digits are never tried
	maxPhoneDigits = 17 // the longest national significant number, plus a country code
	maxSepRun      = 3  // separators between two digit groups, e.g. " - "
	maxGroupSpan   = 8  // digit groups one candidate may span
	// maxParses bounds the candidates parsed per text: libphonenumber takes
	// tens of microseconds a parse, and a text of digits could ask for
	// thousands.
	maxParses = 64
)

// isPhoneSep reports whether r may stand between the digit groups of a
// phone number: a space, a dot, a dash, a parenthesis, or their full-width
// and no-break forms.
func isPhoneSep(r rune) bool {
	switch r {
	case ' ', '.', '-', '(', ')', '/',
		'\u00A0', '\u3000', // no-break and ideographic spaces
		'\u2010', '\u2011', '\u2012', '\u2013', '\u2014', '\u2212', // hyphens and dashes
		'\uFF0D', '\uFF0E', '\uFF08', '\uFF09', '\u30FC': // full-width - . ( ) and the prolonged sound mark
		return true
	}
	return false
}

// digitOf returns the value of an ASCII or full-width digit.
func digitOf(r rune) (byte, bool) {
	switch {
	case r >= '0' && r <= '9':
		return byte(r - '0'), true
	case r >= '\uFF10' && r <= '\uFF19':
		return byte(r - '\uFF10'), true
	}
	return 0, false
}

// blocksPhone reports whether r next to a run of digits makes it part of a
// word rather than a phone number: an ASCII letter, '@', '_' (an order
// number ABC0912345678, an address 0912345678@example.com). CJK text next
// to a number does not block it (電話0912345678謝謝).
func blocksPhone(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '@' || r == '_'
}

// group is one run of digits in a text.
type group struct {
	digits     string // ASCII digits
	start, end int    // byte offsets of the run in the text
	plus       bool   // a '+' right before it
	joined     bool   // only separators (at most maxSepRun) since the previous group
}

// Regions lists the region codes phone numbers can be read in (the
// regions libphonenumber has metadata for: "TW", "US", ...), sorted.
func Regions() []string { return slices.Clone(regions) }

var regions = slices.Sorted(maps.Keys(phonenumbers.GetSupportedRegions()))

// DetectPhones finds the phone numbers in text: runs of digits whose groups
// are separated by spaces, dots, dashes, slashes or parentheses (at most
// three such characters between two groups), with an optional leading '+'.
// A run counts when libphonenumber finds it a valid number for region
// (national form) or for its country code ('+' form); a run of several
// numbers is split into the longest valid numbers from its left. Digit runs
// glued to an ASCII letter, '@' or '_' are skipped. At most 64 candidates
// are parsed per text (the numbers after that are not found). The numbers
// come back normalized, in the order found, without duplicates.
func DetectPhones(text, region string) []Phone {
	groups := scanGroups(text)
	var out []Phone
	budget := maxParses
	for i := 0; i < len(groups) && budget > 0; {
		n, num := matchPhone(text, groups, i, region, &budget)
		if n == 0 {
			i++
			continue
		}
		p := phoneFromNumber(num)
		if !containsPhone(out, p.E164) {
			out = append(out, p)
		}
		i += n
	}
	return out
}

func containsPhone(ps []Phone, e164 string) bool {
	for _, p := range ps {
		if p.E164 == e164 {
			return true
		}
	}
	return false
}

// scanGroups splits text into its digit groups.
func scanGroups(text string) []group {
	var gs []group
	var b strings.Builder
	seps := -1 // separators since the last group's end; -1: something else came between
	plus := false
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		if _, ok := digitOf(r); ok {
			start := i
			b.Reset()
			for i < len(text) {
				r, size = utf8.DecodeRuneInString(text[i:])
				d, ok := digitOf(r)
				if !ok {
					break
				}
				b.WriteByte('0' + d)
				i += size
			}
			gs = append(gs, group{digits: b.String(), start: start, end: i, plus: plus, joined: seps >= 0 && seps <= maxSepRun && !plus})
			seps, plus = 0, false
			continue
		}
		switch {
		case r == '+' || r == '\uFF0B':
			plus = true
			seps = -1
		case isPhoneSep(r) && seps >= 0:
			seps++
			plus = false
		default:
			seps, plus = -1, false
		}
		i += size
	}
	return gs
}

// matchPhone returns how many groups from groups[i] make the longest valid
// phone number, and the number; or 0.
func matchPhone(text string, groups []group, i int, region string, budget *int) (int, *phonenumbers.PhoneNumber) {
	g := groups[i]
	if !g.joined || i == 0 {
		// The run starts here: nothing word-like right before it.
		before := g.start
		if g.plus {
			before--
		}
		if r, _ := utf8.DecodeLastRuneInString(text[:before]); before > 0 && blocksPhone(r) {
			return 0, nil
		}
	}
	last := i
	for last+1 < len(groups) && groups[last+1].joined && last+1-i < maxGroupSpan {
		last++
	}
	for j := last; j >= i; j-- {
		if r, _ := utf8.DecodeRuneInString(text[groups[j].end:]); groups[j].end < len(text) && blocksPhone(r) {
			continue
		}
		n := 0
		for k := i; k <= j; k++ {
			n += len(groups[k].digits)
		}
		if n < minPhoneDigits || n > maxPhoneDigits {
			continue
		}
		if *budget == 0 {
			break
		}
		*budget--
		if num, ok := parsePhone(groups[i:j+1], region); ok {
			return j - i + 1, num
		}
	}
	return 0, nil
}

func joinDigits(gs []group) string {
	var b strings.Builder
	if gs[0].plus {
		b.WriteByte('+')
	}
	for _, g := range gs {
		b.WriteString(g.digits)
	}
	return b.String()
}

func parsePhone(gs []group, region string) (*phonenumbers.PhoneNumber, bool) {
	num, err := phonenumbers.Parse(joinDigits(gs), region)
	if err != nil || !phonenumbers.IsValidNumber(num) {
		return nil, false
	}
	return num, true
}

func phoneFromNumber(num *phonenumbers.PhoneNumber) Phone {
	return Phone{
		E164:     phonenumbers.Format(num, phonenumbers.E164),
		National: phonenumbers.NormalizeDigitsOnly(phonenumbers.Format(num, phonenumbers.NATIONAL)),
	}
}

// emailPattern is the simple RFC 5322-ish matcher of [DetectEmails]: a
// dot-atom local part (letters, digits and !#$%&'*+/=?^_`{|}~- in atoms
// joined by single dots), '@', then a host name of at least two labels of
// letters, digits and inner hyphens (each at most 63 characters) whose last
// label is 2 to 63 letters. Quoted local parts, comments and address
// literals ([192.0.2.1]) are not recognized.
var emailPattern = regexp.MustCompile("[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\.)+[A-Za-z]{2,63}")

// maxEmailLength is the longest address RFC 5321 allows.
const maxEmailLength = 254

// DetectEmails finds the e-mail addresses in text with a simple RFC
// 5322-ish matcher (see the package documentation), lower-cased, in the
// order found, without duplicates. An address longer than 254 characters
// is skipped.
func DetectEmails(text string) []string {
	var out []string
	for _, m := range emailPattern.FindAllString(text, -1) {
		if len(m) > maxEmailLength {
			continue
		}
		m = strings.ToLower(m)
		if !containsString(out, m) {
			out = append(out, m)
		}
	}
	return out
}

func containsString(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// phoneQuery returns the digits of a search query that looks like a phone
// number (at least three digits, only digits, separators and a leading
// '+'), or "".
func phoneQuery(q string) string {
	var b strings.Builder
	for i, r := range q {
		if d, ok := digitOf(r); ok {
			b.WriteByte('0' + d)
			continue
		}
		if (r == '+' || r == '\uFF0B') && i == 0 || isPhoneSep(r) {
			continue
		}
		return ""
	}
	if b.Len() < 3 {
		return ""
	}
	return b.String()
}
