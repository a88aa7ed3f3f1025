package report

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/encimport/encimport/internal/atomicfile"
)

// Formats Write understands, by file extension.
const (
	ExtCSV   = ".csv"
	ExtXLSX  = ".xlsx"
	ExtJSONL = ".jsonl"
)

// SafeCell returns s made safe to open in a spreadsheet: a value starting
// with =, +, -, @, a tab or a carriage return gets a leading single quote,
// so that Excel shows it as text instead of evaluating it as a formula.
func SafeCell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}

// Writer writes a report row by row, so a report of a million rows takes
// little memory. The file appears at its path only when Close succeeds
// (internal/atomicfile: a temporary file beside it, synced and renamed).
type Writer struct {
	path   string
	tmp    *atomicfile.File
	bw     *bufio.Writer
	row    func(Row) error
	finish func(io.Writer) error
	err    error
}

// Create starts a report at path in the format named by its extension
// (.csv, .xlsx or .jsonl, case-insensitive).
func Create(path string) (*Writer, error) {
	ext := strings.ToLower(filepath.Ext(path))
	if ext == ExtHTML {
		return nil, fmt.Errorf("report %s: an .html page shows a plan or a run: plan and apply write it; name this report .csv, .xlsx or .jsonl", path)
	}
	if ext != ExtCSV && ext != ExtJSONL && ext != ExtXLSX {
		return nil, fmt.Errorf("report %s: unknown format %q; name the report .csv, .xlsx or .jsonl", path, ext)
	}
	tmp, err := atomicfile.Create(path, 0o644)
	if err != nil {
		return nil, fmt.Errorf("report %s: %w (check that the directory exists and is writable)", path, err)
	}
	w := &Writer{path: path, tmp: tmp, bw: bufio.NewWriter(tmp)}
	switch ext {
	case ExtCSV:
		w.row, w.finish, err = csvRows(w.bw)
	case ExtJSONL:
		w.row, w.finish = jsonlRows(w.bw)
	case ExtXLSX:
		var x *xlsxRows
		if x, err = newXLSXRows(w.bw); err == nil {
			w.row, w.finish = x.add, x.finish
		}
	}
	if err != nil {
		tmp.Abort()
		return nil, fmt.Errorf("report %s: %w", path, err)
	}
	return w, nil
}

// Write adds one row. After an error every later call returns it.
func (w *Writer) Write(r Row) error {
	if w.err == nil {
		if err := w.row(r); err != nil {
			w.err = fmt.Errorf("report %s: %w", w.path, err)
		}
	}
	return w.err
}

// Close finishes the file and puts it at its path; after an earlier error
// it removes the temporary file and returns that error.
func (w *Writer) Close() error {
	if w.tmp == nil {
		return w.err
	}
	tmp := w.tmp
	w.tmp = nil
	err := w.err
	if err != nil {
		_ = w.finish(io.Discard) // releases what the format holds (xlsx temp files)
	}
	for _, step := range []func() error{
		func() error { return w.finish(w.bw) },
		w.bw.Flush,
		tmp.Commit,
	} {
		if err == nil {
			if e := step(); e != nil {
				err = fmt.Errorf("report %s: %w", w.path, e)
			}
		}
	}
	if err != nil {
		tmp.Abort() // after a failed Commit: nothing left to do
		w.err = err
	}
	return err
}

// Abort drops an unfinished report: nothing appears at its path. After
// Close it does nothing.
func (w *Writer) Abort() {
	if w.tmp == nil {
		return
	}
	if w.err == nil {
		w.err = errors.New("report aborted")
	}
	_ = w.Close()
}

// Write writes rows to path in the format named by its extension (.csv,
// .xlsx or .jsonl, case-insensitive), atomically (see Writer).
func Write(path string, rows []Row) error {
	w, err := Create(path)
	if err != nil {
		return err
	}
	for _, r := range rows {
		if w.Write(r) != nil {
			break
		}
	}
	return w.Close()
}

// csvRows writes the header, then one line per row, cells Excel-safe.
func csvRows(w io.Writer) (func(Row) error, func(io.Writer) error, error) {
	cw := csv.NewWriter(w)
	if err := cw.Write(Header); err != nil {
		return nil, nil, err
	}
	return func(r Row) error { return cw.Write(record(r)) },
		func(io.Writer) error { cw.Flush(); return cw.Error() }, nil
}

// jsonlRows writes one JSON object per row (the Row's JSON form), raw values.
func jsonlRows(w io.Writer) (func(Row) error, func(io.Writer) error) {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return func(r Row) error { return enc.Encode(r) }, func(io.Writer) error { return nil }
}

// record returns r's cells in Header order as text; text cells are passed
// through SafeCell, numbers are plain (an absent HTTP status is empty).
func record(r Row) []string {
	status := ""
	if r.HTTPStatus != 0 {
		status = strconv.Itoa(r.HTTPStatus)
	}
	return []string{
		SafeCell(r.Sheet),
		strconv.Itoa(r.Row),
		SafeCell(r.ID),
		SafeCell(string(r.Action)),
		SafeCell(string(r.Status)),
		status,
		SafeCell(r.ErrorCode),
		SafeCell(r.Message),
		SafeCell(r.CorrelationID),
		strconv.Itoa(r.Attempts),
		strconv.FormatInt(r.DurationMS, 10),
		SafeCell(r.FirstName),
		SafeCell(r.LastName),
		SafeCell(r.Email),
		SafeCell(r.Organization),
		SafeCell(r.NewOrganization),
		SafeCell(r.Steps),
	}
}

// IsHTML reports whether path names an HTML page (WriteHTML), not a
// row-by-row report (Write).
func IsHTML(path string) bool { return strings.EqualFold(filepath.Ext(path), ExtHTML) }

// DefaultPath is the report path used when --report is not given:
// <input-without-ext>-report-<20060102-150405>.csv beside the input, or
// with -2, -3, ... before the extension when a run of the same second
// already wrote that file (a cron retry must not replace its report).
func DefaultPath(input string, now time.Time) string {
	return freePath(strings.TrimSuffix(input, filepath.Ext(input))+"-report-"+now.Format("20060102-150405"), ExtCSV)
}

// freePath is base+ext, or base-N+ext for the first N from 2 that names no
// file yet.
func freePath(base, ext string) string {
	p := base + ext
	for n := 2; n < 1000; n++ {
		if _, err := os.Lstat(p); errors.Is(err, fs.ErrNotExist) {
			return p
		}
		p = fmt.Sprintf("%s-%d%s", base, n, ext)
	}
	return p
}
