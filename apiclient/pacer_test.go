package apiclient

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func reply(status, limit, remaining int) *Response {
	return &Response{Response: &http.Response{StatusCode: status},
		ConcurrencyLimit: limit, ConcurrencyRemaining: remaining}
}

// sentReply is a reply to a call sent when we had sent calls in flight.
func sentReply(status, limit, remaining, sent int) sentResp {
	return sentResp{reply(status, limit, remaining), sent}
}

// sentResp is a reply and the calls in flight as it was sent (0: as now).
type sentResp struct {
	r    *Response
	sent int
}

type obs struct {
	inFlight int
	r        any // *Response (sent when inFlight were in flight) or sentResp
	want     int // limit after
}

func repeat(o obs, n int) []obs {
	out := make([]obs, n)
	for i := range out {
		out[i] = o
	}
	return out
}

func TestPacerObserve(t *testing.T) {
	tests := []struct {
		name   string
		max    int
		frozen bool // the clock stands still (else it moves past RaiseCooldown each step)
		seq    []obs
	}{
		{name: "no raise within the cooldown after a 429", max: 30, frozen: true, seq: []obs{
			{21, sentReply(429, 30, 0, 21), 21}, {19, sentReply(200, 30, 5, 19), 21}, {19, sentReply(200, 30, 5, 19), 21}}},
		{name: "a 429 steps the limit down by one, whatever the counts say", max: 30, frozen: true, seq: []obs{
			{20, sentReply(200, 30, 0, 20), 20}, {3, sentReply(429, 30, 0, 4), 19}, {3, sentReply(429, 30, 0, 4), 18}}},
		{name: "alone under a big cap stays at max", max: 8, seq: []obs{
			{4, reply(200, 30, 26), 8}, {8, reply(201, 30, 22), 8}}},
		{name: "a small cap lowers the limit at once", max: 16, seq: []obs{
			{16, reply(429, 4, 0), 4}}},
		{name: "other clients take slots: give them back", max: 16, seq: append([]obs{
			{8, reply(200, 30, 2), 10}, // others hold 20: ours are 10
		}, repeat(obs{8, reply(200, 30, 0), 10}, shareWindow-1)...)},
		{name: "others hold 22: once the window has only lower readings, down to 8", max: 16, seq: append(
			repeat(obs{8, reply(200, 30, 2), 10}, 1), append(repeat(obs{8, reply(200, 30, 0), 10}, shareWindow-1), obs{8, reply(200, 30, 0), 8})...)},
		{name: "one low reading does not lower the limit", max: 30, seq: []obs{
			{20, sentReply(200, 30, 10, 20), 30}, {20, sentReply(200, 30, 0, 12), 30}, {20, sentReply(200, 30, 10, 20), 30}}},
		{name: "others leave: grow one at a time", max: 16, seq: []obs{
			{4, reply(200, 30, 0), 4}, {4, reply(200, 30, 20), 5}, {5, reply(200, 30, 20), 6}}},
		{name: "429 without headers: one less than in flight; 2xx adds one", max: 8, seq: []obs{
			{8, reply(429, -1, -1), 7}, {7, reply(429, -1, -1), 6}, {6, reply(200, -1, -1), 7}, {7, reply(200, -1, -1), 8}, {8, reply(200, -1, -1), 8}}},
		{name: "the count at send time, not the drifted one, meets the server's count", max: 30, seq: []obs{
			// 20 of ours were in flight when the server said 10 remain: the
			// cap is all ours. Replies finished since then make the current
			// count 12, which would wrongly say others hold 8.
			{12, sentReply(201, 30, 10, 20), 30}}},
		{name: "a full cap is never probed above the limit", max: 30, seq: []obs{
			{20, sentReply(200, 30, 0, 20), 20}, {19, sentReply(200, 30, 0, 20), 20}, {20, sentReply(200, 30, 0, 20), 20}}},
		{name: "never below one", max: 4, seq: []obs{
			{1, reply(429, 4, 0), 1}, {1, reply(429, -1, -1), 1}}},
		{name: "nil and transport errors are ignored", max: 4, seq: []obs{{2, (*Response)(nil), 4}, {2, &Response{}, 4}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newPacer()
			a.limit(tt.max)
			clock := time.Unix(0, 0)
			a.now = func() time.Time { return clock }
			for i, o := range tt.seq {
				if !tt.frozen {
					clock = clock.Add(2 * RaiseCooldown)
				}
				a.inFlight = o.inFlight
				switch r := o.r.(type) {
				case sentResp:
					a.observe(r.r, r.sent)
				case *Response:
					a.observe(r, o.inFlight)
				}
				if got := a.cur; got != o.want {
					t.Fatalf("step %d: limit %d, want %d", i+1, got, o.want)
				}
			}
		})
	}
}

