package apiclient

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"github.com/encimport/encimport/internal/syncbuf"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/encimport/encimport/encompass"
)

func traceLines(t *testing.T, out string) []traceRecord {
	t.Helper()
	var recs []traceRecord
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var r traceRecord
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("trace line %q is not JSON: %v", sc.Text(), err)
		}
		recs = append(recs, r)
	}
	return recs
}

// allForms returns s raw, URL-encoded, JSON-escaped and base64-encoded.
func allForms(s string) []string {
	forms := []string{s, url.QueryEscape(s), url.PathEscape(s)}
	q, _ := json.Marshal(s)
	forms = append(forms, string(q[1:len(q)-1]))
	for _, e := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		forms = append(forms, e.EncodeToString([]byte(s)))
	}
	return forms
}

// TestTraceHoldsNoSecret drives every kind of exchange against a server that
// echoes everything it receives (form, body, Authorization) in its bodies
// and in a Location header, then greps the whole trace for every form of the
// password, the client secret, the tokens and a new user's password.
func TestTraceHoldsNoSecret(t *testing.T) {
	const (
		password   = `P&ss w"rd/<x>+=1`
		secret     = `s3cr\et+/=?&client`
		accessTok  = "eyJhbGciOi.access+tok/en=="
		idTok      = "id-token-9f8e7d6c"
		refreshTok = "refresh-token-1a2b3c"
		newUserPW  = `Welcome<1>&"new"`
	)
	f := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
		echo := string(body) + " " + r.Header.Get("Authorization") + " " + r.URL.RawQuery
		switch r.URL.Path {
		case PathToken:
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(map[string]string{
				"access_token": accessTok, "token_type": "Bearer", "id_token": idTok, "refresh_token": refreshTok, "echo": echo,
			})
		case PathTokenIntrospect:
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(map[string]any{"active": true, "exp": 1, "user_name": "u", "echo": echo, "token": accessTok})
		case PathTokenRevoke:
			w.WriteHeader(http.StatusOK)
			_, _ = w.Write([]byte(echo))
		case PathUsers:
			w.Header().Set("Location", PathUsers+"/jdoe?token="+url.QueryEscape(accessTok))
			w.Header().Set("X-Echo", echo) // not a header the trace keeps
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			_ = json.NewEncoder(w).Encode(ErrorBody{Summary: "Bad Request", Details: "refused " + echo})
		default:
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(map[string]string{"id": "me", "echo": echo,
				"b64": base64.StdEncoding.EncodeToString([]byte(accessTok)), "pw": password})
		}
	})
	var out syncbuf.Buffer
	c, err := New(f.URL, WithUserLogin("BE1", "admin", password, "cid", secret), WithTrace(&out), WithRetry(1, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	ctx := ctxT(t)
	if _, _, err := c.GetUser(ctx, "me"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateUser(ctx, "3", &encompass.User{ID: "jdoe", Password: newUserPW}); !IsStatus(err, http.StatusBadRequest) {
		t.Fatalf("CreateUser = %v, want the echoing 400", err)
	}
	if _, err := c.Introspect(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.RevokeToken(ctx); err != nil {
		t.Fatal(err)
	}
	trace := out.String()
	recs := traceLines(t, trace)
	if len(recs) != 5 {
		t.Fatalf("%d trace lines, want 5 (token, get, create, introspect, revoke):\n%s", len(recs), trace)
	}
	secrets := map[string]string{"password": password, "client secret": secret, "access token": accessTok,
		"id token": idTok, "refresh token": refreshTok, "new user's password": newUserPW, "Basic credentials": "cid:" + secret}
	for name, s := range secrets {
		for _, form := range allForms(s) {
			if strings.Contains(trace, form) {
				t.Errorf("the trace holds the %s (as %q)", name, form)
			}
		}
	}
	if !strings.Contains(trace, redacted) {
		t.Error("nothing was redacted: the test did not exercise the trace")
	}
	// The redaction is targeted: the rest of the exchange is still there.
	if b := recs[0].RequestBody; !strings.Contains(b, "grant_type=password") || !strings.Contains(b, "admin%40encompass%3ABE1") || !strings.Contains(b, "scope=lp") {
		t.Errorf("token request body traced as %q: want the grant, user name and scope kept", b)
	}
	if b := recs[2].RequestBody; recs[2].Method != http.MethodPost || !strings.HasPrefix(b, `{"id":"jdoe","password":"[redacted]"`) {
		t.Errorf("create request body traced as %q", b)
	}
	if strings.Contains(trace, "X-Echo") {
		t.Error("the trace keeps a header it should drop (X-Echo)")
	}
}

func TestTraceLineFormat(t *testing.T) {
	f := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
		w.Header().Set(HeaderCorrelationID, "corr-1")
		w.Header().Set(HeaderConcurrencyRemaining, "29")
		w.Header().Set(HeaderTotalCount, "2")
		w.Header().Set("Set-Cookie", "session=abc")
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == PathPersonas {
			_, _ = w.Write([]byte(strings.Repeat(" ", TraceBodyLimit+10) + `[]`))
			return
		}
		_, _ = w.Write([]byte(`[{"id":"a"},{"id":"b"}]`))
	})
	var out syncbuf.Buffer
	c, _ := newTestClient(t, f, WithTrace(&out), WithPageSize(2))
	if _, err := c.ListUsers(ctxT(t), "", func([]encompass.User) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Personas(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	recs := traceLines(t, out.String())
	if len(recs) != 2 {
		t.Fatalf("%d lines, want 2", len(recs))
	}
	r := recs[0]
	if r.Method != "GET" || r.Path != PathUsers || !strings.Contains(r.Query, "entities=all") || r.Status != 200 || r.Time == "" || r.DurationMS < 0 {
		t.Errorf("line %+v", r)
	}
	if r.RequestHeaders["Authorization"] != "Bearer [redacted]" {
		t.Errorf("request headers %v: want Authorization as Bearer [redacted]", r.RequestHeaders)
	}
	wantResp := map[string]string{"Content-Type": "application/json", HeaderCorrelationID: "corr-1", HeaderConcurrencyRemaining: "29", HeaderTotalCount: "2"}
	for k, v := range wantResp {
		if r.ResponseHeaders[k] != v {
			t.Errorf("response header %s = %q, want %q", k, r.ResponseHeaders[k], v)
		}
	}
	if len(r.ResponseHeaders) != len(wantResp) {
		t.Errorf("response headers %v: want only %v", r.ResponseHeaders, wantResp)
	}
	if r.ResponseBody != `[{"id":"a"},{"id":"b"}]` || r.RequestBody != "" || r.Error != "" {
		t.Errorf("bodies %q %q error %q", r.RequestBody, r.ResponseBody, r.Error)
	}
	big := recs[1].ResponseBody
	if len(big) > TraceBodyLimit+32 || !strings.HasSuffix(big, "[truncated]") {
		t.Errorf("a %d-byte body traced as %d bytes ending %q; want it cut at %d and marked", TraceBodyLimit+12, len(big), big[max(0, len(big)-20):], TraceBodyLimit)
	}
}

func TestTraceTransportError(t *testing.T) {
	f := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, body []byte) {})
	u := f.URL
	f.Close()
	var out syncbuf.Buffer
	c, err := New(u, withTokenSource(&staticTokens{}), WithTrace(&out), WithRetry(1, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.GetUser(ctxT(t), "me"); err == nil {
		t.Fatal("want a connection error")
	}
	recs := traceLines(t, out.String())
	if len(recs) != 1 || recs[0].Status != 0 || recs[0].Error == "" || strings.Contains(out.String(), "tok1") {
		t.Errorf("trace of a refused connection: %+v", recs)
	}
}

func TestTraceConcurrentLinesStayWhole(t *testing.T) {
	f := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
		_, _ = w.Write([]byte(`{"id":"x","firstName":"` + strings.Repeat("y", 2000) + `"}`))
	})
	var out syncbuf.Buffer
	c, _ := newTestClient(t, f, WithTrace(&out))
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if _, _, err := c.GetUser(ctxT(t), "x"); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if recs := traceLines(t, out.String()); len(recs) != 20 {
		t.Errorf("%d whole lines, want 20", len(recs))
	}
}

func TestRedactBody(t *testing.T) {
	tests := []struct {
		name, in, ct, want string
		found              []string
	}{
		{"json members", `{"password":"p\"w","user":"u","access_token":"AT","nested":{"token":"T"},"n":{"client_secret":12}}`, "application/json",
			`{"password":"[redacted]","user":"u","access_token":"[redacted]","nested":{"token":"[redacted]"},"n":{"client_secret":"[redacted]"}}`,
			[]string{`p"w`, "AT", "T", "12"}},
		{"key case and spacing", `{"Password" : "x1"}`, "", `{"Password" : "[redacted]"}`, []string{"x1"}},
		{"similar keys are kept", `{"tokenType":"Bearer","passwordPolicy":"strong"}`, "", `{"tokenType":"Bearer","passwordPolicy":"strong"}`, nil},
		{"truncated json", `{"id":"a","password":"abc`, "", `{"id":"a","password":"[redacted]"`, []string{"abc"}},
		{"form", `grant_type=password&username=u&password=p%26w&client_secret=s`, "application/x-www-form-urlencoded",
			`grant_type=password&username=u&password=[redacted]&client_secret=[redacted]`, []string{"p&w", "p%26w", "s", "s"}},
		{"form fields only in forms", `password=x`, "text/plain", `password=x`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, found := redactBody(tt.in, tt.ct)
			if got != tt.want {
				t.Errorf("redactBody = %s\nwant         %s", got, tt.want)
			}
			if strings.Join(found, "|") != strings.Join(tt.found, "|") {
				t.Errorf("found %q, want %q", found, tt.found)
			}
		})
	}
}
