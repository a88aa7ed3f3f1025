package sandbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/encimport/encimport/encompass"
	"github.com/encimport/encimport/internal/atomicfile"
	"github.com/encimport/encimport/internal/regfile"
)

var errNoState = errors.New("no state file")

// StoredWorld returns the world a sandbox started with Options.StatePath
// path serves at first: the one stored in path, or DefaultWorld() when path
// is "" or names no file yet. encimport reads the company defaults there
// before it starts the sandbox.
func StoredWorld(path string) (*World, error) {
	if path == "" {
		return DefaultWorld(), nil
	}
	w, err := loadWorld(path)
	if errors.Is(err, errNoState) {
		return DefaultWorld(), nil
	}
	return w, err
}

// loadWorld reads a --state file and replays its log of changes (a
// torn last line, left by a kill in mid-write, is ignored); errNoState
// when it does not exist.
func loadWorld(path string) (*World, error) {
	if _, err := regfile.Check(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("sandbox: state file %w; give a JSON world file (or a path where one may be created)", err)
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, errNoState
	}
	if err != nil {
		return nil, fmt.Errorf("sandbox: read state file: %w", err)
	}
	var w World
	if err := json.Unmarshal(b, &w); err != nil {
		return nil, fmt.Errorf("sandbox: state file %s is not a sandbox world (%v); fix it or delete it to start from the default world", path, err)
	}
	if err := replayLog(&w, logPath(path)); err != nil {
		return nil, err
	}
	return &w, nil
}

// logPath is where the changes since the last snapshot of path are kept.
func logPath(path string) string { return path + ".log" }

// logRecord is one line of the log: a user as it is after a change.
type logRecord struct {
	User encompass.User `json:"user"`
}

// replayLog applies the log's users to w, in order (a later line wins).
func replayLog(w *World, path string) error {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("sandbox: read state log: %w", err)
	}
	at := make(map[string]int, len(w.Users))
	for i, u := range w.Users {
		at[strings.ToLower(u.ID)] = i
	}
	for n := 1; len(b) > 0; n++ {
		line, rest, complete := bytes.Cut(b, []byte{'\n'})
		b = rest
		var rec logRecord
		if err := json.Unmarshal(line, &rec); err != nil {
			if !complete || len(b) == 0 {
				return nil // a torn last line: the change it was writing never answered
			}
			return fmt.Errorf("sandbox: state log %s, line %d, is damaged (%v); delete the log to go back to the last snapshot", path, n, err)
		}
		key := strings.ToLower(rec.User.ID)
		if i, ok := at[key]; ok {
			w.Users[i] = rec.User
		} else {
			at[key] = len(w.Users)
			w.Users = append(w.Users, rec.User)
		}
	}
	return nil
}

// compactEvery is how many logged changes make a new snapshot.
const compactEvery = 5000

// changeLog appends each change to the state file's log instead of
// rewriting the whole world on every write (1,000 creates took 56 s that
// way); a snapshot is written every compactEvery changes and on Flush.
type changeLog struct {
	f *os.File
	n int
}

// snapshotLocked returns the current world with its users. Callers hold s.mu.
func (s *Server) snapshotLocked() *World {
	w := *s.world
	w.Users = nil
	for _, u := range s.sortedUsers() {
		w.Users = append(w.Users, *cloneUser(u))
	}
	return &w
}

// saveLocked writes the world to the state file atomically
// (internal/atomicfile). Callers hold s.mu for writing (or own s
// exclusively), which serialises saves.
func (s *Server) saveLocked() error {
	if s.statPath == "" {
		return nil
	}
	b, err := json.MarshalIndent(s.snapshotLocked(), "", "  ")
	if err != nil {
		return fmt.Errorf("sandbox: encode state: %w", err)
	}
	err = atomicfile.Write(s.statPath, 0o600, func(w io.Writer) error {
		_, err := w.Write(append(b, '\n'))
		return err
	})
	if err != nil {
		return fmt.Errorf("sandbox: write state file %s: %w", s.statPath, err)
	}
	// The snapshot holds every change: the log can go. (A crash between the
	// two replays the log over the snapshot, which changes nothing.)
	if s.changes.f != nil {
		_ = s.changes.f.Close()
		s.changes.f = nil
	}
	s.changes.n = 0
	if err := os.Remove(logPath(s.statPath)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("sandbox: remove the state log: %w", err)
	}
	return nil
}

// persistLocked records the changed users in the state file's log; a
// failure is logged, the change stays in memory. Callers hold s.mu for
// writing, which serialises the log.
func (s *Server) persistLocked(changed ...*encompass.User) {
	if s.statPath == "" {
		return
	}
	if err := s.appendLocked(changed); err != nil && s.log != nil {
		s.log.Error("sandbox: could not persist the world", "err", err)
	}
}

func (s *Server) appendLocked(changed []*encompass.User) error {
	if s.changes.n+len(changed) > compactEvery {
		return s.saveLocked()
	}
	if s.changes.f == nil {
		f, err := os.OpenFile(logPath(s.statPath), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
		if err != nil {
			return fmt.Errorf("sandbox: open state log: %w", err)
		}
		s.changes.f = f
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	for _, u := range changed {
		if err := enc.Encode(logRecord{User: *cloneUser(u)}); err != nil {
			return fmt.Errorf("sandbox: encode a change: %w", err)
		}
	}
	// One write per change: a kill leaves at most a torn last line. No
	// fsync: the log must outlive the process, not the machine.
	if _, err := s.changes.f.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("sandbox: append to the state log: %w", err)
	}
	s.changes.n += len(changed)
	return nil
}

// Flush writes a snapshot of the world to the state file and empties its
// log (a no-op without a state file).
func (s *Server) Flush() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.saveLocked()
}
