package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/encimport/encimport/encompass"
	"github.com/encimport/encimport/internal/sandbox"
)

// The done-when of issue 15, from the command line: export the sandbox's
// users, plan the export (every row unchanged, no write planned), apply
// samples/reorg.csv, list the run, revert it, and find every user as it
// was before the run, field by field.
func TestExportRoundTripAndRevertFromTheCLI(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	world := filepath.Join(dir, "world.json")
	state := filepath.Join(dir, "state")
	env := map[string]string{"HOME": dir}
	sb := []string{"--sandbox", "--sandbox-state", world, "--state-dir", state}
	run := func(args ...string) cliResult {
		t.Helper()
		return runCLI(ctx, env, append(args, sb...)...)
	}

	n := len(sandbox.DefaultWorld().Users)
	all := filepath.Join(dir, "all.xlsx")
	if res := run("export", "-o", all, "--include-disabled"); res.code != 0 || !strings.Contains(res.stderr, fmt.Sprintf("Exported %d users", n)) {
		t.Fatalf("export: %v", res)
	}
	res := run("plan", all, "--report", filepath.Join(dir, "plan.csv"))
	// The plan's count line, whatever else it shows (move calls with --verbose).
	unchanged := fmt.Sprintf("0 to disable, 0 to enable, %d unchanged, 0 invalid", n)
	if res.code != 0 || !strings.Contains(res.stdout, unchanged) || !strings.Contains(res.stdout, "Plan: 0 to create, 0 to update, 0 to move") {
		t.Fatalf("plan of the export: %v", res)
	}
	if res := run("export", "-o", all); res.code != 1 || !strings.Contains(res.stderr, "--force") {
		t.Fatalf("export over an existing file: %v", res)
	}

	before := storedUsers(t, world)
	res = run("apply", filepath.Join("..", "samples", "reorg.csv"), "--report", filepath.Join(dir, "reorg-report.csv"))
	if res.code != 0 {
		t.Fatalf("apply: %v", res)
	}
	id := regexp.MustCompile(`Run: (\S+)`).FindStringSubmatch(res.stderr)
	if id == nil {
		t.Fatalf("apply named no run: %v", res)
	}
	runID := id[1]
	for _, f := range []string{"run.json", "plan.json", "before.jsonl", "report.csv"} {
		if _, err := os.Stat(filepath.Join(state, "runs", runID, f)); err != nil {
			t.Error(err)
		}
	}
	res = runCLI(ctx, env, "runs", "--state-dir", state)
	if res.code != 0 || !strings.Contains(res.stdout, runID) || !strings.Contains(res.stdout, "reorg.csv") || !strings.Contains(res.stdout, "moved 15") {
		t.Fatalf("runs: %v", res)
	}
	if reflect.DeepEqual(before, storedUsers(t, world)) {
		t.Fatal("the reorganisation changed nothing")
	}
	if res := run("export", "-o", filepath.Join("..", "samples", "reorg.csv"), "--force"); res.code != 1 || !strings.Contains(res.stderr, "input of run") {
		t.Fatalf("export over a run's input: %v", res)
	}

	res = run("revert", runID[:10])
	if res.code != 0 || !strings.Contains(res.stdout, "15 to move") || strings.Count(res.stdout, "> move") != 4 {
		t.Fatalf("revert plan: %v", res)
	}
	res = run("revert", runID, "--apply", "--report", filepath.Join(dir, "revert.csv"))
	if res.code != 0 {
		t.Fatalf("revert --apply: %v", res)
	}
	after := storedUsers(t, world)
	for id, b := range before {
		if a := after[id]; !reflect.DeepEqual(a, b) {
			t.Errorf("%s differs after the revert:\n%+v\nwas\n%+v", id, a, b)
		}
	}
	if len(after) != len(before) {
		t.Errorf("%d users after, %d before", len(after), len(before))
	}
	// The revert is a run of its own; the export plans unchanged again.
	if res := runCLI(ctx, env, "runs", "--state-dir", state); strings.Count(res.stdout, "\n") != 3 || !strings.Contains(res.stdout, "revert of "+runID) {
		t.Errorf("runs after the revert: %v", res)
	}
	if res := run("plan", all, "--report", filepath.Join(dir, "plan2.csv")); !strings.Contains(res.stdout, unchanged) {
		t.Errorf("plan of the export after the revert: %v", res)
	}
}

func storedUsers(t *testing.T, path string) map[string]encompass.User {
	t.Helper()
	w, err := sandbox.StoredWorld(path)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]encompass.User{}
	for _, u := range w.Users {
		m[u.ID] = u
	}
	return m
}
