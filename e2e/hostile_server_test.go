package e2e

// Issue 13, one test per item, against small hostile servers in-process
// (httptest) and hostile files. Branch administrators (item 4) are
// TestBranchAdministratorApplies (branch_test.go).

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"github.com/encimport/encimport/internal/syncbuf"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/encimport/encimport/apiclient"
	"github.com/encimport/encimport/internal/sandbox"
	"github.com/encimport/encimport/plan"
)

// recorder is a server that records every request it gets and answers 500.
type recorder struct {
	mu   sync.Mutex
	reqs []string
}

func (r *recorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	r.reqs = append(r.reqs, fmt.Sprintf("%s %s auth=%q body=%q", req.Method, req.URL, req.Header.Get("Authorization"), body))
	r.mu.Unlock()
	w.WriteHeader(http.StatusInternalServerError)
}

func (r *recorder) got() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.reqs...)
}

// Item 1: a server answering 307 to another host, for the token call or
// for the API calls, gets its redirect refused: the other host receives
// nothing (no password grant, no Basic pair, no bearer token, no body) and
// the run ends with an error naming the target.
func TestRedirectToAnotherHostCarriesNothing(t *testing.T) {
	for _, which := range []string{"token", "api"} {
		t.Run(which, func(t *testing.T) {
			evil := &recorder{}
			evilSrv := httptest.NewServer(evil)
			defer evilSrv.Close()
			sb, err := sandbox.New(sandbox.Options{})
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if (r.URL.Path == apiclient.PathToken) == (which == "token") {
					http.Redirect(w, r, evilSrv.URL+r.URL.Path, http.StatusTemporaryRedirect)
					return
				}
				sb.ServeHTTP(w, r)
			}))
			defer srv.Close()
			dir := t.TempDir()
			input := writeCSV(t, dir, "people.csv", table([]want{createRow("rd.", 1, "3")}))
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			res := runCLI(ctx, sandboxEnv(srv.URL), "apply", input, "--state-dir", filepath.Join(dir, "state"), "--report", filepath.Join(dir, "r.csv"))
			if res.code != 1 || !strings.Contains(res.stderr, "redirect to "+evilSrv.URL) {
				t.Errorf("want exit 1 naming the redirect's target: %s", res)
			}
			if got := evil.got(); len(got) != 0 {
				t.Errorf("the other host received %d requests: %q", len(got), got)
			}
		})
	}
}

// secretForms are the forms a secret takes on the wire.
func secretForms(s string) []string {
	j, _ := json.Marshal(s)
	return []string{s, url.QueryEscape(s), strings.Trim(string(j), `"`)}
}

