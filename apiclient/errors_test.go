package apiclient

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/encimport/encimport/encompass"
)

func fakeResponse(status int, header http.Header, body io.Reader) *http.Response {
	if header == nil {
		header = http.Header{}
	}
	u, _ := url.Parse("https://api.example.com/encompass/v3/users?orgId=3")
	return &http.Response{
		StatusCode: status,
		Header:     header,
		Body:       io.NopCloser(body),
		Request:    &http.Request{Method: http.MethodPost, URL: u},
	}
}

func TestCheckResponse(t *testing.T) {
	tests := []struct {
		name    string
		status  int
		header  http.Header
		file    string // body from testdata/, "" for none
		body    string
		want    Error
		wantMsg string
	}{
		{
			name: "conflict", status: 409, header: http.Header{"X-Correlation-Id": {"abc"}},
			file:    "error_conflict.json",
			want:    Error{StatusCode: 409, Method: "POST", Path: PathUsers, Summary: "Conflict", Details: "user id exists", ErrorCode: "EBS-909", CorrelationID: "abc"},
			wantMsg: "POST /encompass/v3/users: 409 Conflict: EBS-909: user id exists (correlation id abc)",
		},
		{
			name: "nested errors", status: 400, file: "error_nested.json",
			want: Error{StatusCode: 400, Method: "POST", Path: PathUsers, Summary: "Bad Request", Details: "The request is invalid", ErrorCode: "EBS-400",
				Errors: []ErrorBody{{Details: "firstName is required", ErrorCode: "EBS-402"}, {Summary: "email too long", ErrorCode: "EBS-403"}}},
			wantMsg: "POST /encompass/v3/users: 400 Bad Request: EBS-400: The request is invalid; EBS-402: firstName is required; EBS-403: email too long",
		},
		{
			name: "nested under error (the vendor's bindings)", status: 400, file: "error_nested_error.json",
			want: Error{StatusCode: 400, Method: "POST", Path: PathUsers, Summary: "Bad Request", Details: "The request is invalid", ErrorCode: "EBS-400",
				Errors: []ErrorBody{{Summary: "Invalid value", Details: "workingFolder Nope is not a loan folder", ErrorCode: "EBS-417"}}},
			wantMsg: "POST /encompass/v3/users: 400 Bad Request: EBS-400: The request is invalid; EBS-417: workingFolder Nope is not a loan folder",
		},
		{
			name: "size cap", status: 400, file: "size_cap_400.json",
			want:    Error{StatusCode: 400, Method: "POST", Path: PathUsers, Details: "Response exceeds maximum size (6 MB)"},
			wantMsg: "POST /encompass/v3/users: 400 Bad Request: Response exceeds maximum size (6 MB)",
		},
		{
			name: "gateway 429", status: 429, header: http.Header{"Retry-After": {"3"}}, file: "error_gateway_429.json",
			want: Error{StatusCode: 429, Method: "POST", Path: PathUsers, ErrorCode: GatewayConcurrencyErrorCode,
				Details: "Client has exceeded the concurrency limit or daily quota", RetryAfter: 3 * time.Second},
			wantMsg: "POST /encompass/v3/users: 429 Too Many Requests: 100002: Client has exceeded the concurrency limit or daily quota",
		},
		{
			name: "summary only", status: 403, body: `{"summary":"Caller may not touch users outside its organization"}`,
			want:    Error{StatusCode: 403, Method: "POST", Path: PathUsers, Summary: "Caller may not touch users outside its organization"},
			wantMsg: "POST /encompass/v3/users: 403 Forbidden: Caller may not touch users outside its organization",
		},
		{
			name: "html from a proxy", status: 502, body: "<html>\n<body>Bad\tgateway</body></html>",
			want:    Error{StatusCode: 502, Method: "POST", Path: PathUsers, Details: "<html> <body>Bad gateway</body></html>"},
			wantMsg: "POST /encompass/v3/users: 502 Bad Gateway: <html> <body>Bad gateway</body></html>",
		},
		{
			name: "empty body", status: 500,
			want:    Error{StatusCode: 500, Method: "POST", Path: PathUsers},
			wantMsg: "POST /encompass/v3/users: 500 Internal Server Error",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := tt.body
			if tt.file != "" {
				b, err := os.ReadFile(filepath.Join("testdata", tt.file))
				if err != nil {
					t.Fatal(err)
				}
				body = string(b)
			}
			err := CheckResponse(fakeResponse(tt.status, tt.header, strings.NewReader(body)), 0)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("CheckResponse = %v, want *Error", err)
			}
			if !equalError(*e, tt.want) {
				t.Errorf("error = %+v\nwant    %+v", *e, tt.want)
			}
			if got := e.Error(); got != tt.wantMsg {
				t.Errorf("Error() = %q\nwant      %q", got, tt.wantMsg)
			}
			if !IsStatus(err, tt.status) {
				t.Errorf("IsStatus(%d) = false", tt.status)
			}
		})
	}
}

