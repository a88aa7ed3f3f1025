//go:build unix

package regfile

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Every path that is not a regular file is refused at once, with a text
// saying what it is; a link to a regular file is followed.
func TestOpenRefusesAllButRegularFiles(t *testing.T) {
	dir := t.TempDir()
	regular := filepath.Join(dir, "people.csv")
	if err := os.WriteFile(regular, []byte("id\nx\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip("no FIFO here:", err)
	}
	link := func(name, to string) string {
		p := filepath.Join(dir, name)
		if err := os.Symlink(to, p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := link("good", regular)
	link("loop2", filepath.Join(dir, "loop1"))
	loop := link("loop1", filepath.Join(dir, "loop2"))
	cases := []struct{ path, want string }{
		{fifo, "named pipe (FIFO)"},
		{link("tofifo", fifo), "named pipe (FIFO)"},
		{link("zero", "/dev/zero"), "character device (/dev/zero)"},
		{"/dev/urandom", "character device"},
		{dir, "is a folder"},
		{link("dangling", filepath.Join(dir, "gone")), "which does not exist"},
		{loop, "loop of symbolic links"},
		{filepath.Join(dir, "missing.csv"), "does not exist"},
		{filepath.Join(regular, "x"), "does not exist"},
	}
	for _, c := range cases {
		start := time.Now()
		f, _, err := Open(c.path)
		if f != nil {
			f.Close()
		}
		var re *Error
		if !errors.As(err, &re) || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), c.path+" ") {
			t.Errorf("%s: %v, want an *Error naming it and saying %q", c.path, err, c.want)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("%s: refused after %v", c.path, d)
		}
	}
	if _, err := Check(filepath.Join(dir, "dangling")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("dangling link: %v, want fs.ErrNotExist", err)
	}
	f, st, err := Open(good)
	if err != nil || !st.Mode().IsRegular() {
		t.Fatalf("a link to a regular file: %v", err)
	}
	f.Close()
}

func TestReadFileBoundedAndCancellable(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "big")
	if err := os.WriteFile(p, make([]byte, 100), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadFile(context.Background(), p, 99); err == nil || !strings.Contains(err.Error(), "more than the 99") {
		t.Errorf("over the limit: %v", err)
	}
	if b, err := ReadFile(context.Background(), p, 100); err != nil || len(b) != 100 {
		t.Errorf("at the limit: %d bytes, %v", len(b), err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := ReadFile(ctx, p, 100); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled: %v", err)
	}
}
