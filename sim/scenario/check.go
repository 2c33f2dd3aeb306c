package scenario

import (
	"encoding"
	"fmt"
	"math"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// This file checks the generic TOML tree against the shape of Scenario
// before anything is decoded into it: unknown keys (including keys that
// match a field only when case is ignored), wrong types and bad values, all
// of them at once and each with its field path. The decoder itself stops at
// the first problem and cannot say where a key is.

// reporter collects errors with their positions.
type reporter struct {
	file string
	ix   *posIndex
	errs ErrorList
	// noPos: the scenario was built in Go, so its errors have no position.
	noPos bool
	// later holds the hints of unknown names, written by list for the
	// errors it keeps: a file of many unknown names would otherwise
	// compare each with every known name.
	later map[*Error]laterHint
}

// laterHint is what [suggest] needs to write an error's hint.
type laterHint struct {
	val   string
	names []string
	what  string
}

// hintLater has list write e's hint: the name among names nearest to val,
// or the list of names (what they are).
func (r *reporter) hintLater(e *Error, val string, names []string, what string) {
	if r.later == nil {
		r.later = map[*Error]laterHint{}
	}
	r.later[e] = laterHint{val, names, what}
}

// list returns the errors sorted and capped (see [ErrorList.sortAndCap]),
// with the hints left for later written.
func (r *reporter) list() ErrorList {
	l := r.errs.sortAndCap()
	for _, e := range l {
		if h, ok := r.later[e]; ok {
			e.Hint = suggest(h.val, h.names, h.what)
		}
	}
	return l
}

// atKey reports a problem with the key of path.
func (r *reporter) atKey(path, hint, format string, args ...any) {
	r.add(r.ix.key(path), path, hint, fmt.Sprintf(format, args...))
}

// atVal reports a problem with the value of path.
func (r *reporter) atVal(path, hint, format string, args ...any) {
	r.add(r.ix.val(path), path, hint, fmt.Sprintf(format, args...))
}

func (r *reporter) add(p pos, path, hint, msg string) {
	e := &Error{File: r.file, Line: max(p.line, 1), Col: max(p.col, 1), Field: path, Msg: msg, Hint: hint}
	if r.noPos {
		e.Line, e.Col = 0, 0
	}
	r.errs = append(r.errs, e)
}

// field is one TOML key of a struct type.
type field struct {
	name string
	typ  reflect.Type
}

var fieldCache sync.Map // reflect.Type -> []field

// fieldsOf returns the TOML keys of struct type t, in declaration order.
func fieldsOf(t reflect.Type) []field {
	if f, ok := fieldCache.Load(t); ok {
		return f.([]field)
	}
	var fs []field
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		name, _, _ := strings.Cut(sf.Tag.Get("toml"), ",")
		if name == "-" || !sf.IsExported() {
			continue
		}
		if name == "" {
			name = sf.Name
		}
		fs = append(fs, field{name, sf.Type})
	}
	fieldCache.Store(t, fs)
	return fs
}

var (
	timeType      = reflect.TypeFor[time.Time]()
	stringsType   = reflect.TypeFor[Strings]()
	textUnmarshal = reflect.TypeFor[encoding.TextUnmarshaler]()
	intRangeType  = reflect.TypeFor[IntRange]()
	channelsType  = reflect.TypeFor[map[string]*Channel]()
	customerType  = reflect.TypeFor[Customer]()
)

// textExample names what a text-typed value should look like.
var textExample = map[reflect.Type]string{
	reflect.TypeFor[Duration]():     `a duration string such as "30s" or "1h30m"`,
	reflect.TypeFor[Size]():         `a size string such as "512KB" or "5MB"`,
	reflect.TypeFor[Rate]():         `a rate string such as "poisson 120/h"`,
	reflect.TypeFor[IntRange]():     `a range such as "2..6" or an integer`,
	reflect.TypeFor[Distribution](): `a distribution string such as "exp 6m"`,
}

// checker walks the generic tree.
type checker struct {
	*reporter
	// given holds the path of every key present in the source.
	given map[string]bool
	// blocking is set by problems that make decoding into Scenario
	// unreliable: wrong types, bad values, keys differing only in case.
	blocking bool
	// unknownIn holds the paths of the tables that had unknown keys.
	unknownIn []string
	// format names the channels and their settings.
	format *Format
}

