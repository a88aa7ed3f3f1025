package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"github.com/encimport/encimport/internal/syncbuf"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/encimport/encimport/encompass"
	"github.com/encimport/encimport/internal/sandbox"
)

// crashWorld is the default world plus users to update (in Phoenix Branch)
// and users to move (Denver Branch → Phoenix Branch).
func crashWorld(nUpdate, nMove int) *sandbox.World {
	w := sandbox.DefaultWorld()
	add := func(id, org string) {
		enabled := true
		w.Users = append(w.Users, encompass.User{
			ID: id, FirstName: "Seed", LastName: id, Email: id + "@example.com", Password: "sandbox",
			WorkingFolder: "My Pipeline", Title: "Seeded",
			Personas:       []encompass.EntityRef{{EntityID: sandbox.PersonaIDLoanOfficer}},
			Organization:   &encompass.EntityRef{EntityID: org},
			AccountEnabled: &enabled, LoginEnabled: &enabled,
		})
	}
	for i := 0; i < nUpdate; i++ {
		add(fmt.Sprintf("up.u%03d", i), sandbox.OrgPhoenixBranch)
	}
	for i := 0; i < nMove; i++ {
		add(fmt.Sprintf("mv.u%03d", i), sandbox.OrgDenverBranch)
	}
	return w
}

// crashRows: creates, then title updates, then moves (the executor does
// creates and patches first, then the bulk moves).
func crashRows(nCreate, nUpdate, nMove int) []want {
	var ws []want
	for i := 0; i < nCreate; i++ {
		ws = append(ws, createRow("cr.", i, []string{"3", "4", "6", "7"}[i%4]))
	}
	for i := 0; i < nUpdate; i++ {
		ws = append(ws, updateRow(fmt.Sprintf("up.u%03d", i), "Crash Tested"))
	}
	for i := 0; i < nMove; i++ {
		ws = append(ws, moveRow(fmt.Sprintf("mv.u%03d", i), sandbox.OrgPhoenixBranch))
	}
	return ws
}

// worldState reads the sandbox's --state file and its log of changes (a
// change is appended as it is made); nil when it cannot be read right now.
func worldState(path string) map[string]encompass.User {
	if _, err := os.Stat(path); err != nil {
		return nil
	}
	w, err := sandbox.StoredWorld(path) // the snapshot with its log of changes replayed
	if err != nil {
		return nil
	}
	m := make(map[string]encompass.User, len(w.Users))
	for _, u := range w.Users {
		m[strings.ToLower(u.ID)] = u
	}
	return m
}

// progressOf counts, in a state snapshot, the rows of ws already applied.
func progressOf(users map[string]encompass.User, ws []want) (created, updated, moved int) {
	for _, w := range ws {
		u, ok := users[strings.ToLower(w.id)]
		switch {
		case w.status == "created" && ok:
			created++
		case w.status == "updated" && ok && u.Title == w.title:
			updated++
		case w.status == "moved" && ok && u.Organization != nil && u.Organization.EntityID == w.org:
			moved++
		}
	}
	return
}

// killPoint says when to SIGKILL a run, given the latest state snapshot
// and whether the journal exists yet.
type killPoint struct {
	name string
	when func(created, updated, moved int, journal bool) bool
}

// runAndKill starts encimport with args and kills it with SIGKILL when kp
// says so (polling the state file and the state dir every 2ms). It reports
// whether the kill happened before the run ended by itself.
func runAndKill(t *testing.T, bin string, env []string, args []string, statePath, stateDir string, ws []want, kp killPoint) (killed, journal bool, out string) {
	t.Helper()
	var buf syncbuf.Buffer
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = &buf, &buf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	deadline := time.After(60 * time.Second)
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case err := <-done:
			t.Logf("%s: the run ended before the kill point (%v)", kp.name, err)
			return false, false, buf.String()
		case <-deadline:
			_ = cmd.Process.Kill()
			<-done
			t.Fatalf("%s: run neither reached the kill point nor ended within 60s: %s", kp.name, buf.String())
		case <-tick.C:
		}
		c, u, m := progressOf(worldState(statePath), ws)
		if kp.when(c, u, m, journalExists(stateDir)) {
			_ = cmd.Process.Signal(syscall.SIGKILL)
			<-done
			c, u, m = progressOf(worldState(statePath), ws)
			j := journalExists(stateDir)
			t.Logf("%s: killed with %d created, %d updated, %d moved; journal present: %v", kp.name, c, u, m, j)
			return true, j, buf.String()
		}
	}
}

// journalExists says whether the state dir holds anything but the lock
// and the run records (runs/, written before the journal and kept).
func journalExists(dir string) bool {
	es, _ := os.ReadDir(dir)
	for _, e := range es {
		if !strings.Contains(strings.ToLower(e.Name()), "lock") && e.Name() != "runs" {
			return true
		}
	}
	return false
}

