package apiclient

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const (
	testPassword = "Pa55-w0rd-XYZ"
	testSecret   = "client-s3cret-QRS"
)

// tokenServer serves PathToken with handle and answers every API call 200
// when it carries "Bearer access-1".
func tokenServer(t *testing.T, handle func(w http.ResponseWriter, r *http.Request, form url.Values)) *fakeAPI {
	return newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
		if r.URL.Path == PathToken {
			form, _ := url.ParseQuery(string(body))
			handle(w, r, form)
			return
		}
		if r.Header.Get("Authorization") != "Bearer access-1" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		_, _ = w.Write([]byte(`{"id":"me"}`))
	})
}

func grantOK(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(TokenResponse{AccessToken: "access-1", TokenType: "Bearer"})
}

func TestTokenGrants(t *testing.T) {
	tests := []struct {
		name     string
		opt      Option
		wantForm url.Values
	}{
		{"password grant", WithUserLogin("BE1", "u", testPassword, "cid", testSecret),
			url.Values{"grant_type": {"password"}, "username": {"u@encompass:BE1"}, "password": {testPassword}, "scope": {"lp"}}},
		{"client credentials", WithClientCredentials("BE1", "cid", testSecret),
			url.Values{"grant_type": {"client_credentials"}, "instance_id": {"BE1"}, "scope": {"lp"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var gotForm url.Values
			var gotID, gotSecret, gotMethod, gotCT string
			f := tokenServer(t, func(w http.ResponseWriter, r *http.Request, form url.Values) {
				gotForm, gotMethod, gotCT = form, r.Method, r.Header.Get("Content-Type")
				gotID, gotSecret, _ = r.BasicAuth()
				grantOK(w)
			})
			c, err := New(f.URL, tt.opt)
			if err != nil {
				t.Fatal(err)
			}
			u, _, err := c.GetUser(ctxT(t), "me")
			if err != nil || u.ID != "me" {
				t.Fatalf("GetUser = %v, %v", u, err)
			}
			if gotMethod != http.MethodPost || !strings.HasPrefix(gotCT, "application/x-www-form-urlencoded") {
				t.Errorf("token request %s %s, want a form POST", gotMethod, gotCT)
			}
			if gotForm.Encode() != tt.wantForm.Encode() {
				t.Errorf("token form = %s, want %s", gotForm.Encode(), tt.wantForm.Encode())
			}
			if gotID != "cid" || gotSecret != testSecret {
				t.Errorf("Basic auth = %q/%q, want cid and the secret", gotID, gotSecret)
			}
			// A token without expires_in is reused (treated as 30 minutes).
			if _, _, err := c.GetUser(ctxT(t), "me"); err != nil {
				t.Fatal(err)
			}
			if n := c.counters().TokenRequests; n != 1 {
				t.Errorf("TokenRequests = %d, want 1 (token reused)", n)
			}
		})
	}
}

func TestTokenFailuresKeepSecrets(t *testing.T) {
	tests := []struct {
		name        string
		status      int
		body        string // %s is replaced by the received form, echoing the secrets back
		wantAuth    bool
		wantRetry   bool
		wantContain string
	}{
		{"bad credentials 401", 401, `{"error":"invalid_client","error_description":"bad secret ` + testSecret + `","echo":"%s"}`, true, false, "invalid_client"},
		{"bad password 400", 400, `{"error":"invalid_grant","error_description":"wrong password","echo":"%s"}`, true, false, "invalid_grant"},
		{"plain text body", 401, `denied for %s`, true, false, "401"},
		{"token endpoint down", 503, `upstream %s`, false, true, "503"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := tokenServer(t, func(w http.ResponseWriter, r *http.Request, form url.Values) {
				auth := r.Header.Get("Authorization")
				w.Header().Set("Content-Type", "application/json")
				if strings.HasPrefix(tt.body, "{") {
					w.WriteHeader(tt.status)
					_, _ = w.Write([]byte(strings.Replace(tt.body, "%s", form.Encode()+" "+auth, 1)))
					return
				}
				w.Header().Set("Content-Type", "text/plain")
				w.WriteHeader(tt.status)
				_, _ = w.Write([]byte(strings.Replace(tt.body, "%s", form.Encode()+" "+auth, 1)))
			})
			for _, login := range []struct {
				opt     Option
				secrets []string
				who     string // named in a refusal: who was tried, never with what
			}{
				{WithUserLogin("BE1", "u", testPassword, "cid", testSecret), []string{testPassword, testSecret}, "for user u on instance BE1"},
				// An API user sends no password, so only the secret is at stake.
				{WithClientCredentials("BE1", "cid", testSecret), []string{testSecret}, "for API client cid on instance BE1"},
			} {
				c, err := New(f.URL, login.opt, WithRetry(1, 0, 0))
				if err != nil {
					t.Fatal(err)
				}
				_, resp, err := c.GetUser(ctxT(t), "me")
				if err == nil || resp != nil {
					t.Fatalf("GetUser = %v, %v; want a token error and no response", resp, err)
				}
				msg := err.Error()
				for _, s := range append(login.secrets, "Basic ") {
					if strings.Contains(msg, s) {
						t.Errorf("error %q contains a secret (%q)", msg, s)
					}
				}
				if errors.Is(err, ErrAuth) != tt.wantAuth {
					t.Errorf("errors.Is(err, ErrAuth) = %v, want %v (err %q)", !tt.wantAuth, tt.wantAuth, msg)
				}
				if retry, _ := ShouldRetry(ctxT(t), nil, err); retry != tt.wantRetry {
					t.Errorf("ShouldRetry = %v, want %v", retry, tt.wantRetry)
				}
				if !strings.Contains(msg, tt.wantContain) {
					t.Errorf("error %q does not mention %q", msg, tt.wantContain)
				}
				if tt.wantAuth && !strings.Contains(msg, login.who) {
					t.Errorf("error %q does not say who was tried (%q)", msg, login.who)
				}
				var te *TokenError
				if !errors.As(err, &te) || te.StatusCode != tt.status {
					t.Errorf("want a *TokenError with status %d, got %#v", tt.status, err)
				}
			}
		})
	}
}

