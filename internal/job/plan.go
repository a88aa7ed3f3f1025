package job

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"

	"github.com/encimport/encimport/encompass"
	"github.com/encimport/encimport/importer"
	"github.com/encimport/encimport/internal/atomicfile"
	"github.com/encimport/encimport/internal/regfile"
	"github.com/encimport/encimport/plan"
	"github.com/encimport/encimport/planner"
	"github.com/encimport/encimport/report"
	"github.com/encimport/encimport/runrec"
)

// Planned is a plan made for a run.
type Planned struct {
	Plan     *plan.Plan // nil when planning did not finish
	Input    string     // the input file the plan was made from
	Report   string     // the report written ("" none, or NoReport)
	PlanFile string     // the plan saved (Config.PlanOut), once saved
	Pages               // the HTML page and the file of rows to fix, when written

	world    *planner.World // the server as read for the plan (the run record's before-images)
	revertOf string         // a revert: the run it takes back
}

// ErrNoRights says the calling user may not manage users: the run stopped
// after its read calls, before planning a row.
var ErrNoRights = errors.New("the calling user may not manage users")

// ErrPlanBinding says a reviewed plan (apply --plan) was made for another
// Encompass, caller or file, or does not say which: nothing was done.
var ErrPlanBinding = errors.New("the reviewed plan does not match this run")

// Plan makes the plan of cfg with read-only calls, writes its report and,
// with cfg.PlanOut, saves it. It takes no lock: it changes nothing. The
// outputs are checked and the input read before the first call. A refused
// --sync plan is returned with an error wrapping plan.ErrSyncRefused.
// Interrupted while reading the server, it still writes the report (every
// row skipped) and returns ErrInterrupted.
func Plan(ctx context.Context, cfg Config, env Env) (*Planned, error) {
	defer holdMemory()()
	pr, err := prepare(cfg, env, false)
	if err != nil {
		return pr.result(), err
	}
	s, err := Connect(cfg, env)
	if err != nil {
		return pr.result(), err
	}
	defer s.Close()
	res, err := pr.makePlan(ctx, cfg, env, s)
	if err != nil {
		return res, err
	}
	if env.Planned != nil {
		if err := env.Planned(res.Plan, s); err != nil {
			return res, err
		}
	}
	if res.Report, res.Pages, err = cfg.writeOutputs(env, pr.report, res.Input, res.Plan, nil, nil); err != nil {
		return res, err
	}
	// A refused --sync plan is shown and reported, not saved, and fails the
	// run, so a cron dry run alerts as the apply would.
	if err := res.Plan.Refusal(); err != nil {
		return res, err
	}
	if cfg.PlanOut != "" {
		if err := savePlan(cfg.PlanOut, res.Plan); err != nil {
			return res, err
		}
		res.PlanFile = cfg.PlanOut
	}
	return res, nil
}

// prepared is what a run resolves before its first call: the input (the
// reviewed plan's, with apply --plan), how to read and plan it, the report's
// path, and the rows read.
type prepared struct {
	input    string
	in       plan.Input // how to read the input; its digest once read
	opts     plan.Options
	reviewed *plan.Plan // apply --plan
	report   string     // "" none
	recs     []*importer.Record
	warns    []importer.Problem
	revert   *runrec.Loaded // a revert: the run record it takes back
}

func (pr *prepared) result() *Planned {
	if pr == nil {
		return &Planned{}
	}
	res := &Planned{Input: pr.input}
	if pr.revert != nil {
		res.revertOf = pr.revert.ID
	}
	return res
}

