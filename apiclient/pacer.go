package apiclient

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// The pacer is the one place a Client paces its API calls (rclone's
// lib/pacer): every attempt [Client.Do] makes waits for the rate (WithRate),
// then takes a slot (WithConcurrency) just before it is sent, and gives the
// slot back once the answer is read. A wait between attempts (a read's
// retry, the executor's backoff) holds no slot. Token requests take none.

// WithConcurrency bounds the API calls in flight to max and adapts the bound
// to the server's shared concurrency cap (see adaptive): every attempt Do
// makes takes a slot, and every answer is observed. Without it the client
// does not bound its calls in flight.
func WithConcurrency(max int) Option {
	return func(c *Client) error {
		if max < 1 {
			return fmt.Errorf("apiclient: WithConcurrency(%d): must be at least 1", max)
		}
		c.pacer.limit(max)
		return nil
	}
}

// WithRate spaces the attempts Do makes to perSecond at most (burst 1);
// 0 means no limit.
func WithRate(perSecond float64) Option {
	return func(c *Client) error {
		if perSecond < 0 {
			return fmt.Errorf("apiclient: WithRate(%v): must not be negative", perSecond)
		}
		if perSecond > 0 {
			c.pacer.rate = rate.NewLimiter(rate.Limit(perSecond), 1)
		}
		return nil
	}
}

type startKey struct{}

// WithStartCancel returns ctx marked so that Do sends no attempt once start
// is done: the wait for the rate or a slot then ends with an error wrapping
// ErrNotSent and start's error. An attempt already sent runs on ctx alone.
// For a caller whose calls run on a context detached from the one that
// interrupts it (so that calls in flight can finish) but must not begin
// after the interrupt.
func WithStartCancel(ctx, start context.Context) context.Context {
	return context.WithValue(ctx, startKey{}, start)
}

// ConcurrencyLimit returns the current bound on API calls in flight (0:
// none, without WithConcurrency).
func (c *Client) ConcurrencyLimit() int {
	c.pacer.mu.Lock()
	defer c.pacer.mu.Unlock()
	if c.pacer.max == 0 {
		return 0
	}
	return c.pacer.cur
}

// InFlight returns the number of API calls sent and not yet answered.
func (c *Client) InFlight() int {
	c.pacer.mu.Lock()
	defer c.pacer.mu.Unlock()
	return c.pacer.inFlight
}

// take waits for the rate and a slot for one attempt of req, and returns the
// number of our calls in flight with this one (for observe). It fails,
// wrapping ErrNotSent, when req's context or its start context
// (WithStartCancel) is done first.
func (p *pacer) take(req *http.Request) (sent int, err error) {
	ctx := req.Context()
	start, _ := ctx.Value(startKey{}).(context.Context)
	if start != nil {
		var cancel context.CancelFunc
		ctx, cancel = context.WithCancel(ctx)
		defer cancel()
		defer context.AfterFunc(start, cancel)()
		err = start.Err()
	}
	if err == nil {
		err = ctx.Err()
	}
	if err == nil && p.rate != nil {
		err = p.rate.Wait(ctx)
	}
	if err == nil {
		sent, err = p.acquire(ctx)
	}
	if err != nil {
		// The contexts' own errors say best why (go-github's bareDo).
		if cerr := req.Context().Err(); cerr != nil {
			err = cerr
		} else if start != nil && start.Err() != nil {
			err = start.Err()
		}
		return 0, fmt.Errorf("%w: %s %s: %w", ErrNotSent, req.Method, req.URL.Path, err)
	}
	return sent, nil
}

// adaptive bounds the number of API calls in flight and adapts that bound to
// what the server says about its shared concurrency cap.
//
// Encompass allows a fixed number of concurrent calls per lender (30 by
// default), shared by every client of that lender; past it every call gets
// 429. Replies carry X-Concurrency-Limit-Limit (L, the cap) and
// X-Concurrency-Limit-Remaining (R, free slots right after this call took
// one). If I of our calls were in flight when this call was sent (take
// returns I), the others held O = L − R − I and our share is L − O = R + I.
// One reading is noisy (calls overtake each other on the way), so the bound
// follows the best of the last shareWindow readings:
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
// them. max 0 means no bound: calls are only counted. Safe for concurrent
// use.
type adaptive struct {
	mu       sync.Mutex
	max      int // 0: no bound
	cur      int // the current limit
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

// pacer is a Client's pacing: the adaptive bound and the rate.
type pacer struct {
	adaptive
	rate *rate.Limiter // nil: no rate limit
}

func newPacer() *pacer {
	return &pacer{adaptive: adaptive{wake: make(chan struct{}), now: time.Now}}
}

// shareWindow is how many share readings the limit follows the best of.
const shareWindow = 32

// RaiseCooldown is how long after a 429 the concurrency limit stays where it
// is.
const RaiseCooldown = time.Second

// limit sets the most calls in flight (the limit starts there).
func (a *adaptive) limit(max int) {
	a.mu.Lock()
	a.max, a.cur = max, max
	a.mu.Unlock()
}

// acquire waits for a slot and returns the calls in flight with it; it fails
// only when ctx is done first.
func (a *adaptive) acquire(ctx context.Context) (int, error) {
	for {
		a.mu.Lock()
		if a.max == 0 || a.inFlight < a.cur {
			a.inFlight++
			n := a.inFlight
			a.mu.Unlock()
			return n, nil
		}
		wake := a.wake
		a.mu.Unlock()
		select {
		case <-wake:
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}
}

// release gives back a slot taken by acquire.
func (a *adaptive) release() {
	a.mu.Lock()
	a.inFlight--
	a.broadcastLocked()
	a.mu.Unlock()
}

func (a *adaptive) broadcastLocked() {
	close(a.wake)
	a.wake = make(chan struct{})
}

// observe adjusts the limit from one reply to a call sent when sent of our
// calls were in flight (itself included), which is when the server counted
// its remaining slots; the count now may have drifted. It is called while
// the call still holds its slot.
func (a *adaptive) observe(r *Response, sent int) {
	if r == nil || r.Response == nil {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.max == 0 {
		return
	}
	target := a.cur + 1
	headers := r.ConcurrencyLimit > 0 && r.ConcurrencyRemaining >= 0
	if headers {
		est := r.ConcurrencyRemaining + sent
		if r.ConcurrencyRemaining == 0 {
			est = min(est, a.cur) // the cap is full: no room to probe
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
		target = min(target, a.cur-1)
		a.calm = a.now().Add(RaiseCooldown)
	}
	if headers {
		target = min(target, r.ConcurrencyLimit)
	}
	target = min(max(target, 1), a.max)
	switch {
	case target < a.cur:
		a.cur = target
	case target > a.cur && !a.now().Before(a.calm):
		a.cur++
		a.broadcastLocked()
	}
}