func TestPacerAcquireBlocksAtLimit(t *testing.T) {
	a := newPacer()
	a.limit(2)
	ctx := context.Background()
	for range 2 {
		if _, err := a.acquire(ctx); err != nil {
			t.Fatal(err)
		}
	}
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if _, err := a.acquire(short); err == nil {
		t.Fatal("a third slot was granted with a limit of 2")
	}
	got := make(chan error, 1)
	go func() {
		_, err := a.acquire(ctx)
		got <- err
	}()
	a.release()
	select {
	case err := <-got:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Release did not wake a waiter")
	}
	if a.inFlight != 2 {
		t.Errorf("in flight %d, want 2", a.inFlight)
	}
}

// slotServer answers each API call with the next of statuses (then 200 with
// an empty user) and records the client's calls in flight as each call
// arrived; token calls (with WithClientCredentials) are answered apart and
// record the same.
type slotServer struct {
	*fakeAPI
	c        *Client
	mu       sync.Mutex
	statuses []int
	seen     []int // c.InFlight() as each API call arrived
	tokens   []int // c.InFlight() as each token call arrived
}

func newSlotServer(t *testing.T, statuses ...int) *slotServer {
	s := &slotServer{statuses: statuses}
	s.fakeAPI = newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
		s.mu.Lock()
		defer s.mu.Unlock()
		if r.URL.Path == PathToken {
			s.tokens = append(s.tokens, s.c.InFlight())
			grantOK(w)
			return
		}
		s.seen = append(s.seen, s.c.InFlight())
		status := http.StatusOK
		if len(s.statuses) > 0 {
			status, s.statuses = s.statuses[0], s.statuses[1:]
		}
		switch status {
		case http.StatusOK:
			_, _ = w.Write([]byte(`{"id":"ann"}`))
		case -1: // a 200 that does not decode
			_, _ = w.Write([]byte(`{"id":`))
		default:
			w.WriteHeader(status)
			_, _ = w.Write([]byte(`{"summary":"scripted","details":"scripted"}`))
		}
	})
	return s
}

func (s *slotServer) calls() []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.seen)
}

