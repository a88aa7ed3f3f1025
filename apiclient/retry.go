package apiclient

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"syscall"
	"time"
)

// maxRetryAfter bounds how long a Retry-After header can make a read wait.
const maxRetryAfter = 5 * time.Minute

// ShouldRetry is the one place that decides whether a failed call may be
// repeated and how long to wait first (0: the caller applies Backoff).
//
//   - the context is done, or err is a context error: no;
//   - ErrAuth (credentials refused) and certificate errors: no;
//   - connection errors (refused, reset, unexpected EOF, timeouts, any other
//     transport failure) and token endpoint failures without a reply: yes;
//   - 429, 502, 503, 504: yes, waiting Retry-After when the reply has one;
//   - 500: yes as well. Encompass answers 500 for passing back-end faults,
//     and this is only applied to reads, which are safe to repeat; writes are
//     never retried by the client (see the package doc);
//   - 401 (already after the one re-auth in Do) and every other 4xx: no.
func ShouldRetry(ctx context.Context, resp *Response, err error) (retry bool, wait time.Duration) {
	if ctx != nil && ctx.Err() != nil {
		return false, 0
	}
	if err == nil {
		if resp == nil || resp.Response == nil {
			return false, 0
		}
		return retryableStatus(resp.StatusCode), retryAfter(resp.RetryAfter)
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, ErrAuth) {
		return false, 0
	}
	var apiErr *Error
	if errors.As(err, &apiErr) {
		return retryableStatus(apiErr.StatusCode), retryAfter(apiErr.RetryAfter)
	}
	var tokErr *TokenError
	if errors.As(err, &tokErr) && tokErr.StatusCode != 0 {
		return retryableStatus(tokErr.StatusCode), 0
	}
	var proxyErr *ProxyError
	if errors.As(err, &proxyErr) && proxyErr.StatusCode != 0 {
		return false, 0 // the proxy refused: asking again changes nothing
	}
	var certErr *tls.CertificateVerificationError
	var unknownAuth x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	if errors.As(err, &certErr) || errors.As(err, &unknownAuth) || errors.As(err, &hostErr) {
		return false, 0
	}
	var netErr net.Error
	var urlErr *url.Error
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE),
		errors.As(err, &netErr), errors.As(err, &urlErr):
		return true, 0
	}
	return false, 0
}

func retryableStatus(code int) bool {
	switch code {
	case http.StatusTooManyRequests, http.StatusInternalServerError, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

func retryAfter(d time.Duration) time.Duration {
	return min(max(d, 0), maxRetryAfter)
}

// Backoff returns the wait before retry number attempt (1 for the first
// retry): a uniformly random duration in [0, min(max, base*2^(attempt-1))]
// ("full jitter").
func Backoff(attempt int, base, max time.Duration) time.Duration {
	if base <= 0 || max <= 0 {
		return 0
	}
	attempt = min(attempt, 63)
	d := base
	for i := 1; i < attempt && d < max; i++ {
		d *= 2
	}
	if d > max || d <= 0 {
		d = max
	}
	return rand.N(d + 1)
}

type noRetryKey struct{}

// WithoutRetry marks ctx so that the read helpers make a single attempt: for
// a caller that retries its reads itself (the executor, whose read backs
// have budgets of their own).
func WithoutRetry(ctx context.Context) context.Context {
	return context.WithValue(ctx, noRetryKey{}, true)
}

// TooManyBudget times the attempts is how many 429 answers one call may get
// before it gives up: the gateway's 429 means "not now", not "failed", but
// its code 100002 also covers a spent daily quota, so 429s must end a run
// eventually rather than loop.
const TooManyBudget = 4

// getWithRetry sends a GET through Do, repeating it while ShouldRetry allows,
// at most c.retryAttempts times in all (once under WithoutRetry).
func (c *Client) getWithRetry(ctx context.Context, path string, query url.Values, v any) (*Response, error) {
	attempts := c.retryAttempts
	if ctx.Value(noRetryKey{}) != nil {
		attempts = 1
	}
	tooMany := 0
	for attempt := 1; ; attempt++ {
		req, err := c.NewRequest(ctx, http.MethodGet, path, query, nil)
		if err != nil {
			return nil, err
		}
		resp, err := c.Do(req, v)
		if err == nil {
			return resp, nil
		}
		// A 429 refused the call before anything happened: it has a budget
		// of its own (TooManyBudget × attempts), so a busy shared cap does
		// not end a read that other failures would have let through, and a
		// spent daily quota still ends it.
		if errors.Is(err, ErrTooManyRequests) {
			tooMany++
		}
		retry, wait := ShouldRetry(ctx, resp, err)
		if !retry || attempt-tooMany >= attempts || tooMany >= TooManyBudget*attempts {
			return resp, err
		}
		if wait == 0 {
			wait = Backoff(attempt, c.retryBase, c.retryMax)
		}
		c.stats.retries.Add(1)
		if serr := Sleep(ctx, wait); serr != nil {
			return resp, fmt.Errorf("%w while waiting to retry after: %w", serr, err)
		}
	}
}

// Sleep waits d, or less when ctx is done first (then it returns ctx's
// error): the wait between attempts, for the client and the executor alike.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
