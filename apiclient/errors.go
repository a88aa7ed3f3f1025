package apiclient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// ErrAuth is wrapped by failures to obtain a token because the credentials
// were refused (the token endpoint answered 400, 401 or 403). It is fatal for
// a run: test with errors.Is(err, ErrAuth).
var ErrAuth = errors.New("authentication failed")

// Error is a non-2xx API reply.
type Error struct {
	StatusCode    int
	Method, Path  string      // of the request; the path carries no query
	Summary       string      // Encompass "summary"
	Details       string      // Encompass "details", the gateway "message" or the start of a non-JSON body
	ErrorCode     string      // Encompass "errorCode" (e.g. EBS-909) or the gateway "code" (e.g. 100002)
	Errors        []ErrorBody // nested Encompass errors, when sent
	CorrelationID string
	RetryAfter    time.Duration
}

// ErrTooManyRequests is matched by an *Error that is the gateway refusing a
// call because the concurrency cap or the daily quota is used up: a 429, or
// the gateway's code 100002. Test with errors.Is(err, ErrTooManyRequests).
var ErrTooManyRequests = errors.New("too many requests")

// ErrNotSent is wrapped by the error of a call Do gave up before sending it
// (its context, or its WithStartCancel context, was done while it waited
// for the rate or a slot): the call had no effect.
var ErrNotSent = errors.New("apiclient: request not sent")

// ErrTimeout is wrapped by the error of a call the server did not answer
// within the client's timeout (WithTimeout): test with errors.Is(err,
// ErrTimeout), or errors.As a *TimeoutError.
var ErrTimeout = errors.New("the server did not answer in time")

// TimeoutError is a call the server did not answer (or did not finish
// answering) within the client's timeout. It also wraps the transport's
// error, so a timeout is classified as before (ShouldRetry: not repeated).
type TimeoutError struct {
	Method, Path string
	After        time.Duration // how long the call waited
	err          error
}

func (e *TimeoutError) Error() string {
	return fmt.Sprintf("the server did not answer %s %s within %s; check the API URL and the network, or raise --timeout",
		e.Method, e.Path, seconds(e.After))
}

func (e *TimeoutError) Unwrap() []error { return []error{ErrTimeout, e.err} }

// seconds renders d as "60s" or "2.5s" (time.Duration's "1m0s" reads oddly
// next to --timeout 60s).
func seconds(d time.Duration) string {
	return strconv.FormatFloat(d.Round(100*time.Millisecond).Seconds(), 'f', -1, 64) + "s"
}

// timeoutError returns a *TimeoutError when err is the client's own timeout
// (or the dialer's) for a call sent at start, nil otherwise (the caller's
// context done, or another failure).
func (c *Client) timeoutError(ctx context.Context, method, path string, start time.Time, err error) *TimeoutError {
	var ne net.Error
	if err == nil || ctx.Err() != nil || !errors.As(err, &ne) || !ne.Timeout() {
		return nil
	}
	after := time.Since(start)
	if limit := c.hc.Timeout; limit > 0 && after > limit-time.Second {
		after = limit // the timeout, not the few milliseconds past it
	}
	return &TimeoutError{Method: method, Path: path, After: after, err: err}
}

// Is makes errors.Is(e, ErrTooManyRequests) hold for a 429 or a 100002 reply.
func (e *Error) Is(target error) bool {
	return target == ErrTooManyRequests &&
		(e.StatusCode == http.StatusTooManyRequests || e.ErrorCode == GatewayConcurrencyErrorCode)
}

// Error renders e.g. "POST /encompass/v3/users: 409 Conflict: EBS-909: user
// id exists (correlation id abc)": the request, the status, the code, the
// server's words (details, else a summary that is not just the status
// text), the first five nested errors and the correlation id. It never
// includes headers, tokens or request bodies.
func (e *Error) Error() string {
	var b strings.Builder
	if e.Method != "" || e.Path != "" {
		fmt.Fprintf(&b, "%s %s: ", e.Method, e.Path)
	}
	b.WriteString(e.status())
	if e.ErrorCode != "" {
		b.WriteString(": " + e.ErrorCode)
	}
	msg := e.Details
	if msg == "" && !strings.EqualFold(e.Summary, http.StatusText(e.StatusCode)) {
		msg = e.Summary
	}
	if msg != "" {
		b.WriteString(": " + msg)
	}
	e.writeNested(&b, 5)
	if e.CorrelationID != "" {
		b.WriteString(" (correlation id " + e.CorrelationID + ")")
	}
	return b.String()
}