func TestTokenEndpointUnreachable(t *testing.T) {
	f := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, body []byte) {})
	u := f.URL
	f.Close()
	c, err := New(u, WithUserLogin("BE1", "u", testPassword, "cid", testSecret), WithRetry(1, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = c.GetUser(ctxT(t), "me")
	if err == nil || errors.Is(err, ErrAuth) {
		t.Fatalf("GetUser = %v, want a connection error that is not ErrAuth", err)
	}
	if retry, _ := ShouldRetry(ctxT(t), nil, err); !retry {
		t.Errorf("ShouldRetry(%v) = false, want true for a connection failure", err)
	}
	if strings.Contains(err.Error(), testPassword) || strings.Contains(err.Error(), testSecret) {
		t.Errorf("error %q contains a secret", err)
	}
}

func TestIntrospectAndRevoke(t *testing.T) {
	type seen struct {
		path, token, basicID, basicSecret, ct string
	}
	var got []seen
	var issued int
	f := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
		form, _ := url.ParseQuery(string(body))
		id, sec, _ := r.BasicAuth()
		switch r.URL.Path {
		case PathToken:
			issued++
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(TokenResponse{AccessToken: "access-" + strconv.Itoa(issued), TokenType: "Bearer"})
		case PathTokenIntrospect:
			got = append(got, seen{r.URL.Path, form.Get("token"), id, sec, r.Header.Get("Content-Type")})
			if form.Get("token") == "" {
				w.WriteHeader(http.StatusBadRequest)
				return
			}
			_, _ = w.Write(readTestdata(t, "introspection.json"))
		case PathTokenRevoke:
			got = append(got, seen{r.URL.Path, form.Get("token"), id, sec, r.Header.Get("Content-Type")})
			w.WriteHeader(http.StatusOK)
		default:
			_, _ = w.Write([]byte(`[]`))
		}
	})
	c, err := New(f.URL, WithUserLogin("BE1", "u", testPassword, "cid", testSecret))
	if err != nil {
		t.Fatal(err)
	}
	ctx := ctxT(t)
	// Revoking before any token exists does nothing.
	if err := c.RevokeToken(ctx); err != nil || len(f.requests()) != 0 {
		t.Fatalf("RevokeToken without a token = %v after %d requests; want a no-op", err, len(f.requests()))
	}
	info, err := c.Introspect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !info.Active || info.InstanceID != "BE11223344" || info.UserName != "admin" || info.Exp != 1767225600 || info.IdentityType != "Enterprise" {
		t.Errorf("Introspect = %+v", info)
	}
	if err := c.RevokeToken(ctx); err != nil {
		t.Fatal(err)
	}
	// The revoked token is dropped: the next call gets a new one.
	if _, _, err := c.Personas(ctx); err != nil {
		t.Fatal(err)
	}
	want := []seen{
		{PathTokenIntrospect, "access-1", "cid", testSecret, "application/x-www-form-urlencoded"},
		{PathTokenRevoke, "access-1", "cid", testSecret, "application/x-www-form-urlencoded"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("introspection/revocation calls %+v\nwant %+v", got, want)
	}
	if issued != 2 || c.counters().TokenRequests != 2 {
		t.Errorf("tokens issued %d (stats %d), want 2: a new one after the revocation", issued, c.counters().TokenRequests)
	}
	if err := c.RevokeToken(ctx); err != nil {
		t.Fatal(err)
	}
	if c.tokens.current() != nil {
		t.Error("the token is still cached after RevokeToken")
	}
}

func TestIntrospectErrorsKeepSecrets(t *testing.T) {
	f := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
		if r.URL.Path == PathToken {
			grantOK(w)
			return
		}
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"summary":"Unauthorized","details":"bad client for ` + string(body) + ` ` + r.Header.Get("Authorization") + `"}`))
	})
	c, err := New(f.URL, WithClientCredentials("BE1", "cid", testSecret))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Introspect(ctxT(t))
	if !IsStatus(err, http.StatusUnauthorized) {
		t.Fatalf("Introspect = %v, want a 401 *Error", err)
	}
	basic := base64.StdEncoding.EncodeToString([]byte("cid:" + testSecret))
	if strings.Contains(err.Error(), "access-1") || strings.Contains(err.Error(), testSecret) || strings.Contains(err.Error(), basic) {
		t.Errorf("error %q carries the token or the secret", err)
	}
	if err := c.RevokeToken(ctxT(t)); !IsStatus(err, http.StatusUnauthorized) || strings.Contains(err.Error(), "access-1") {
		t.Errorf("RevokeToken = %v, want a 401 without the token", err)
	}
	if _, err := New(f.URL, withTokenSource(&staticTokens{})); err != nil {
		t.Fatal(err)
	}
	bare, _ := New(f.URL)
	if _, err := bare.Introspect(ctxT(t)); err == nil {
		t.Error("Introspect without credentials succeeded")
	}
}
