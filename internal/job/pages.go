package job

import (
	"fmt"

	"github.com/encimport/encimport/plan"
	"github.com/encimport/encimport/report"
)

// Pages are the files a plan or a run leaves for people besides its
// report: the HTML page and the re-upload file of the rows to fix.
type Pages struct {
	HTML   string // the HTML page (Config.HTML, or the report itself when named .html)
	Errors string // the file of rows to fix ("" when none)
	// ErrorRows is the number of rows in Errors.
	ErrorRows int
}

// writeOutputs writes the report of p's rows to reportPath ("": none) —
// the run's results with its summary sum, or the plan's own rows when
// results is nil — then the HTML page and the re-upload file. A report
// named .html is the page. The re-upload file is written when a row is
// invalid or failed, from the input read again (and refused if it changed
// since): a failure there is logged, not the run's error, since the report
// is written.
func (c Config) writeOutputs(env Env, reportPath, input string, p *plan.Plan, results []report.Row, sum *report.Summary) (string, Pages, error) {
	var pg Pages
	var err error
	if reportPath == "" {
		return "", pg, nil
	}
	// rows are what the errors file needs: all a run's results, or only the
	// plan rows to fix, since a plan's report is written row by row (a
	// plan of 250,000 rows need not hold 250,000 report rows too).
	rows := results
	if report.IsHTML(reportPath) {
		if err := report.WriteHTML(reportPath, p, results, sum); err != nil {
			return "", pg, err
		}
		pg.HTML = reportPath
		if rows == nil {
			rows = planRowsToFix(p)
		}
	} else if rows != nil {
		if _, err := writeReport(reportPath, rows); err != nil {
			return "", pg, err
		}
	} else if rows, err = streamPlanReport(reportPath, p); err != nil {
		return "", pg, err
	}
	if c.HTML != "" && c.HTML != pg.HTML {
		if err := report.WriteHTML(c.HTML, p, results, sum); err != nil {
			return reportPath, pg, err
		}
		pg.HTML = c.HTML
	}
	switch {
	case c.Records != nil || !report.NeedsErrorsFile(rows):
	case p.Input.AllSheets:
		// One sheet's columns per file: the rows of several sheets have
		// no one header to go under.
		env.log().Warn("no file of rows to fix with --all-sheets; the report lists them")
	default:
		in := report.ErrorsInput{Path: input, Sheet: p.Input.Sheet, SHA256: p.Input.SHA256, IncludeHidden: p.Input.IncludeHidden}
		if pg.Errors, pg.ErrorRows, err = report.WriteErrors(c.Errors, in, rows); err != nil {
			env.log().Warn("the file of rows to fix was not written", "err", err)
		}
	}
	return reportPath, pg, nil
}

// streamPlanReport writes the report of p's rows one at a time and returns
// the rows to fix (invalid or failed).
func streamPlanReport(path string, p *plan.Plan) ([]report.Row, error) {
	w, err := report.Create(path)
	if err != nil {
		return nil, fmt.Errorf("writing the report: %w", err)
	}
	defer w.Abort() // a no-op after Close
	var fix []report.Row
	for i := range p.Rows {
		r := report.PlanRow(p, &p.Rows[i])
		if report.NeedsFix(r.Status) {
			fix = append(fix, r)
		}
		if err := w.Write(r); err != nil {
			return nil, fmt.Errorf("writing the report: %w", err)
		}
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("writing the report: %w", err)
	}
	return fix, nil
}

// planRowsToFix returns the report rows of p's invalid and failed rows.
func planRowsToFix(p *plan.Plan) []report.Row {
	var fix []report.Row
	for i := range p.Rows {
		if report.NeedsFix(p.Rows[i].Status) {
			fix = append(fix, report.PlanRow(p, &p.Rows[i]))
		}
	}
	return fix
}
