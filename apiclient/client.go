package apiclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/oauth2"
)

// Defaults of a new Client.
const (
	DefaultMaxErrorBody   = 64 << 10
	DefaultRetryAttempts  = 5
	DefaultRetryBaseDelay = 200 * time.Millisecond
	DefaultRetryMaxDelay  = 10 * time.Second
	DefaultUserAgent      = "encimport"
	// DefaultTokenLifetime is assumed when the token endpoint sends no expires_in.
	DefaultTokenLifetime = 30 * time.Minute
	// DefaultTimeout bounds each call, its answer read in full (WithTimeout).
	DefaultTimeout = 60 * time.Second
)

// Client talks to one Encompass environment. It is safe for concurrent use.
type Client struct {
	baseURL   string // scheme://host[:port][/prefix], no trailing slash
	hc        *http.Client
	userAgent string
	maxBody   int64
	pageSize  int
	observer  func(*Response)
	tracer    *tracer // nil: no trace
	pacer     *pacer  // the calls in flight and their rate (pacer.go)

	retryAttempts int
	retryBase     time.Duration
	retryMax      time.Duration
	timeout       time.Duration // WithTimeout (0: the HTTP client's own)

	tokens       *tokenCache // nil: requests are sent without Authorization
	sec          *secrets    // removed from API errors, token errors and the trace
	clientID     string      // for introspection and revocation (HTTP Basic)
	clientSecret string
	who          string // the identity tokens are asked for, for errors ("user x on instance y")

	stats struct {
		calls, retries, tooMany, reauths, tokenRequests atomic.Int64
	}
}

// Option configures a Client in New.
type Option func(*Client) error

// counters are a Client's traffic since New (for tests).
type counters struct {
	Calls         int64 // API requests sent (token requests not included)
	Retries       int64 // repeats of a read after a transient failure
	TooMany       int64 // 429 replies
	Reauths       int64 // 401 replies followed by a fresh token and a repeat
	TokenRequests int64 // calls to the token endpoint (or the withTokenSource source)
}

// New returns a Client for baseURL (e.g. https://api.elliemae.com). Plain
// http:// is refused unless the host is a loopback address (127.0.0.0/8,
// ::1 or localhost), so credentials never travel in clear text over a network.
// Without WithUserLogin or WithClientCredentials (or withTokenSource, in
// tests) requests are sent without an Authorization header.
func New(baseURL string, opts ...Option) (*Client, error) {
	u, err := url.Parse(baseURL)
	if err != nil {
		return nil, fmt.Errorf("API URL %q is not a URL: %w", baseURL, err)
	}
	if u.Host == "" || u.Hostname() == "" {
		return nil, fmt.Errorf("API URL %q has no host; use e.g. https://api.elliemae.com", baseURL)
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !isLoopback(u.Hostname()) {
			return nil, fmt.Errorf("API URL %q uses plain http to a non-loopback host; use https (http is allowed only for 127.0.0.1, ::1 or localhost)", baseURL)
		}
	default:
		return nil, fmt.Errorf("API URL %q must start with https://", baseURL)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("API URL %q must not carry user info, a query or a fragment", u.Redacted())
	}
	c := &Client{
		baseURL:       strings.TrimRight(u.Scheme+"://"+u.Host+u.EscapedPath(), "/"),
		hc:            defaultHTTPClient(),
		sec:           &secrets{},
		userAgent:     DefaultUserAgent,
		maxBody:       DefaultMaxErrorBody,
		pageSize:      DefaultListPageSize,
		retryAttempts: DefaultRetryAttempts,
		retryBase:     DefaultRetryBaseDelay,
		retryMax:      DefaultRetryMaxDelay,
		pacer:         newPacer(),
	}
	for _, opt := range opts {
		if err := opt(c); err != nil {
			return nil, err
		}
	}
	if c.tracer != nil {
		// Wrap the transport last, whatever the order of the options, so that
		// API, token, introspection and revocation calls are all traced.
		hc := *c.hc
		base := hc.Transport
		if base == nil {
			base = http.DefaultTransport
		}
		hc.Transport = &traceTransport{base: base, t: c.tracer}
		c.hc = &hc
		c.tracer.sec = c.sec
	}
	// No redirect is followed, for any call (token calls included): a
	// redirect would carry the password grant, the client's Basic pair, a
	// bearer token or a new user's password to wherever it points.
	hc := *c.hc
	hc.CheckRedirect = refuseRedirect
	if c.timeout > 0 {
		hc.Timeout = c.timeout
	}
	c.hc = &hc
	return c, nil
}

