package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"

	"github.com/spf13/pflag"

	"github.com/encimport/encimport/internal/atomicfile"
	"github.com/encimport/encimport/internal/job"
	"github.com/encimport/encimport/plan"
	"github.com/encimport/encimport/report"
)

// outputOptions are the flags of plan and apply for what a run leaves for
// people and for cron: the HTML page, the re-upload file, the summary as
// JSON, the verbose plan text.
type outputOptions struct {
	html, errors, summaryJSON string
	verbose                   bool
}

func (o *outputOptions) flags(fs *pflag.FlagSet, apply bool) {
	inGroup(fs, "Output", func(fs *pflag.FlagSet) {
		fs.StringVar(&o.html, "html", "", "also write the plan (or run) as one self-contained HTML page to `FILE`")
		fs.StringVar(&o.errors, "errors", "", "write the invalid and failed rows, with an error column, to `FILE` to fix and run again (.xlsx or .csv; default <input>-errors-<time> in the input's format, only when there are such rows)")
		fs.BoolVar(&o.verbose, "verbose", false, "plan text: add the input's digest, organization ids, move calls and read calls")
		if apply {
			fs.StringVar(&o.summaryJSON, "summary-json", "", "write the end-of-run summary (counts, calls, retries, 429s, elapsed, files) as JSON to `FILE`")
		}
	})
}

func (o *outputOptions) configure(cfg *job.Config) {
	cfg.HTML, cfg.Errors, cfg.SummaryJSON = o.html, o.errors, o.summaryJSON
}

// jsonLog reports whether stderr takes JSON lines only.
func (b *base) jsonLog() bool { return b.logFormat == "json" }

// printFiles tells where the files are: "Report: FILE" lines, or one
// "files" event with --log-format json.
func (b *base) printFiles(planFile, reportFile string, outs job.Pages) {
	var attrs []any
	for _, f := range []struct{ label, key, path string }{
		{"Plan", "plan", planFile}, {"Report", "report", reportFile}, {"HTML", "html", outs.HTML}, {"Errors", "errors", outs.Errors},
	} {
		if f.path == "" {
			continue
		}
		attrs = append(attrs, f.key, f.path)
		if !b.jsonLog() {
			line := fmt.Sprintf("%s: %s", f.label, f.path)
			if f.key == "errors" {
				line += fmt.Sprintf(" (%d %s to fix; fix them there and run that file again)", outs.ErrorRows, plural(outs.ErrorRows, "row", "rows"))
			}
			fmt.Fprintln(b.IO.Err, line)
		}
	}
	if b.jsonLog() && len(attrs) > 0 {
		b.log.Info("files", attrs...)
	}
}

// maxProblems caps the problems apply prints; the report has them all.
const maxProblems = 20

// printProblems prints the rows of a run that need someone: invalid,
// failed and skipped, at most maxProblems, then how many more and where
// they are. With --log-format json each is a "problem" event.
func (b *base) printProblems(rows []report.Row, reportPath string) {
	n := 0
	for _, r := range rows {
		switch r.Status {
		case plan.StatusInvalid, plan.StatusFailed, plan.StatusUnknown, plan.StatusSkipped:
		default:
			continue
		}
		n++
		if n > maxProblems {
			continue
		}
		if b.jsonLog() {
			b.log.Warn("problem", "sheet", r.Sheet, "row", r.Row, "id", r.ID, "status", string(r.Status), "message", r.Message)
			continue
		}
		if n == 1 {
			fmt.Fprintln(b.IO.Err, "Problems:")
		}
		where := fmt.Sprintf("row %d", r.Row)
		if r.Sheet != "" {
			where = fmt.Sprintf("sheet %s, row %d", r.Sheet, r.Row)
		}
		fmt.Fprintf(b.IO.Err, "  %s, id %s: %s: %s\n", where, r.ID, r.Status, r.Message)
	}
	if more := n - maxProblems; more > 0 {
		see := "see the report"
		if reportPath != "" {
			see += " " + reportPath
		}
		if b.jsonLog() {
			b.log.Warn("more problems", "more", more, "report", reportPath)
		} else {
			fmt.Fprintf(b.IO.Err, "  and %d more, %s\n", more, see)
		}
	}
}

// runSummary is the end-of-run summary as JSON: the "summary" event of
// --log-format json and the --summary-json file.
type runSummary struct {
	Rows        int            `json:"rows"`
	ByStatus    map[string]int `json:"byStatus"`
	Calls       int            `json:"calls"`
	ReadCalls   int            `json:"readCalls"`
	Retries     int            `json:"retries"`
	TooMany429  int            `json:"429s"`
	Reconciles  int            `json:"reconciles"`
	ElapsedMS   int64          `json:"elapsedMs"`
	Interrupted bool           `json:"interrupted"`
	Report      string         `json:"report,omitempty"`
	HTML        string         `json:"html,omitempty"`
	Errors      string         `json:"errors,omitempty"`
}

func newRunSummary(s *report.Summary, reportFile string, outs job.Pages) runSummary {
	rs := runSummary{ByStatus: map[string]int{}, Report: reportFile, HTML: outs.HTML, Errors: outs.Errors}
	if s != nil {
		rs.Rows, rs.Calls, rs.ReadCalls, rs.Retries = s.Rows, s.Calls, s.ReadCalls, s.Retries
		rs.TooMany429, rs.Reconciles, rs.ElapsedMS, rs.Interrupted = s.TooMany429, s.Reconciles, s.Elapsed.Milliseconds(), s.Interrupted
		for st, n := range s.ByStatus {
			rs.ByStatus[string(st)] = n
		}
	}
	return rs
}

// printSummary writes the summary: text lines (report.WriteSummary), or
// the final "summary" event with --log-format json.
func (b *base) printSummary(s *report.Summary, reportFile string, outs job.Pages) {
	if !b.jsonLog() {
		if s != nil {
			_ = report.WriteSummary(b.IO.Err, *s)
		}
		return
	}
	rs := newRunSummary(s, reportFile, outs)
	// The log's own level and time, then the summary's fields in order.
	var m map[string]any
	raw, _ := json.Marshal(rs)
	_ = json.Unmarshal(raw, &m)
	attrs := make([]any, 0, 2*len(m))
	for _, k := range []string{"rows", "byStatus", "calls", "readCalls", "retries", "429s", "reconciles", "elapsedMs", "interrupted", "report", "html", "errors"} {
		if v, ok := m[k]; ok {
			attrs = append(attrs, slog.Any(k, v))
		}
	}
	b.log.Info("summary", attrs...)
}

// writeSummaryJSON writes the summary to path (--summary-json).
func writeSummaryJSON(path string, s *report.Summary, reportFile string, outs job.Pages) error {
	rs := newRunSummary(s, reportFile, outs)
	return atomicfile.Write(path, 0o644, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(rs)
	})
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
