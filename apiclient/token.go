package apiclient

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// WithUserLogin authenticates as an Encompass user with the OAuth2 password
// grant: username "<userID>@encompass:<instanceID>", the client id and secret
// sent as HTTP Basic auth to baseURL + PathToken.
func WithUserLogin(instanceID, userID, password, clientID, clientSecret string) Option {
	return func(c *Client) error {
		if instanceID == "" || userID == "" || password == "" || clientID == "" || clientSecret == "" {
			return errors.New("apiclient: WithUserLogin: instance id, user id, password, client id and client secret are all required")
		}
		conf := &oauth2.Config{
			ClientID:     clientID,
			ClientSecret: clientSecret,
			Endpoint:     oauth2.Endpoint{TokenURL: c.baseURL + PathToken, AuthStyle: oauth2.AuthStyleInHeader},
		}
		username := userID + "@encompass:" + instanceID
		c.secrets = append(c.secrets, password, clientSecret)
		c.tokens = newTokenCache(c, func(ctx context.Context) (*oauth2.Token, error) {
			return conf.PasswordCredentialsToken(ctx, username, password)
		})
		return nil
	}
}

// WithClientCredentials authenticates as an API user with the OAuth2
// client_credentials grant and instance_id=<instanceID>, the client id and
// secret sent as HTTP Basic auth.
func WithClientCredentials(instanceID, clientID, clientSecret string) Option {
	return func(c *Client) error {
		if instanceID == "" || clientID == "" || clientSecret == "" {
			return errors.New("apiclient: WithClientCredentials: instance id, client id and client secret are all required")
		}
		conf := &clientcredentials.Config{
			ClientID:       clientID,
			ClientSecret:   clientSecret,
			TokenURL:       c.baseURL + PathToken,
			EndpointParams: map[string][]string{"instance_id": {instanceID}},
			AuthStyle:      oauth2.AuthStyleInHeader,
		}
		c.secrets = append(c.secrets, clientSecret)
		c.tokens = newTokenCache(c, conf.Token)
		return nil
	}
}

// tokenCache holds the current token for all goroutines. The mutex is held
// while fetching, so only one goroutine asks the token endpoint at a time and
// the others wait for its result.
type tokenCache struct {
	c     *Client
	fetch func(context.Context) (*oauth2.Token, error)

	mu  sync.Mutex
	tok *oauth2.Token
}

func newTokenCache(c *Client, fetch func(context.Context) (*oauth2.Token, error)) *tokenCache {
	return &tokenCache{c: c, fetch: fetch}
}

// token returns a valid token, fetching a new one when there is none or it
// has (nearly) expired.
func (tc *tokenCache) token(ctx context.Context) (*oauth2.Token, error) {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	if tc.tok.Valid() {
		return tc.tok, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	tc.c.stats.tokenRequests.Add(1)
	// x/oauth2 sends token requests through the client found in the context.
	tok, err := tc.fetch(context.WithValue(ctx, oauth2.HTTPClient, tc.c.hc))
	if err != nil {
		return nil, tc.c.tokenError(err)
	}
	if tok == nil || tok.AccessToken == "" {
		return nil, fmt.Errorf("apiclient: the token endpoint %s returned no access token: %w", PathToken, ErrAuth)
	}
	if tok.Expiry.IsZero() {
		t := *tok
		t.Expiry = time.Now().Add(DefaultTokenLifetime)
		tok = &t
	}
	tc.tok = tok
	return tok, nil
}

// invalidate drops the cached token if it is still the one that was refused,
// so that goroutines which saw the same 401 cause one refresh, not many.
func (tc *tokenCache) invalidate(access string) {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	if tc.tok != nil && tc.tok.AccessToken == access {
		tc.tok = nil
	}
}

// TokenError is a failure to obtain a token. Its message never carries the
// token endpoint's raw body, the password or the client secret.
type TokenError struct {
	StatusCode int    // HTTP status of the token endpoint; 0 when it was not reached
	Code       string // OAuth2 "error" (e.g. invalid_grant)
	msg        string
	err        error // the transport error when the endpoint was not reached
}

func (e *TokenError) Error() string { return e.msg }

// Unwrap returns ErrAuth when the credentials were refused, else the
// transport error (if any).
func (e *TokenError) Unwrap() error {
	if e.refused() {
		return ErrAuth
	}
	return e.err
}

func (e *TokenError) refused() bool {
	switch e.StatusCode {
	case http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden:
		return true
	}
	return false
}

// tokenError re-words an error of x/oauth2: its RetrieveError includes the
// raw response body, which must not reach a log.
func (c *Client) tokenError(err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		te := &TokenError{Code: re.ErrorCode}
		if re.Response != nil {
			te.StatusCode = re.Response.StatusCode
		}
		var b strings.Builder
		fmt.Fprintf(&b, "apiclient: token request to %s refused: %d %s", PathToken, te.StatusCode, http.StatusText(te.StatusCode))
		if re.ErrorCode != "" {
			b.WriteString(": " + snippet(re.ErrorCode, 100))
		}
		if re.ErrorDescription != "" {
			b.WriteString(": " + snippet(re.ErrorDescription, 200))
		}
		if te.refused() {
			b.WriteString(" (check the instance id, user id, password, client id and client secret)")
		}
		te.msg = c.redact(b.String())
		return te
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return &TokenError{msg: c.redact("apiclient: token request: " + err.Error()), err: err}
	}
	return &TokenError{msg: c.redact("apiclient: token request to " + PathToken + " failed: " + err.Error()), err: err}
}

// redact removes the configured password and client secret from s.
func (c *Client) redact(s string) string {
	for _, sec := range c.secrets {
		if sec != "" {
			s = strings.ReplaceAll(s, sec, "[REDACTED]")
		}
	}
	return s
}
