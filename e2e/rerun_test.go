package e2e

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/encimport/encimport/internal/sandbox"
)

// TestReviewedPlanRerunAfterFinish: cron reruns `apply --plan plan.json`
// after a run that finished (or was killed after finishing, before its exit
// code was seen). Nothing may be done twice, and rows whose change is
// already on the server must not be reported failed: they are done.
func TestReviewedPlanRerunAfterFinish(t *testing.T) {
	forEachDialect(t, testReviewedPlanRerunAfterFinish)
}

func testReviewedPlanRerunAfterFinish(t *testing.T, dialect string) {
	run := inProcess(t, sandbox.Options{Dialect: dialect})
	var ws []want
	for i := 0; i < 5; i++ {
		ws = append(ws, createRow("rr.", i, "3"))
	}
	ws = append(ws, updateRow("lo.west", "Rerun"), moveRow("lo.rortiz", "4"), disableRow("lo.boston"))
	dir := t.TempDir()
	input := writeCSV(t, dir, "people.csv", table(ws))
	env := sandboxEnv(run.URL)
	state := filepath.Join(dir, "state")
	plan := filepath.Join(dir, "plan.json")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if res := runCLI(ctx, env, "plan", input, "-o", plan, "--report", filepath.Join(dir, "plan.csv"), "--state-dir", state); res.code != 0 {
		t.Fatalf("plan: %s", res)
	}
	rep1 := filepath.Join(dir, "apply1.csv")
	if res := runCLI(ctx, env, "apply", "--plan", plan, input, "--report", rep1, "--state-dir", state); res.code != 0 {
		t.Fatalf("first apply --plan: %s", res)
	}
	checkReport(t, readReport(t, rep1), ws, nil)

	run.Server.ResetStats()
	rep2 := filepath.Join(dir, "apply2.csv")
	res := runCLI(ctx, env, "apply", "--plan", plan, input, "--report", rep2, "--state-dir", state)
	st := run.Server.Stats()
	if st.Creates != 0 || st.Moves != 0 {
		t.Errorf("rerun applied %d creates and %d moves, want none", st.Creates, st.Moves)
	}
	if res.code != 0 {
		t.Errorf("rerun of a finished reviewed plan: want exit 0 (nothing left to do), got %s", res)
	}
	done := map[string][]string{"created": {"unchanged"}, "updated": {"unchanged"}, "moved": {"unchanged"}, "disabled": {"unchanged"}}
	checkReport(t, readReport(t, rep2), ws, done)
	checkServer(t, run.Server.Users(), defaultUserCount(), ws)
}
