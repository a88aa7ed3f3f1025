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
// report row written as it is read (a good row is valid, not planned:
// nothing was planned), so a million-row file validates in
// little memory. File-level warnings are logged.
//
// Three goroutines share the work: the reader's (planner.CheckFile), the
// checking one (this one: each row checked, handed to onRow and made into
// its report row) and the report writer's, which takes the rows in batches
// and writes them in order.
func Validate(ctx context.Context, cfg Config, env Env, onRow func(plan.Row)) (*Validated, error) {
	// The report is started with the first row, so an unreadable input
	// is reported as such, not as a report that could not be created.
	var rw *reportWriter
	repPath := cfg.reportPath(cfg.Input)
	if err := checkOutputs(cfg, cfg.Input, repPath, false); err != nil {
		return nil, err
	}
	start := func() (err error) {
		if rw == nil && repPath != "" {
			rw, err = startReportWriter(repPath)
		}
		return err
	}
	defer func() {
		if rw != nil {
			rw.abort() // no half report when reading fails; a no-op after close
		}
	}()
	res := &Validated{}
	ropts := importer.Options{Sheet: cfg.Sheet, AllSheets: cfg.AllSheets, IncludeHidden: cfg.IncludeHidden}
	warns, err := planner.CheckFile(ctx, cfg.Input, ropts, cfg.Planner, func(r plan.Row) error {
		res.Rows++
		switch r.Status {
		case plan.StatusInvalid:
			res.Invalid++
		case plan.StatusPlanned:
			r.Status = plan.StatusValid // offline: checked, not planned
		}
		if onRow != nil {
			onRow(r)
		}
		if err := start(); err != nil || rw == nil {
			return err
		}
		return rw.write(report.PlanRow(nil, &r)) // PlanRow copies what it keeps of r
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
	if rw != nil {
		err := rw.close()
		rw = nil
		if err != nil {
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

// reportWriter writes report rows on a goroutine of its own, in order,
// taking them in batches.
type reportWriter struct {
	w     *report.Writer
	batch []report.Row
	rows  chan []report.Row
	free  chan []report.Row
	done  chan error // the writer's first error, once rows is closed
	err   error      // the writer's error, seen by write
	fail  chan struct{}
}

const reportBatch = 512

func startReportWriter(path string) (*reportWriter, error) {
	w, err := report.Create(path)
	if err != nil {
		return nil, err
	}
	rw := &reportWriter{w: w, rows: make(chan []report.Row, 4), free: make(chan []report.Row, 5),
		done: make(chan error, 1), fail: make(chan struct{})}
	for range 5 {
		rw.free <- make([]report.Row, 0, reportBatch)
	}
	rw.batch = <-rw.free
	go func() {
		var err error
		for b := range rw.rows {
			for i := range b {
				if err == nil {
					if err = w.Write(b[i]); err != nil {
						close(rw.fail)
					}
				}
			}
			rw.free <- b[:0]
		}
		rw.done <- err
	}()
	return rw, nil
}

// write queues r; it fails once the writer has failed.
func (rw *reportWriter) write(r report.Row) error {
	rw.batch = append(rw.batch, r)
	if len(rw.batch) < reportBatch {
		return nil
	}
	return rw.send()
}

func (rw *reportWriter) send() error {
	select {
	case <-rw.fail:
		return rw.stop()
	default:
	}
	rw.rows <- rw.batch
	rw.batch = <-rw.free
	return nil
}

// stop ends the writer goroutine and returns its error.
func (rw *reportWriter) stop() error {
	if rw.rows != nil {
		close(rw.rows)
		rw.err = <-rw.done
		rw.rows = nil
	}
	return rw.err
}

// close writes what is queued and finishes the file.
func (rw *reportWriter) close() error {
	if len(rw.batch) > 0 {
		if err := rw.send(); err != nil {
			rw.w.Abort()
			return err
		}
	}
	if err := rw.stop(); err != nil {
		rw.w.Abort()
		return err
	}
	return rw.w.Close()
}

// abort stops the writer and removes the half-written report.
func (rw *reportWriter) abort() {
	_ = rw.stop()
	rw.w.Abort()
}
