package executor

import (
	"context"
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Issue 12 item 7: the lock is per instance, names its holder, and can be
// waited for.
func TestLockInstance(t *testing.T) {
	dir := t.TempDir()
	const key, label = "https://api.example.com\x00BE1", "the instance BE1 at https://api.example.com"
	unlock, err := LockInstance(context.Background(), dir, key, label, LockOptions{What: "apply a.csv"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = LockInstance(context.Background(), dir, key, label, LockOptions{})
	var le *LockedError
	if !errors.As(err, &le) || !errors.Is(err, ErrLocked) {
		t.Fatalf("second lock: %v", err)
	}
	host, _ := os.Hostname()
	msg := err.Error()
	for _, want := range []string{"pid " + strconv.Itoa(os.Getpid()), "on host " + host, "started ", "apply a.csv", label, "--wait"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message lacks %q: %s", want, msg)
		}
	}
	if _, err := LockInstance(context.Background(), dir, "https://api.example.com\x00BE2", "other", LockOptions{}); err != nil {
		t.Errorf("another instance is not excluded: %v", err)
	}

	// --wait: a short wait gives up naming the wait; a longer one gets the
	// lock once the holder lets go.
	start := time.Now()
	_, err = LockInstance(context.Background(), dir, key, label, LockOptions{Wait: 300 * time.Millisecond})
	if !errors.As(err, &le) || le.Waited != 300*time.Millisecond || time.Since(start) < 300*time.Millisecond || !strings.Contains(err.Error(), "after waiting") {
		t.Fatalf("short wait: %v after %s", err, time.Since(start))
	}
	go func() {
		time.Sleep(200 * time.Millisecond)
		_ = unlock()
	}()
	waiting := 0
	unlock2, err := LockInstance(context.Background(), dir, key, label, LockOptions{Wait: 10 * time.Second, Waiting: func(h Holder) {
		waiting++
		if h.PID != os.Getpid() {
			t.Errorf("holder %+v", h)
		}
	}})
	if err != nil {
		t.Fatalf("waiting for the lock: %v", err)
	}
	_ = unlock2()
	if waiting != 1 {
		t.Errorf("told %d times that it waits", waiting)
	}

	// Canceled while waiting.
	unlock3, _ := LockInstance(context.Background(), dir, key, label, LockOptions{})
	defer unlock3()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := LockInstance(ctx, dir, key, label, LockOptions{Wait: time.Hour}); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("canceled wait: %v", err)
	}
}

func TestReadHolderOlderForm(t *testing.T) {
	p := t.TempDir() + "/x.lock"
	_ = os.WriteFile(p, []byte("4242\n"), 0o600)
	if h := readHolder(p); h.PID != 4242 {
		t.Errorf("%+v", h)
	}
}
