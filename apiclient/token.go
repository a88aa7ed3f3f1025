package apiclient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// WithUserLogin authenticates as an Encompass user with the OAuth2 password
// grant: username "<userID>@encompass:<instanceID>", scope=lp, the client id
// and secret sent as HTTP Basic auth to baseURL + PathToken.
func WithUserLogin(instanceID, userID, password, clientID, clientSecret string) Option {
	return func(c *Client) error {
		if instanceID == "" || userID == "" || password == "" || clientID == "" || clientSecret == "" {
			return errors.New("apiclient: WithUserLogin: instance id, user id, password, client id and client secret are all required")
		}
		conf := &oauth2.Config{
			ClientID:     clientID,
			ClientSecret: clientSecret,
			Endpoint:     oauth2.Endpoint{TokenURL: c.baseURL + PathToken, AuthStyle: oauth2.AuthStyleInHeader},
			Scopes:       []string{TokenScope},
		}
		username := userID + "@encompass:" + instanceID
		c.who = fmt.Sprintf("user %s on instance %s", userID, instanceID)
		c.sec.add(password)
		c.sec.addBasic(clientID, clientSecret)
		c.clientID, c.clientSecret = clientID, clientSecret
		c.tokens = newTokenCache(c, func(ctx context.Context) (*oauth2.Token, error) {
			return conf.PasswordCredentialsToken(ctx, username, password)
		})
		return nil
	}
}

// WithClientCredentials authenticates as an API user with the OAuth2
// client_credentials grant, instance_id=<instanceID> and scope=lp, the
// client id and secret sent as HTTP Basic auth.
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
			Scopes:         []string{TokenScope},
		}
		c.sec.addBasic(clientID, clientSecret)
		c.clientID, c.clientSecret = clientID, clientSecret
		c.who = fmt.Sprintf("API client %s on instance %s", clientID, instanceID)
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

	mu      sync.Mutex
	tok     *oauth2.Token
	fetched time.Time // when tok was obtained
}

// tokenMargin is how long before its expiry a token is replaced: a tenth of
// its life, at most 10 s. x/oauth2's fixed 10 s would fetch a short-lived
// token (a few seconds) before every call.
func tokenMargin(life time.Duration) time.Duration { return min(10*time.Second, life/10) }

// fresh reports whether tok may still be sent at now.
func fresh(tok *oauth2.Token, fetched, now time.Time) bool {
	if tok == nil || tok.AccessToken == "" {
		return false
	}
	if tok.Expiry.IsZero() {
		return true
	}
	return now.Before(tok.Expiry.Add(-tokenMargin(tok.Expiry.Sub(fetched))))
}

func newTokenCache(c *Client, fetch func(context.Context) (*oauth2.Token, error)) *tokenCache {
	return &tokenCache{c: c, fetch: fetch}
}

// token returns a valid token, fetching a new one when there is none or it
// has (nearly) expired.
func (tc *tokenCache) token(ctx context.Context) (*oauth2.Token, error) {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	if fresh(tc.tok, tc.fetched, time.Now()) {
		return tc.tok, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	tc.c.stats.tokenRequests.Add(1)
	fetched := time.Now()
	// x/oauth2 sends token requests through the client found in the context.
	tok, err := tc.fetch(context.WithValue(ctx, oauth2.HTTPClient, tc.c.hc))
	if err != nil {
		if te := tc.c.timeoutError(ctx, http.MethodPost, PathToken, fetched, err); te != nil {
			return nil, te
		}
		return nil, tc.c.tokenError(err)
	}
	if tok == nil || tok.AccessToken == "" {
		return nil, fmt.Errorf("the token endpoint %s returned no access token: %w", PathToken, ErrAuth)
	}
	if tok.Expiry.IsZero() {
		t := *tok
		t.Expiry = time.Now().Add(DefaultTokenLifetime)
		tok = &t
	}
	tc.tok, tc.fetched = tok, fetched
	tc.c.sec.add(tok.AccessToken, tok.RefreshToken) // no error or trace shows them
	return tok, nil
}

// current returns the cached token without fetching one (nil when none).
func (tc *tokenCache) current() *oauth2.Token {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	return tc.tok
}

// drop forgets the cached token.
func (tc *tokenCache) drop() {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	tc.tok = nil
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
		fmt.Fprintf(&b, "apiclient: token request to %s refused", PathToken)
		if c.who != "" {
			b.WriteString(" for " + c.who) // who was tried, never with what
		}
		fmt.Fprintf(&b, ": %d %s", te.StatusCode, http.StatusText(te.StatusCode))
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
		return &TokenError{msg: c.redact("token request: " + err.Error()), err: err}
	}
	return &TokenError{msg: c.redact("token request to " + PathToken + " failed: " + err.Error()), err: err}
}

