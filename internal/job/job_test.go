package job

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/encimport/encimport/executor"
	"github.com/encimport/encimport/internal/sandbox"
	"github.com/encimport/encimport/plan"
)

const people = `action,id,firstName,lastName,email,password,workingFolder,personas,orgId
create,job.one,Ann,Able,ann.able@example.com,Secr3t!pass,My Pipeline,Loan Officer,Denver Branch
create,job.two,Bob,Baker,bob.baker@example.com,Secr3t!pass,My Pipeline,Loan Officer,Phoenix Branch
`

func sandboxConfig(t *testing.T) (Config, string) {
	t.Helper()
	dir := t.TempDir()
	in := filepath.Join(dir, "people.csv")
	if err := os.WriteFile(in, []byte(people), 0o600); err != nil {
		t.Fatal(err)
	}
	return Config{
		Target:   Target{Sandbox: true, SandboxState: filepath.Join(dir, "world.json")},
		StateDir: filepath.Join(dir, "state"),
		Input:    in,
		Planner:  plan.Options{DefaultAction: "upsert", MoveBatchSize: 100},
		Report:   filepath.Join(dir, "report.csv"),
	}, dir
}

// Apply calls its hooks in order (the plan before the executor, the
// executor before the report), leaves its Config as it was given, removes
// the journal of a finished run; a rerun finds every row unchanged.
func TestApplyHooksAndRerun(t *testing.T) {
	cfg, _ := sandboxConfig(t)
	given := cfg
	var order []string
	env := Env{
		Planned: func(p *plan.Plan, s *Session) error {
			if s.ConcurrencyLimit() < 1 {
				t.Errorf("limit %d before the run", s.ConcurrencyLimit())
			}
			order = append(order, "planned")
			return nil
		},
		Executed: func(r *executor.Result) {
			if _, err := os.Stat(cfg.Report); !os.IsNotExist(err) {
				t.Errorf("the report exists before the executor returned: %v", err)
			}
			order = append(order, "executed")
		},
	}
	res, err := Apply(context.Background(), cfg, env)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(order, []string{"planned", "executed"}) {
		t.Errorf("hooks %v", order)
	}
	if !reflect.DeepEqual(cfg, given) {
		t.Errorf("Apply changed its config:\n%+v\nwas\n%+v", cfg, given)
	}
	if res.Report != cfg.Report || res.Input != cfg.Input || res.Unfinished() != 0 || res.Summary == nil || res.Summary.ReadCalls == 0 {
		t.Fatalf("result %+v", res)
	}
	for _, r := range res.Run.Rows {
		if r.Status != plan.StatusCreated {
			t.Errorf("row %d: %s %s", r.Row, r.Status, r.Message)
		}
	}
	if js, _ := filepath.Glob(filepath.Join(cfg.StateDir, "*journal*")); len(js) != 0 {
		t.Errorf("journal left after a finished run: %v", js)
	}
	res, err = Apply(context.Background(), cfg, Env{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res.Run.Rows {
		if r.Status != plan.StatusUnchanged {
			t.Errorf("rerun row %d: %s", r.Row, r.Status)
		}
	}
}

// A reviewed plan is held against the server with its own input, sheet
// and options, whatever the Config says; the Config is not changed.
func TestPlanFromAReviewedPlan(t *testing.T) {
	cfg, dir := sandboxConfig(t)
	first, err := Plan(context.Background(), cfg, Env{})
	if err != nil {
		t.Fatal(err)
	}
	planFile := filepath.Join(dir, "plan.json")
	f, err := os.Create(planFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := plan.Save(f, first.Plan); err != nil {
		t.Fatal(err)
	}
	f.Close()

	reviewed := cfg
	reviewed.Input, reviewed.PlanFile, reviewed.Sheet = "", planFile, "no such sheet"
	reviewed.Planner.DefaultAction = "disable"
	given := reviewed
	res, err := Plan(context.Background(), reviewed, Env{})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(reviewed, given) {
		t.Errorf("Plan changed its config")
	}
	if res.Input != cfg.Input || res.Plan.Options.DefaultAction != "upsert" || res.Plan.Summary().Create != 2 {
		t.Fatalf("input %s, options %+v, summary %+v", res.Input, res.Plan.Options, res.Plan.Summary())
	}

	if err := os.WriteFile(cfg.Input, []byte(people+"create,late.add,C,D,c@example.com,x,F,Loan Officer,Wholesale\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Plan(context.Background(), reviewed, Env{}); err == nil || !strings.Contains(err.Error(), "changed since the plan") {
		t.Fatalf("a changed input: %v", err)
	}
}

// Without a state directory and with NoReport (the bench), Apply takes no
// lock, keeps no journal and writes no file.
func TestApplyWithoutStateOrReport(t *testing.T) {
	cfg, dir := sandboxConfig(t)
	cfg.StateDir, cfg.NoReport = "", true
	res, err := Apply(context.Background(), cfg, Env{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Report != "" || len(res.Run.Rows) != 2 || res.Unfinished() != 0 {
		t.Fatalf("result %+v", res)
	}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if e.Name() != "people.csv" && e.Name() != "world.json" {
			t.Errorf("a file was written: %s", e.Name())
		}
	}
}

func TestValidateCountsAndReports(t *testing.T) {
	cfg, _ := sandboxConfig(t)
	if err := os.WriteFile(cfg.Input, []byte(people+"create,bad:id,A,B,not-an-email,x,F,Loan Officer,Wholesale\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	seen := 0
	res, err := Validate(context.Background(), cfg, Env{}, func(plan.Row) { seen++ })
	if err != nil {
		t.Fatal(err)
	}
	if res.Rows != 3 || res.Invalid != 1 || seen != 3 || res.Report != cfg.Report {
		t.Fatalf("result %+v, %d rows seen", res, seen)
	}
	if _, err := os.Stat(cfg.Report); err != nil {
		t.Fatal(err)
	}
}

// TestValidateReportInOrder: the report, written on its own goroutine in
// batches, holds every row once, in input order, problems included.
func TestValidateReportInOrder(t *testing.T) {
	cfg, _ := sandboxConfig(t)
	var b strings.Builder
	b.WriteString("action,id,firstName,lastName,email,password,workingFolder,personas,orgId\n")
	const n = 2*reportBatch + 7
	for i := range n {
		email := fmt.Sprintf("v%d@example.com", i)
		if i%100 == 0 {
			email = "not-an-email"
		}
		fmt.Fprintf(&b, "create,v.%04d,Ann,Able,%s,Secr3t!pass,My Pipeline,Loan Officer,Denver Branch\n", i, email)
	}
	if err := os.WriteFile(cfg.Input, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	res, err := Validate(context.Background(), cfg, Env{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Rows != n || res.Invalid != (n+99)/100 {
		t.Fatalf("result %+v", res)
	}
	data, err := os.ReadFile(cfg.Report)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) != n+1 {
		t.Fatalf("report has %d lines, want %d", len(lines), n+1)
	}
	for i, l := range lines[1:] {
		if !strings.Contains(l, fmt.Sprintf("v.%04d", i)) {
			t.Fatalf("report line %d is %q, want row v.%04d", i+2, l, i)
		}
	}
}

// TestMemoryLimitMakesRoomForTheWorld: a run's soft memory limit covers the
// file's rows at the cap and then, once the server is read, its users, so
// that a large lender does not keep the collector running; it is restored
// at the end, and GOMEMLIMIT is left alone.
func TestMemoryLimitMakesRoomForTheWorld(t *testing.T) {
	if os.Getenv("GOMEMLIMIT") != "" {
		t.Skip("GOMEMLIMIT is set: the run leaves the limit alone")
	}
	before := debug.SetMemoryLimit(-1)
	restore := holdMemory()
	if got, want := debug.SetMemoryLimit(-1), int64(PlanMaxRows*MemoryPerRow); got != want {
		t.Errorf("limit during a run %d, want %d", got, want)
	}
	roomForWorld(20_000)
	if got, want := debug.SetMemoryLimit(-1), int64(PlanMaxRows+40_000)*MemoryPerRow; got != want {
		t.Errorf("limit with 20,000 users read %d, want %d", got, want)
	}
	restore()
	if got := debug.SetMemoryLimit(-1); got != before {
		t.Errorf("limit after the run %d, want %d as before", got, before)
	}
}

// TestRunsMakeRoomForTheWorld: plan, and the plan of a revert, raise the
// soft memory limit for the users they read, before planning.
func TestRunsMakeRoomForTheWorld(t *testing.T) {
	if os.Getenv("GOMEMLIMIT") != "" {
		t.Skip("GOMEMLIMIT is set: the run leaves the limit alone")
	}
	cfg, _ := sandboxConfig(t)
	want := int64(PlanMaxRows+2*len(sandbox.DefaultWorld().Users)) * MemoryPerRow
	check := func(what string) Env {
		return Env{Planned: func(*plan.Plan, *Session) error {
			if got := debug.SetMemoryLimit(-1); got != want {
				t.Errorf("%s: limit while planning %d, want %d", what, got, want)
			}
			return nil
		}}
	}
	if _, err := Plan(context.Background(), cfg, check("plan")); err != nil {
		t.Fatal(err)
	}
	res, err := Apply(context.Background(), cfg, Env{})
	if err != nil || res.RunID == "" {
		t.Fatalf("apply: run %q, %v", res.RunID, err)
	}
	want += 2 * 2 * MemoryPerRow // the two users the run created
	rv := cfg
	rv.Input, rv.Revert = "", res.RunID
	rv.Report = filepath.Join(t.TempDir(), "revert.csv")
	if _, err := Plan(context.Background(), rv, check("revert")); err != nil {
		t.Fatal(err)
	}
}
