package job

import (
	"context"
	"io"

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
	repPath := cfg.reportPath(cfg.Input)
	if err := checkOutputs(cfg, cfg.Input, repPath, false); err != nil {
		return nil, err
	}
	start := func() (err error) {
		if rep == nil && repPath != "" {
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
	ropts := importer.Options{Sheet: cfg.Sheet, AllSheets: cfg.AllSheets, IncludeHidden: cfg.IncludeHidden}
	warns, err := planner.CheckFile(ctx, cfg.Input, ropts, cfg.Planner, func(r plan.Row) error {
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
	if res.Rows == 0 {
		return nil, noDataRows(cfg.Input, ropts)
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

// noDataRows is the importer's error for a file without data rows, read
// again to the end for its words (the file has no rows: a short read).
func noDataRows(path string, ropts importer.Options) error {
	r, err := importer.Open(path, ropts)
	if err != nil {
		return err
	}
	defer r.Close()
	for {
		if _, err := r.Next(); err == io.EOF {
			break
		} else if err != nil {
			return err
		}
	}
	if err := r.NoDataRows(); err != nil {
		return err
	}
	return &importer.FileError{File: path, Msg: "the file has no data rows", Err: importer.ErrNoDataRows}
}