// redact removes the client's secrets from s.
func (c *Client) redact(s string) string { return c.sec.redact(s) }

// Introspect asks the token endpoint about the current token (fetching one
// first if there is none): POST /oauth2/v1/token/introspection with the form
// token=<access token>, the client id and secret as HTTP Basic auth. A
// non-2xx reply is an *Error whose text carries no token or secret.
func (c *Client) Introspect(ctx context.Context) (*TokenInfo, error) {
	if c.tokens == nil {
		return nil, errors.New("apiclient: Introspect: the client has no credentials")
	}
	tok, err := c.tokens.token(ctx)
	if err != nil {
		return nil, err
	}
	var info TokenInfo
	if err := c.tokenFormPost(ctx, PathTokenIntrospect, tok.AccessToken, &info); err != nil {
		return nil, err
	}
	return &info, nil
}

// RevokeToken ends the current token: POST /oauth2/v1/token/revocation with
// the form token=<access token>, the client as HTTP Basic auth. The cached
// token is dropped whatever the answer, so a later call obtains a new one.
// Without a cached token it does nothing. It is best effort: the error is for
// a log line, not a reason to fail a run.
func (c *Client) RevokeToken(ctx context.Context) error {
	if c.tokens == nil {
		return nil
	}
	tok := c.tokens.current()
	if tok == nil || tok.AccessToken == "" {
		return nil
	}
	c.tokens.drop()
	return c.tokenFormPost(ctx, PathTokenRevoke, tok.AccessToken, nil)
}

// tokenFormPost posts token=<token> to one of the token endpoint's helpers,
// decoding a 2xx JSON reply into v (when not nil).
func (c *Client) tokenFormPost(ctx context.Context, path, token string, v any) error {
	form := url.Values{"token": {token}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.baseURL+path, strings.NewReader(form.Encode()))
	if err != nil {
		return fmt.Errorf("POST %s: %w", path, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	if c.userAgent != "" {
		req.Header.Set("User-Agent", c.userAgent)
	}
	if c.clientID != "" {
		req.SetBasicAuth(c.clientID, c.clientSecret)
	}
	// A server echoing the request must not put the token, the secret or the
	// Basic credentials into an error text.
	clean := func(s string) string { return c.sec.redact(s, token) }
	start := time.Now()
	hresp, err := c.hc.Do(req)
	if err != nil {
		if te := c.timeoutError(ctx, http.MethodPost, path, start, err); te != nil {
			return te
		}
		return errors.New(clean(err.Error()))
	}
	defer drainAndClose(hresp.Body)
	if err := CheckResponse(hresp, c.maxBody); err != nil {
		var e *Error
		if errors.As(err, &e) {
			c.sec.redactError(e, token)
		}
		return err
	}
	if v == nil || hresp.StatusCode == http.StatusNoContent {
		return nil
	}
	if err := json.NewDecoder(hresp.Body).Decode(v); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("POST %s: decoding the %d reply: %w", path, hresp.StatusCode, err)
	}
	return nil
}
