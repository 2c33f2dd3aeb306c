package inbox

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/omnisim/omnisim/router"
)

// DefaultPalette returns the default tag colours: ten hues dark enough
// that white label text on them has a contrast ratio of at least 4.5:1
// (WCAG 2 AA for normal text), distinct in hue so that no two neighbours
// are confused. The slice is a new copy on every call.
func DefaultPalette() []string {
	return []string{
		"#B91C1C", // red
		"#C2410C", // orange
		"#A16207", // amber
		"#15803D", // green
		"#0F766E", // teal
		"#0369A1", // sky
		"#1D4ED8", // blue
		"#6D28D9", // violet
		"#BE185D", // pink
		"#4B5563", // grey
	}
}

// tagDef is one entry of the tag table shared by every customer.
type tagDef struct {
	colour string
}

// normColour returns "#RRGGBB" in upper case, or false.
func normColour(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if len(s) != 7 || s[0] != '#' {
		return "", false
	}
	for _, r := range s[1:] {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f' || r >= 'A' && r <= 'F') {
			return "", false
		}
	}
	return strings.ToUpper(s), true
}

// normTag trims a tag name and checks it: not empty, at most MaxTagLength
// runes, no control characters.
func normTag(name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > MaxTagLength || strings.ContainsFunc(name, func(r rune) bool { return r < ' ' || r == 0x7f }) {
		return "", fmt.Errorf("%w %q: 1 to %d characters, no control characters", ErrTagName, name, MaxTagLength)
	}
	return name, nil
}

// define returns the tag's table entry, creating it with the next palette
// colour (in creation order, cycling).
func (i *Inbox) define(name string) *tagDef {
	t := i.tags[name]
	if t == nil {
		t = &tagDef{colour: i.cfg.Palette[len(i.tagOrder)%len(i.cfg.Palette)]}
		i.tags[name] = t
		i.tagOrder = append(i.tagOrder, name)
	}
	return t
}

// Tag tags the customer of conversation id (tags are the customer's: every
// conversation of the customer shows them). A new tag enters the shared
// table with the next palette colour.
func (i *Inbox) Tag(now time.Time, id router.ConversationID, tag string) error {
	tag, err := normTag(tag)
	if err != nil {
		return err
	}
	return i.update(now, []router.ConversationID{id}, func(c *conv, now time.Time) {
		i.define(tag)
		if !slices.Contains(c.cust.tags, tag) {
			c.cust.tags = append(c.cust.tags, tag)
		}
		c.cust.touched = now
	})
}

// Untag removes a tag from the customer of conversation id. The tag stays
// in the table with its colour.
func (i *Inbox) Untag(now time.Time, id router.ConversationID, tag string) error {
	tag, err := normTag(tag)
	if err != nil {
		return err
	}
	return i.update(now, []router.ConversationID{id}, func(c *conv, now time.Time) {
		if j := slices.Index(c.cust.tags, tag); j >= 0 {
			c.cust.tags = slices.Delete(c.cust.tags, j, j+1)
		}
	})
}

// SetTagColour sets a tag's colour, one of the palette's: every customer
// with the tag shows the new colour (the table is shared). A tag not yet
// in the table is created. Different tags may share a colour.
func (i *Inbox) SetTagColour(now time.Time, tag, colour string) error {
	tag, err := normTag(tag)
	if err != nil {
		return err
	}
	defer i.deliver()
	i.mu.Lock()
	defer i.mu.Unlock()
	i.advance(now)
	col, ok := normColour(colour)
	if !ok || !slices.Contains(i.cfg.Palette, col) {
		return fmt.Errorf("%w: %q (the palette: %s)", ErrColour, colour, strings.Join(i.cfg.Palette, " "))
	}
	i.define(tag).colour = col
	return nil
}

// TagInfo is one entry of the tag table.
type TagInfo struct {
	Name      string
	Colour    string
	Customers int // customers held now with the tag
}

// Tags returns the tag table in creation order.
func (i *Inbox) Tags() []TagInfo {
	i.mu.Lock()
	defer i.mu.Unlock()
	count := make(map[string]int, len(i.tagOrder))
	for _, cu := range i.customers {
		for _, t := range cu.tags {
			count[t]++
		}
	}
	out := make([]TagInfo, 0, len(i.tagOrder))
	for _, name := range i.tagOrder {
		out = append(out, TagInfo{Name: name, Colour: i.tags[name].colour, Customers: count[name]})
	}
	return out
}

// Palette returns the colours tags may take. The slice is a new copy on
// every call.
func (i *Inbox) Palette() []string {
	return slices.Clone(i.cfg.Palette)
}
