package sandbox

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"strings"
	"time"

	"github.com/encimport/encimport/apiclient"
)

const maxTokenLife = 24 * time.Hour

type token struct {
	user    string
	client  string // the OAuth client it was issued to
	grant   string // password or client_credentials
	issued  time.Time
	expires time.Time
}

type oauthError struct {
	Error       string `json:"error"`
	Description string `json:"error_description,omitempty"`
}

func eq(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

// oauthClient reads a form POST to an OAuth endpoint and authenticates its
// client (HTTP Basic, or client_id/client_secret form fields). On failure
// it has answered and returns nil.
func (s *Server) oauthClient(w http.ResponseWriter, r *http.Request) *Client {
	if r.Method != http.MethodPost {
		writeJSON(w, http.StatusMethodNotAllowed, oauthError{"invalid_request", "use POST"})
		return nil
	}
	if err := r.ParseForm(); err != nil {
		writeJSON(w, http.StatusBadRequest, oauthError{"invalid_request", "the body must be application/x-www-form-urlencoded"})
		return nil
	}
	clientID, secret, ok := r.BasicAuth()
	if !ok {
		clientID, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	for i := range s.world.Clients {
		c := s.world.Clients[i]
		if c.ClientID == clientID && eq(c.Secret, secret) {
			return &c
		}
	}
	writeJSON(w, http.StatusUnauthorized, oauthError{"invalid_client", "unknown client id or wrong client secret"})
	return nil
}

// handleToken serves POST /oauth2/v1/token (password and client_credentials
// grants; scope absent or lp).
func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	client := s.oauthClient(w, r)
	if client == nil {
		return
	}
	if sc := r.PostForm.Get("scope"); sc != "" && sc != "lp" {
		writeJSON(w, http.StatusBadRequest, oauthError{"invalid_scope", "the only scope is lp"})
		return
	}
	s.mu.RLock()
	instance := s.world.InstanceID
	s.mu.RUnlock()
	var user string
	switch gt := r.PostForm.Get("grant_type"); gt {
	case "password":
		name, inst, found := strings.Cut(r.PostForm.Get("username"), "@encompass:")
		if !found || !strings.EqualFold(inst, instance) {
			writeJSON(w, http.StatusUnauthorized, oauthError{"invalid_grant", "username must be <userId>@encompass:<instanceId> of this instance"})
			return
		}
		s.mu.RLock()
		u := s.users[strings.ToLower(name)]
		okPwd := u != nil && u.Password != "" && eq(u.Password, r.PostForm.Get("password")) &&
			(u.AccountEnabled == nil || *u.AccountEnabled) && (u.LoginEnabled == nil || *u.LoginEnabled)
		if okPwd {
			user = u.ID
		}
		s.mu.RUnlock()
		if !okPwd {
			writeJSON(w, http.StatusUnauthorized, oauthError{"invalid_grant", "wrong user id or password, or the account is disabled"})
			return
		}
	case "client_credentials":
		if !strings.EqualFold(r.PostForm.Get("instance_id"), instance) {
			writeJSON(w, http.StatusUnauthorized, oauthError{"invalid_grant", "instance_id does not name this instance"})
			return
		}
		user = client.APIUserID
	default:
		writeJSON(w, http.StatusBadRequest, oauthError{"unsupported_grant_type", "use grant_type=password or client_credentials"})
		return
	}
	var b [32]byte
	_, _ = rand.Read(b[:])
	tok := base64.RawURLEncoding.EncodeToString(b[:])
	now := s.now()
	s.tokMu.Lock()
	s.tokens[tok] = &token{user: user, client: client.ClientID, grant: r.PostForm.Get("grant_type"), issued: now, expires: now.Add(s.ttl)}
	s.tokMu.Unlock()
	w.Header().Set("Cache-Control", "no-store")
	resp := apiclient.TokenResponse{AccessToken: tok, TokenType: "Bearer"}
	if !s.vendor {
		resp.ExpiresIn = int(s.ttl.Seconds()) // the vendor's answer has no expires_in
	}
	writeJSON(w, http.StatusOK, resp)
}

// authenticate checks the bearer token and extends its life.
func (s *Server) authenticate(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || tok == "" {
		return "", false
	}
	now := s.now()
	s.tokMu.Lock()
	defer s.tokMu.Unlock()
	tok = strings.TrimSpace(tok)
	t := s.tokens[tok]
	if t == nil {
		return "", false
	}
	if !now.Before(t.expires) {
		delete(s.tokens, tok)
		return "", false
	}
	t.expires = now.Add(s.ttl)
	if limit := t.issued.Add(maxTokenLife); t.expires.After(limit) {
		t.expires = limit
	}
	return t.user, true
}

// introspection is the answer of POST /oauth2/v1/token/introspection.
type introspection struct {
	apiclient.TokenInfo
	TokenType string `json:"token_type,omitempty"`
	Scope     string `json:"scope,omitempty"`
}

// tokenForm authenticates the client of an introspection or revocation
// call and returns the token it names; nil when it answered an error.
func (s *Server) tokenForm(w http.ResponseWriter, r *http.Request, verb string) (*Client, string) {
	client := s.oauthClient(w, r)
	if client == nil {
		return nil, ""
	}
	tok := r.PostForm.Get("token")
	if tok == "" {
		writeJSON(w, http.StatusBadRequest, oauthError{"invalid_request", "give the token to " + verb + " in the form field token"})
		return nil, ""
	}
	return client, tok
}

// handleIntrospect serves POST /oauth2/v1/token/introspection (form token,
// client authenticated): {"active":false} for a token that is unknown,
// expired, revoked or another client's. It does not extend the token.
func (s *Server) handleIntrospect(w http.ResponseWriter, r *http.Request) {
	client, tok := s.tokenForm(w, r, "introspect")
	if client == nil {
		return
	}
	s.mu.RLock()
	instance := s.world.InstanceID
	s.mu.RUnlock()
	now := s.now()
	s.tokMu.Lock()
	t := s.tokens[tok]
	var out introspection
	if t != nil && now.Before(t.expires) && t.client == client.ClientID {
		identity := "Enterprise"
		if t.grant == "client_credentials" {
			identity = "ApiClient"
		}
		out = introspection{TokenInfo: apiclient.TokenInfo{Active: true, Exp: t.expires.Unix(), InstanceID: instance, UserName: t.user,
			IdentityType: identity, ClientID: t.client}, TokenType: "Bearer", Scope: "lp"}
	}
	s.tokMu.Unlock()
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, out)
}

// handleRevoke serves POST /oauth2/v1/token/revocation (form token, client
// authenticated): 200 whether or not the token was known (RFC 7009); the
// token is refused afterwards.
func (s *Server) handleRevoke(w http.ResponseWriter, r *http.Request) {
	client, tok := s.tokenForm(w, r, "revoke")
	if client == nil {
		return
	}
	s.tokMu.Lock()
	if t := s.tokens[tok]; t != nil && t.client == client.ClientID {
		delete(s.tokens, tok)
	}
	s.tokMu.Unlock()
	w.WriteHeader(http.StatusOK)
}
