package e2e

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/encimport/encimport/internal/syncbuf"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/encimport/encimport/encompass"
	"github.com/encimport/encimport/internal/cli"
	"github.com/encimport/encimport/internal/sandbox"
	"github.com/encimport/encimport/plan"
	"github.com/encimport/encimport/report"
)

// Credentials of the sandbox's default world (docs/product.md).
const (
	sbInstance = "BE11111111"
	sbClient   = "sandbox-client"
	sbSecret   = "sandbox-secret"
	sbUser     = "admin"
	sbPassword = "sandbox"
)

// cliResult is what one encimport run produced.
type cliResult struct {
	code           int
	stdout, stderr string
}

func (r cliResult) String() string {
	return fmt.Sprintf("exit %d\n--- stdout (tail) ---\n%s\n--- stderr (tail) ---\n%s", r.code, tail(r.stdout, 3000), tail(r.stderr, 3000))
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}

// sandboxEnv is the environment pointing encimport at a test sandbox.
func sandboxEnv(url string) map[string]string {
	return map[string]string{
		"ENCOMPASS_API_URL":       url,
		"ENCOMPASS_INSTANCE_ID":   sbInstance,
		"ENCOMPASS_CLIENT_ID":     sbClient,
		"ENCOMPASS_CLIENT_SECRET": sbSecret,
		"ENCOMPASS_USERNAME":      sbUser,
		"ENCOMPASS_PASSWORD":      sbPassword,
	}
}

// runCLI runs encimport in-process through cli.Main with buffers; the
// environment is env only (nothing leaks in from the test's own).
func runCLI(ctx context.Context, env map[string]string, args ...string) cliResult {
	var out, errb syncbuf.Buffer
	getenv := func(k string) string { return env[k] }
	code := cli.Main(ctx, args, cli.IO{In: strings.NewReader(""), Out: &out, Err: &errb}, getenv)
	return cliResult{code: code, stdout: out.String(), stderr: errb.String()}
}

