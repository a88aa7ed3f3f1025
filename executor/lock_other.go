//go:build !unix

package executor

import (
	"errors"
	"os"
	"path/filepath"
)

// tryLock creates path exclusively and writes me into it; held reports
// that the file exists. On this platform a crashed run leaves the file
// behind: remove it by hand. unlock removes it.
func tryLock(path string, me Holder) (unlock func() error, held bool, err error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		if errors.Is(err, os.ErrExist) {
			return nil, true, nil
		}
		return nil, false, err
	}
	_, _ = f.Write(me.encode())
	_ = f.Close()
	return func() error { return os.Remove(path) }, false, nil
}

// DefaultLockDir is where the instance locks live unless
// ENCIMPORT_LOCK_DIR says otherwise: a directory under the system's
// temporary directory, the same for every run whatever its state directory.
func DefaultLockDir() string {
	return filepath.Join(os.TempDir(), "encimport-locks")
}

func checkLockDir(dir string) error { return os.MkdirAll(dir, 0o700) }
