package apiclient

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

// staticTokens hands out "tok1", "tok2", ... one per call, and counts calls.
type staticTokens struct{ n atomic.Int64 }

func (s *staticTokens) Token() (*oauth2.Token, error) {
	n := s.n.Add(1)
	return &oauth2.Token{AccessToken: "tok" + strconv.FormatInt(n, 10), TokenType: "Bearer"}, nil
}

// recorded is one request seen by a fake server.
type recorded struct {
	Method, Path, RawQuery, Auth string
	Body                         string
}

// fakeAPI is an httptest server whose handler is swapped per test and which
// records every request.
type fakeAPI struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []recorded
}

func newFakeAPI(t *testing.T, h func(w http.ResponseWriter, r *http.Request, body []byte)) *fakeAPI {
	t.Helper()
	f := &fakeAPI{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.reqs = append(f.reqs, recorded{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Get("Authorization"), string(body)})
		f.mu.Unlock()
		h(w, r, body)
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeAPI) requests() []recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]recorded(nil), f.reqs...)
}

// newTestClient returns a client for f with counting tokens and fast retries.
func newTestClient(t *testing.T, f *fakeAPI, opts ...Option) (*Client, *staticTokens) {
	t.Helper()
	ts := &staticTokens{}
	all := append([]Option{withTokenSource(ts), WithRetry(5, time.Millisecond, 2*time.Millisecond)}, opts...)
	c, err := New(f.URL, all...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c, ts
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}