// writeCSV writes rows (the first is the header) to dir/name.
func writeCSV(t testing.TB, dir, name string, rows [][]string) string {
	t.Helper()
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	if err := w.WriteAll(rows); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// readReport reads a per-row report in any of its formats into report.Row
// values. Excel-safe prefixes (a leading ') are kept as written.
func readReport(t testing.TB, path string) []report.Row {
	t.Helper()
	rows, err := parseReport(path)
	if err != nil {
		t.Fatalf("report %s: %v", path, err)
	}
	return rows
}

func parseReport(path string) ([]report.Row, error) {
	var table [][]string
	switch strings.ToLower(filepath.Ext(path)) {
	case ".jsonl":
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		var rows []report.Row
		dec := json.NewDecoder(bytes.NewReader(b))
		for {
			var r report.Row
			if err := dec.Decode(&r); errors.Is(err, io.EOF) {
				return rows, nil
			} else if err != nil {
				return nil, fmt.Errorf("line %d: %w", len(rows)+1, err)
			}
			rows = append(rows, r)
		}
	case ".xlsx":
		f, err := excelize.OpenFile(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		// Every column is on the details sheet; the first is for people.
		if idx, _ := f.GetSheetIndex(report.DetailsSheet); idx < 0 {
			return nil, errors.New("no sheet " + report.DetailsSheet)
		}
		table, err = f.GetRows(report.DetailsSheet)
		if err != nil {
			return nil, err
		}
	default:
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		table, err = csv.NewReader(f).ReadAll()
		if err != nil {
			return nil, err
		}
	}
	if len(table) == 0 {
		return nil, errors.New("empty report: not even a header")
	}
	col := map[string]int{}
	for i, h := range table[0] {
		col[h] = i
	}
	for _, h := range report.TechnicalHeader {
		if _, ok := col[h]; !ok {
			return nil, fmt.Errorf("header %v lacks column %q", table[0], h)
		}
	}
	get := func(r []string, h string) string {
		if i := col[h]; i < len(r) {
			return r[i]
		}
		return ""
	}
	var rows []report.Row
	for _, r := range table[1:] {
		var x report.Row
		x.Sheet, x.ID = get(r, "sheet"), get(r, "id")
		x.Action, x.Status = encompass.Action(get(r, "action")), plan.Status(get(r, "status"))
		x.ErrorCode, x.Message, x.CorrelationID = get(r, "error_code"), get(r, "message"), get(r, "correlation_id")
		fmt.Sscan(get(r, "row"), &x.Row)
		fmt.Sscan(get(r, "http_status"), &x.HTTPStatus)
		fmt.Sscan(get(r, "attempts"), &x.Attempts)
		fmt.Sscan(get(r, "duration_ms"), &x.DurationMS)
		rows = append(rows, x)
	}
	return rows, nil
}

// statusCounts counts report rows by status.
func statusCounts(rows []report.Row) map[plan.Status]int {
	m := map[plan.Status]int{}
	for _, r := range rows {
		m[r.Status]++
	}
	return m
}

// zipTexts returns the text of every member of a zip file (an xlsx), for
// searching; nil when path is not a zip.
func zipTexts(path string) map[string]string {
	zr, err := zip.OpenReader(path)
	if err != nil {
		return nil
	}
	defer zr.Close()
	out := map[string]string{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			continue
		}
		b, _ := io.ReadAll(io.LimitReader(rc, 64<<20))
		rc.Close()
		out[f.Name] = string(b)
	}
	return out
}

// ---- binaries, built once per test process ----

var (
	binOnce sync.Once
	binDir  string
	binErr  error
)

// binaries builds cmd/encimport and cmd/encompass-sandbox once and returns
// their paths.
func binaries(t testing.TB) (encimport, sandboxBin string) {
	t.Helper()
	binOnce.Do(func() {
		binDir, binErr = os.MkdirTemp("", "encimport-e2e-bin-")
		if binErr != nil {
			return
		}
		gobin, err := exec.LookPath("go")
		if err != nil {
			gobin = filepath.Join(runtime.GOROOT(), "bin", "go")
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, gobin, "build", "-o", binDir+string(os.PathSeparator), "./cmd/encimport", "./cmd/encompass-sandbox")
		cmd.Dir = ".."
		if out, err := cmd.CombinedOutput(); err != nil {
			binErr = fmt.Errorf("go build ./cmd/encimport ./cmd/encompass-sandbox: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return filepath.Join(binDir, "encimport"), filepath.Join(binDir, "encompass-sandbox")
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// freeAddr returns a loopback address with a port free right now.
func freeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// envList turns a map into os/exec's KEY=VALUE form, with a PATH and HOME
// so the child behaves but no ENCOMPASS_* from the test's environment.
func envList(env map[string]string, home string) []string {
	out := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + home, "XDG_STATE_HOME=" + filepath.Join(home, "state")}
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	return out
}

// sandboxProc is an encompass-sandbox child process.
type sandboxProc struct {
	URL  string
	cmd  *exec.Cmd
	logs *syncbuf.Buffer
}

// startSandboxProc starts encompass-sandbox with --state and extra flags and
// waits until it accepts connections (retrying on a port taken meanwhile).
func startSandboxProc(t testing.TB, bin, state string, extra ...string) *sandboxProc {
	t.Helper()
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		p, err := tryStartSandbox(t, bin, freeAddr(t), state, extra)
		if err == nil {
			return p
		}
		lastErr = err
	}
	t.Fatal(lastErr)
	return nil
}

func tryStartSandbox(t testing.TB, bin, addr, state string, extra []string) (*sandboxProc, error) {
	args := append([]string{"--addr", addr, "--state", state}, extra...)
	logs := &syncbuf.Buffer{}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			return nil, fmt.Errorf("encompass-sandbox %v exited early (%v): %s", args, err, logs.String())
		default:
		}
		if c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond); err == nil {
			c.Close()
			t.Cleanup(func() {
				_ = cmd.Process.Kill()
				<-exited
			})
			return &sandboxProc{URL: "http://" + addr, cmd: cmd, logs: logs}, nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	_ = cmd.Process.Kill()
	<-exited
	return nil, fmt.Errorf("encompass-sandbox did not listen on %s within 15s: %s", addr, logs.String())
}

// forEachDialect runs f against the sandbox in each of its wire dialects, side
// by side, so a wrong guess about the vendor's shapes fails the suite.
func forEachDialect(t *testing.T, f func(t *testing.T, dialect string)) {
	for _, d := range sandbox.Dialects {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			f(t, d)
		})
	}
}

// runCmd runs cmd (the built binary, set up by the caller) to its end and
// returns its exit code and output; only a failure to run it at all fails
// the test.
func runCmd(t testing.TB, cmd *exec.Cmd) cliResult {
	t.Helper()
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatalf("%v: %v", cmd.Args, err)
	}
	return cliResult{code: cmd.ProcessState.ExitCode(), stdout: out.String(), stderr: errb.String()}
}

// inProcess starts an in-process sandbox for the test, closed at its end.
func inProcess(t testing.TB, opts sandbox.Options) *sandbox.Running {
	t.Helper()
	run, err := sandbox.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(run.Close)
	return run
}
