//go:build unix

package executor

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
)

// tryLock takes an exclusive, non-blocking flock on path and writes me into
// the file; held reports that another process has it. The lock also ends
// when the process does, so a crashed run never leaves it behind.
func tryLock(path string, me Holder) (unlock func() error, held bool, err error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, false, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		_ = f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, true, nil
		}
		return nil, false, err
	}
	// The holder is informative only; the flock is what excludes.
	_ = f.Truncate(0)
	_, _ = f.WriteAt(me.encode(), 0)
	done := false
	return func() error {
		if done {
			return nil
		}
		done = true
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		return err
	}, false, nil
}

// DefaultLockDir is where the instance locks live unless
// ENCIMPORT_LOCK_DIR says otherwise: a directory of this user's under the
// system's temporary directory ($TMPDIR or /tmp), the same for every run of
// the user on this host whatever its state directory, its session
// (cron has no $XDG_RUNTIME_DIR) or its working directory.
func DefaultLockDir() string {
	return filepath.Join(os.TempDir(), "encimport-locks-"+strconv.Itoa(os.Getuid()))
}

// checkLockDir makes dir (0700) and refuses one another user owns or may
// write to: a lock there could be held, or removed, by anyone.
func checkLockDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	fi, err := os.Lstat(dir)
	if err != nil {
		return err
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	switch {
	case !fi.IsDir():
		return fmt.Errorf("%s is not a directory", dir)
	case ok && int(st.Uid) != os.Getuid():
		return fmt.Errorf("%s belongs to another user (uid %d); set ENCIMPORT_LOCK_DIR to a directory of yours", dir, st.Uid)
	}
	return nil
}