// Message renders the server's own words for a report row: "summary:
// details" (the status text when the reply says neither) and every nested
// error. The status, code and correlation id have columns of their own
// there, so they are left out.
func (e *Error) Message() string {
	var b strings.Builder
	var parts []string
	for _, s := range []string{e.Summary, e.Details} {
		if s = strings.TrimSpace(s); s != "" {
			parts = append(parts, s)
		}
	}
	if len(parts) == 0 {
		parts = append(parts, e.status())
	}
	b.WriteString(strings.Join(parts, ": "))
	e.writeNested(&b, -1)
	return b.String()
}

// Message renders err for a report row or a log line: an *Error's Message
// when err is or wraps one, err's text otherwise. No error of this package
// holds a token, password or secret.
func Message(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message()
	}
	return err.Error()
}

// status is e.g. "409 Conflict".
func (e *Error) status() string {
	return strings.TrimSpace(fmt.Sprintf("%d %s", e.StatusCode, http.StatusText(e.StatusCode)))
}

// writeNested appends "; CODE: details" for each nested error (at most
// limit of them, then "; and N more"; limit < 0: all).
func (e *Error) writeNested(b *strings.Builder, limit int) {
	for i, n := range e.Errors {
		if i == limit {
			fmt.Fprintf(b, "; and %d more", len(e.Errors)-i)
			break
		}
		b.WriteString("; ")
		if n.ErrorCode != "" {
			b.WriteString(n.ErrorCode + ": ")
		}
		if n.Details != "" {
			b.WriteString(n.Details)
		} else {
			b.WriteString(n.Summary)
		}
	}
}

// CheckResponse returns nil for a 2xx reply and an *Error otherwise, reading
// at most maxBody bytes of the body (maxBody <= 0 means DefaultMaxErrorBody).
// It does not close the body.
func CheckResponse(resp *http.Response, maxBody int64) error {
	if resp.StatusCode >= 200 && resp.StatusCode <= 299 {
		return nil
	}
	if maxBody <= 0 {
		maxBody = DefaultMaxErrorBody
	}
	e := &Error{
		StatusCode:    resp.StatusCode,
		CorrelationID: resp.Header.Get(HeaderCorrelationID),
		RetryAfter:    parseRetryAfter(resp.Header.Get(HeaderRetryAfter), time.Now()),
	}
	if resp.Request != nil {
		e.Method = resp.Request.Method
		if resp.Request.URL != nil {
			e.Path = resp.Request.URL.Path
		}
	}
	var data []byte
	if resp.Body != nil {
		data, _ = io.ReadAll(io.LimitReader(resp.Body, maxBody))
	}
	parseErrorBody(e, data)
	return e
}

func parseErrorBody(e *Error, data []byte) {
	data = []byte(strings.TrimSpace(string(data)))
	if len(data) == 0 {
		return
	}
	// ErrorBody has its own UnmarshalJSON (decode.go), so the gateway's
	// fields are read in a second, small pass.
	var body ErrorBody
	var gw struct {
		Code    json.RawMessage `json:"code"`
		Message string          `json:"message"`
	}
	if err := json.Unmarshal(data, &body); err != nil || json.Unmarshal(data, &gw) != nil {
		e.Details = snippet(string(data), 200)
		return
	}
	e.Summary, e.Details, e.ErrorCode, e.Errors = body.Summary, body.Details, body.ErrorCode, body.Errors
	if e.ErrorCode == "" && len(gw.Code) > 0 && string(gw.Code) != "null" {
		// The gateway sends "code" as a string; accept a number too.
		var s string
		if json.Unmarshal(gw.Code, &s) != nil {
			s = string(gw.Code)
		}
		e.ErrorCode = s
	}
	if e.Details == "" && gw.Message != "" {
		e.Details = gw.Message
	}
}

// snippet shortens a non-JSON body (an HTML page from a proxy, say) to one
// printable line.
func snippet(s string, n int) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return ' '
		}
		if !unicode.IsPrint(r) {
			return -1
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		cut := n
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

// IsStatus reports whether err is (or wraps) an *Error with the given status.
func IsStatus(err error, code int) bool {
	var e *Error
	return errors.As(err, &e) && e.StatusCode == code
}

// IsNotFound reports whether err is a 404 reply.
func IsNotFound(err error) bool { return IsStatus(err, http.StatusNotFound) }