// Item 2: a token endpoint echoing the request (password grant form and
// Basic header) and an API echoing the Authorization header and the body
// put no secret of the run, in any form, on stderr, in the reports or in
// the trace.
func TestEchoedSecretsAreRemoved(t *testing.T) {
	w := sandbox.DefaultWorld()
	w.Clients[0].Secret = secretClient
	for i := range w.Users {
		if w.Users[i].ID == "admin" {
			w.Users[i].Password = secretAdminPw
		}
	}
	sb, err := sandbox.New(sandbox.Options{World: w})
	if err != nil {
		t.Fatal(err)
	}
	echoToken := atomic.Bool{}
	var tokens sync.Map
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		echo := fmt.Sprintf("you sent %s with %s and %s", body, r.Header.Get("Authorization"), r.URL.RawQuery)
		switch {
		case r.URL.Path == apiclient.PathToken && echoToken.Load():
			rw.Header().Set("Content-Type", "application/json")
			rw.WriteHeader(http.StatusBadRequest)
			json.NewEncoder(rw).Encode(map[string]string{"error": "invalid_request", "error_description": echo})
		case r.URL.Path == apiclient.PathToken:
			rec := httptest.NewRecorder()
			sb.ServeHTTP(rec, r)
			var tr apiclient.TokenResponse
			if json.Unmarshal(rec.Body.Bytes(), &tr) == nil && tr.AccessToken != "" {
				tokens.Store(tr.AccessToken, true)
			}
			for k, v := range rec.Header() {
				rw.Header()[k] = v
			}
			rw.WriteHeader(rec.Code)
			rw.Write(rec.Body.Bytes())
		case r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/users"):
			rw.Header().Set("Content-Type", "application/json")
			rw.WriteHeader(http.StatusBadRequest)
			json.NewEncoder(rw).Encode(map[string]string{"summary": "Bad request", "details": echo, "errorCode": "EBS-400"})
		default:
			sb.ServeHTTP(rw, r)
		}
	}))
	defer srv.Close()

	const rowPw = "RowPw!Kq7-Zt2Mv9"
	dir := t.TempDir()
	r := createRow("echo.", 1, "3")
	r.password = rowPw
	input := writeCSV(t, dir, "people.csv", table([]want{r}))
	env := sandboxEnv(srv.URL)
	env["ENCOMPASS_CLIENT_SECRET"] = secretClient
	env["ENCOMPASS_PASSWORD"] = secretAdminPw
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	files := map[string]string{}
	var outputs []string
	for _, step := range []string{"api", "token"} {
		echoToken.Store(step == "token")
		trace, csvRep, jsonRep := filepath.Join(dir, step+".trace"), filepath.Join(dir, step+".csv"), filepath.Join(dir, step+".jsonl")
		res := runCLI(ctx, env, "apply", input, "--state-dir", filepath.Join(dir, "state-"+step), "--trace", trace, "--report", csvRep)
		want := 3
		if step == "token" {
			want = 1
		}
		if res.code != want {
			t.Errorf("%s echo: exit %d, want %d: %s", step, res.code, want, res)
		}
		res2 := runCLI(ctx, env, "apply", input, "--state-dir", filepath.Join(dir, "state2-"+step), "--report", jsonRep)
		outputs = append(outputs, res.stdout+res.stderr, res2.stdout+res2.stderr)
		for _, f := range []string{trace, csvRep, jsonRep} {
			if b, err := os.ReadFile(f); err == nil {
				files[f] = string(b)
			}
		}
	}
	if !strings.Contains(files[filepath.Join(dir, "api.csv")], "you sent") {
		t.Fatalf("the API's echo did not reach the report (test setup?): %q", files[filepath.Join(dir, "api.csv")])
	}
	secrets := []string{secretClient, secretAdminPw, rowPw,
		base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(sbClient) + ":" + url.QueryEscape(secretClient))),
		base64.StdEncoding.EncodeToString([]byte(sbClient + ":" + secretClient))}
	tokens.Range(func(k, _ any) bool { secrets = append(secrets, k.(string)); return true })
	for _, s := range secrets {
		for _, form := range secretForms(s) {
			for i, out := range outputs {
				if strings.Contains(out, form) {
					t.Errorf("output %d holds a secret (%.6s…)", i, form)
				}
			}
			for f, text := range files {
				if strings.Contains(text, form) {
					t.Errorf("%s holds a secret (%.6s…)", filepath.Base(f), form)
				}
			}
		}
	}
}

