package job

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/encimport/encimport/plan"
	"github.com/encimport/encimport/planner"
	"github.com/encimport/encimport/runrec"
)

// prepareRevert is prepare for a revert: the run cfg.Revert names (an id,
// a unique prefix or "last" of cfg.StateDir's run records) loaded, held to
// the run's target (a revert must change the Encompass the run changed),
// the outputs checked. The plan's input is the run record (its digest keys
// the journal, so an interrupted revert resumes); its report goes beside
// the record unless cfg.Report names one.
func prepareRevert(cfg Config, apply bool) (*prepared, error) {
	pr := &prepared{opts: cfg.Planner}
	pr.opts.DefaultAction = ""
	if cfg.StateDir == "" {
		return pr, fmt.Errorf("revert needs the state directory that holds the run records (--state-dir)")
	}
	run, err := runrec.Open(cfg.StateDir, cfg.Revert)
	if err != nil {
		return pr, err
	}
	if now := cfg.Target.Identity(); run.Target.Key() != now.Key() {
		return pr, fmt.Errorf("run %s changed %s; this run is configured for %s: connect to the instance the run changed", run.ID, run.Target, now)
	}
	pr.revert, pr.input = run, filepath.Join(run.Dir, "revert.csv")
	pr.in = plan.Input{Path: revertLabel(run), SHA256: run.Digest}
	pr.report = cfg.reportPath(pr.input)
	if err := checkOutputs(cfg, "", pr.report, apply); err != nil {
		return pr, err
	}
	return pr, nil
}

// makeRevertPlan plans the way back from pr.revert against the server as it
// is now (planner.Revert).
func (pr *prepared) makeRevertPlan(ctx context.Context, cfg Config, env Env, s *Session) (*Planned, error) {
	res := pr.result()
	ran := make(map[string]bool, len(pr.revert.Befores))
	for _, b := range pr.revert.Befores {
		ran[strings.ToLower(b.ID)] = true
	}
	// The run's users whole (their fields now, against their before-images),
	// the others slim.
	w, err := planner.FetchFor(ctx, s.Client, func(id string) bool { return ran[strings.ToLower(id)] })
	if err != nil {
		if ctx.Err() != nil {
			return res, ErrInterrupted
		}
		return res, fmt.Errorf("reading users, organizations and personas: %w", err)
	}
	roomForWorld(len(w.Users))
	p := planner.Revert(pr.revert, w, pr.in, pr.opts)
	id := cfg.Target.Identity()
	p.Target = &id
	res.Plan, res.world = p, w
	env.log().Info("revert", "run", pr.revert.ID, "users", len(pr.revert.Befores))
	return res, nil
}
