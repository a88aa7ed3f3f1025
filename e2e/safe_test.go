package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/encimport/encimport/internal/sandbox"
	"github.com/encimport/encimport/plan"
)

// TestSafeByConstruction replays issue 12's reproductions with the built
// binary: each ends with the input untouched, no write (or no call) where
// the run must not start, and a message that says what to do.
func TestSafeByConstruction(t *testing.T) {
	bin, _ := binaries(t)
	run := inProcess(t, sandbox.Options{Latency: 5 * time.Millisecond})
	other, err := sandbox.Start(sandbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	dir := t.TempDir()
	env := sandboxEnv(run.URL)
	env["ENCIMPORT_LOCK_DIR"] = filepath.Join(dir, "locks")

	exe := func(uid int, e map[string]string, args ...string) cliResult {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, bin, args...)
		cmd.Env, cmd.Dir = envList(e, dir), dir
		if uid != 0 {
			cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(uid)}}
		}
		return runCmd(t, cmd)
	}

	t.Run("validate --report the workbook itself", func(t *testing.T) {
		book := filepath.Join(dir, "people.xlsx")
		if r := exe(0, nil, "template", "-o", book); r.code != 0 {
			t.Fatalf("template: %s", r)
		}
		before, _ := os.ReadFile(book)
		r := exe(0, nil, "validate", book, "--report", book)
		if after, _ := os.ReadFile(book); r.code != 2 || !bytes.Equal(before, after) || !strings.Contains(r.stderr, "is the input file") {
			t.Errorf("%s", r)
		}
		if r := exe(0, nil, "template", "-o", book); r.code != 1 || !strings.Contains(r.stderr, "--force") {
			t.Errorf("template over a filled-in one: %s", r)
		}
	})

	input := writeCSV(t, dir, "t.csv", [][]string{{"action", "id", "title"}, {"update", "lo.denver", "Loan Officer II"}})
	t.Run("apply --report t-report.json", func(t *testing.T) {
		run.Server.ResetStats()
		r := exe(0, env, "apply", input, "--report", filepath.Join(dir, "t-report.json"), "--state-dir", filepath.Join(dir, "state"))
		if r.code != 2 || run.Server.Stats().Requests != 0 || !strings.Contains(r.stderr, "name the report .csv, .xlsx, .jsonl or .html") {
			t.Errorf("%s; %d requests", r, run.Server.Stats().Requests)
		}
	})

	t.Run("read-only input folder", func(t *testing.T) {
		uid := 0
		if os.Geteuid() == 0 {
			// Root writes anywhere: run encimport as nobody, who may read the
			// binary, the input and the folders on the way.
			uid = 65534
			for _, d := range []string{filepath.Dir(bin), filepath.Dir(dir), dir} {
				if err := os.Chmod(d, 0o755); err != nil {
					t.Skip(err)
				}
			}
		}
		ro := filepath.Join(dir, "ro")
		if err := os.Mkdir(ro, 0o755); err != nil {
			t.Fatal(err)
		}
		in := writeCSV(t, ro, "t.csv", [][]string{{"action", "id", "title"}, {"update", "lo.denver", "Loan Officer II"}})
		_ = os.Chmod(in, 0o644)
		_ = os.Chmod(ro, 0o555)
		defer os.Chmod(ro, 0o755)
		state := filepath.Join(os.TempDir(), fmt.Sprintf("encimport-e2e-state-%d", time.Now().UnixNano()))
		defer os.RemoveAll(state)
		e := map[string]string{}
		for k, v := range env {
			e[k] = v
		}
		e["ENCIMPORT_LOCK_DIR"] = state + "-locks"
		defer os.RemoveAll(state + "-locks")
		run.Server.ResetStats()
		r := exe(uid, e, "apply", in, "--state-dir", state)
		if r.code != 1 || run.Server.Stats().Requests != 0 || !strings.Contains(r.stderr, "give --report FILE") {
			t.Errorf("%s; %d requests", r, run.Server.Stats().Requests)
		}
		if u, _ := run.Server.User("lo.denver"); u.Title == "Loan Officer II" {
			t.Error("applied with no report possible")
		}
	})

	t.Run("a plan applied to another server", func(t *testing.T) {
		pf := filepath.Join(dir, "plan.json")
		if r := exe(0, env, "plan", input, "-o", pf, "--report", filepath.Join(dir, "p.csv")); r.code != 0 {
			t.Fatalf("plan: %s", r)
		}
		e := sandboxEnv(other.URL)
		e["ENCIMPORT_LOCK_DIR"] = env["ENCIMPORT_LOCK_DIR"]
		r := exe(0, e, "apply", "--plan", pf, "--report", filepath.Join(dir, "a.csv"), "--state-dir", filepath.Join(dir, "state"))
		if r.code != 1 || other.Server.Stats().Requests != 0 || !strings.Contains(r.stderr, run.URL) || !strings.Contains(r.stderr, other.URL) {
			t.Errorf("%s; %d requests to the other server", r, other.Server.Stats().Requests)
		}
	})

	t.Run("two runs with their own state directories", func(t *testing.T) {
		var ws []want
		for i := range 30 {
			ws = append(ws, createRow("ovl.", i, "3"))
		}
		in := writeCSV(t, dir, "ovl.csv", table(ws))
		run.Server.ResetStats()
		var wg sync.WaitGroup
		res := make([]cliResult, 2)
		for i := range res {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if i == 1 {
					for run.Server.Stats().Creates == 0 {
						time.Sleep(time.Millisecond)
					}
				}
				res[i] = exe(0, env, "apply", in, "--wait", "1m", "--concurrency", "2", "--report", filepath.Join(dir, fmt.Sprintf("ovl%d.csv", i)),
					"--state-dir", filepath.Join(dir, fmt.Sprintf("state-%d", i)))
			}()
		}
		wg.Wait()
		for i, r := range res {
			if r.code != 0 {
				t.Errorf("run %d: %s", i, r)
			}
		}
		if st := run.Server.Stats(); st.Conflicts409 != 0 || st.Creates != int64(len(ws)) {
			t.Errorf("%d creates, %d 409s", st.Creates, st.Conflicts409)
		}
		if c := statusCounts(readReport(t, filepath.Join(dir, "ovl1.csv"))); c[plan.StatusUnchanged] != len(ws) {
			t.Errorf("the second run: %v", c)
		}
	})
}