func equalError(a, b Error) bool { return reflect.DeepEqual(a, b) }

func TestCheckResponse2xx(t *testing.T) {
	for _, status := range []int{200, 201, 204} {
		if err := CheckResponse(fakeResponse(status, nil, strings.NewReader("")), 0); err != nil {
			t.Errorf("CheckResponse(%d) = %v, want nil", status, err)
		}
	}
}

// countingReader is an endless body that counts what was read from it.
type countingReader struct{ n, limit int64 }

func (r *countingReader) Read(p []byte) (int, error) {
	if r.n >= r.limit {
		return 0, io.EOF
	}
	n := min(int64(len(p)), r.limit-r.n)
	for i := range n {
		p[i] = 'x'
	}
	r.n += n
	return int(n), nil
}

func TestCheckResponseBoundsBody(t *testing.T) {
	tests := []struct {
		maxBody, wantMax int64
	}{
		{1024, 1024},
		{0, DefaultMaxErrorBody},
	}
	for _, tt := range tests {
		body := &countingReader{limit: 10 << 20}
		err := CheckResponse(fakeResponse(500, nil, body), tt.maxBody)
		if !IsStatus(err, 500) {
			t.Fatalf("CheckResponse = %v", err)
		}
		if body.n > tt.wantMax {
			t.Errorf("maxBody %d: read %d bytes of a 10 MB body, want at most %d", tt.maxBody, body.n, tt.wantMax)
		}
		if len(err.Error()) > 400 {
			t.Errorf("error message is %d bytes long, want a short snippet", len(err.Error()))
		}
	}
}

func TestDoBoundsErrorBody(t *testing.T) {
	// Through a real server: a 10 MB error body must not make Do read it all
	// (the handler sees a write error once the client closes the connection,
	// or the client returns quickly); we assert the error is parsed and short.
	f := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
		w.WriteHeader(http.StatusBadRequest)
		chunk := []byte(strings.Repeat("y", 64<<10))
		for range 160 {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	})
	c, _ := newTestClient(t, f, withMaxErrorBody(100))
	_, err := c.PatchUser(ctxT(t), "a", map[string]string{})
	var e *Error
	if !errors.As(err, &e) || e.StatusCode != 400 {
		t.Fatalf("PatchUser = %v, want a 400 *Error", err)
	}
	if len(e.Details) > 210 {
		t.Errorf("Details is %d bytes, want a bounded snippet", len(e.Details))
	}
}

func TestResponseHeaders(t *testing.T) {
	now := time.Now()
	date := now.Add(90 * time.Second).UTC().Format(http.TimeFormat)
	tests := []struct {
		name   string
		header http.Header
		check  func(t *testing.T, r *Response)
	}{
		{"all present", http.Header{
			"X-Correlation-Id":              {"corr-1"},
			"X-Concurrency-Limit-Limit":     {"30"},
			"X-Concurrency-Limit-Remaining": {"12"},
			"X-Rate-Limit-Limit":            {"1000"},
			"X-Rate-Limit-Remaining":        {"998"},
			"X-Rate-Limit-Reset":            {"1700000000"},
			"Retry-After":                   {"7"},
		}, func(t *testing.T, r *Response) {
			if r.CorrelationID != "corr-1" || r.ConcurrencyLimit != 30 || r.ConcurrencyRemaining != 12 ||
				r.RateLimit != 1000 || r.RateRemaining != 998 || !r.RateReset.Equal(time.Unix(1700000000, 0)) || r.RetryAfter != 7*time.Second {
				t.Errorf("parsed %+v", r)
			}
		}},
		{"absent", http.Header{}, func(t *testing.T, r *Response) {
			if r.CorrelationID != "" || r.ConcurrencyLimit != -1 || r.ConcurrencyRemaining != -1 || r.RateLimit != -1 ||
				r.RateRemaining != -1 || !r.RateReset.IsZero() || r.RetryAfter != 0 {
				t.Errorf("parsed %+v, want -1/zero values", r)
			}
		}},
		{"malformed", http.Header{"X-Concurrency-Limit-Limit": {"many"}, "X-Concurrency-Limit-Remaining": {"-3"}, "Retry-After": {"soon"}}, func(t *testing.T, r *Response) {
			if r.ConcurrencyLimit != -1 || r.ConcurrencyRemaining != -1 || r.RetryAfter != 0 {
				t.Errorf("parsed %+v, want -1/0", r)
			}
		}},
		{"zero remaining", http.Header{"X-Concurrency-Limit-Remaining": {"0"}}, func(t *testing.T, r *Response) {
			if r.ConcurrencyRemaining != 0 {
				t.Errorf("ConcurrencyRemaining = %d, want 0", r.ConcurrencyRemaining)
			}
		}},
		{"retry-after date", http.Header{"Retry-After": {date}}, func(t *testing.T, r *Response) {
			if r.RetryAfter < 80*time.Second || r.RetryAfter > 91*time.Second {
				t.Errorf("RetryAfter = %v, want about 90s", r.RetryAfter)
			}
		}},
		{"retry-after date in the past", http.Header{"Retry-After": {now.Add(-time.Hour).UTC().Format(http.TimeFormat)}}, func(t *testing.T, r *Response) {
			if r.RetryAfter != 0 {
				t.Errorf("RetryAfter = %v, want 0", r.RetryAfter)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
				for k, v := range tt.header {
					w.Header()[k] = v
				}
				_, _ = w.Write([]byte(`[]`))
			})
			var seen []*Response
			c, _ := newTestClient(t, f, WithObserver(func(r *Response) { seen = append(seen, r) }))
			_, resp, err := c.Personas(ctxT(t))
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, resp)
			if len(seen) != 1 || seen[0] != resp {
				t.Errorf("observer saw %d responses, want the one returned", len(seen))
			}
		})
	}
}

