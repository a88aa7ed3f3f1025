package sandbox

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/encimport/encimport/apiclient"
	"github.com/encimport/encimport/encompass"
)

// testClient has its own transport: httptest.Server.Close closes the idle
// connections of http.DefaultTransport, which broke calls of tests running
// in parallel ("CloseIdleConnections called").
var testClient = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 8}}

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
	resp, err := testClient.Do(req)
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

// jsonObject decodes an answer that must be a JSON object (numbers stay
// float64, so a test can tell "id": 0 from "id": "0").
func jsonObject(t testing.TB, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil || m == nil {
		t.Fatalf("answer is not a JSON object (%v): %s", err, b)
	}
	return m
}

// jsonArray decodes an answer that must be a JSON array of objects.
func jsonArray(t testing.TB, b []byte) []map[string]any {
	t.Helper()
	var a []map[string]any
	if err := json.Unmarshal(b, &a); err != nil || a == nil {
		t.Fatalf("answer is not a JSON array of objects (%v): %s", err, b)
	}
	return a
}

// wireIDText checks an organization id has the dialect's JSON type (a
// number in vendor, a string in legacy) and returns it as text.
func wireIDText(t testing.TB, dialect string, v any) string {
	t.Helper()
	switch x := v.(type) {
	case float64:
		if dialect != DialectVendor {
			t.Errorf("%s: id %v is a number, want a string", dialect, x)
		}
		return strconv.FormatFloat(x, 'f', -1, 64)
	case string:
		if dialect != DialectLegacy {
			t.Errorf("%s: id %q is a string, want a number", dialect, x)
		}
		return x
	}
	t.Errorf("%s: id %#v is neither a number nor a string", dialect, v)
	return fmt.Sprint(v)
}

// dialect names the dialect the server speaks.
func (s *Server) dialect() string {
	if s.vendor {
		return DialectVendor
	}
	return DialectLegacy
}

// defaults returns the world's company defaults.
func (s *Server) defaults() encompass.Defaults {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.world.Defaults
}