// tomlType names the TOML type of a decoded value, with an article.
func tomlType(v any) string {
	switch v := v.(type) {
	case string:
		return "a string"
	case int64:
		return "an integer"
	case float64:
		return "a float"
	case bool:
		return "a boolean"
	case time.Time:
		switch v.Location().String() {
		case "datetime-local":
			return "a local date-time"
		case "date-local":
			return "a local date"
		case "time-local":
			return "a local time"
		}
		return "a date-time"
	case []map[string]any:
		return "an array of tables"
	case []any:
		return "an array"
	case map[string]any:
		return "a table"
	}
	return fmt.Sprintf("%T", v)
}

func (c *checker) typeErr(path, want string, v any) {
	c.blocking = true
	hint := ""
	if s, ok := v.(string); ok {
		switch want {
		case "an integer":
			if _, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64); err == nil {
				hint = "write the number without quotes"
			}
		case "a number":
			if _, err := strconv.ParseFloat(strings.TrimSpace(s), 64); err == nil {
				hint = "write the number without quotes"
			}
		case "a boolean":
			if s == "true" || s == "false" {
				hint = "write " + s + " without quotes"
			}
		}
	}
	c.atVal(path, hint, "%s: want %s, got %s", path, want, tomlType(v))
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// tableName describes the table at path for messages: "the top level",
// "[[steps]]", "[channels.whatsapp.rules]".
func tableName(path string) string {
	if path == "" {
		return "the top level"
	}
	if strings.HasSuffix(path, "]") {
		return "[[" + stripIndexes(path) + "]]"
	}
	return "[" + stripIndexes(path) + "]"
}

// walk checks value v at path against Go type t.
func (c *checker) walk(path string, v any, t reflect.Type) {
	c.given[path] = true
	if t.Kind() == reflect.Pointer {
		c.walk(path, v, t.Elem())
		return
	}
	switch {
	case t == timeType:
		c.walkTime(path, v)
		return
	case t == stringsType:
		switch v := v.(type) {
		case string:
		case []any:
			for i, e := range v {
				c.given[indexPath(path, i)] = true
				if _, ok := e.(string); !ok {
					c.typeErr(indexPath(path, i), "a string", e)
				}
			}
		default:
			c.typeErr(path, "a string or an array of strings", v)
		}
		return
	case reflect.PointerTo(t).Implements(textUnmarshal):
		c.walkText(path, v, t)
		return
	case t == channelsType:
		c.walkChannels(path, v)
		return
	}
	switch t.Kind() {
	case reflect.Struct:
		m, ok := v.(map[string]any)
		if !ok {
			c.typeErr(path, "a table", v)
			return
		}
		c.walkStruct(path, m, t)
	case reflect.Map:
		m, ok := v.(map[string]any)
		if !ok {
			c.typeErr(path, "a table", v)
			return
		}
		for _, k := range sortedKeys(m) {
			c.walk(joinPath(path, k), m[k], t.Elem())
		}
	case reflect.Slice:
		elem := t.Elem()
		isTable := elem.Kind() == reflect.Struct || elem.Kind() == reflect.Pointer && elem.Elem().Kind() == reflect.Struct
		switch v := v.(type) {
		case []map[string]any:
			if !isTable {
				c.typeErr(path, "an array", v)
				return
			}
			for i, e := range v {
				c.walk(indexPath(path, i), e, elem)
			}
		case []any:
			for i, e := range v {
				c.walk(indexPath(path, i), e, elem)
			}
		default:
			if isTable {
				c.typeErr(path, "an array of tables", v)
			} else {
				c.typeErr(path, "an array", v)
			}
		}
	case reflect.String:
		if _, ok := v.(string); !ok {
			c.typeErr(path, "a string", v)
		}
	case reflect.Bool:
		if _, ok := v.(bool); !ok {
			c.typeErr(path, "a boolean", v)
		}
	case reflect.Int, reflect.Int64:
		n, ok := v.(int64)
		if !ok {
			c.typeErr(path, "an integer", v)
			return
		}
		if t.Kind() == reflect.Int && (n < math.MinInt || n > math.MaxInt) {
			c.blocking = true
			c.atVal(path, "", "%s: %d is out of range", path, n)
		}
	case reflect.Uint64:
		n, ok := v.(int64)
		if !ok {
			c.typeErr(path, "an integer", v)
			return
		}
		if n < 0 {
			c.blocking = true
			c.atVal(path, "", "%s: want a non-negative integer, got %d", path, n)
		}
	case reflect.Float64:
		switch n := v.(type) {
		case float64:
			if math.IsNaN(n) || math.IsInf(n, 0) {
				c.blocking = true
				c.atVal(path, "", "%s: want a finite number, got %v", path, n)
			}
		case int64:
			const maxExact = 1<<53 - 1
			if n < -maxExact || n > maxExact {
				c.blocking = true
				c.atVal(path, "write it as a float", "%s: %d is too large to be exact as a float", path, n)
			}
		default:
			c.typeErr(path, "a number", v)
		}
	default:
		// Not a type a scenario uses; the decoder will complain if it must.
	}
}

