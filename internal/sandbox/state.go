package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/encimport/encimport/internal/atomicfile"
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

// loadWorld reads a --state file; errNoState when it does not exist.
func loadWorld(path string) (*World, error) {
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
	return &w, nil
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
	return nil
}

// persistLocked saves after a change; a failure is logged, the change stays
// in memory. Callers hold s.mu for writing.
func (s *Server) persistLocked() {
	if err := s.saveLocked(); err != nil && s.log != nil {
		s.log.Error("sandbox: could not persist the world", "err", err)
	}
}