// prepare does, before any call to the server, everything a run can do
// without one: load a reviewed plan and hold it against the run's target,
// check the outputs (checkOutputs), read the input (a file without data rows
// stops here) and hold its digest against the reviewed plan's.
func prepare(cfg Config, env Env, apply bool) (*prepared, error) {
	if cfg.Revert != "" {
		return prepareRevert(cfg, apply)
	}
	pr := &prepared{input: cfg.Input, opts: cfg.Planner,
		in: plan.Input{Sheet: cfg.Sheet, AllSheets: cfg.AllSheets, IncludeHidden: cfg.IncludeHidden}}
	var planInput string // the reviewed plan's input, resolved from the plan's folder
	if cfg.PlanFile != "" {
		rv, err := loadPlan(cfg.PlanFile)
		if err != nil {
			return pr, err
		}
		if err := checkTarget(cfg, rv); err != nil {
			return pr, err
		}
		pr.reviewed, pr.opts = rv, rv.Options
		pr.in = plan.Input{Sheet: rv.Input.Sheet, AllSheets: rv.Input.AllSheets, IncludeHidden: rv.Input.IncludeHidden}
		planInput = rv.Input.Path
		if planInput != "" && !filepath.IsAbs(planInput) {
			planInput = filepath.Join(filepath.Dir(cfg.PlanFile), planInput)
		}
		if pr.input == "" {
			pr.input = planInput
		}
	}
	pr.report = cfg.reportPath(pr.input)
	if err := checkOutputs(cfg, pr.input, pr.report, apply); err != nil {
		return pr, err
	}
	var err error
	if pr.recs, pr.warns, pr.in, err = read(cfg, env, pr.input, pr.in); err != nil {
		return pr, syncRefusesEmpty(pr.opts, err)
	}
	if rv := pr.reviewed; rv != nil && pr.in.SHA256 != rv.Input.SHA256 {
		if planInput != "" && !sameFile(pr.input, planInput) {
			return pr, fmt.Errorf("%w: %s was made for %s (sha256 %.12s), not for %s (sha256 %.12s); give the plan's file, or run 'encimport plan %s -o PLAN' and review that plan",
				ErrPlanBinding, cfg.PlanFile, planInput, rv.Input.SHA256, pr.input, pr.in.SHA256, pr.input)
		}
		return pr, fmt.Errorf("%w: %s changed since the plan %s was made (sha256 %.12s then, %.12s now); run 'encimport plan' again and review the new plan",
			ErrPlanBinding, pr.input, cfg.PlanFile, rv.Input.SHA256, pr.in.SHA256)
	}
	return pr, nil
}

// checkTarget refuses a reviewed plan made against another Encompass than
// cfg's, or one that does not say which (a plan of an encimport before plans
// recorded it): applying it could change an instance nobody reviewed.
func checkTarget(cfg Config, rv *plan.Plan) error {
	now := cfg.Target.Identity()
	if rv.Target == nil {
		return fmt.Errorf("%w: %s does not record the Encompass it was made against (it was made by an earlier encimport), so it cannot be held to %s; run 'encimport plan -o' again and review the new plan",
			ErrPlanBinding, cfg.PlanFile, now)
	}
	if rv.Target.Key() != now.Key() {
		return fmt.Errorf("%w: %s was made against %s, but this run is configured for %s; apply it with the settings it was made with, or plan again against %s and review that plan",
			ErrPlanBinding, cfg.PlanFile, rv.Target, now, now)
	}
	return nil
}

