package job

import (
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
	if reportPath == "" {
		return "", pg, nil
	}
	rows := results
	if rows == nil {
		rows = report.PlanRows(p)
	}
	if report.IsHTML(reportPath) {
		if err := report.WriteHTML(reportPath, p, results, sum); err != nil {
			return "", pg, err
		}
		pg.HTML = reportPath
	} else if _, err := writeReport(reportPath, rows); err != nil {
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
		var err error
		if pg.Errors, pg.ErrorRows, err = report.WriteErrors(c.Errors, in, rows); err != nil {
			env.log().Warn("the file of rows to fix was not written", "err", err)
		}
	}
	return reportPath, pg, nil
}
