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
	issued  time.Time
	expires time.Time
}

type oauthError struct {
	Error       string `json:"error"`
	Description string `json:"error_description,omitempty"`
}

func eq(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

// handleToken serves POST /oauth2/v1/token (password and client_credentials grants).
func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		writeJSON(w, http.StatusMethodNotAllowed, oauthError{"invalid_request", "use POST"})
		return
	}
	if err := r.ParseForm(); err != nil {
		writeJSON(w, http.StatusBadRequest, oauthError{"invalid_request", "the body must be application/x-www-form-urlencoded"})
		return
	}
	clientID, secret, ok := r.BasicAuth()
	if !ok {
		clientID, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	s.mu.RLock()
	instance := s.world.InstanceID
	var client *Client
	for i := range s.world.Clients {
		c := &s.world.Clients[i]
		if c.ClientID == clientID && eq(c.Secret, secret) {
			client = c
		}
	}
	s.mu.RUnlock()
	if client == nil {
		writeJSON(w, http.StatusUnauthorized, oauthError{"invalid_client", "unknown client id or wrong client secret"})
		return
	}
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
	s.tokens[tok] = &token{user: user, issued: now, expires: now.Add(s.ttl)}
	s.tokMu.Unlock()
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, apiclient.TokenResponse{AccessToken: tok, TokenType: "Bearer", ExpiresIn: int(s.ttl.Seconds())})
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
