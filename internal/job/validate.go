package job

import (
	"context"
	"time"

	"github.com/encimport/encimport/importer"
	"github.com/encimport/encimport/plan"
	"github.com/encimport/encimport/planner"
	"github.com/encimport/encimport/report"
)

// Validated is what Validate found.
type Validated struct {
	Rows, Invalid int
	Report        string // the report written ("" with NoReport)
}

// Validate reads and checks every row of cfg.Input offline, one row at a
// time: each row is handed to onRow (the CLI prints its problems) and its
// report row written as it is read, so a million-row file validates in
// little memory. File-level warnings are logged.
func Validate(ctx context.Context, cfg Config, env Env, onRow func(plan.Row)) (*Validated, error) {
	// The report is started with the first row, so an unreadable input
	// is reported as such, not as a report that could not be created.
	var rep *report.Writer
	repPath := cfg.Report
	if repPath == "" {
		repPath = report.DefaultPath(cfg.Input, time.Now())
	}
	start := func() (err error) {
		if rep == nil && !cfg.NoReport {
			rep, err = report.Create(repPath)
		}
		return err
	}
	defer func() {
		if rep != nil {
			rep.Abort() // no half report when reading fails; a no-op after Close
		}
	}()
	res := &Validated{}
	warns, err := planner.CheckFile(ctx, cfg.Input, importer.Options{Sheet: cfg.Sheet}, cfg.Planner, func(r plan.Row) error {
		res.Rows++
		if r.Status == plan.StatusInvalid {
			res.Invalid++
		}
		if onRow != nil {
			onRow(r)
		}
		if err := start(); err != nil || rep == nil {
			return err
		}
		return rep.Write(report.PlanRow(nil, &r))
	})
	for _, w := range warns {
		env.log().Warn(w.Error())
	}
	if err != nil {
		return nil, err
	}
	if err := start(); err != nil {
		return nil, err
	}
	if rep != nil {
		if err := rep.Close(); err != nil {
			return nil, err
		}
		res.Report = repPath
	}
	return res, nil
}
