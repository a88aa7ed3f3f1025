// Package report writes the per-row report of an import run and the summary
// printed at the end.
//
// The report has one line per data row of the input, in input order, with
// the columns in Header. Write picks the format from the file's extension:
// .csv (encoding/csv), .xlsx (excelize stream writer: frozen header, one fill
// colour per status, column widths) or .jsonl (one JSON object per line).
// Every file is written atomically (a temporary file in the same directory,
// synced, then renamed), so a cron job never sees half a report.
//
// Text cells of CSV and XLSX reports are neutralised for spreadsheets: a value
// that starts with =, +, -, @, a tab or a carriage return is prefixed with a
// single quote so Excel does not evaluate it (see SafeCell). JSONL keeps the
// values raw.
//
// A report never holds a password, client secret or token: its messages come
// only from planner problems and from apiclient errors, both of which are
// free of them.
package report
