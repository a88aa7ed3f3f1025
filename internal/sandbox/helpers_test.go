package sandbox

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/encimport/encimport/apiclient"
)

// start serves a sandbox for the test and closes it at the end.
func start(t testing.TB, opts Options) *Running {
	t.Helper()
	rs, err := Start(opts)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(rs.Close)
	return rs
}

// login gets a token for a seeded user by the password grant (client via Basic).
func login(t testing.TB, base, user string) string {
	t.Helper()
	resp, body := tokenCall(t, base, url.Values{
		"grant_type": {"password"},
		"username":   {user + "@encompass:" + DefaultInstanceID},
		"password":   {DefaultPassword},
	}, true)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("login %s: %d %s", user, resp.StatusCode, body)
	}
	var tr apiclient.TokenResponse
	if err := json.Unmarshal(body, &tr); err != nil || tr.AccessToken == "" {
		t.Fatalf("login %s: bad token answer %s (%v)", user, body, err)
	}
	return tr.AccessToken
}

func tokenCall(t testing.TB, base string, form url.Values, basic bool) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, base+apiclient.PathToken, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if basic {
		req.SetBasicAuth(DefaultClientID, DefaultClientSecret)
	}
	return send(t, req)
}

// call sends an API request; body is a string (sent as is) or a value (sent as JSON).
func call(t testing.TB, base, tok, method, path string, body any) (*http.Response, []byte) {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return send(t, req)
}

func send(t testing.TB, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

func errorCode(t testing.TB, body []byte) string {
	t.Helper()
	var e apiclient.ErrorBody
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("error body is not JSON: %s", body)
	}
	return e.ErrorCode
}

// newUser is a valid create body; overrides replace keys, a del value removes one.
type delT struct{}

var del = delT{}

func newUser(overrides map[string]any) map[string]any {
	m := map[string]any{
		"id": "nora.new", "firstName": "Nora", "lastName": "Newman", "email": "nora.newman@example.com",
		"password": "Secret123!", "workingFolder": "My Pipeline",
		"personas": []map[string]string{{"entityId": PersonaIDLoanOfficer}},
	}
	for k, v := range overrides {
		if v == del {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	return m
}

// fakeClock is a settable clock for token expiry tests.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}
