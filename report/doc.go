// Package report writes the per-row report of an import run and the summary
// printed at the end.
//
// The report has one line per data row of the input, in input order, with
// the columns in Header (the technical columns, then the Review columns for
// people: names, email, organization before and after, steps). Write picks
// the format from the file's extension: .csv (encoding/csv), .xlsx
// (excelize stream writers: a People sheet for reviewers, a Details sheet
// with the technical columns, a Summary sheet; frozen headers, autofilters,
// wrapped messages, one fill colour per status) or .jsonl (one JSON object
// per line).
// Every file is written atomically (internal/atomicfile: a temporary file in
// the same directory, synced, renamed, the directory synced), so a cron job
// never sees half a report.
//
// Text cells of CSV reports are neutralised for spreadsheets: a value that
// starts with =, +, -, @, a tab or a carriage return is prefixed with a
// single quote so Excel does not evaluate it (see SafeCell). XLSX text is
// written as inline strings, which are never formulas, so it is left as it
// is. JSONL keeps the values raw.
//
// html.go (with the embedded html.tmpl) makes one self-contained page per
// plan or run: counts by status and action, the moves grouped by (from, to),
// then one row per person (name, email, organization from → to, every field
// before → after, personas and licenses added and removed, problems in
// words), problems first, with a status and action filter and a search
// box. It loads nothing (no network: inline CSS, a little inline JS, a
// Content-Security-Policy that allows nothing else); html/template escapes
// every value; passwords never reach it (the plan's are masked, Row.Password
// is not read).
//
// The status column is the typed plan.Status. PlanRow (row.go) is the one
// place a report row is made from a plan row: the plan-time reports, validate,
// the CLI and the executor's results all start from it.
//
// Map of the package:
//   - row.go: [Row], the report's columns ([Header]) and [PlanRow].
//   - write.go: [Create] and its [Writer] (streamed), [Write], the CSV and
//     JSONL encodings, [SafeCell], [DefaultPath].
//   - xlsx.go: the XLSX encoding (People, Details and Summary sheets, fills
//     per status, widths, autofilters), written part by part without
//     excelize (excelize reads them back in the tests); xlsx_xml.go: the
//     parts' XML and the cells; xlsx_zip.go: the compression, each streamed
//     sheet on its own goroutine; xlsx_theme.go: the Office theme.
//   - html.go, html.tmpl: [NewPage], [WriteHTML], the page of a plan or run.
//   - errors.go: [WriteErrors], the re-upload file of the rows to fix.
//   - summary.go: [Summary], [Count] and [WriteSummary].
//
// A report never holds a password, client secret or token: its messages come
// only from plan problems and descriptions and from apiclient errors, all
// of which are free of them.
package report
