package sandbox

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/encimport/encimport/apiclient"
	"github.com/encimport/encimport/encompass"
)

// The gateway in front of the API: concurrency slots, latency, injected
// faults and dropped connections, and the writers it answers through.

// ServeHTTP answers one request: token calls directly; API calls through the
// gateway (concurrency slot, latency, faults), then bearer auth, then the API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	cid := newCorrelationID()
	w.Header().Set(apiclient.HeaderCorrelationID, cid)
	rec := &statusWriter{ResponseWriter: w}
	dropped := false
	defer func() {
		s.bump(func(st *Stats) {
			st.Requests++
			if !dropped {
				st.ByStatus[rec.code()]++
			}
		})
		if s.log != nil {
			s.log.Info("sandbox request", "method", r.Method, "path", r.URL.Path, "status", rec.code(),
				"dropped", dropped, "correlation_id", cid, "duration", time.Since(start))
		}
	}()
	if p := r.URL.Path; len(p) > 1 && strings.HasSuffix(p, "/") {
		r.URL.Path = strings.TrimRight(p, "/")
	}
	switch r.URL.Path {
	case apiclient.PathToken:
		s.bump(func(st *Stats) { st.TokenRequests++ })
		s.handleToken(rec, r)
		return
	case PathTokenIntrospect:
		s.bump(func(st *Stats) { st.Introspections++ })
		s.handleIntrospect(rec, r)
		return
	case PathTokenRevoke:
		s.bump(func(st *Stats) { st.Revocations++ })
		s.handleRevoke(rec, r)
		return
	}

	remaining, ok := s.acquire(1)
	w.Header().Set(apiclient.HeaderConcurrencyLimit, strconv.Itoa(s.limit))
	w.Header().Set(apiclient.HeaderConcurrencyRemaining, strconv.Itoa(remaining))
	if !ok {
		s.bump(func(st *Stats) { st.TooMany429++ })
		w.Header().Set(apiclient.HeaderRetryAfter, "1")
		writeJSON(rec, http.StatusTooManyRequests, apiclient.GatewayErrorBody{
			Code:    apiclient.GatewayConcurrencyErrorCode,
			Message: "Client has exceeded the concurrency limit or daily quota. Please try again later.",
		})
		return
	}
	defer s.release(1)

	if s.latency > 0 {
		t := time.NewTimer(s.latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}

	fail, drop := s.rollFaults(r.Method == http.MethodPost || r.Method == http.MethodPatch)
	if fail != 0 {
		s.bump(func(st *Stats) { st.Faults5xx++ })
		if fail == http.StatusServiceUnavailable {
			w.Header().Set(apiclient.HeaderRetryAfter, "1")
			s.writeError(rec, fail, encompass.CodeUnavailable, "the sandbox injected a 503 (fail rate); nothing was applied")
		} else {
			s.writeError(rec, fail, encompass.CodeServerError, "the sandbox injected a 500 (fail rate); nothing was applied")
		}
		return
	}

	user, ok := s.authenticate(r)
	if !ok {
		s.writeError(rec, http.StatusUnauthorized, encompass.CodeUnauthorized, "missing, unknown or expired bearer token; get a new token from "+apiclient.PathToken)
		return
	}
	r = r.WithContext(context.WithValue(r.Context(), ctxKey{}, user))

	if !drop {
		s.mux.ServeHTTP(rec, r)
		return
	}
	buf := &bufferedWriter{header: w.Header()}
	s.mux.ServeHTTP(buf, r)
	if buf.status < 200 || buf.status > 299 {
		rec.WriteHeader(buf.status)
		_, _ = rec.Write(buf.body.Bytes())
		return
	}
	dropped = true
	s.bump(func(st *Stats) { st.Drops++ })
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_ = conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler) // closes the connection without an answer
}

// acquire takes n concurrency slots unless that would pass the limit
// (n == 1 for calls; Hold may take several and never fails).
func (s *Server) acquire(n int) (remaining int, ok bool) {
	s.slotMu.Lock()
	defer s.slotMu.Unlock()
	if n == 1 && s.inFlight >= s.limit {
		return 0, false
	}
	s.inFlight += n
	if in := int64(s.inFlight); in > 0 {
		s.bump(func(st *Stats) { st.MaxInFlight = max(st.MaxInFlight, in) })
	}
	return max(s.limit-s.inFlight, 0), true
}

func (s *Server) release(n int) {
	s.slotMu.Lock()
	s.inFlight -= n
	s.slotMu.Unlock()
}

// rollFaults decides whether this call fails before applying (500/503) and,
// for writes, whether its connection is dropped after applying.
func (s *Server) rollFaults(write bool) (failStatus int, drop bool) {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	if s.failRate > 0 && s.rng.Float64() < s.failRate {
		if s.rng.IntN(2) == 0 {
			return http.StatusInternalServerError, false
		}
		return http.StatusServiceUnavailable, false
	}
	return 0, write && s.dropRate > 0 && s.rng.Float64() < s.dropRate
}

func newCorrelationID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// statusWriter remembers the status written.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) code() int {
	if w.status == 0 {
		return http.StatusOK
	}
	return w.status
}

// bufferedWriter holds an answer back until the drop decision is made.
type bufferedWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (w *bufferedWriter) Header() http.Header { return w.header }
func (w *bufferedWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}
func (w *bufferedWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.body.Write(b)
}
