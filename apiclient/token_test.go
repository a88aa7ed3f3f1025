package apiclient

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
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
			if n := c.Stats().TokenRequests; n != 1 {
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
			}{
				{WithUserLogin("BE1", "u", testPassword, "cid", testSecret), []string{testPassword, testSecret}},
				// An API user sends no password, so only the secret is at stake.
				{WithClientCredentials("BE1", "cid", testSecret), []string{testSecret}},
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
