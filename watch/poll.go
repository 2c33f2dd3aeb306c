package watch

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"syscall"
	"time"
)

// DefaultPollInterval is how often a polling source looks at the files.
const DefaultPollInterval = 500 * time.Millisecond

// pollSource is a Source that lists every watched directory each interval
// and compares each entry's kind, size, mode and modification time with
// the previous listing. It needs nothing from the kernel, so it works on
// network mounts, FUSE and containers where inotify does not.
type pollSource struct {
	clock    Clock
	interval time.Duration

	mu   sync.Mutex
	dirs map[string]map[string]entry // directory → name → what it was

	events chan Event
	errors chan error
	done   chan struct{}
	once   sync.Once
	wg     sync.WaitGroup
}

// entry is what polling remembers of a directory entry.
type entry struct {
	dir   bool
	size  int64
	mode  fs.FileMode
	mtime time.Time
}

// NewPoll returns a Source that polls every interval (DefaultPollInterval
// when interval is not positive) by clock (System when nil).
func NewPoll(interval time.Duration, clock Clock) Source {
	if interval <= 0 {
		interval = DefaultPollInterval
	}
	if clock == nil {
		clock = System
	}
	p := &pollSource{
		clock:    clock,
		interval: interval,
		dirs:     map[string]map[string]entry{},
		events:   make(chan Event),
		errors:   make(chan error),
		done:     make(chan struct{}),
	}
	p.wg.Add(1)
	go p.loop()
	return p
}

func (p *pollSource) Events() <-chan Event { return p.events }
func (p *pollSource) Errors() <-chan error { return p.errors }
func (p *pollSource) Kind() string         { return "polling every " + p.interval.String() }

// Add takes the directory's first listing: what is there now is not a
// change.
func (p *pollSource) Add(dir string) error {
	snap, err := list(dir)
	if err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.dirs[dir] = snap
	return nil
}

func (p *pollSource) Remove(dir string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.dirs[dir]; !ok {
		return fmt.Errorf("%s is not watched", dir)
	}
	delete(p.dirs, dir)
	return nil
}

func (p *pollSource) Close() error {
	p.once.Do(func() {
		close(p.done)
		p.wg.Wait()
	})
	return nil
}

func (p *pollSource) loop() {
	defer p.wg.Done()
	for {
		t := p.clock.NewTimer(p.interval)
		select {
		case <-p.done:
			t.Stop()
			return
		case <-t.C():
		}
		events, errs := p.scan()
		for _, err := range errs {
			select {
			case p.errors <- err:
			case <-p.done:
				return
			}
		}
		for _, ev := range events {
			select {
			case p.events <- ev:
			case <-p.done:
				return
			}
		}
	}
}

// scan lists every watched directory once and returns what changed since
// the last listing, directory by directory in name order.
func (p *pollSource) scan() ([]Event, []error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var events []Event
	var errs []error
	dirs := make([]string, 0, len(p.dirs))
	for d := range p.dirs {
		dirs = append(dirs, d)
	}
	slices.Sort(dirs)
	for _, dir := range dirs {
		old := p.dirs[dir]
		snap, err := list(dir)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
				// The directory itself went, as inotify's IN_DELETE_SELF.
				delete(p.dirs, dir)
				events = append(events, Event{Name: dir, Op: Remove})
				continue
			}
			errs = append(errs, fmt.Errorf("polling %s: %w", dir, err))
			continue
		}
		names := make([]string, 0, len(old)+len(snap))
		for n := range old {
			names = append(names, n)
		}
		for n := range snap {
			if _, ok := old[n]; !ok {
				names = append(names, n)
			}
		}
		slices.Sort(names)
		for _, n := range names {
			was, had := old[n]
			is, has := snap[n]
			name := filepath.Join(dir, n)
			switch {
			case !had:
				events = append(events, Event{Name: name, Op: Create})
			case !has:
				events = append(events, Event{Name: name, Op: Remove})
			case was.dir != is.dir:
				events = append(events, Event{Name: name, Op: Remove}, Event{Name: name, Op: Create})
			case is.dir:
				// A directory's own times change with its entries; its
				// entries are watched on their own.
			case was.size != is.size || !was.mtime.Equal(is.mtime):
				events = append(events, Event{Name: name, Op: Write})
			case was.mode != is.mode:
				events = append(events, Event{Name: name, Op: Chmod})
			}
		}
		p.dirs[dir] = snap
	}
	return events, errs
}

// list reads what a directory holds; entries that vanish while it reads
// are left out.
func list(dir string) (map[string]entry, error) {
	des, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	snap := make(map[string]entry, len(des))
	for _, de := range des {
		info, err := de.Info()
		if err != nil {
			continue
		}
		snap[de.Name()] = entry{dir: de.IsDir(), size: info.Size(), mode: info.Mode(), mtime: info.ModTime()}
	}
	return snap, nil
}
