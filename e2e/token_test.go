package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/encimport/encimport/apiclient"
	"github.com/encimport/encimport/internal/sandbox"
)

// tokenRecorder wraps a sandbox: it records every access_token the token
// endpoint issues, and can stall every Nth API call before it reaches the
// sandbox (the token is not used, hence not extended, meanwhile).
type tokenRecorder struct {
	next       http.Handler
	stallEvery int64
	stallFor   time.Duration
	onAPI      func(r *http.Request) // optional: called before each API call

	calls  atomic.Int64
	mu     sync.Mutex
	tokens []string
}

func (h *tokenRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != apiclient.PathToken {
		if h.onAPI != nil {
			h.onAPI(r)
		}
		if n := h.calls.Add(1); h.stallEvery > 0 && n%h.stallEvery == 0 {
			time.Sleep(h.stallFor)
		}
		h.next.ServeHTTP(w, r)
		return
	}
	rec := httptest.NewRecorder()
	h.next.ServeHTTP(rec, r)
	var tr apiclient.TokenResponse
	if json.Unmarshal(rec.Body.Bytes(), &tr) == nil && tr.AccessToken != "" {
		h.mu.Lock()
		h.tokens = append(h.tokens, tr.AccessToken)
		h.mu.Unlock()
	}
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}

func (h *tokenRecorder) issued() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.tokens...)
}

// startRecorded serves a sandbox behind a tokenRecorder.
func startRecorded(t *testing.T, opts sandbox.Options, stallEvery int64, stallFor time.Duration) (*sandbox.Server, *tokenRecorder, string) {
	t.Helper()
	srv, err := sandbox.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	rec := &tokenRecorder{next: srv, stallEvery: stallEvery, stallFor: stallFor}
	ts := httptest.NewServer(rec)
	t.Cleanup(ts.Close)
	return srv, rec, ts.URL
}

// TestTokenExpiryDuringRun runs apply against a sandbox whose tokens live
// 200ms; every 5th call stalls 300ms, so the token in hand expires several
// times during the run. The client must get a new token and carry on: no
// failed row, every change applied.
func TestTokenExpiryDuringRun(t *testing.T) { forEachDialect(t, testTokenExpiryDuringRun) }

func testTokenExpiryDuringRun(t *testing.T, dialect string) {
	srv, rec, url := startRecorded(t, sandbox.Options{Dialect: dialect, TokenTTL: 200 * time.Millisecond, Latency: 5 * time.Millisecond}, 5, 300*time.Millisecond)
	ws := []want{}
	for i := 0; i < 16; i++ {
		ws = append(ws, createRow("tok.", i, []string{"3", "4", "6"}[i%3]))
	}
	ws = append(ws, updateRow("lo.west", "Token Test"), moveRow("lo.rortiz", "4"), disableRow("lo.boston"))
	dir := t.TempDir()
	input := writeCSV(t, dir, "people.csv", table(ws))
	rep := filepath.Join(dir, "report.jsonl")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	start := time.Now()
	res := runCLI(ctx, sandboxEnv(url), "apply", input, "--report", rep, "--state-dir", filepath.Join(dir, "state"), "--concurrency", "1", "--quiet")
	elapsed := time.Since(start)
	if res.code != 0 {
		t.Errorf("apply: want exit 0, got %s", res)
	}
	st := srv.Stats()
	t.Logf("run %v, tokens issued %d, 401s %d", elapsed, st.TokenRequests, st.ByStatus[http.StatusUnauthorized])
	if st.ByStatus[http.StatusUnauthorized] < 2 || len(rec.issued()) < 3 {
		t.Errorf("the run did not outlive several tokens: %d 401s, %d tokens issued (test setup too fast?)", st.ByStatus[http.StatusUnauthorized], len(rec.issued()))
	}
	checkReport(t, readReport(t, rep), ws, nil)
	checkServer(t, srv.Users(), defaultUserCount(), ws)
	for _, tok := range rec.issued() {
		if bytes.Contains([]byte(res.stdout+res.stderr), []byte(tok)) {
			t.Errorf("an issued access token appears in the output")
		}
	}
}
