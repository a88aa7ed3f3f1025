package e2e

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/encimport/encimport/internal/sandbox"
	"github.com/encimport/encimport/plan"
)

// TestSyncSample runs the README's worked example from the command line:
// samples/hr-feed.csv synced over Retail with samples/protect.txt disables
// exactly the three leavers, reports them in rows of their own, leaves the
// API user, the protected user and everyone outside Retail alone; a rerun
// writes nothing and reports every row unchanged.
func TestSyncSample(t *testing.T) { forEachDialect(t, testSyncSample) }

func testSyncSample(t *testing.T, dialect string) {
	run := inProcess(t, sandbox.Options{Dialect: dialect})
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	env := sandboxEnv(run.URL)
	feed, protect := filepath.Join("..", "samples", "hr-feed.csv"), filepath.Join("..", "samples", "protect.txt")
	args := func(cmd, report string) []string {
		return []string{cmd, feed, "--sync", "Retail", "--protect-file", protect, "--report", filepath.Join(dir, report),
			"--state-dir", filepath.Join(dir, "state")}
	}

	res := runCLI(ctx, env, args("plan", "plan.csv")...)
	if res.code != 0 {
		t.Fatalf("plan: %s", res)
	}
	for _, want := range []string{"3 to disable", "20 unchanged", "~ disable lo.mobrien (Maura O'Brien", "[not in file]",
		"left alone api.pricing", "an API user", "left alone uw.retail", "protected"} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("plan lacks %q:\n%s", want, res.stdout)
		}
	}
	if n := run.Server.Stats().Patches; n != 0 {
		t.Fatalf("plan wrote: %d patches", n)
	}

	res = runCLI(ctx, env, args("apply", "apply.csv")...)
	if res.code != 0 {
		t.Fatalf("apply: %s", res)
	}
	rows := readReport(t, filepath.Join(dir, "apply.csv"))
	var gone []string
	for _, r := range rows {
		if r.Sheet == plan.SheetNotInFile {
			gone = append(gone, r.ID)
			if r.Status != plan.StatusDisabled || r.Action != "disable" || !strings.Contains(r.Message, "not in the file") {
				t.Errorf("%s: %s %q", r.ID, r.Status, r.Message)
			}
		} else if r.Status != plan.StatusUnchanged {
			t.Errorf("row %d (%s): %s %q", r.Row, r.ID, r.Status, r.Message)
		}
	}
	if want := []string{"lo.mobrien", "lo.rortiz", "lp.phoenix"}; !slices.Equal(gone, want) || len(rows) != 23 {
		t.Fatalf("disabled %v of %d report rows, want %v of 23", gone, len(rows), want)
	}
	for _, u := range run.Server.Users() {
		want := u.ID != "lo.former" && !slices.Contains(gone, u.ID)
		if on := u.AccountEnabled == nil || *u.AccountEnabled; on != want {
			t.Errorf("%s: enabled %v, want %v", u.ID, on, want)
		}
	}

	run.Server.ResetStats()
	res = runCLI(ctx, env, args("apply", "rerun.csv")...)
	if res.code != 0 {
		t.Fatalf("rerun: %s", res)
	}
	if st := run.Server.Stats(); st.Creates+st.Patches+st.Moves != 0 {
		t.Errorf("the rerun wrote: %+v", st)
	}
	rows = readReport(t, filepath.Join(dir, "rerun.csv"))
	if c := statusCounts(rows); c[plan.StatusUnchanged] != 20 || len(rows) != 20 {
		t.Errorf("rerun statuses %v", c)
	}
}

// TestSyncRefusedFromTheCommandLine: a feed that would disable 60% of a
// branch is refused by plan and by apply with exit 1, a message naming the
// count, the threshold and the way on, and not one write call; the whole
// company synced as admin never disables the caller, a super administrator
// or an API user.
func TestSyncRefusedFromTheCommandLine(t *testing.T) { forEachDialect(t, testSyncRefused) }