func TestErrorCarriesNoToken(t *testing.T) {
	f := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
		w.Header().Set("X-Correlation-ID", "c-9")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"summary":"Bad Request","details":"bad email","errorCode":"EBS-404"}`))
	})
	c, _ := newTestClient(t, f)
	_, err := c.CreateUser(ctxT(t), "", &encompass.User{ID: "a", Password: "Sekr3t-Passw0rd"})
	if err == nil {
		t.Fatal("want an error")
	}
	for _, s := range []string{"tok1", "Bearer", "Sekr3t-Passw0rd"} {
		if strings.Contains(err.Error(), s) {
			t.Errorf("error %q contains %q", err, s)
		}
	}
}

func TestErrTooManyRequests(t *testing.T) {
	tests := []struct {
		err  error
		want bool
	}{
		{&Error{StatusCode: http.StatusTooManyRequests}, true},
		{&Error{StatusCode: http.StatusForbidden, ErrorCode: GatewayConcurrencyErrorCode}, true}, // the gateway's body decides
		{fmt.Errorf("wrapped: %w", &Error{StatusCode: http.StatusTooManyRequests}), true},
		{&Error{StatusCode: http.StatusServiceUnavailable}, false},
		{errors.New("429"), false},
	}
	for _, tt := range tests {
		if got := errors.Is(tt.err, ErrTooManyRequests); got != tt.want {
			t.Errorf("errors.Is(%v, ErrTooManyRequests) = %v, want %v", tt.err, got, tt.want)
		}
	}
	// From the wire: the gateway's 429 body.
	body, err := os.ReadFile(filepath.Join("testdata", "error_gateway_429.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckResponse(fakeResponse(http.StatusTooManyRequests, nil, strings.NewReader(string(body))), 0); !errors.Is(err, ErrTooManyRequests) {
		t.Errorf("the gateway's 429: %v, want ErrTooManyRequests", err)
	}
}

// TestMessage: the report's rendering of an error, next to Error()'s.
func TestMessage(t *testing.T) {
	ae := &Error{StatusCode: 400, Method: "POST", Path: PathUsers, Summary: "Bad Request", Details: "x",
		Errors: []ErrorBody{{ErrorCode: "EBS-402", Details: "email: required"}}, CorrelationID: "c1"}
	for _, tt := range []struct {
		err  error
		want string
	}{
		{ae, "Bad Request: x; EBS-402: email: required"},
		{fmt.Errorf("while waiting: %w", ae), "Bad Request: x; EBS-402: email: required"},
		{&Error{StatusCode: 502}, "502 Bad Gateway"},
		{errors.New("connection reset"), "connection reset"},
	} {
		if got := Message(tt.err); got != tt.want {
			t.Errorf("Message(%v) = %q, want %q", tt.err, got, tt.want)
		}
	}
	if got, want := ae.Error(), "POST /encompass/v3/users: 400 Bad Request: x; EBS-402: email: required (correlation id c1)"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}