// TestDoTakesOneSlotPerAttempt: with a bound of one, every attempt (the
// re-auth after a 401 and a read's retries included) finds itself the only
// call in flight, and the slot is back once Do returns, whatever the answer.
// A slot kept across attempts would deadlock the second one.
func TestDoTakesOneSlotPerAttempt(t *testing.T) {
	tests := []struct {
		name     string
		statuses []int
		read     bool // GetUser (retries transient failures) instead of one Do
		wantErr  bool
		attempts int
	}{
		{name: "one call", statuses: nil, attempts: 1},
		{name: "401 then a fresh token", statuses: []int{401}, attempts: 2},
		{name: "401 twice", statuses: []int{401, 401}, wantErr: true, attempts: 2},
		{name: "read retried twice", statuses: []int{503, 500}, read: true, attempts: 3},
		{name: "read retries used up", statuses: []int{503, 503, 503, 503, 503}, read: true, wantErr: true, attempts: 5},
		{name: "an error reply", statuses: []int{404}, wantErr: true, attempts: 1},
		{name: "a reply that does not decode", statuses: []int{-1}, wantErr: true, attempts: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSlotServer(t, tt.statuses...)
			c, _ := newTestClient(t, s.fakeAPI, WithConcurrency(1))
			s.c = c
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			var err error
			if tt.read {
				_, _, err = c.GetUser(ctx, "ann")
			} else {
				var req *http.Request
				req, err = c.NewRequest(ctx, http.MethodPost, PathUsers, nil, map[string]string{"id": "ann"})
				if err != nil {
					t.Fatal(err)
				}
				var u map[string]any
				_, err = c.Do(req, &u)
			}
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want an error: %v", err, tt.wantErr)
			}
			if errors.Is(err, context.DeadlineExceeded) {
				t.Fatal("an attempt waited for a slot its own call still held")
			}
			seen := s.calls()
			if len(seen) != tt.attempts || int(c.counters().Calls) != tt.attempts {
				t.Fatalf("server saw %d calls, Stats.Calls %d, want %d", len(seen), c.counters().Calls, tt.attempts)
			}
			for i, n := range seen {
				if n != 1 {
					t.Errorf("attempt %d was sent with %d calls in flight, want 1 (its own slot)", i+1, n)
				}
			}
			if n := c.InFlight(); n != 0 {
				t.Errorf("%d slots held after Do returned, want 0", n)
			}
		})
	}
}

// TestTokenCallsTakeNoSlot: the token request made for an API call is sent
// before the call takes its slot.
func TestTokenCallsTakeNoSlot(t *testing.T) {
	s := newSlotServer(t)
	c, err := New(s.URL, WithClientCredentials("BE1", "cid", testSecret), WithConcurrency(1))
	if err != nil {
		t.Fatal(err)
	}
	s.c = c
	if _, _, err := c.GetUser(ctxT(t), "ann"); err != nil {
		t.Fatal(err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !slices.Equal(s.tokens, []int{0}) || !slices.Equal(s.seen, []int{1}) {
		t.Errorf("in flight at the token call %v, at the API call %v; want [0] and [1]", s.tokens, s.seen)
	}
}

// TestDoReleasesOnFailure: a transport failure and a context canceled
// during the call give the slot back; the context's error is returned
// rather than the transport's (go-github's bareDo).
func TestDoReleasesOnFailure(t *testing.T) {
	t.Run("connection refused", func(t *testing.T) {
		f := newFakeAPI(t, func(http.ResponseWriter, *http.Request, []byte) {})
		c, _ := newTestClient(t, f, WithConcurrency(1))
		f.Close()
		_, _, err := c.GetUser(WithoutRetry(ctxT(t)), "ann")
		var ue *url.Error
		if !errors.As(err, &ue) {
			t.Errorf("err = %v, want the transport's *url.Error", err)
		}
		if n := c.InFlight(); n != 0 {
			t.Errorf("%d slots held after a transport failure", n)
		}
	})
	t.Run("canceled during the call", func(t *testing.T) {
		arrived := make(chan struct{})
		f := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
			close(arrived)
			<-r.Context().Done()
		})
		c, _ := newTestClient(t, f, WithConcurrency(1))
		ctx, cancel := context.WithCancel(context.Background())
		go func() {
			<-arrived
			cancel()
		}()
		_, _, err := c.GetUser(ctx, "ann")
		if err != context.Canceled {
			t.Errorf("err = %#v, want context.Canceled itself, not the transport's wrapping", err)
		}
		if n := c.InFlight(); n != 0 {
			t.Errorf("%d slots held after a canceled call", n)
		}
	})
}