func testSyncRefused(t *testing.T, dialect string) {
	run := inProcess(t, sandbox.Options{Dialect: dialect})
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	env := sandboxEnv(run.URL)
	state := filepath.Join(dir, "state")

	// Phoenix Branch has five people; the feed names two.
	phoenix := writeCSV(t, dir, "phoenix.csv", [][]string{{"id", "title"}, {"lo.phoenix", "Branch Manager"}, {"lo.kwhite", "Loan Officer"}})
	for _, cmd := range []string{"plan", "apply"} {
		res := runCLI(ctx, env, cmd, phoenix, "--sync", "Phoenix Branch", "--report", filepath.Join(dir, cmd+".csv"), "--state-dir", state)
		if res.code != 1 {
			t.Fatalf("%s: %s", cmd, res)
		}
		for _, want := range []string{"sync refused", "would disable 3", "threshold 3", "lo.tnguyen (Tran Nguyen)", "nothing was changed", "encimport plan"} {
			if !strings.Contains(res.stderr, want) {
				t.Errorf("%s: the message lacks %q:\n%s", cmd, want, res.stderr)
			}
		}
		if cmd == "plan" && !strings.Contains(res.stdout, "REFUSED:") {
			t.Errorf("plan shows no refusal:\n%s", res.stdout)
		}
	}
	// The report and the page of a refused plan say so, for a reviewer who
	// reads only them.
	res := runCLI(ctx, env, "plan", phoenix, "--sync", "Phoenix Branch", "--report", filepath.Join(dir, "refused.csv"),
		"--html", filepath.Join(dir, "refused.html"))
	rep, _ := os.ReadFile(filepath.Join(dir, "refused.csv"))
	page, _ := os.ReadFile(filepath.Join(dir, "refused.html"))
	if res.code != 1 || strings.Count(string(rep), "not to be done: the --sync plan is refused (the file names only 2 of the 5") != 3 ||
		!strings.Contains(string(page), "Refused: nothing will be done.") {
		t.Errorf("refused plan: %s\nreport:\n%s", res, rep)
	}
	// An empty feed, whatever --max-disable says.
	empty := writeCSV(t, dir, "empty.csv", [][]string{{"id", "title"}})
	res = runCLI(ctx, env, "apply", empty, "--sync", "Retail", "--max-disable", "100%", "--report", filepath.Join(dir, "empty-report.csv"), "--state-dir", state)
	if res.code != 1 || !strings.Contains(res.stderr, "no data rows") {
		t.Fatalf("empty feed: %s", res)
	}
	if st := run.Server.Stats(); st.Creates+st.Patches+st.Moves != 0 {
		t.Fatalf("refused runs wrote: %+v", st)
	}

	// The whole company: everyone but the caller, the super administrator,
	// the API users and three leavers.
	exempt := []string{"admin", "it.admin", "api.partner", "api.pricing"}
	leavers := []string{"lo.east", "uw.retail", "ae.wholesale2"}
	rows := [][]string{{"id"}}
	for _, u := range sandbox.DefaultWorld().Users {
		if *u.AccountEnabled && !slices.Contains(exempt, u.ID) && !slices.Contains(leavers, u.ID) {
			rows = append(rows, []string{u.ID})
		}
	}
	all := writeCSV(t, dir, "company.csv", rows)
	res = runCLI(ctx, env, "apply", all, "--sync", "Administration", "--report", filepath.Join(dir, "company-report.csv"), "--state-dir", state)
	if res.code != 0 {
		t.Fatalf("company: %s", res)
	}
	for _, u := range run.Server.Users() {
		want := u.ID != "lo.former" && !slices.Contains(leavers, u.ID)
		if on := u.AccountEnabled == nil || *u.AccountEnabled; on != want {
			t.Errorf("%s: enabled %v, want %v", u.ID, on, want)
		}
	}
}
