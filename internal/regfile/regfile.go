// Package regfile opens the files encimport reads (the input spreadsheet, a
// reviewed plan, the config file) only when they are regular files, links
// resolved. Anything else — a named pipe, a device such as /dev/zero or
// /dev/urandom, a folder, a socket, a dangling link, a loop of links — is
// refused at once, before any read or any open that could block: opening a
// FIFO for reading waits for a writer, and reading a device never ends.
//
// The check is made twice: on the path (os.Stat, following links) before
// it is opened, and on the open file (its own Stat) after an open that
// cannot block (O_NONBLOCK), so a path swapped in between is refused too.
package regfile

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// Error is a path that is not a readable regular file. Its text names the
// path and says what it is: "x.csv is a named pipe (FIFO), not a regular
// file". Callers add what to do.
type Error struct {
	Path string
	What string // what the path is, e.g. "a named pipe (FIFO), not a regular file"
	Err  error  // the underlying error, when there is one (fs.ErrNotExist ...)
}

func (e *Error) Error() string { return fmt.Sprintf("%s %s", e.Path, e.What) }

// Unwrap returns the underlying error (fs.ErrNotExist for a missing file
// or a dangling link).
func (e *Error) Unwrap() error { return e.Err }

// Check returns path's FileInfo (links followed) when it is a regular file,
// else an *Error saying what it is. It opens nothing.
func Check(path string) (fs.FileInfo, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, statError(path, err)
	}
	if !st.Mode().IsRegular() {
		return nil, &Error{Path: path, What: kind(path, st.Mode())}
	}
	return st, nil
}

// Open opens path for reading when it is a regular file (links resolved),
// and returns the file and its FileInfo; anything else is an *Error and
// nothing is read. The open itself cannot block.
func Open(path string) (*os.File, fs.FileInfo, error) {
	st, err := Check(path)
	if err != nil {
		return nil, nil, err
	}
	f, err := os.OpenFile(path, os.O_RDONLY|nonBlock, 0)
	if err != nil {
		return nil, nil, statError(path, err)
	}
	fst, err := f.Stat()
	if err == nil && (!fst.Mode().IsRegular() || !os.SameFile(st, fst)) {
		err = &Error{Path: path, What: "changed while it was being opened; give a file that stays in place"}
		if !fst.Mode().IsRegular() {
			err = &Error{Path: path, What: kind(path, fst.Mode())}
		}
	}
	if err != nil {
		_ = f.Close()
		return nil, nil, err
	}
	return f, fst, nil
}

// ReadFile reads the regular file at path, at most limit bytes: a larger
// file is an *Error naming its size. ctx ends the read early.
func ReadFile(ctx context.Context, path string, limit int64) ([]byte, error) {
	f, st, err := Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st.Size() > limit {
		return nil, &Error{Path: path, What: fmt.Sprintf("is %d bytes, more than the %d this file may hold", st.Size(), limit)}
	}
	b, err := io.ReadAll(io.LimitReader(Reader(ctx, f), limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, &Error{Path: path, What: fmt.Sprintf("grew past %d bytes while it was read", limit)}
	}
	return b, nil
}

// Reader returns r whose reads fail with ctx's error once ctx is done, so
// a long read of a big (or slow: a network file system) file stops at an
// interrupt.
func Reader(ctx context.Context, r io.Reader) io.Reader {
	if ctx == nil || ctx.Done() == nil {
		return r
	}
	return &ctxReader{ctx: ctx, r: r}
}

type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// statError turns a failed stat or open into an *Error.
func statError(path string, err error) error {
	var errno syscall.Errno
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if target, lerr := os.Readlink(path); lerr == nil {
			return &Error{Path: path, What: fmt.Sprintf("is a link to %s, which does not exist", target), Err: fs.ErrNotExist}
		}
		if _, lerr := os.Lstat(path); lerr == nil {
			// A link further up the chain (or a directory link) dangles.
			return &Error{Path: path, What: "leads through a link to a file that does not exist", Err: fs.ErrNotExist}
		}
		return &Error{Path: path, What: "does not exist", Err: fs.ErrNotExist}
	case errors.Is(err, fs.ErrPermission):
		return &Error{Path: path, What: "cannot be read (permission denied)", Err: fs.ErrPermission}
	case errors.As(err, &errno) && errno == syscall.ELOOP:
		return &Error{Path: path, What: "is a loop of symbolic links (a link that leads back to itself)", Err: err}
	case errors.As(err, &errno) && errno == syscall.ENOTDIR:
		return &Error{Path: path, What: "does not exist (a part of the path is a file, not a folder)", Err: fs.ErrNotExist}
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return &Error{Path: path, What: fmt.Sprintf("cannot be read (%v)", err), Err: err}
}

// kind says what a path that is not a regular file is.
func kind(path string, m fs.FileMode) string {
	target := ""
	if t, err := filepath.EvalSymlinks(path); err == nil && t != filepath.Clean(path) {
		target = " (" + t + ")"
	}
	switch {
	case m.IsDir():
		return "is a folder" + target + ", not a file"
	case m&fs.ModeNamedPipe != 0:
		return "is a named pipe (FIFO)" + target + ", not a regular file"
	case m&fs.ModeCharDevice != 0:
		return "is a character device" + target + ", not a regular file"
	case m&fs.ModeDevice != 0:
		return "is a device" + target + ", not a regular file"
	case m&fs.ModeSocket != 0:
		return "is a socket" + target + ", not a regular file"
	}
	return "is not a regular file" + target
}
