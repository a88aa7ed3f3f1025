package apiclient

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"testing"
	"time"
)

func TestShouldRetry(t *testing.T) {
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	bg := context.Background()

	// A real "connection refused": listen, note the port, close.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	_, refused := http.Get("http://" + addr + "/")
	if refused == nil {
		t.Fatal("expected a connection error")
	}

	apiErr := func(code int, ra time.Duration) error {
		return &Error{StatusCode: code, Method: "GET", Path: PathUsers, RetryAfter: ra}
	}
	tests := []struct {
		name      string
		ctx       context.Context
		err       error
		wantRetry bool
		wantWait  time.Duration
	}{
		{"context canceled", canceled, apiErr(503, 0), false, 0},
		{"context error returned", bg, fmt.Errorf("get: %w", context.Canceled), false, 0},
		{"deadline exceeded", bg, context.DeadlineExceeded, false, 0},
		{"connection refused", bg, refused, true, 0},
		{"unexpected EOF", bg, fmt.Errorf("read: %w", io.ErrUnexpectedEOF), true, 0},
		{"EOF", bg, io.EOF, true, 0},
		{"429", bg, apiErr(429, 0), true, 0},
		{"429 with Retry-After", bg, apiErr(429, 4*time.Second), true, 4 * time.Second},
		{"huge Retry-After capped", bg, apiErr(503, 24*time.Hour), true, maxRetryAfter},
		{"500", bg, apiErr(500, 0), true, 0},
		{"502", bg, apiErr(502, 0), true, 0},
		{"503", bg, apiErr(503, time.Second), true, time.Second},
		{"504", bg, apiErr(504, 0), true, 0},
		{"400", bg, apiErr(400, 0), false, 0},
		{"401 after reauth", bg, apiErr(401, 0), false, 0},
		{"403", bg, apiErr(403, 0), false, 0},
		{"404", bg, apiErr(404, 0), false, 0},
		{"409", bg, apiErr(409, 0), false, 0},
		{"wrapped 503", bg, fmt.Errorf("listing: %w", apiErr(503, 0)), true, 0},
		{"credentials refused", bg, &TokenError{StatusCode: 401, msg: "refused"}, false, 0},
		{"token endpoint 503", bg, &TokenError{StatusCode: 503, msg: "down"}, true, 0},
		{"plain error", bg, errors.New("json: cannot unmarshal"), false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			retry, wait := ShouldRetry(tt.ctx, nil, tt.err)
			if retry != tt.wantRetry || wait != tt.wantWait {
				t.Errorf("ShouldRetry(%v) = %v, %v; want %v, %v", tt.err, retry, wait, tt.wantRetry, tt.wantWait)
			}
		})
	}
}

func TestShouldRetryResponseOnly(t *testing.T) {
	tests := []struct {
		status int
		want   bool
	}{{200, false}, {204, false}, {429, true}, {503, true}, {404, false}}
	for _, tt := range tests {
		resp := &Response{Response: &http.Response{StatusCode: tt.status}}
		if got, _ := ShouldRetry(context.Background(), resp, nil); got != tt.want {
			t.Errorf("ShouldRetry(status %d, nil) = %v, want %v", tt.status, got, tt.want)
		}
	}
}

func TestBackoff(t *testing.T) {
	base, maxD := 100*time.Millisecond, 2*time.Second
	tests := []struct {
		attempt int
		ceiling time.Duration
	}{
		{0, base}, {1, base}, {2, 2 * base}, {3, 4 * base}, {5, 16 * base}, {6, maxD}, {100, maxD},
	}
	for _, tt := range tests {
		var sawAboveHalf bool
		for range 200 {
			d := Backoff(tt.attempt, base, maxD)
			if d < 0 || d > tt.ceiling {
				t.Fatalf("Backoff(%d) = %v, want within [0, %v]", tt.attempt, d, tt.ceiling)
			}
			if d > tt.ceiling/2 {
				sawAboveHalf = true
			}
		}
		if !sawAboveHalf {
			t.Errorf("Backoff(%d) never exceeded half of %v in 200 draws: not full jitter up to the ceiling", tt.attempt, tt.ceiling)
		}
	}
	if d := Backoff(3, 0, time.Second); d != 0 {
		t.Errorf("Backoff with zero base = %v, want 0", d)
	}
}

func TestRetryHonoursRetryAfterAndContext(t *testing.T) {
	f := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
		w.Header().Set("Retry-After", "30")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = w.Write([]byte(`{"code":"100002","message":"limit"}`))
	})
	c, _ := newTestClient(t, f)
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, _, err := c.GetUser(ctx, "me")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("GetUser = %v, want the context deadline (it should wait the 30s Retry-After, not the 2ms backoff)", err)
	}
	if n := len(f.requests()); n != 1 {
		t.Errorf("server saw %d calls, want 1", n)
	}
	if time.Since(start) > 10*time.Second {
		t.Error("the wait ignored the context")
	}
	if st := c.counters(); st.TooMany != 1 {
		t.Errorf("Stats.TooMany = %d, want 1", st.TooMany)
	}
}