// refuseRedirect makes a redirect an error naming its target.
func refuseRedirect(req *http.Request, via []*http.Request) error {
	from := via[len(via)-1]
	return fmt.Errorf("the server answered %s %s with a redirect to %s; encimport follows no redirect, so that credentials never leave for another address: check ENCOMPASS_API_URL (the API's own address, e.g. https://api.elliemae.com)",
		from.Method, from.URL.Redacted(), req.URL.Redacted())
}

func isLoopback(host string) bool {
	if strings.EqualFold(strings.TrimSuffix(host, "."), "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// defaultHTTPClient keeps enough idle connections for a pool of ~30 workers
// against one host (the stdlib default keeps 2 and would re-dial constantly).
func defaultHTTPClient() *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = 256
	tr.MaxIdleConnsPerHost = 128
	tr.OnProxyConnectResponse = proxyConnectResponse // a proxy's refusal says so
	return &http.Client{Transport: proxyErrors{tr}, Timeout: DefaultTimeout}
}

// WithTimeout bounds each call, token calls included, from the moment it is
// sent until its answer is read in full (default DefaultTimeout). A call the
// server does not answer in time fails with a *TimeoutError.
func WithTimeout(d time.Duration) Option {
	return func(c *Client) error {
		if d <= 0 {
			return fmt.Errorf("apiclient: WithTimeout(%v): must be positive", d)
		}
		c.timeout = d
		return nil
	}
}

// withHTTPClient sets the HTTP client used for API and token requests.
func withHTTPClient(hc *http.Client) Option {
	return func(c *Client) error {
		if hc == nil {
			return errors.New("apiclient: withHTTPClient: nil client")
		}
		c.hc = hc
		return nil
	}
}

// withUserAgent sets the User-Agent header of every request.
func withUserAgent(ua string) Option {
	return func(c *Client) error {
		c.userAgent = ua
		return nil
	}
}

// withMaxErrorBody bounds how much of a non-2xx reply body is read (default 64 KiB).
func withMaxErrorBody(n int64) Option {
	return func(c *Client) error {
		if n <= 0 {
			return fmt.Errorf("apiclient: withMaxErrorBody(%d): must be positive", n)
		}
		c.maxBody = n
		return nil
	}
}

// WithPageSize sets the limit of each ListUsers page (default DefaultListPageSize).
func WithPageSize(n int) Option {
	return func(c *Client) error {
		if n <= 0 {
			return fmt.Errorf("apiclient: WithPageSize(%d): must be positive", n)
		}
		c.pageSize = n
		return nil
	}
}

// WithRetry sets how the read helpers (GetUser, ListUsers, Organizations,
// Personas, LoanFolders) retry transient failures: at most maxAttempts tries in all,
// waiting Backoff(attempt, baseDelay, maxDelay) between them unless the
// server sends Retry-After. Defaults: 5, 200ms, 10s. Writes are never retried.
func WithRetry(maxAttempts int, baseDelay, maxDelay time.Duration) Option {
	return func(c *Client) error {
		if maxAttempts < 1 || baseDelay < 0 || maxDelay < baseDelay {
			return fmt.Errorf("apiclient: WithRetry(%d, %v, %v): need maxAttempts >= 1 and 0 <= baseDelay <= maxDelay", maxAttempts, baseDelay, maxDelay)
		}
		c.retryAttempts, c.retryBase, c.retryMax = maxAttempts, baseDelay, maxDelay
		return nil
	}
}

// WithObserver sets a function called after every API response, including
// non-2xx ones (not after transport errors, which have no response). It runs
// on the calling goroutine and must be safe for concurrent use.
func WithObserver(fn func(*Response)) Option {
	return func(c *Client) error {
		c.observer = fn
		return nil
	}
}

// withTokenSource makes the client take tokens from ts (for tests). A token
// without an expiry is kept for DefaultTokenLifetime; after a 401 ts is asked
// again.
func withTokenSource(ts oauth2.TokenSource) Option {
	return func(c *Client) error {
		if ts == nil {
			return errors.New("apiclient: withTokenSource: nil token source")
		}
		c.tokens = newTokenCache(c, func(context.Context) (*oauth2.Token, error) { return ts.Token() })
		return nil
	}
}

// counters returns the client's counters.
func (c *Client) counters() counters {
	return counters{
		Calls:         c.stats.calls.Load(),
		Retries:       c.stats.retries.Load(),
		TooMany:       c.stats.tooMany.Load(),
		Reauths:       c.stats.reauths.Load(),
		TokenRequests: c.stats.tokenRequests.Load(),
	}
}

// BaseURL returns the API base URL the client was made with, without a trailing slash.
func (c *Client) BaseURL() string { return c.baseURL }

// NewRequest builds an API request. path is appended to the base URL and
// must start with "/" (escape path segments with url.PathEscape); body, when
// not nil, is sent as JSON ([]byte and json.RawMessage as they are). The
// request body can be replayed (GetBody is set).
func (c *Client) NewRequest(ctx context.Context, method, path string, query url.Values, body any) (*http.Request, error) {
	if !strings.HasPrefix(path, "/") {
		return nil, fmt.Errorf("apiclient: request path %q must start with /", path)
	}
	u, err := url.Parse(c.baseURL + path)
	if err != nil {
		return nil, fmt.Errorf("apiclient: request path %q: %w", path, err)
	}
	if len(query) > 0 {
		u.RawQuery = query.Encode()
	}
	var rd io.Reader
	if body != nil {
		var b []byte
		switch v := body.(type) {
		case []byte:
			b = v
		case json.RawMessage:
			b = v
		default:
			b, err = json.Marshal(body)
			if err != nil {
				return nil, fmt.Errorf("%s %s: encoding the request body: %w", method, path, err)
			}
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	if c.userAgent != "" {
		req.Header.Set("User-Agent", c.userAgent)
	}
	return req, nil
}

// Do sends req with a Bearer token and returns the parsed reply. On a 401 it
// invalidates the token, obtains a new one and sends the request once more
// (the body is replayed with GetBody). Each attempt is paced (pacer.go): it
// takes a slot just before it is sent and gives it back once its answer is
// read. A 2xx JSON body is decoded into v when v is not nil; a non-2xx reply
// returns the Response and an *Error. The response body is always closed. A
// failure to obtain a token returns an error (wrapping ErrAuth when the
// credentials were refused) and no Response; so does a request given up
// before it was sent (ErrNotSent). When the context is done, its error is
// returned rather than the transport's.
func (c *Client) Do(req *http.Request, v any) (*Response, error) {
	for attempt := 1; ; attempt++ {
		resp, again, err := c.attempt(req, attempt, v)
		if !again {
			return resp, err
		}
	}
}

// attempt sends req once, holding a slot from just before it is sent until
// its answer is read. again: the answer was a 401 to repeat with a fresh
// token.
func (c *Client) attempt(req *http.Request, attempt int, v any) (resp *Response, again bool, err error) {
	ctx := req.Context()
	r := req.Clone(ctx) // never mutate the caller's headers
	if attempt > 1 && req.Body != nil && req.Body != http.NoBody {
		body, err := req.GetBody()
		if err != nil {
			return nil, false, fmt.Errorf("%s %s: replaying the body after a 401: %w", req.Method, req.URL.Path, err)
		}
		r.Body = body
	}
	var token string
	if c.tokens != nil {
		tok, err := c.tokens.token(ctx)
		if err != nil {
			return nil, false, err
		}
		token = tok.AccessToken
		r.Header.Set("Authorization", "Bearer "+token)
	}
	sent, err := c.pacer.take(req)
	if err != nil {
		if r.Body != nil {
			_ = r.Body.Close()
		}
		return nil, false, err
	}
	defer c.pacer.release()
	c.stats.calls.Add(1)
	start := time.Now()
	hresp, err := c.hc.Do(r)
	if err != nil {
		if ctx.Err() != nil {
			return nil, false, ctx.Err() // the cause, not how the transport saw it
		}
		if te := c.timeoutError(ctx, req.Method, req.URL.Path, start, err); te != nil {
			return nil, false, te
		}
		return nil, false, err // *url.Error: method, URL and cause; no headers
	}
	resp = newResponse(hresp)
	if hresp.StatusCode == http.StatusTooManyRequests {
		c.stats.tooMany.Add(1)
	}
	canReplay := req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
	if hresp.StatusCode == http.StatusUnauthorized && attempt == 1 && c.tokens != nil && canReplay {
		drainAndClose(hresp.Body)
		c.observe(resp, sent)
		c.stats.reauths.Add(1)
		c.tokens.invalidate(token)
		return resp, true, nil
	}
	err = c.finish(resp, v)
	if te := c.timeoutError(ctx, req.Method, req.URL.Path, start, err); te != nil {
		err = te // the answer's body did not come in time
	}
	c.observe(resp, sent)
	return resp, false, err
}

// observe shows a reply to the pacer (while its call still holds the slot)
// and to the WithObserver function.
func (c *Client) observe(resp *Response, sent int) {
	c.pacer.observe(resp, sent)
	if c.observer != nil {
		c.observer(resp)
	}
}

// finish checks the status, decodes a 2xx body into v and closes the body.
func (c *Client) finish(resp *Response, v any) error {
	defer drainAndClose(resp.Body)
	if err := c.checkResponse(resp.Response); err != nil {
		return err
	}
	if v == nil || resp.StatusCode == http.StatusNoContent {
		return nil
	}
	cr := &bodyCounter{r: resp.Body}
	defer func() { resp.BodyBytes = cr.n }()
	if err := json.NewDecoder(cr).Decode(v); err != nil {
		if errors.Is(err, io.EOF) {
			return nil // empty body
		}
		return fmt.Errorf("%s %s: decoding the %d reply: %w", resp.Request.Method, resp.Request.URL.Path, resp.StatusCode, err)
	}
	return nil
}

// bodyCounter counts the bytes read through it.
type bodyCounter struct {
	r io.Reader
	n int64
}

func (c *bodyCounter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// checkResponse is CheckResponse with the client's secrets, and the
// password the request sent, removed from the error: the one place an API
// error is built.
func (c *Client) checkResponse(resp *http.Response) error {
	err := CheckResponse(resp, c.maxBody)
	var e *Error
	if !errors.As(err, &e) {
		return err
	}
	var sent string
	if req := resp.Request; req != nil && req.GetBody != nil {
		if body, gerr := req.GetBody(); gerr == nil {
			data, _ := io.ReadAll(io.LimitReader(body, 1<<20))
			_ = body.Close()
			sent = sentPassword(data)
		}
	}
	c.sec.redactError(e, sent)
	return err
}

// drainAndClose reads a little of what is left so the connection can be
// reused, then closes the body.
func drainAndClose(body io.ReadCloser) {
	_, _ = io.Copy(io.Discard, io.LimitReader(body, 4<<10))
	_ = body.Close()
}