// walkChannels checks the [channels] table: each channel by its platform's
// shape.
func (c *checker) walkChannels(path string, v any) {
	m, ok := v.(map[string]any)
	if !ok {
		c.typeErr(path, "a table", v)
		return
	}
	for _, name := range sortedKeys(m) {
		p := joinPath(path, name)
		spec, ok := c.format.Channel(name)
		if !ok {
			// Reported by validation, with the known names.
			c.given[p] = true
			continue
		}
		c.walk(p, m[name], spec.channelType())
	}
}

// walkStruct checks the keys of a table against struct type t. A customer
// also takes the handle key of the platforms (checked against its channel
// by validation).
func (c *checker) walkStruct(path string, m map[string]any, t reflect.Type) {
	fs := fieldsOf(t)
	if t == customerType {
		fs = slices.Clone(fs)
		for _, k := range c.format.handleKeys() {
			fs = append(fs, field{k, reflect.TypeFor[string]()})
		}
	}
	names := make([]string, len(fs))
	for i, f := range fs {
		names[i] = f.name
	}
	for _, k := range sortedKeys(m) {
		kp := joinPath(path, k)
		var match, fold *field
		for i := range fs {
			if fs[i].name == k {
				match = &fs[i]
				break
			}
			if fold == nil && strings.EqualFold(fs[i].name, k) {
				fold = &fs[i]
			}
		}
		switch {
		case match != nil:
			c.walk(kp, m[k], match.typ)
		case fold != nil:
			// The decoder would accept it for the field; refuse it.
			c.given[kp] = true
			c.blocking = true
			c.atKey(kp, fmt.Sprintf("did you mean %q? keys are case-sensitive", fold.name),
				"unknown key %q in %s", k, tableName(path))
		default:
			c.given[kp] = true
			c.unknownIn = append(c.unknownIn, path)
			c.atKey(kp, suggest(k, names, "valid keys"), "unknown key %q in %s", k, tableName(path))
		}
	}
}

// walkText checks a value for a type that parses text (Duration, Size, ...).
func (c *checker) walkText(path string, v any, t reflect.Type) {
	var s string
	switch v := v.(type) {
	case string:
		s = v
	case int64:
		if t != intRangeType {
			c.typeErr(path, textExample[t], v)
			return
		}
		s = strconv.FormatInt(v, 10)
	default:
		want := textExample[t]
		if want == "" {
			want = "a string"
		}
		c.typeErr(path, want, v)
		return
	}
	u := reflect.New(t).Interface().(encoding.TextUnmarshaler)
	if err := u.UnmarshalText([]byte(s)); err != nil {
		c.blocking = true
		c.atVal(path, "", "%s: %v", path, err)
	}
}

// walkTime checks the start time: a TOML offset date-time or an RFC 3339
// string.
func (c *checker) walkTime(path string, v any) {
	const example = "2026-03-02T09:00:00+08:00"
	switch v := v.(type) {
	case time.Time:
		switch v.Location().String() {
		case "datetime-local", "date-local", "time-local":
			c.blocking = true
			c.atVal(path, "e.g. "+example+" or ...T09:00:00Z",
				"%s: want a date-time with a time zone offset, got %s", path, tomlType(v))
		}
	case string:
		var t time.Time
		if err := t.UnmarshalText([]byte(v)); err != nil {
			c.blocking = true
			c.atVal(path, "e.g. "+example, "%s: bad date-time %q: want RFC 3339 with an offset", path, v)
		}
	default:
		c.typeErr(path, "a date-time", v)
	}
}