// makePlan reads the server and decides every row (fetch → rights → build).
// With a reviewed plan it holds it against the server as it is now
// (planner.Recheck): the caller must be the reviewed plan's; what was done
// since is not done again, and what the server changed unreviewed (a
// before-value included) is refused for those rows.
func (pr *prepared) makePlan(ctx context.Context, cfg Config, env Env, s *Session) (*Planned, error) {
	if pr.revert != nil {
		return pr.makeRevertPlan(ctx, cfg, env, s)
	}
	res := pr.result()
	w, err := planner.FetchFor(ctx, s.Client, fileIDs(pr.recs))
	if err != nil {
		if ctx.Err() == nil {
			return res, fmt.Errorf("reading users, organizations and personas: %w", err)
		}
		if res.Report, err = writeReport(pr.report, notPlanned(pr.recs, pr.opts.DefaultAction)); err != nil {
			return res, err
		}
		return res, ErrInterrupted
	}
	roomForWorld(len(w.Users))
	if rv := pr.reviewed; rv != nil && !strings.EqualFold(rv.Caller, w.Caller.ID) {
		return res, fmt.Errorf("%w: %s was reviewed for the calling user %q, but this run is signed in as %q; apply it as %q, or plan again as %q and review that plan",
			ErrPlanBinding, cfg.PlanFile, rv.Caller, w.Caller.ID, rv.Caller, w.Caller.ID)
	}
	if acc := w.CallerAccess(); !acc.CanManage {
		has := "no persona"
		if len(acc.Personas) > 0 {
			has = "the personas " + strings.Join(acc.Personas, ", ")
		}
		return res, fmt.Errorf("%w: %q (on %s) has %s and no administrator rights: %s; nothing was planned or changed; run encimport as an administrator ('encimport check' shows the caller's rights)",
			ErrNoRights, w.Caller.ID, cfg.Target.Identity(), has, acc.Why)
	}
	var p *plan.Plan
	if cfg.Records == nil {
		// The records were read for this plan alone: each is let go once
		// its row is planned (memory at the cap follows the plan).
		p = planner.BuildReleasing(pr.recs, w, pr.in, pr.opts)
	} else {
		p = planner.Build(pr.recs, w, pr.in, pr.opts)
	}
	p.Warnings = append(p.Warnings, pr.warns...)
	id := cfg.Target.Identity()
	p.Target = &id
	if pr.reviewed != nil {
		if p, err = planner.Recheck(pr.reviewed, p); err != nil {
			return res, fmt.Errorf("%w: %w", ErrPlanBinding, err)
		}
	}
	res.Plan, res.world = p, w
	return res, nil
}

// MemoryPerRow is the Go memory plan and apply aim at per row at the cap
// of PlanMaxRows rows: while Plan or Apply runs, the runtime's soft limit
// is PlanMaxRows × MemoryPerRow (320 MB; roomForWorld adds room for the
// users read once the server is read), so that near it the garbage
// collector works harder instead of letting the heap grow to twice what is
// live (about 170 MB at the cap, when every record has been read); the
// process then peaks at about 1.2 KB a row for plan and 1.3 KB for apply
// (README, BENCHMARKS.md lines 10b and 10c; 1.4 KB without the limit). A
// smaller file never comes near the limit. GOMEMLIMIT, when set, is left
// as it is.
const MemoryPerRow = 1280

// roomForWorld raises the soft limit that holdMemory set by twice
// MemoryPerRow for each user read: the server as read (every user slim,
// about 1 KB, and the file's users whole and packed, about 1 KB more) is
// memory the file's rows do not count, and a limit it filled would keep
// the garbage collector running (up to half the CPU) for the rest of the
// run. A lender of 20,000 users adds 51 MB.
func roomForWorld(users int) {
	if os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	debug.SetMemoryLimit(int64(PlanMaxRows+2*users) * MemoryPerRow)
}

// holdMemory sets the heap's soft limit for a run and returns the
// function restoring the previous one.
func holdMemory() (restore func()) {
	if os.Getenv("GOMEMLIMIT") != "" {
		return func() {}
	}
	prev := debug.SetMemoryLimit(PlanMaxRows * MemoryPerRow)
	return func() { debug.SetMemoryLimit(prev) }
}

// fileIDs says whether an id is one of the file's rows (any case): those
// users are kept whole by the fetch, the others only as planning needs them.
func fileIDs(recs []*importer.Record) func(string) bool {
	ids := make(map[string]struct{}, len(recs))
	for _, r := range recs {
		if id := r.Get(importer.ColID); id != "" {
			ids[strings.ToLower(id)] = struct{}{}
		}
	}
	return func(id string) bool {
		_, ok := ids[strings.ToLower(id)]
		return ok
	}
}