// Item 3: inputs, reviewed plans and config files that are not regular
// files are refused within seconds, naming the file, by every command
// that reads them (the built binary: a hang would be the child's).
func TestNonRegularFilesRefused(t *testing.T) {
	bin, _ := binaries(t)
	dir := t.TempDir()
	good := writeCSV(t, dir, "people.csv", table([]want{createRow("fi.", 1, "3")}))
	fifo := filepath.Join(dir, "fifo.csv")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip("no FIFO here:", err)
	}
	link := func(name, to string) string {
		p := filepath.Join(dir, name)
		if err := os.Symlink(to, p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	link("loop-b", filepath.Join(dir, "loop-a"))
	paths := map[string]string{
		"fifo":           fifo,
		"link to zero":   link("zero.csv", "/dev/zero"),
		"link to random": link("random.csv", "/dev/urandom"),
		"folder":         filepath.Join(dir, "folder.csv"),
		"dangling link":  link("dangling.csv", filepath.Join(dir, "gone.csv")),
		"link loop":      link("loop-a", filepath.Join(dir, "loop-b")),
	}
	if err := os.Mkdir(paths["folder"], 0o700); err != nil {
		t.Fatal(err)
	}
	for name, p := range paths {
		for _, args := range [][]string{
			{"validate", p},
			{"plan", "--sandbox", p},
			{"apply", "--sandbox", p},
			{"apply", "--sandbox", "--plan", p, good},
			{"validate", "--config", p, good},
		} {
			res, _, elapsed := runBinary(t, bin, dir, args...)
			label := name + ": " + strings.Join(args[:len(args)-1], " ")
			if res.code != 1 || elapsed > 10*time.Second {
				t.Errorf("%s: exit %d after %v, want 1 within seconds: %s", label, res.code, elapsed.Round(time.Millisecond), res)
				continue
			}
			if !strings.Contains(res.stderr, filepath.Base(p)) {
				t.Errorf("%s: the error does not name %s: %q", label, filepath.Base(p), tail(res.stderr, 400))
			}
			if !strings.Contains(res.stderr, "not a regular file") && !strings.Contains(res.stderr, "not a file") &&
				!strings.Contains(res.stderr, "does not exist") && !strings.Contains(res.stderr, "loop of symbolic links") {
				t.Errorf("%s: the error does not say what the path is: %q", label, tail(res.stderr, 400))
			}
		}
	}
}

// Items 5 and 6, the command line's view: a 60 MB header cell is refused
// with a bounded message; a NUL past the first 8 KiB is a problem on its
// row naming the column, and nothing is created.
func TestHugeHeaderAndLateControlCharacters(t *testing.T) {
	bin, _ := binaries(t)
	dir := t.TempDir()
	huge := filepath.Join(dir, "huge-header.csv")
	f, err := os.Create(huge)
	if err != nil {
		t.Fatal(err)
	}
	bw := bufio.NewWriter(f)
	bw.WriteString("id,email," + strings.Repeat("H", 60<<20) + "\r\nhx.a,a@example.com,x\r\n")
	bw.Flush()
	f.Close()
	res, _, _ := runBinary(t, bin, dir, "validate", huge)
	if res.code != 1 || len(res.stderr) > 4<<10 || !strings.Contains(res.stderr, "huge-header.csv") {
		t.Errorf("60 MB header: exit %d, %d bytes of stderr: %s", res.code, len(res.stderr), tail(res.stderr, 600))
	}

	var b strings.Builder
	b.WriteString(csvLine(header))
	for i := 0; b.Len() < 9<<10; i++ {
		c := createRow("cc.", i, "3")
		b.WriteString(csvLine(c.cells()))
	}
	bad := createRow("cc.", 999, "3")
	bad.first = "An\x00n"
	b.WriteString(csvLine(bad.cells()))
	late := writeBytes(t, filepath.Join(dir, "late-nul.csv"), []byte(b.String()))
	rep := filepath.Join(dir, "report.csv")
	res, _, _ = runBinary(t, bin, dir, "validate", late, "--report", rep)
	if res.code != 3 {
		t.Fatalf("late NUL: exit %d, want 3: %s", res.code, res)
	}
	found := false
	for _, r := range readReport(t, rep) {
		if r.ID == bad.id {
			found = r.Status == plan.StatusInvalid && strings.Contains(r.Message, "firstName")
		}
	}
	if !found {
		t.Errorf("the row with a NUL in firstName is not invalid naming the column: %s", res)
	}
}

// Item 7: a server that ignores start (the same full page every time)
// ends the run with an error within seconds, not by paging for ever.
func TestServerIgnoringStartEnds(t *testing.T) {
	sb, err := sandbox.New(sandbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var lists atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || r.URL.Path != apiclient.PathUsers {
			sb.ServeHTTP(w, r)
			return
		}
		lists.Add(1)
		limit := 250
		fmt.Sscan(r.URL.Query().Get("limit"), &limit)
		users := make([]map[string]any, limit)
		for i := range users {
			users[i] = map[string]any{"id": fmt.Sprintf("same.%04d", i), "firstName": "Same", "lastName": "Page"}
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(users)
	}))
	defer srv.Close()
	dir := t.TempDir()
	input := writeCSV(t, dir, "people.csv", table([]want{createRow("pg.", 1, "3")}))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	start := time.Now()
	res := runCLI(ctx, sandboxEnv(srv.URL), "plan", input, "--report", filepath.Join(dir, "r.csv"))
	t.Logf("%d list calls: %s", lists.Load(), tail(res.stderr, 300))
	if res.code != 1 || time.Since(start) > 10*time.Second || lists.Load() < 2 || lists.Load() > 5 || !strings.Contains(res.stderr, "ignore start") {
		t.Errorf("exit %d after %v and %d list calls; want 1 within seconds: %s", res.code, time.Since(start), lists.Load(), res)
	}
}

// Item 8: tokens living 3 s are kept for most of their life, not fetched
// before every call.
func TestShortLivedTokensAreNotFetchedPerCall(t *testing.T) {
	srv, _, u := startRecorded(t, sandbox.Options{TokenTTL: 3 * time.Second, Latency: 20 * time.Millisecond}, 0, 0)
	var ws []want
	for i := 0; i < 60; i++ {
		ws = append(ws, createRow("st.", i, "3"))
	}
	dir := t.TempDir()
	input := writeCSV(t, dir, "people.csv", table(ws))
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	res := runCLI(ctx, sandboxEnv(u), "apply", input, "--state-dir", filepath.Join(dir, "state"), "--concurrency", "2", "--quiet", "--report", filepath.Join(dir, "r.csv"))
	if res.code != 0 {
		t.Fatalf("apply: %s", res)
	}
	st := srv.Stats()
	calls := st.Requests - st.TokenRequests - st.Revocations - st.Introspections
	t.Logf("%d API calls, %d token requests", calls, st.TokenRequests)
	if st.TokenRequests*5 > calls {
		t.Errorf("%d token requests for %d calls: tokens fetched too often", st.TokenRequests, calls)
	}
}

