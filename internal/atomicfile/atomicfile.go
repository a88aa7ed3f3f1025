// Package atomicfile writes files so that a path holds either its old
// content or the whole new one, never a part: the bytes go to a temporary
// file in the same directory, which is synced, closed and renamed over the
// path, and then the directory is synced so the rename survives a crash.
// It is the one implementation for the reports, plan files, templates, the
// sandbox's state file and the bench's input files.
package atomicfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
)

// File is a file being written beside its final path. Write to it, then
// Commit to put it in place or Abort to drop it.
type File struct {
	*os.File
	path string
	perm os.FileMode
	done bool
}

// Create starts a file for path, which will have permissions perm. The
// temporary file is named ".<base>.tmp-*" in path's directory.
func Create(path string, perm os.FileMode) (*File, error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return nil, err
	}
	return &File{File: tmp, path: path, perm: perm}, nil
}

// Commit gives the file its permissions, syncs and closes it, renames it to
// its path and syncs the directory. On failure the temporary file is
// removed and nothing changes at the path (unless only the directory sync
// failed: the file is then in place but may not survive a crash).
func (f *File) Commit() error {
	if f.done {
		return errors.New("atomicfile: " + f.path + " is already committed or aborted")
	}
	f.done = true
	err := f.Chmod(f.perm)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), f.path)
	}
	if err != nil {
		_ = os.Remove(f.Name())
		return err
	}
	return syncDir(filepath.Dir(f.path))
}

// Abort closes and removes the temporary file. After Commit or Abort it
// does nothing.
func (f *File) Abort() {
	if f.done {
		return
	}
	f.done = true
	_ = f.Close()
	_ = os.Remove(f.Name())
}

// Write writes path atomically with the bytes write gives, and permissions
// perm. When write fails nothing changes at path.
func Write(path string, perm os.FileMode, write func(io.Writer) error) error {
	f, err := Create(path, perm)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Abort()
		return err
	}
	return f.Commit()
}

// syncDir makes a rename in dir durable. Windows cannot open a directory
// for syncing, and some file systems refuse to sync one (EINVAL): neither
// is an error.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if errors.Is(err, syscall.EINVAL) || errors.Is(err, syscall.ENOTSUP) {
		return nil
	}
	return err
}
