package apiclient

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// TraceBodyLimit caps each body written to the trace.
const TraceBodyLimit = 64 << 10

// traceMargin is read past TraceBodyLimit so that a secret straddling the
// cap is still whole when it is redacted, before the body is cut.
const traceMargin = 16 << 10

// traceHeaders are the headers a trace line keeps (Authorization is shown
// only as its scheme).
var traceHeaders = []string{
	"Content-Type", HeaderCorrelationID, HeaderConcurrencyLimit, HeaderConcurrencyRemaining,
	HeaderRateLimit, HeaderRateRemaining, HeaderRateReset, HeaderRetryAfter, "Location", HeaderTotalCount,
}

var (
	// secretJSON matches a JSON member whose key names a secret, whatever
	// its scalar value; it works on a truncated body too (a string cut off
	// by the end of the text is matched to the end).
	secretJSON = regexp.MustCompile(`(?i)"(password|access_token|refresh_token|id_token|client_secret|token)"(\s*:\s*)("(?:[^"\\]|\\.)*(?:"|$)|-?[0-9][0-9.eE+-]*|true|false)`)
	// secretForm matches a form field that carries a secret.
	secretForm = regexp.MustCompile(`(?i)(^|&)(password|client_secret|token|access_token|refresh_token|id_token)=([^&]*)`)
)

// WithTrace writes every HTTP exchange of the client (API calls and token,
// introspection and revocation calls) to w as one JSON line: {"time",
// "method", "path", "query", "status", "duration_ms", "request_headers",
// "response_headers", "request_body", "response_body", "error"}. Only the
// headers that matter are kept (Content-Type, X-Correlation-ID, the
// concurrency and rate limit headers, Retry-After, Location, X-Total-Count),
// Authorization only as "Bearer [redacted]" or "Basic [redacted]". Bodies are
// cut at TraceBodyLimit. Secrets are removed: the JSON members password,
// access_token, refresh_token, id_token, client_secret and token; the form
// fields password, client_secret and token; and the configured password and
// client secret and every token seen, raw, URL-encoded, JSON-escaped and
// base64-encoded, wherever they appear. Lines are written whole, one at a
// time (w needs no locking of its own). A line is written when the response
// body is closed.
func WithTrace(w io.Writer) Option {
	return func(c *Client) error {
		if w == nil {
			return errors.New("apiclient: WithTrace: nil writer")
		}
		c.tracer = &tracer{w: w}
		return nil
	}
}

// tracer writes trace lines; the client's secrets are removed from them.
type tracer struct {
	wmu sync.Mutex
	w   io.Writer
	sec *secrets
}

// addSecrets makes the client remove ss (in all their forms) from every
// later line and error.
func (t *tracer) addSecrets(ss ...string) { t.sec.add(ss...) }

// redact removes every known secret and every form in local from s.
func (t *tracer) redact(s string, local []string) string { return t.sec.redactForms(s, local) }

// traceRecord is one line of the trace.
type traceRecord struct {
	Time            string            `json:"time"`
	Method          string            `json:"method"`
	Path            string            `json:"path"`
	Query           string            `json:"query"`
	Status          int               `json:"status"`
	DurationMS      float64           `json:"duration_ms"`
	RequestHeaders  map[string]string `json:"request_headers"`
	ResponseHeaders map[string]string `json:"response_headers"`
	RequestBody     string            `json:"request_body"`
	ResponseBody    string            `json:"response_body"`
	Error           string            `json:"error"`
}

// exchange is one request on its way through the trace.
type exchange struct {
	t       *tracer
	start   time.Time
	req     *http.Request
	reqBody []byte
	reqLen  int
}

// traceTransport traces every round trip of the client's HTTP client.
type traceTransport struct {
	base http.RoundTripper
	t    *tracer
}

func (tt *traceTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	x := &exchange{t: tt.t, start: time.Now(), req: req}
	tt.t.learnFromAuth(req.Header.Get("Authorization"))
	if req.Body != nil && req.Body != http.NoBody {
		if req.GetBody != nil {
			if rc, err := req.GetBody(); err == nil {
				x.reqBody, x.reqLen = readCapped(rc)
				_ = rc.Close()
			}
		} else {
			all, err := io.ReadAll(req.Body)
			_ = req.Body.Close()
			if err != nil {
				return nil, err
			}
			x.reqBody, x.reqLen = capBytes(all), len(all)
			req = req.Clone(req.Context()) // RoundTrip must not modify the caller's request
			req.Body = io.NopCloser(bytes.NewReader(all))
		}
	}
	resp, err := tt.base.RoundTrip(req)
	if err != nil {
		x.emit(nil, nil, 0, err)
		return nil, err
	}
	resp.Body = &traceBody{rc: resp.Body, x: x, resp: resp}
	return resp, nil
}

// learnFromAuth adds the bearer token or the Basic password of an
// Authorization header to the known secrets.
func (t *tracer) learnFromAuth(auth string) {
	scheme, cred, ok := strings.Cut(auth, " ")
	if !ok || cred == "" {
		return
	}
	switch {
	case strings.EqualFold(scheme, "Bearer"):
		t.addSecrets(cred)
	case strings.EqualFold(scheme, "Basic"):
		if raw, err := base64.StdEncoding.DecodeString(cred); err == nil {
			if _, secret, ok := strings.Cut(string(raw), ":"); ok {
				t.addSecrets(secret, string(raw))
			}
		}
	}
}

