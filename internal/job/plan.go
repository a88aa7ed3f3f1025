package job

import (
	"context"
	"fmt"
	"os"

	"github.com/encimport/encimport/encompass"
	"github.com/encimport/encimport/importer"
	"github.com/encimport/encimport/plan"
	"github.com/encimport/encimport/planner"
	"github.com/encimport/encimport/report"
)

// Planned is a plan made for a run.
type Planned struct {
	Plan   *plan.Plan // nil when planning did not finish
	Input  string     // the input file the plan was made from
	Report string     // the report written ("" none, or NoReport)
}

// Plan makes the plan of cfg with read-only calls and writes its report. It
// takes no lock: it changes nothing. Interrupted while reading the server,
// it still writes the report (every row skipped) and returns ErrInterrupted.
func Plan(ctx context.Context, cfg Config, env Env) (*Planned, error) {
	s, err := Connect(cfg, env)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	res, err := makePlan(ctx, cfg, env, s)
	if err != nil {
		return res, err
	}
	if env.Planned != nil {
		if err := env.Planned(res.Plan, s); err != nil {
			return res, err
		}
	}
	res.Report, err = cfg.writeReport(res.Input, report.PlanRows(res.Plan))
	return res, err
}

// makePlan reads the input and the server and decides every row (read →
// fetch → build). With cfg.PlanFile it holds the reviewed plan against the
// server as it is now (planner.Recheck): the input must be the very bytes the
// plan was made from; what was done since is not done again, and what the
// server changed unreviewed is refused for those rows.
func makePlan(ctx context.Context, cfg Config, env Env, s *Session) (*Planned, error) {
	input, sheet, opts := cfg.Input, cfg.Sheet, cfg.Planner
	var reviewed *plan.Plan
	if cfg.PlanFile != "" {
		var err error
		if reviewed, err = loadPlan(cfg.PlanFile); err != nil {
			return nil, err
		}
		if input == "" {
			input = reviewed.Input.Path
		}
		sheet, opts = reviewed.Input.Sheet, reviewed.Options
	}
	res := &Planned{Input: input}
	recs, warns, in, err := read(cfg, env, input, sheet)
	if err != nil {
		return res, err
	}
	if reviewed != nil && in.SHA256 != reviewed.Input.SHA256 {
		return res, fmt.Errorf("%s changed since the plan %s was made; run 'encimport plan' again and review the new plan", input, cfg.PlanFile)
	}
	w, err := planner.Fetch(ctx, s.Client)
	if err != nil {
		if ctx.Err() == nil {
			return res, fmt.Errorf("reading users, organizations and personas: %w", err)
		}
		if res.Report, err = cfg.writeReport(input, notPlanned(recs, cfg.Planner.DefaultAction)); err != nil {
			return res, err
		}
		return res, ErrInterrupted
	}
	p := planner.Build(recs, w, in, opts)
	p.Warnings = append(p.Warnings, warns...)
	if reviewed != nil {
		if p, err = planner.Recheck(reviewed, p); err != nil {
			return res, err
		}
	}
	res.Plan = p
	return res, nil
}

func loadPlan(path string) (*plan.Plan, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("plan file: %w", err)
	}
	defer f.Close()
	p, err := plan.Load(f)
	if err != nil {
		return nil, fmt.Errorf("plan file %s: %w", path, err)
	}
	return p, nil
}

// read reads the input file: every record, and the plan's Input with the
// digest of the very bytes read. cfg.Records, when set, are the rows.
func read(cfg Config, env Env, path, sheet string) ([]*importer.Record, []importer.Problem, plan.Input, error) {
	in := plan.Input{Path: path, Sheet: sheet}
	if cfg.Records != nil {
		return cfg.Records, nil, in, nil
	}
	res, err := importer.Read(path, importer.Options{Sheet: sheet, MaxRows: PlanMaxRows})
	if err != nil {
		return nil, nil, in, err
	}
	in.SHA256 = res.SHA256
	if in.Sheet == "" && len(res.Records) > 0 {
		in.Sheet = res.Records[0].Sheet
	}
	for _, w := range res.Warnings {
		env.log().Warn(w.Error())
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
