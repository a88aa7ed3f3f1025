//go:build !unix

package executor

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Lock creates dir/LockFile exclusively so two runs never overlap; it
// returns ErrLocked when the file exists. On this platform a crashed run
// leaves the file behind: remove it by hand. unlock removes it.
func Lock(dir string) (unlock func() error, err error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("lock: state directory %s: %w", dir, err)
	}
	path := filepath.Join(dir, LockFile)
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		if errors.Is(err, os.ErrExist) {
			return nil, fmt.Errorf("%w (%s); wait for it to finish, or remove the file if no run is active", ErrLocked, path)
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	_ = f.Close()
	return func() error { return os.Remove(path) }, nil
}
