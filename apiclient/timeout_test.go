package apiclient

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

// A server that does not answer costs the timeout, not two minutes, and
// the error says what was not answered, within how long, and what to do;
// it is not retried (as before: the transport's deadline error is kept).
func TestTimeoutNamesTheCallAndTheLimit(t *testing.T) {
	release := make(chan struct{})
	f := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
		if r.URL.Path == PathToken {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"access_token":"t","token_type":"Bearer","expires_in":1800}`))
			return
		}
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	defer close(release)
	c, err := New(f.URL, WithTimeout(300*time.Millisecond), WithRetry(3, 0, 0),
		WithClientCredentials("BE1", "cid", testSecret))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, _, err = c.GetUser(context.Background(), "me")
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("the call took %v", took)
	}
	var te *TimeoutError
	if !errors.As(err, &te) || !errors.Is(err, ErrTimeout) {
		t.Fatalf("want a *TimeoutError, got %T %v", err, err)
	}
	want := "the server did not answer GET /encompass/v3/users/me within 0.3s; check the API URL and the network, or raise --timeout"
	if err.Error() != want {
		t.Errorf("error %q\nwant  %q", err, want)
	}
	if retry, _ := ShouldRetry(context.Background(), nil, err); retry {
		t.Error("a timeout is retried")
	}
	if n := len(f.requests()); n != 2 { // the token, then one GET
		t.Errorf("%d requests, want 2", n)
	}
	if _, err := New(f.URL, WithTimeout(0)); err == nil {
		t.Error("WithTimeout(0) accepted")
	}
}

func TestTimeoutOfTheTokenEndpoint(t *testing.T) {
	f := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
		<-r.Context().Done()
	})
	c, err := New(f.URL, WithTimeout(200*time.Millisecond), WithUserLogin("BE1", "u", testPassword, "cid", testSecret))
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = c.GetUser(context.Background(), "me")
	if !errors.Is(err, ErrTimeout) || !strings.Contains(err.Error(), "did not answer POST "+PathToken+" within 0.2s") {
		t.Fatalf("got %v", err)
	}
	// The caller's own deadline is the caller's, not a server timeout.
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, _, err = c.GetUser(ctx, "me"); errors.Is(err, ErrTimeout) {
		t.Errorf("the caller's deadline reported as a server timeout: %v", err)
	}
}
