package watch

import (
	"errors"
	"path/filepath"
	"strings"
	"sync"

	"github.com/fsnotify/fsnotify"
)

// Op is what happened to a path. An event may carry several.
type Op uint32

// The operations, as fsnotify names them.
const (
	Create Op = 1 << iota // a file or directory appeared (also the target of a rename)
	Write                 // a file's content changed
	Remove                // a file or directory was removed
	Rename                // a file or directory was renamed away
	Chmod                 // only attributes changed: mode, times, owner
)

// Has reports whether o has any of the operations of h.
func (o Op) Has(h Op) bool { return o&h != 0 }

// String lists the operations, "CREATE|WRITE".
func (o Op) String() string {
	var parts []string
	for _, x := range []struct {
		op   Op
		name string
	}{{Create, "CREATE"}, {Write, "WRITE"}, {Remove, "REMOVE"}, {Rename, "RENAME"}, {Chmod, "CHMOD"}} {
		if o.Has(x.op) {
			parts = append(parts, x.name)
		}
	}
	if len(parts) == 0 {
		return "[no events]"
	}
	return strings.Join(parts, "|")
}

// Event is one change to a path inside a watched directory, or to the
// watched directory itself. Name is the directory as given to Add joined
// with the entry's name.
type Event struct {
	Name string
	Op   Op
}

func (e Event) String() string { return e.Op.String() + " " + e.Name }

// ErrOverflow is sent on a Source's Errors when events were lost (the
// kernel's queue overflowed): the watcher then rescans everything.
var ErrOverflow = errors.New("events were lost: the event queue overflowed")

// Source is where file system events come from: fsnotify ([NewFSNotify]),
// polling ([NewPoll]) or, in tests, a fake. A source watches single
// directories, not trees: the [Watcher] adds each directory of a tree and
// the new ones as they appear, and removes the ones that go.
//
// Add, Remove and Close are called from one goroutine, the watcher's;
// Events and Errors are read from it.
type Source interface {
	// Add starts watching the entries of the directory dir.
	Add(dir string) error
	// Remove stops watching dir. Removing a directory that is no longer
	// watched (because it was deleted) is not an error the watcher cares
	// about.
	Remove(dir string) error
	// Events delivers the changes.
	Events() <-chan Event
	// Errors delivers problems the source met while watching, such as
	// ErrOverflow.
	Errors() <-chan error
	// Close stops the source and releases what it holds.
	Close() error
	// Kind names the source for people: "fsnotify", "polling every 500ms".
	Kind() string
}

// notifySource is a Source backed by fsnotify: inotify on Linux, kqueue on
// the BSDs and macOS, ReadDirectoryChangesW on Windows.
type notifySource struct {
	fw     *fsnotify.Watcher
	events chan Event
	errors chan error
	done   chan struct{}
	once   sync.Once
	wg     sync.WaitGroup
}

// NewFSNotify returns a Source backed by fsnotify. On Linux it fails with
// EMFILE when the user has used up fs.inotify.max_user_instances (see
// [LimitHint]).
func NewFSNotify() (Source, error) {
	fw, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, err
	}
	s := &notifySource{
		fw:     fw,
		events: make(chan Event),
		errors: make(chan error),
		done:   make(chan struct{}),
	}
	s.wg.Add(1)
	go s.loop()
	return s, nil
}

func (s *notifySource) loop() {
	defer s.wg.Done()
	for {
		select {
		case <-s.done:
			return
		case ev, ok := <-s.fw.Events:
			if !ok {
				return
			}
			out := Event{Name: filepath.Clean(ev.Name)}
			for _, m := range []struct {
				from fsnotify.Op
				to   Op
			}{{fsnotify.Create, Create}, {fsnotify.Write, Write}, {fsnotify.Remove, Remove}, {fsnotify.Rename, Rename}, {fsnotify.Chmod, Chmod}} {
				if ev.Has(m.from) {
					out.Op |= m.to
				}
			}
			if out.Op == 0 {
				continue // an event fsnotify reports only on request
			}
			select {
			case s.events <- out:
			case <-s.done:
				return
			}
		case err, ok := <-s.fw.Errors:
			if !ok {
				return
			}
			if errors.Is(err, fsnotify.ErrEventOverflow) {
				err = ErrOverflow
			}
			select {
			case s.errors <- err:
			case <-s.done:
				return
			}
		}
	}
}

func (s *notifySource) Add(dir string) error    { return s.fw.Add(dir) }
func (s *notifySource) Remove(dir string) error { return s.fw.Remove(dir) }
func (s *notifySource) Events() <-chan Event    { return s.events }
func (s *notifySource) Errors() <-chan error    { return s.errors }
func (s *notifySource) Kind() string            { return "fsnotify" }

func (s *notifySource) Close() error {
	var err error
	s.once.Do(func() {
		close(s.done)
		err = s.fw.Close()
		s.wg.Wait()
	})
	return err
}