// savePlan writes p to path (plan -o), the input's path relative to the
// plan's folder when the input is there or below, so the two can move
// together (apply --plan resolves it from the plan's folder).
func savePlan(path string, p *plan.Plan) error {
	cp := *p
	if in := cp.Input.Path; in != "" {
		cp.Input.Path = absPath(in)
		if rel, err := filepath.Rel(filepath.Dir(absPath(path)), cp.Input.Path); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			cp.Input.Path = rel
		}
	}
	if err := atomicfile.Write(path, 0o600, func(w io.Writer) error { return plan.Save(w, &cp) }); err != nil {
		return fmt.Errorf("writing the plan: %w", err)
	}
	return nil
}

func loadPlan(path string) (*plan.Plan, error) {
	f, _, err := regfile.Open(path) // a FIFO or a device is refused, not waited on
	if err != nil {
		return nil, fmt.Errorf("plan file %w; give the file 'encimport plan -o FILE' wrote", err)
	}
	defer f.Close()
	p, err := plan.Load(f)
	if err != nil {
		return nil, fmt.Errorf("plan file %s: %w", path, err)
	}
	if run, ok := revertOf(p.Input.Path); ok {
		return nil, fmt.Errorf("plan file %s is the plan of a revert of run %s, for review; carry it out with 'encimport revert %s --apply', which holds it against the run's record", path, run, run)
	}
	return p, nil
}

// RevertedRun is the id of the run p, the plan of a revert, goes back
// from (false for any other plan).
func RevertedRun(p *plan.Plan) (string, bool) { return revertOf(p.Input.Path) }

// revertOf is the run a revert's plan was made from (its input is named
// by revertLabel), or false for any other plan.
func revertOf(input string) (string, bool) {
	rest, ok := strings.CutPrefix(input, "revert of run ")
	if !ok {
		return "", false
	}
	id, _, _ := strings.Cut(rest, " ")
	return id, id != ""
}

// read reads the input file as in says (sheet, all sheets, hidden rows):
// every record, and in with the digest of the very bytes read (and, when
// one sheet was read, its name). cfg.Records, when set, are the rows. A
// file without data rows is an error wrapping importer.ErrNoDataRows.
func read(cfg Config, env Env, path string, in plan.Input) ([]*importer.Record, []importer.Problem, plan.Input, error) {
	in.Path = path
	if cfg.Records != nil {
		return cfg.Records, nil, in, nil
	}
	res, err := importer.Read(path, importer.Options{Sheet: in.Sheet, AllSheets: in.AllSheets, IncludeHidden: in.IncludeHidden, MaxRows: PlanMaxRows})
	if err != nil {
		return nil, nil, in, err
	}
	for _, w := range res.Warnings {
		env.log().Warn(w.Error())
	}
	if res.NoDataRows != nil {
		return nil, res.Warnings, in, res.NoDataRows
	}
	in.SHA256 = res.SHA256
	if in.Sheet == "" && !in.AllSheets && len(res.Records) > 0 {
		in.Sheet = res.Records[0].Sheet
	}
	return res.Records, res.Warnings, in, nil
}

// notPlanned are the report rows of a run interrupted before its plan was
// made: every row skipped.
func notPlanned(recs []*importer.Record, defaultAction encompass.Action) []report.Row {
	rows := make([]report.Row, len(recs))
	for i, r := range recs {
		act := encompass.Action(r.Get(importer.ColAction))
		if act == "" {
			act = defaultAction
		}
		rows[i] = report.PlanRow(nil, &plan.Row{Sheet: r.Sheet, Row: r.Row, ID: r.Get(importer.ColID), Action: act,
			Status: plan.StatusSkipped})
		rows[i].Message = "run interrupted before the plan was made; nothing was changed; rerun to finish"
	}
	return rows
}
