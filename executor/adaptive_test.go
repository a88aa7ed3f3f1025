package executor

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/encimport/encimport/apiclient"
)

func reply(status, limit, remaining int) *apiclient.Response {
	return &apiclient.Response{Response: &http.Response{StatusCode: status},
		ConcurrencyLimit: limit, ConcurrencyRemaining: remaining}
}

// sentReply is a reply to a call sent when we had sent calls in flight.
func sentReply(status, limit, remaining, sent int) *apiclient.Response {
	r := reply(status, limit, remaining)
	req, _ := http.NewRequestWithContext(context.WithValue(context.Background(), sentKey{}, sent), http.MethodGet, "http://127.0.0.1/", nil)
	r.Request = req
	return r
}

type obs struct {
	inFlight int
	r        *apiclient.Response
	want     int // limit after
}

func repeat(o obs, n int) []obs {
	out := make([]obs, n)
	for i := range out {
		out[i] = o
	}
	return out
}

func TestAdaptiveObserve(t *testing.T) {
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
		{name: "nil and transport errors are ignored", max: 4, seq: []obs{{2, nil, 4}, {2, &apiclient.Response{}, 4}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := NewAdaptive(tt.max)
			clock := time.Unix(0, 0)
			a.now = func() time.Time { return clock }
			for i, o := range tt.seq {
				if !tt.frozen {
					clock = clock.Add(2 * RaiseCooldown)
				}
				a.inFlight = o.inFlight
				a.Observe(o.r)
				if got := a.Limit(); got != o.want {
					t.Fatalf("step %d: limit %d, want %d", i+1, got, o.want)
				}
			}
		})
	}
}

func TestAdaptiveAcquireBlocksAtLimit(t *testing.T) {
	a := NewAdaptive(2)
	ctx := context.Background()
	for range 2 {
		if err := a.Acquire(ctx); err != nil {
			t.Fatal(err)
		}
	}
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if err := a.Acquire(short); err == nil {
		t.Fatal("a third slot was granted with a limit of 2")
	}
	got := make(chan error, 1)
	go func() { got <- a.Acquire(ctx) }()
	a.Release()
	select {
	case err := <-got:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Release did not wake a waiter")
	}
	if a.InFlight() != 2 {
		t.Errorf("in flight %d, want 2", a.InFlight())
	}
}

func TestRateLimitSpacesCalls(t *testing.T) {
	f := newFake()
	p := planWithCreates(5)
	var s sleeps
	opts := quickOpts(&s)
	opts.Rate = 50 // 20ms apart, burst 1
	start := time.Now()
	if _, err := Run(context.Background(), f, p, opts); err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el < 70*time.Millisecond {
		t.Errorf("5 calls at 50/s took %v, want at least 80ms of spacing", el)
	}
}
