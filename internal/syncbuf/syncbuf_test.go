package syncbuf

import (
	"strings"
	"sync"
	"testing"
)

func TestConcurrentWrites(t *testing.T) {
	var b Buffer
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() { _, _ = b.Write([]byte("x\n")) })
	}
	wg.Wait()
	if n := strings.Count(b.String(), "x\n"); n != 50 {
		t.Errorf("%d writes kept, want 50", n)
	}
}