// Item 9: a proxy refusing the connection is reported as the proxy's
// refusal, not as "Unauthorized" from Encompass (the built binary: the
// environment's proxy is read once per process).
func TestProxyRefusalSaysProxy(t *testing.T) {
	bin, _ := binaries(t)
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusUnauthorized)
	}))
	defer proxy.Close()
	dir := t.TempDir()
	input := writeCSV(t, dir, "people.csv", table([]want{createRow("px.", 1, "3")}))
	env := sandboxEnv("https://api.example.test")
	env["HTTPS_PROXY"] = proxy.URL
	cmd := exec.Command(bin, "plan", input)
	cmd.Env = envList(env, dir)
	out, _ := cmd.CombinedOutput()
	t.Logf("%s", out)
	if code := cmd.ProcessState.ExitCode(); code != 1 || !strings.Contains(string(out), "the proxy "+proxy.URL+" refused the connection") {
		t.Errorf("exit %d: %s", code, out)
	}
}

// Item 9: after an interrupt the run says what it waits for; a second
// interrupt ends the wait at once; a row whose call was sent and never
// answered is "unknown", not "skipped"; a rerun reads it back and reports
// it created, making no second user.
func TestSecondInterruptAndUnknownRows(t *testing.T) {
	bin, _ := binaries(t)
	sb, err := sandbox.New(sandbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var hang atomic.Bool
	hang.Store(true)
	var posts atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hang.Load() && r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/users") {
			posts.Add(1)
			sb.ServeHTTP(httptest.NewRecorder(), r) // applied ...
			<-r.Context().Done()                    // ... and never answered
			return
		}
		sb.ServeHTTP(w, r)
	}))
	defer srv.Close()
	var ws []want
	for i := 0; i < 6; i++ {
		ws = append(ws, createRow("int.", i, "3"))
	}
	dir := t.TempDir()
	input := writeCSV(t, dir, "people.csv", table(ws))
	rep := filepath.Join(dir, "report.csv")
	args := []string{"apply", input, "--concurrency", "3", "--report", rep}
	cmd := exec.Command(bin, args...)
	cmd.Env = envList(sandboxEnv(srv.URL), dir)
	var stderr syncbuf.Buffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		for deadline := time.Now().Add(20 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				cmd.Process.Kill()
				t.Fatalf("waiting for %s: %s", what, stderr.String())
			}
		}
	}
	waitFor("3 creates in flight", func() bool { return posts.Load() == 3 })
	cmd.Process.Signal(os.Interrupt)
	waitFor("the line saying what the run waits for", func() bool {
		return strings.Contains(stderr.String(), "waiting up to 30s for 3 calls in flight")
	})
	stopped := time.Now()
	cmd.Process.Signal(os.Interrupt)
	select {
	case <-exited:
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("a second interrupt did not end the grace: %s", stderr.String())
	}
	if code := cmd.ProcessState.ExitCode(); code != 130 || time.Since(stopped) > 8*time.Second {
		t.Errorf("exit %d %v after the second interrupt, want 130 at once: %s", code, time.Since(stopped), stderr.String())
	}
	t.Logf("%s", stderr.String())
	counts := statusCounts(readReport(t, rep))
	if counts[plan.StatusUnknown] != 3 || counts[plan.StatusSkipped] != 3 {
		t.Errorf("statuses %v: want the 3 sent unknown and the 3 never sent skipped", counts)
	}

	hang.Store(false)
	rerun := exec.Command(bin, append(args[:len(args)-1], filepath.Join(dir, "rerun.csv"))...)
	rerun.Env = envList(sandboxEnv(srv.URL), dir)
	out, _ := rerun.CombinedOutput()
	if code := rerun.ProcessState.ExitCode(); code != 0 {
		t.Fatalf("rerun: exit %d: %s", code, out)
	}
	for _, r := range readReport(t, filepath.Join(dir, "rerun.csv")) {
		if r.Status != plan.StatusCreated {
			t.Errorf("rerun row %d (%s): %s %s", r.Row, r.ID, r.Status, r.Message)
		}
	}
	checkServer(t, sb.Users(), defaultUserCount(), ws)
}
