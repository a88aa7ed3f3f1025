package job

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/encimport/encimport/plan"
	"github.com/encimport/encimport/planner"
	"github.com/encimport/encimport/runrec"
)

// makeRevertPlan plans the way back from the run cfg.Revert names (an id,
// a unique prefix or "last" of cfg.StateDir's run records) against the
// server as it is now (planner.Revert). The run must have changed the
// Encompass cfg.Target connects to. The plan's input is the run record
// (its digest keys the journal, so an interrupted revert resumes); its
// report goes beside the record unless cfg.Report names one.
func makeRevertPlan(ctx context.Context, cfg Config, env Env, s *Session) (*Planned, error) {
	if cfg.StateDir == "" {
		return nil, fmt.Errorf("revert needs the state directory that holds the run records (--state-dir)")
	}
	run, err := runrec.Open(cfg.StateDir, cfg.Revert)
	if err != nil {
		return nil, err
	}
	if inst := cfg.Target.instance(); run.Instance != inst {
		return nil, fmt.Errorf("run %s changed %s; this connection is to %s: connect to the instance the run changed", run.ID, run.Instance, inst)
	}
	res := &Planned{Input: filepath.Join(run.Dir, "revert.csv"), revertOf: run.ID}
	w, err := planner.Fetch(ctx, s.Client)
	if err != nil {
		if ctx.Err() != nil {
			return res, ErrInterrupted
		}
		return res, fmt.Errorf("reading users, organizations and personas: %w", err)
	}
	opts := cfg.Planner
	opts.DefaultAction = ""
	in := plan.Input{Path: revertLabel(run), SHA256: run.Digest}
	res.Plan, res.world = planner.Revert(run, w, in, opts), w
	env.log().Info("revert", "run", run.ID, "users", len(run.Befores))
	return res, nil
}
