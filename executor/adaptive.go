package executor

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/encimport/encimport/apiclient"
)

// Adaptive bounds the number of API calls in flight and adapts that bound to
// what the server says about its shared concurrency cap.
//
// Encompass allows a fixed number of concurrent calls per lender (30 by
// default), shared by every client of that lender; past it every call gets
// 429. Replies carry X-Concurrency-Limit-Limit (L, the cap) and
// X-Concurrency-Limit-Remaining (R, free slots right after this call took
// one). If I of our calls were in flight when this call was sent (Sent puts
// I in the call's context), the others held O = L − R − I and our share is
// L − O = R + I. One reading is noisy (calls overtake each other on the way),
// so Adaptive follows the best of the last shareWindow readings:
//
//   - readings that all say our share is below the limit lower it at once
//     (another client started using the cap);
//   - a reading above it raises it by one (additive increase, so noise cannot
//     make it jump), never when the reply says the cap is full (R = 0);
//   - a 429 lowers the limit by one and holds it there for RaiseCooldown, so
//     probing the cap costs at most about one 429 a second;
//   - without the headers, a 2xx raises the limit by one and a 429 lowers it
//     by one (plain AIMD).
//
// The limit never drops below 1 nor exceeds max or L, so the run stays under
// the cap instead of living on 429s, and gives slots back when others need
// them. Adaptive is safe for concurrent use.
type Adaptive struct {
	mu       sync.Mutex
	max      int
	limit    int
	inFlight int
	wake     chan struct{} // closed (and replaced) when a slot may have freed
	// After a 429 the limit is not raised again before calm: probing the
	// cap on every reply would turn each small overestimate into a 429.
	calm time.Time
	now  func() time.Time
	// The last estimates of our share of the cap, from reply headers.
	recent [shareWindow]int
	next   int
}

// shareWindow is how many share readings the limit follows the best of.
const shareWindow = 32

// RaiseCooldown is how long after a 429 the limit stays where it is.
const RaiseCooldown = time.Second

// NewAdaptive returns a limiter allowing at most max calls in flight
// (max < 1 means DefaultConcurrency).
func NewAdaptive(max int) *Adaptive {
	if max < 1 {
		max = DefaultConcurrency
	}
	return &Adaptive{max: max, limit: max, wake: make(chan struct{}), now: time.Now}
}

// Acquire waits for a slot; it fails only when ctx is done first.
func (a *Adaptive) Acquire(ctx context.Context) error {
	for {
		a.mu.Lock()
		if a.inFlight < a.limit {
			a.inFlight++
			a.mu.Unlock()
			return nil
		}
		wake := a.wake
		a.mu.Unlock()
		select {
		case <-wake:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Release gives back a slot taken by Acquire.
func (a *Adaptive) Release() {
	a.mu.Lock()
	a.inFlight--
	a.broadcastLocked()
	a.mu.Unlock()
}

func (a *Adaptive) broadcastLocked() {
	close(a.wake)
	a.wake = make(chan struct{})
}

// Observe adjusts the limit from one reply. Pass it to apiclient.WithObserver
// so that every reply the client gets (reads and their retries included) is
// seen; it must be called while the call is still counted in flight, as the
// client's observer is.
func (a *Adaptive) Observe(r *apiclient.Response) {
	if r == nil || r.Response == nil {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	// Our calls in flight when this call was sent, which is when the
	// server counted the remaining slots; the count now may have drifted.
	ours := a.inFlight
	if r.Request != nil {
		if n, ok := r.Request.Context().Value(sentKey{}).(int); ok {
			ours = n
		}
	}
	target := a.limit + 1
	headers := r.ConcurrencyLimit > 0 && r.ConcurrencyRemaining >= 0
	if headers {
		est := r.ConcurrencyRemaining + ours
		if r.ConcurrencyRemaining == 0 {
			est = min(est, a.limit) // the cap is full: no room to probe
		}
		// One reading can be low when our calls reach the server in
		// another order than they were sent; the best of the last few is
		// a steady estimate of our share (too high a guess meets a 429).
		a.recent[a.next%len(a.recent)] = est
		a.next++
		target = 0
		for _, e := range a.recent[:min(a.next, len(a.recent))] {
			target = max(target, e)
		}
	}
	if r.StatusCode == http.StatusTooManyRequests {
		// Refused: the cap was full. Step down by one and hold still for
		// a while; our counts at either end of the call are both noisy
		// guides (calls overtake each other), so neither sets the limit.
		target = min(target, a.limit-1)
		a.calm = a.now().Add(RaiseCooldown)
	}
	if headers {
		target = min(target, r.ConcurrencyLimit)
	}
	target = min(max(target, 1), a.max)
	switch {
	case target < a.limit:
		a.limit = target
	case target > a.limit && !a.now().Before(a.calm):
		a.limit++
		a.broadcastLocked()
	}
}

type sentKey struct{}

// Sent returns ctx marked with the number of our calls in flight as a call
// is sent; make the call with it so that Observe compares the server's
// remaining slots with our count at the same moment.
func (a *Adaptive) Sent(ctx context.Context) context.Context {
	a.mu.Lock()
	n := a.inFlight
	a.mu.Unlock()
	return context.WithValue(ctx, sentKey{}, n)
}

// Limit returns the current bound on calls in flight.
func (a *Adaptive) Limit() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.limit
}

// InFlight returns the number of calls holding a slot.
func (a *Adaptive) InFlight() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.inFlight
}
