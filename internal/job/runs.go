package job

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/encimport/encimport/executor"
	"github.com/encimport/encimport/plan"
	"github.com/encimport/encimport/planner"
	"github.com/encimport/encimport/report"
	"github.com/encimport/encimport/runrec"
)

// Runs lists the run records of cfg.StateDir, oldest first.
func Runs(cfg Config) ([]runrec.Record, error) {
	if cfg.StateDir == "" {
		return nil, fmt.Errorf("no state directory: runs are recorded in --state-dir")
	}
	return runrec.List(cfg.StateDir)
}

// hasWork reports whether p has a step to execute.
func hasWork(p *plan.Plan) bool {
	for i := range p.Rows {
		r := &p.Rows[i]
		if r.Status == plan.StatusPlanned && (r.Create != nil || r.Patch != nil || r.Move != nil) {
			return true
		}
	}
	return false
}

// startRun writes the run record of an apply before its first write: the
// plan and the before-image of every user it changes, synced (runrec.Start).
// It returns nil (no record) without a state directory or when the plan
// changes nothing.
func startRun(cfg Config, pl *Planned, now time.Time) (*runrec.Run, error) {
	p := pl.Plan
	if cfg.StateDir == "" || p == nil || !hasWork(p) {
		return nil, nil
	}
	var befores []runrec.Before
	if w := pl.world; w != nil {
		exp := planner.NewExporter(w.Root, w.Personas)
		befores = runrec.Capture(p, w.User, exp.OrgPath)
	}
	kind := runrec.KindApply
	if pl.revertOf != "" {
		kind = runrec.KindRevert
	}
	in := p.Input
	if in.Path != "" && kind == runrec.KindApply {
		if abs, err := filepath.Abs(in.Path); err == nil {
			in.Path = abs
		}
	}
	id := cfg.Target.Identity()
	rec := runrec.Record{Kind: kind, RevertOf: pl.revertOf, Started: now.UTC(), Input: in, Caller: p.Caller,
		Target: id, Instance: id.String()}
	run, err := runrec.Start(cfg.StateDir, rec, p, befores)
	if err != nil {
		return nil, fmt.Errorf("writing the run record in %s (nothing was changed): %w", runrec.Dir(cfg.StateDir), err)
	}
	return run, nil
}

// finishRun completes the run record with the executor's rows.
func finishRun(run *runrec.Run, out *executor.Result, runErr error, interrupted bool) error {
	if run == nil {
		return nil
	}
	state := runrec.StateFinished
	switch {
	case runErr != nil:
		state = runrec.StateFailed
	case interrupted:
		state = runrec.StateInterrupted
	}
	counts := map[plan.Status]int{}
	for _, r := range out.Rows {
		counts[r.Status]++
	}
	rerr := report.Write(filepath.Join(run.Path(), runrec.FileReport), out.Rows)
	return errors.Join(rerr, run.Finish(counts, state, time.Now()))
}

// revertLabel is how a revert's plan names what it was made from.
func revertLabel(run *runrec.Loaded) string {
	what := run.Input.Path
	if run.Kind == runrec.KindRevert {
		what = strings.TrimPrefix(what, "revert of ")
	}
	return fmt.Sprintf("revert of run %s (%s)", run.ID, what)
}
