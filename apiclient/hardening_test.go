package apiclient

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/encimport/encimport/encompass"
)

// TestNoRedirectIsFollowed points every kind of call at a server that
// redirects to another listener and checks that nothing reaches it: not the
// password grant, not the Basic pair, not a bearer token, not a body.
func TestNoRedirectIsFollowed(t *testing.T) {
	var elsewhere atomic.Int64
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { elsewhere.Add(1) }))
	defer other.Close()
	for _, code := range []int{301, 302, 303, 307, 308} {
		t.Run(fmt.Sprint(code), func(t *testing.T) {
			api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == PathToken && code == 307 {
					grantOKJSON(w) // let the token through so API calls are redirected with a bearer token
					return
				}
				http.Redirect(w, r, other.URL+r.URL.Path, code)
			}))
			defer api.Close()
			c, err := New(api.URL, WithUserLogin("BE1", "admin", "pw-Secret1", "cid", "csecret"), WithRetry(1, 0, 0))
			if err != nil {
				t.Fatal(err)
			}
			_, _, err = c.GetUser(ctxT(t), "me")
			if err == nil || !strings.Contains(err.Error(), "redirect to "+other.URL) || !strings.Contains(err.Error(), "follows no redirect") {
				t.Fatalf("GetUser: err = %v, want a redirect error naming the target", err)
			}
			_, err = c.CreateUser(ctxT(t), "3", &encompass.User{ID: "new.user", Password: "N3w-Secret!"})
			if err == nil {
				t.Fatal("CreateUser followed the redirect")
			}
			if n := elsewhere.Load(); n != 0 {
				t.Fatalf("%d requests reached the redirect target", n)
			}
		})
	}
}

func grantOKJSON(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"access_token": "tok-redirect", "token_type": "Bearer"})
}

// TestShortLivedTokensAreKept checks the refresh margin follows the token's
// life: a 3 s token serves many calls instead of one each.
func TestShortLivedTokensAreKept(t *testing.T) {
	f := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, body []byte) { w.WriteHeader(204) })
	var n atomic.Int64
	ts := oauth2.TokenSource(tokenFunc(func() (*oauth2.Token, error) {
		return &oauth2.Token{AccessToken: fmt.Sprint("t", n.Add(1)), Expiry: time.Now().Add(3 * time.Second)}, nil
	}))
	c, err := New(f.URL, withTokenSource(ts))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		if _, err := c.PatchUser(ctxT(t), "u", map[string]any{"title": i}); err != nil {
			t.Fatal(err)
		}
	}
	if got := c.counters().TokenRequests; got != 1 {
		t.Errorf("%d token requests for 20 calls with a 3 s token, want 1", got)
	}
}

type tokenFunc func() (*oauth2.Token, error)

func (f tokenFunc) Token() (*oauth2.Token, error) { return f() }

func TestTokenFreshness(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	tok := func(life time.Duration) *oauth2.Token {
		return &oauth2.Token{AccessToken: "x", Expiry: now.Add(life)}
	}
	tests := []struct {
		name string
		tok  *oauth2.Token
		at   time.Duration // after fetching
		want bool
	}{
		{"30 min token after 29 min", tok(30 * time.Minute), 29 * time.Minute, true},
		{"30 min token 5 s before expiry", tok(30 * time.Minute), 30*time.Minute - 5*time.Second, false},
		{"3 s token after 2.5 s", tok(3 * time.Second), 2500 * time.Millisecond, true},
		{"3 s token 0.2 s before expiry", tok(3 * time.Second), 2800 * time.Millisecond, false},
		{"no expiry", &oauth2.Token{AccessToken: "x"}, time.Hour, true},
		{"no token", nil, 0, false},
		{"expired", tok(time.Second), 2 * time.Second, false},
	}
	for _, tt := range tests {
		if got := fresh(tt.tok, now, now.Add(tt.at)); got != tt.want {
			t.Errorf("%s: fresh = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestListUsersStopsOnARepeatedPage: a server that ignores start would
// otherwise be paged for ever.
func TestListUsersStopsOnARepeatedPage(t *testing.T) {
	f := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`[{"id":"a"},{"id":"b"}]`))
	})
	c, _ := newTestClient(t, f, WithPageSize(2))
	pages, err := c.ListUsers(ctxT(t), "", func([]encompass.User) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "same page") {
		t.Fatalf("err = %v, want a repeated-page error", err)
	}
	if pages > 2 || len(f.requests()) > 2 {
		t.Errorf("%d pages, %d requests; want it to stop at the second", pages, len(f.requests()))
	}
}

// TestListUsersStopsOnARepeatedPageAskedTogether: with a total, the pages
// after the first are asked together; a server ignoring start still ends
// the listing with the repeated-page error.
func TestListUsersStopsOnARepeatedPageAskedTogether(t *testing.T) {
	f := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
		pagedUsers{total: 8, totalHdr: true, repeat: true}.serve(w, r)
	})
	c, _ := newTestClient(t, f, WithPageSize(2))
	_, err := c.ListUsers(ctxT(t), "", func([]encompass.User) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "same page") {
		t.Fatalf("err = %v, want a repeated-page error", err)
	}
}

