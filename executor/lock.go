package executor

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// LockFile is the name of the lock file Lock creates in the state directory.
const LockFile = "encimport.lock"

// ErrLocked is returned by Lock when another run holds the state directory.
var ErrLocked = errors.New("another encimport run holds the lock")

// Holder is what a lock file says of the run that holds it: written by the
// run that takes the lock, read by the run refused it. It is informative
// only; the lock itself is the operating system's (flock on unix).
type Holder struct {
	PID     int
	Host    string
	Started time.Time
	What    string // what the run does: "apply people.csv on https://… instance BE1…"
}

func (h Holder) encode() []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "pid=%d\nhost=%s\nstarted=%s\nwhat=%s\n", h.PID, oneLine(h.Host), h.Started.Format(time.RFC3339), oneLine(h.What))
	return b.Bytes()
}

func oneLine(s string) string { return strings.NewReplacer("\n", " ", "\r", " ").Replace(s) }

// readHolder reads the holder a lock file names; the zero Holder when the
// file says nothing readable (a lock taken by an older encimport holds only
// a pid).
func readHolder(path string) Holder {
	var h Holder
	b, err := os.ReadFile(path)
	if err != nil || len(b) > 4096 {
		return h
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "=")
		if !ok {
			if n, err := strconv.Atoi(strings.TrimSpace(k)); err == nil {
				h.PID = n // the older form: the pid alone
			}
			continue
		}
		switch k {
		case "pid":
			h.PID, _ = strconv.Atoi(v)
		case "host":
			h.Host = v
		case "started":
			h.Started, _ = time.Parse(time.RFC3339, v)
		case "what":
			h.What = v
		}
	}
	return h
}

// LockedError says another run holds a lock: which file, who holds it, and
// how long this run waited. It wraps ErrLocked.
type LockedError struct {
	Path   string
	Holder Holder
	Waited time.Duration // 0: did not wait (no --wait)
	For    string        // what the lock guards: "the instance …" or "the state directory …"
}

func (e *LockedError) Unwrap() error { return ErrLocked }

func (e *LockedError) Error() string {
	var b strings.Builder
	b.WriteString(ErrLocked.Error())
	if e.For != "" {
		b.WriteString(" for " + e.For)
	}
	h := e.Holder
	var who []string
	if h.PID != 0 {
		who = append(who, "pid "+strconv.Itoa(h.PID))
	}
	if h.Host != "" {
		who = append(who, "on host "+h.Host)
	}
	if !h.Started.IsZero() {
		who = append(who, fmt.Sprintf("started %s (%s ago)", h.Started.Local().Format("2006-01-02 15:04:05 MST"), time.Since(h.Started).Round(time.Second)))
	}
	if len(who) > 0 {
		b.WriteString(" (" + strings.Join(who, ", ") + ")")
	}
	if h.What != "" {
		b.WriteString(": " + h.What)
	}
	fmt.Fprintf(&b, "; lock file %s", e.Path)
	if e.Waited > 0 {
		fmt.Fprintf(&b, "; still held after waiting %s", e.Waited.Round(time.Second))
	}
	b.WriteString("; wait for it to finish, or rerun with --wait DURATION (e.g. --wait 30m) to wait for it")
	return b.String()
}

// LockOptions tune LockPath.
type LockOptions struct {
	// Wait is how long to wait for a held lock before giving up with a
	// *LockedError (0: do not wait).
	Wait time.Duration
	// What describes this run to a run it keeps waiting (Holder.What).
	What string
	// For names what the lock guards in the messages.
	For string
	// Waiting is told once when the lock is held and this run starts waiting.
	Waiting func(Holder)
}

// lockPoll is how often a waiting run tries the lock again.
var lockPoll = 250 * time.Millisecond

// LockPath takes an exclusive lock on the file at path (its directory is
// created, mode 0700), writing this run's Holder into it. A lock held by
// another run is waited for up to opts.Wait (or until ctx ends), then
// refused with a *LockedError naming the holder. unlock releases it.
func LockPath(ctx context.Context, path string, opts LockOptions) (unlock func() error, err error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("lock: directory %s: %w", filepath.Dir(path), err)
	}
	host, _ := os.Hostname()
	me := Holder{PID: os.Getpid(), Host: host, Started: time.Now().UTC().Truncate(time.Second), What: opts.What}
	start := time.Now()
	told := false
	for {
		unlock, held, err := tryLock(path, me)
		if err != nil {
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		if !held {
			return unlock, nil
		}
		h := readHolder(path)
		waited := time.Since(start)
		if waited >= opts.Wait {
			return nil, &LockedError{Path: path, Holder: h, Waited: opts.Wait, For: opts.For}
		}
		if !told && opts.Waiting != nil {
			opts.Waiting(h)
			told = true
		}
		t := time.NewTimer(min(lockPoll, opts.Wait-waited))
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
	}
}

// Lock takes the lock of a state directory (dir/LockFile) without waiting,
// so two runs sharing a journal never overlap; it returns a *LockedError
// (wrapping ErrLocked, naming the file) when another run holds it.
func Lock(dir string) (unlock func() error, err error) {
	return LockPath(context.Background(), filepath.Join(dir, LockFile), LockOptions{For: "the state directory " + dir})
}

// InstanceLockName is the lock file's name for one Encompass instance,
// from its key (plan.Target.Key: the API URL and the instance id): a
// digest, so every run against the instance takes the same file whatever
// its state directory.
func InstanceLockName(key string) string {
	sum := sha256.Sum256([]byte(key))
	return "instance-" + hex.EncodeToString(sum[:12]) + ".lock"
}

// LockInstance takes the lock of one Encompass instance (key as
// plan.Target.Key gives it; label names it in messages) in dir,
// DefaultLockDir when "", so two runs against the same instance never
// overlap whatever their state directories; see LockPath for opts.
func LockInstance(ctx context.Context, dir, key, label string, opts LockOptions) (unlock func() error, err error) {
	if dir == "" {
		dir = DefaultLockDir()
		if err := checkLockDir(dir); err != nil {
			return nil, fmt.Errorf("lock directory: %w", err)
		}
	}
	if opts.For == "" {
		opts.For = label
	}
	return LockPath(ctx, filepath.Join(dir, InstanceLockName(key)), opts)
}
