package scenario

import (
	"fmt"
	"io/fs"
	"math"
	"reflect"
	"slices"
	"time"
)

// ChannelSpec is what the scenario format knows of one messaging platform:
// its channel name, the key that names a customer on it, and the type of its
// [channels.NAME] settings. Platforms supply their own spec; the format
// itself names none.
type ChannelSpec struct {
	// Name is the channel's name in scenarios: customers[].channel,
	// traffic[].channel and [channels.NAME].
	Name string
	// Handle is the customer key that names a customer on the platform, such
	// as "phone" or "openid". A scripted customer may set it; the simulator
	// generates one otherwise.
	Handle string
	// HandleExample is a valid handle, for hints.
	HandleExample string
	// CheckHandle reports what is wrong with a customer's handle ("" when
	// nothing is) and a hint. Nil accepts any non-empty handle.
	CheckHandle func(handle string) (problem, hint string)
	// Settings returns a pointer to a new settings value: a struct whose
	// toml-tagged fields are the platform's keys in [channels.NAME]
	// (besides rules and router, which every channel has). The scenario
	// parser checks them as strictly as its own keys. Nil: the platform has
	// no settings of its own.
	Settings func() any
	// Validate checks decoded settings; each problem names its key (a field
	// name of the settings table) and says what is wrong. Nil checks nothing
	// beyond the types.
	Validate func(settings any) []SettingsProblem
	// Keep is how long after its conversation a generated customer's
	// records may be kept, with the platform's default rules: by the fake
	// (its window and what it forgets after), by the router's adapter and
	// by the engine (its status horizon), whichever is longest. A longer
	// window in the channel's rules keeps them that long, and an hour.
	// [Format.Demand] estimates a run's memory with it; zero is 31 days.
	Keep time.Duration
	// Remembers is what the platform's fake keeps of a generated customer
	// after it forgot the rest, for the rest of the run, in bytes (a
	// fact such as "was a friend"); [Format.Demand] counts it for every
	// arrival.
	Remembers int
	// Tries is how the platform's fake delivers one webhook under the
	// channel's settings (nil when the platform has none): [Format.Demand]
	// counts each try a message's webhook may take, under the channel's
	// faults, as work. Nil: one try, never retried or repeated.
	Tries func(settings any) Tries
}

// Tries is how a platform delivers one webhook: Repeats more deliveries of
// every webhook, whatever its answer, each retried up to Retries times
// after a failed try (a timeout or an error, which a channel's faults
// cause). The first Lost tries of each fail whatever the faults (an answer
// the platform never gets).
type Tries struct {
	Repeats, Retries, Lost int
}

// Expected is the expected number of tries of one webhook whose tries
// fail with probability p (clamped to [0, 1]), the first Lost of them
// failing for certain: the first and, after each failed one, a retry
// while retries are left; for the webhook and each of its repeats.
func (t Tries) Expected(p float64) float64 {
	p = min(max(p, 0), 1)
	retries := max(t.Retries, 0)
	lost := min(max(t.Lost, 0), retries+1)
	e := float64(lost) // the tries that fail for certain
	if left := retries + 1 - lost; left > 0 {
		// The next try comes; it and each retry after a failed one.
		if p == 1 {
			e += float64(left)
		} else {
			e += (1 - math.Pow(p, float64(left))) / (1 - p)
		}
	}
	return e * float64(1+max(t.Repeats, 0))
}

// SettingsProblem is one problem a platform found in its settings.
type SettingsProblem struct {
	Key  string // the key in [channels.NAME], e.g. "window_errors"
	Msg  string
	Hint string
}

// Format is the scenario language with the platforms it may name. Build one
// from the platform table; its methods parse, validate and write scenarios.
type Format struct {
	// Channels are the platforms, in table order. The first is the channel
	// of customers that name none.
	Channels []ChannelSpec
}

// Channel returns the spec of the named channel.
func (f *Format) Channel(name string) (ChannelSpec, bool) {
	for _, c := range f.Channels {
		if c.Name == name {
			return c, true
		}
	}
	return ChannelSpec{}, false
}

// Names returns the channel names, in table order.
func (f *Format) Names() []string {
	names := make([]string, len(f.Channels))
	for i, c := range f.Channels {
		names[i] = c.Name
	}
	return names
}

// DefaultChannel is the channel of a customer or traffic flow that names
// none: the first of the table.
func (f *Format) DefaultChannel() string {
	if len(f.Channels) == 0 {
		return ""
	}
	return f.Channels[0].Name
}

// handleKeys lists every platform's customer handle key, without repeats.
func (f *Format) handleKeys() []string {
	var keys []string
	for _, c := range f.Channels {
		if c.Handle != "" && !slices.Contains(keys, c.Handle) {
			keys = append(keys, c.Handle)
		}
	}
	return keys
}

// settingsType is the struct type of a platform's settings, or nil.
func (c ChannelSpec) settingsType() reflect.Type {
	if c.Settings == nil {
		return nil
	}
	t := reflect.TypeOf(c.Settings())
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		panic(fmt.Sprintf("scenario: channel %q: Settings must return a pointer to a struct, not %s", c.Name, t))
	}
	return t
}

// channelType is the shape of one [channels.NAME] table: the platform's
// settings beside the rules every channel has. It is built once per call to
// the checker, which walks it like any other struct.
func (c ChannelSpec) channelType() reflect.Type {
	var fields []reflect.StructField
	if st := c.settingsType(); st != nil {
		for i := 0; i < st.NumField(); i++ {
			if sf := st.Field(i); sf.IsExported() {
				sf.Index, sf.Offset = nil, 0
				fields = append(fields, sf)
			}
		}
	}
	common := reflect.TypeFor[Channel]()
	for i := 0; i < common.NumField(); i++ {
		sf := common.Field(i)
		if tag := sf.Tag.Get("toml"); tag != "-" && sf.IsExported() {
			sf.Index, sf.Offset = nil, 0
			fields = append(fields, sf)
		}
	}
	return reflect.StructOf(fields)
}

// Load reads the scenario file name from fsys and parses it with
// [Format.Parse].
func (f *Format) Load(fsys fs.FS, name string) (*Scenario, error) {
	src, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, fmt.Errorf("scenario: %w", err)
	}
	return f.Parse(name, src)
}

// Validate checks a scenario built in Go (not parsed from text) as Parse
// checks a parsed one: references, ranges, enumerated values, the
// combinations of keys, and each channel's settings. Errors carry the field
// path; their positions are 0:0. Defaults are not filled in: a scenario
// built in Go states them.
func (f *Format) Validate(s *Scenario) error {
	r := &reporter{file: s.File, ix: &posIndex{at: map[string]posEntry{}}, noPos: true}
	s.validate(r, f, map[string]bool{})
	if len(r.errs) > 0 {
		return r.list()
	}
	return nil
}