// TestListUsersPagesTogetherWithinTheLimit: the pages after the first are
// asked together, as many at a time as the client's concurrency limit, and
// larger than the first when that spreads the rest over fewer waves.
func TestListUsersPagesTogetherWithinTheLimit(t *testing.T) {
	var inFlight, most atomic.Int64
	f := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		time.Sleep(20 * time.Millisecond)
		pagedUsers{total: 1000, totalHdr: true}.serve(w, r)
	})
	c, _ := newTestClient(t, f, WithPageSize(10), WithConcurrency(4))
	var mu sync.Mutex
	seen := map[string]bool{}
	pages, err := c.ListUsers(ctxT(t), "", func(p []encompass.User) error {
		mu.Lock()
		defer mu.Unlock()
		for _, u := range p {
			if seen[u.ID] {
				t.Errorf("%s listed twice", u.ID)
			}
			seen[u.ID] = true
		}
		return nil
	})
	if err != nil || len(seen) != 1000 {
		t.Fatalf("ListUsers: %d users, %v", len(seen), err)
	}
	// 990 users left over 4 slots: pages of 248 (within the bytes budget).
	if pages != 5 || most.Load() != 4 {
		t.Errorf("%d pages, at most %d in flight; want 1 + 4 pages, 4 at a time", pages, most.Load())
	}
}

// TestErrorsRedactEverySecretForm: servers that echo what they were sent
// (the token request form, the Basic header, the bearer token) never put a
// secret of this run, in any encoding, into an error text.
func TestErrorsRedactEverySecretForm(t *testing.T) {
	const user, password, clientID, secret = "admin", "p@ss w&rd=1", "cid+1", "s3cr/t+=="
	echo := func(w http.ResponseWriter, r *http.Request) string {
		body, _ := io.ReadAll(r.Body)
		return fmt.Sprintf("echo: auth=%q body=%q query=%q", r.Header.Get("Authorization"), body, r.URL.RawQuery)
	}
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == PathToken {
			if r.URL.Query().Get("fail") != "" || strings.Contains(r.Header.Get("User-Agent"), "fail") {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusBadRequest)
				_ = json.NewEncoder(w).Encode(map[string]string{"error": "invalid_grant", "error_description": echo(w, r)})
				return
			}
			grantOKJSON(w)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_ = json.NewEncoder(w).Encode(ErrorBody{Summary: "Bad Request", Details: echo(w, r)})
	}))
	defer api.Close()
	forms := func(s string) []string {
		return append(secretForms(s), url.QueryEscape(s))
	}
	basic := []string{base64.StdEncoding.EncodeToString([]byte(clientID + ":" + secret)),
		base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(clientID) + ":" + url.QueryEscape(secret)))}
	check := func(what string, err error) {
		t.Helper()
		if err == nil {
			t.Fatalf("%s: no error", what)
		}
		var all []string
		for _, s := range []string{password, secret, "tok-redirect", "N3w-Us3r-Pw!"} {
			all = append(all, forms(s)...)
		}
		for _, f := range append(all, basic...) {
			if strings.Contains(err.Error(), f) {
				t.Errorf("%s: the error holds %q: %v", what, f, err)
			}
		}
	}
	c, err := New(api.URL, WithUserLogin("BE1", user, password, clientID, secret), WithRetry(1, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = c.GetUser(ctxT(t), "me") // a 400 echoing "Bearer tok-redirect"
	check("API error echoing the bearer token", err)
	_, err = c.CreateUser(ctxT(t), "3", &encompass.User{ID: "n.u", Password: "N3w-Us3r-Pw!"})
	check("API error echoing a create body", err)

	failing, err := New(api.URL, WithUserLogin("BE1", user, password, clientID, secret), withUserAgent("fail"), WithRetry(1, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = failing.GetUser(ctxT(t), "me") // the token endpoint echoing the form and the Basic header
	check("token error echoing the request", err)
}

// TestReads429Budget: a read meeting 429s (another client holding the shared
// cap) keeps its attempts for other failures, up to a bound of its own.
func TestReads429Budget(t *testing.T) {
	for _, tt := range []struct {
		name     string
		tooMany  int // 429s before the answer
		wantErr  bool
		wantReqs int
	}{
		{"more 429s than attempts still succeed", 7, false, 8},
		{"429s past their budget end the read", 1000, true, TooManyBudget * 5},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var n atomic.Int64
			f := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
				if int(n.Add(1)) <= tt.tooMany {
					w.WriteHeader(http.StatusTooManyRequests)
					_, _ = w.Write([]byte(`{"code":"100002","message":"Client has exceeded the concurrency limit"}`))
					return
				}
				_, _ = w.Write([]byte(`[]`))
			})
			c, _ := newTestClient(t, f) // 5 attempts
			_, _, err := c.Personas(ctxT(t))
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if got := len(f.requests()); got != tt.wantReqs {
				t.Errorf("%d requests, want %d", got, tt.wantReqs)
			}
		})
	}
}