func readCapped(r io.Reader) ([]byte, int) {
	b, _ := io.ReadAll(io.LimitReader(r, TraceBodyLimit+traceMargin+1))
	n := len(b)
	if n > TraceBodyLimit+traceMargin {
		n = -1 // longer than what was read
	}
	return capBytes(b), n
}

func capBytes(b []byte) []byte {
	if len(b) > TraceBodyLimit+traceMargin {
		return b[:TraceBodyLimit+traceMargin]
	}
	return b
}

// traceBody records the start of a response body as it is read and writes
// the exchange's line when it is closed.
type traceBody struct {
	rc    io.ReadCloser
	x     *exchange
	resp  *http.Response
	buf   []byte
	total int
	once  sync.Once
}

func (b *traceBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	if n > 0 {
		b.total += n
		if room := TraceBodyLimit + traceMargin - len(b.buf); room > 0 {
			b.buf = append(b.buf, p[:min(n, room)]...)
		}
	}
	return n, err
}

func (b *traceBody) Close() error {
	err := b.rc.Close()
	b.once.Do(func() { b.x.emit(b.resp, b.buf, b.total, nil) })
	return err
}

// emit writes the exchange's line; resp is nil after a transport error.
func (x *exchange) emit(resp *http.Response, respBody []byte, respLen int, rtErr error) {
	t := x.t
	// Secrets sent in this exchange's request body (a new user's password,
	// say) are removed from its reply as well, without being remembered.
	reqText, local := redactBody(string(x.reqBody), x.req.Header.Get("Content-Type"))
	var localForms []string
	for _, s := range local {
		if len(s) >= minSecretLen {
			localForms = appendForms(localForms, s)
		}
	}
	sortLongestFirst(localForms)

	rec := traceRecord{
		Time:           x.start.UTC().Format(time.RFC3339Nano),
		Method:         x.req.Method,
		Path:           t.redact(x.req.URL.Path, localForms),
		RequestHeaders: traceHeaderMap(t, x.req.Header, true, localForms),
		RequestBody:    cutBody(t.redact(reqText, localForms), x.reqLen < 0 || x.reqLen > TraceBodyLimit),
		DurationMS:     float64(time.Since(x.start).Microseconds()) / 1000,
	}
	q, _ := redactBody(x.req.URL.RawQuery, "application/x-www-form-urlencoded")
	rec.Query = t.redact(q, localForms)
	if resp != nil {
		rec.Status = resp.StatusCode
		rec.ResponseHeaders = traceHeaderMap(t, resp.Header, false, localForms)
		text, found := redactBody(string(respBody), resp.Header.Get("Content-Type"))
		// Tokens handed out by the token endpoint are secrets from now on.
		t.addSecrets(found...)
		rec.ResponseBody = cutBody(t.redact(text, localForms), respLen > TraceBodyLimit)
	}
	if rtErr != nil {
		rec.Error = t.redact(rtErr.Error(), localForms)
	}
	line, err := json.Marshal(rec)
	if err != nil {
		return
	}
	line = append(line, '\n')
	t.wmu.Lock()
	defer t.wmu.Unlock()
	_, _ = t.w.Write(line)
}

func traceHeaderMap(t *tracer, h http.Header, request bool, local []string) map[string]string {
	out := map[string]string{}
	for _, name := range traceHeaders {
		if v := h.Values(name); len(v) > 0 {
			out[name] = t.redact(strings.Join(v, ", "), local)
		}
	}
	if request {
		if auth := h.Get("Authorization"); auth != "" {
			scheme, _, _ := strings.Cut(auth, " ")
			switch {
			case strings.EqualFold(scheme, "Bearer"), strings.EqualFold(scheme, "Basic"):
				out["Authorization"] = scheme + " " + redacted
			default:
				out["Authorization"] = redacted
			}
		}
	}
	return out
}

// redactBody replaces the values of secret JSON members and (for a form)
// secret form fields, returning the text and the values it removed.
func redactBody(s, contentType string) (string, []string) {
	if s == "" {
		return s, nil
	}
	var found []string
	if strings.ContainsAny(s, `"`) {
		s = secretJSON.ReplaceAllStringFunc(s, func(m string) string {
			sub := secretJSON.FindStringSubmatch(m)
			v := sub[3]
			if strings.HasPrefix(v, `"`) {
				var str string
				if json.Unmarshal([]byte(v), &str) == nil {
					found = append(found, str)
				} else if len(v) > 1 {
					found = append(found, v[1:]) // cut off: keep what there is
				}
			} else {
				found = append(found, v)
			}
			return `"` + sub[1] + `"` + sub[2] + `"` + redacted + `"`
		})
	}
	if strings.Contains(strings.ToLower(contentType), "application/x-www-form-urlencoded") {
		s = secretForm.ReplaceAllStringFunc(s, func(m string) string {
			sub := secretForm.FindStringSubmatch(m)
			if v, err := url.QueryUnescape(sub[3]); err == nil {
				found = append(found, v)
			}
			found = append(found, sub[3])
			return sub[1] + sub[2] + "=" + redacted
		})
	}
	return s, found
}

// cutBody cuts a redacted body to TraceBodyLimit (on a rune boundary) and
// marks it when it, or the body it came from, was longer.
func cutBody(s string, longer bool) string {
	cut := longer || len(s) > TraceBodyLimit
	if len(s) > TraceBodyLimit {
		n := TraceBodyLimit
		for n > 0 && !utf8.RuneStart(s[n]) {
			n--
		}
		s = s[:n]
	}
	if cut {
		s += " …[truncated]"
	}
	return s
}