// TestDoNotSent: a call waiting for a slot gives up, unsent, when its
// context or its start context (WithStartCancel) is done; one whose start
// context is done is not sent even with a slot free.
func TestDoNotSent(t *testing.T) {
	block := make(chan struct{})
	var arrived atomic.Int64
	f := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		if arrived.Add(1) == 1 {
			<-block
		}
		_, _ = w.Write([]byte(`{"id":"ann"}`))
	})
	c, _ := newTestClient(t, f, WithConcurrency(1))
	held := make(chan error, 1)
	go func() {
		_, _, err := c.GetUser(ctxT(t), "holder")
		held <- err
	}()
	for arrived.Load() == 0 {
		time.Sleep(time.Millisecond)
	}

	start, stop := context.WithCancel(context.Background())
	time.AfterFunc(20*time.Millisecond, stop)
	_, _, err := c.GetUser(WithStartCancel(ctxT(t), start), "waiter")
	if !errors.Is(err, ErrNotSent) || !errors.Is(err, context.Canceled) {
		t.Errorf("waiting, start canceled: err = %v, want ErrNotSent and context.Canceled", err)
	}
	short, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, _, err = c.GetUser(short, "waiter")
	if !errors.Is(err, ErrNotSent) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("waiting, deadline: err = %v, want ErrNotSent and context.DeadlineExceeded", err)
	}
	if n := c.InFlight(); n != 1 {
		t.Errorf("%d in flight while one call holds the only slot, want 1", n)
	}
	close(block)
	if err := <-held; err != nil {
		t.Fatal(err)
	}
	_, _, err = c.GetUser(WithStartCancel(ctxT(t), start), "free slot")
	if !errors.Is(err, ErrNotSent) {
		t.Errorf("start done, slot free: err = %v, want ErrNotSent", err)
	}
	if n := arrived.Load(); n != 1 {
		t.Errorf("server saw %d calls, want only the holder's", n)
	}
	if n := c.InFlight(); n != 0 {
		t.Errorf("%d slots held after every call returned", n)
	}
}

// TestRetryWaitHoldsNoSlot: while a read waits to be retried (Retry-After:
// 1), the only slot is free for another call.
func TestRetryWaitHoldsNoSlot(t *testing.T) {
	var aCalls atomic.Int64
	f := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		if strings.HasSuffix(r.URL.Path, "/a") && aCalls.Add(1) == 1 {
			w.Header().Set(HeaderRetryAfter, "1")
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte(`{"id":"x"}`))
	})
	refused := make(chan struct{}, 1)
	c, _ := newTestClient(t, f, WithConcurrency(1), WithObserver(func(r *Response) {
		if r.StatusCode == http.StatusServiceUnavailable {
			refused <- struct{}{}
		}
	}))
	aDone := make(chan error, 1)
	go func() {
		_, _, err := c.GetUser(ctxT(t), "a")
		aDone <- err
	}()
	<-refused
	ctx, cancel := context.WithTimeout(context.Background(), 700*time.Millisecond)
	defer cancel()
	if _, _, err := c.GetUser(ctx, "b"); err != nil {
		t.Fatalf("a call during another's retry wait: %v (the wait held the slot)", err)
	}
	select {
	case err := <-aDone:
		t.Fatalf("a returned (%v) before its Retry-After", err)
	default:
	}
	if err := <-aDone; err != nil {
		t.Fatal(err)
	}
	if n := aCalls.Load(); n != 2 {
		t.Errorf("a was sent %d times, want 2", n)
	}
}

func TestRateSpacesAttempts(t *testing.T) {
	f := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		_, _ = w.Write([]byte(`{"id":"x"}`))
	})
	c, _ := newTestClient(t, f, WithRate(50)) // 20ms apart, burst 1
	start := time.Now()
	for range 5 {
		if _, _, err := c.GetUser(ctxT(t), "x"); err != nil {
			t.Fatal(err)
		}
	}
	if el := time.Since(start); el < 70*time.Millisecond {
		t.Errorf("5 calls at 50/s took %v, want at least 80ms of spacing", el)
	}
}

func TestPacingOptionsValidate(t *testing.T) {
	for _, opt := range []Option{WithConcurrency(0), WithRate(-1)} {
		if _, err := New("https://api.elliemae.com", opt); err == nil {
			t.Error("New accepted an invalid pacing option")
		}
	}
	c, err := New("https://api.elliemae.com", WithRate(0))
	if err != nil || c.ConcurrencyLimit() != 0 {
		t.Errorf("New without a bound: %v, limit %d; want no error and 0", err, c.ConcurrencyLimit())
	}
}
