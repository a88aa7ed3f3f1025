package apiclient

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Response wraps an API reply with its limit and tracing headers parsed.
// The body has already been consumed and closed when Do returns.
type Response struct {
	*http.Response
	CorrelationID                          string
	ConcurrencyLimit, ConcurrencyRemaining int // -1 when absent
	RateLimit, RateRemaining               int // -1 when absent
	RateReset                              time.Time
	RetryAfter                             time.Duration // 0 when absent; from seconds or an HTTP date
	BodyBytes                              int64         // bytes of a 2xx body read while decoding it
}

func newResponse(r *http.Response) *Response {
	return &Response{
		Response:             r,
		CorrelationID:        r.Header.Get(HeaderCorrelationID),
		ConcurrencyLimit:     headerInt(r.Header, HeaderConcurrencyLimit),
		ConcurrencyRemaining: headerInt(r.Header, HeaderConcurrencyRemaining),
		RateLimit:            headerInt(r.Header, HeaderRateLimit),
		RateRemaining:        headerInt(r.Header, HeaderRateRemaining),
		RateReset:            headerEpoch(r.Header, HeaderRateReset),
		RetryAfter:           parseRetryAfter(r.Header.Get(HeaderRetryAfter), time.Now()),
	}
}

// headerInt returns the header as a non-negative int, or -1 when absent or malformed.
func headerInt(h http.Header, name string) int {
	v := strings.TrimSpace(h.Get(name))
	if v == "" {
		return -1
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return -1
	}
	return n
}

// headerEpoch reads Unix seconds; zero time when absent or malformed.
func headerEpoch(h http.Header, name string) time.Time {
	v := strings.TrimSpace(h.Get(name))
	if v == "" {
		return time.Time{}
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		return time.Time{}
	}
	return time.Unix(n, 0)
}

// parseRetryAfter reads delay-seconds or an HTTP date (RFC 9110 §10.2.3);
// 0 when absent, malformed or in the past.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n <= 0 {
			return 0
		}
		if n > int64(24*time.Hour/time.Second) {
			n = int64(24 * time.Hour / time.Second)
		}
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}