// TestCrashAndResume builds the binaries, runs encompass-sandbox as a
// process with --state and --latency, and SIGKILLs `encimport apply` at
// several points: before the first write, mid-creates, mid-moves and when
// every change is applied (while the report is written). Each rerun uses
// the same --state-dir. At the end every row is done exactly once: the
// world holds exactly the expected users and fields, no row failed, and
// each run that finished wrote a complete report; a killed run's report is
// absent or complete (atomic write). Two modes: replanning from the file
// each time (apply FILE) and executing a reviewed plan (apply --plan), where
// only the journal stands between a rerun and a second create.
func TestCrashAndResume(t *testing.T) {
	if testing.Short() {
		t.Skip("crash and resume: skipped with -short")
	}
	encimport, sandboxBin := binaries(t)
	const nCreate, nUpdate, nMove = 120, 30, 60
	ws := crashRows(nCreate, nUpdate, nMove)

	points := []killPoint{
		{"before the first write", func(c, u, m int, j bool) bool { return j || c+u+m > 0 }},
		{"mid-creates", func(c, u, m int, j bool) bool { return c >= nCreate/3 }},
		{"mid-moves", func(c, u, m int, j bool) bool { return m >= 5 }},
		{"at the end (report being written)", func(c, u, m int, j bool) bool { return c == nCreate && u == nUpdate && m == nMove }},
	}

	// Each mode runs in one of the sandbox's dialects: both are crash-tested
	// without doubling the test's time.
	for i, mode := range []string{"replan", "reviewed-plan"} {
		dialect := sandbox.Dialects[i%len(sandbox.Dialects)]
		t.Run(mode+"/"+dialect, func(t *testing.T) {
			dir := t.TempDir()
			statePath := filepath.Join(dir, "world.json")
			b, err := json.Marshal(crashWorld(nUpdate, nMove))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(statePath, b, 0o600); err != nil {
				t.Fatal(err)
			}
			base := len(worldState(statePath))
			if base == 0 {
				t.Fatal("seed world has no users")
			}
			sb := startSandboxProc(t, sandboxBin, statePath, "--dialect", dialect, "--latency", "15ms", "--seed", "11")
			if got := len(worldState(statePath)); got != base {
				t.Fatalf("the sandbox did not load the seeded state: %d users, want %d", got, base)
			}
			input := writeCSV(t, dir, "people.csv", table(ws))
			stateDir := filepath.Join(dir, "state")
			env := envList(sandboxEnv(sb.URL), dir)

			applyArgs := func(report string) []string {
				a := []string{"apply", input, "--report", report, "--state-dir", stateDir, "--concurrency", "2", "--move-batch-size", "1", "--quiet"}
				if mode == "reviewed-plan" {
					a = []string{"apply", "--plan", filepath.Join(dir, "plan.json"), input, "--report", report, "--state-dir", stateDir, "--concurrency", "2", "--quiet"}
				}
				return a
			}
			if mode == "reviewed-plan" {
				ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
				cmd := exec.CommandContext(ctx, encimport, "plan", input, "-o", filepath.Join(dir, "plan.json"), "--move-batch-size", "1",
					"--report", filepath.Join(dir, "plan-report.csv"), "--state-dir", stateDir, "--quiet")
				cmd.Env = env
				out, err := cmd.CombinedOutput()
				cancel()
				if err != nil {
					t.Fatalf("plan -o: %v\n%s", err, out)
				}
			}

			finished := "" // report of a run that ended by itself, if any
			for i, kp := range points {
				rep := filepath.Join(dir, fmt.Sprintf("report-%d.csv", i))
				killed, journal, out := runAndKill(t, encimport, env, applyArgs(rep), statePath, stateDir, ws, kp)
				if _, err := os.Stat(rep); killed && !journal && err == nil {
					// Killed after the report was written and the journal
					// removed: the run had finished (at any kill point: a
					// fast run may outpace the poller), only its exit code
					// was lost. Its report is the final one. (Rerunning a
					// finished reviewed plan: TestReviewedPlanRerunAfterFinish.)
					finished = rep
					break
				}
				if !killed {
					// The run finished before the kill point: it is the final
					// run (rerunning a finished reviewed plan is another story).
					if strings.Contains(out, "panic:") {
						t.Errorf("%s: the run panicked: %s", kp.name, out)
					}
					finished = rep
					break
				}
				// A killed run leaves no report or a complete one, never half a file.
				if _, err := os.Stat(rep); err == nil {
					if rows, err := parseReport(rep); err != nil || len(rows) != len(ws) {
						t.Errorf("%s: killed run left a partial report (%d rows, %v)", kp.name, len(rows), err)
					}
				}
			}

			// The final rerun finishes everything.
			rep := finished
			if rep == "" {
				rep = filepath.Join(dir, "report-final.csv")
				ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
				defer cancel()
				cmd := exec.CommandContext(ctx, encimport, applyArgs(rep)...)
				cmd.Env = env
				var out bytes.Buffer
				cmd.Stdout, cmd.Stderr = &out, &out
				err = cmd.Run()
				if code := cmd.ProcessState.ExitCode(); code != 0 {
					t.Errorf("final rerun: exit %d (%v), want 0:\n%s", code, err, tail(out.String(), 4000))
				}
			}
			rows := readReport(t, rep)
			// A row done by a killed run may be reported unchanged when the
			// rerun replans; never failed, skipped or invalid.
			alt := map[string][]string{"created": {"unchanged"}, "updated": {"unchanged"}, "moved": {"unchanged"}}
			if mode == "reviewed-plan" {
				alt = nil
			}
			checkReport(t, rows, ws, alt)

			users := worldState(statePath)
			var list []encompass.User
			for _, u := range users {
				list = append(list, u)
			}
			checkServer(t, list, base, ws)
		})
	}
}
