package report

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
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

// Write writes rows to path in the format named by its extension (.csv,
// .xlsx or .jsonl, case-insensitive). The file is replaced atomically: it is
// written to a temporary file beside path, synced and renamed over path.
func Write(path string, rows []Row) error {
	var write func(io.Writer, []Row) error
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case ExtCSV:
		write = WriteCSV
	case ExtJSONL:
		write = WriteJSONL
	case ExtXLSX:
		write = WriteXLSX
	default:
		return fmt.Errorf("report %s: unknown format %q; name the report .csv, .xlsx or .jsonl", path, ext)
	}
	return writeAtomic(path, func(w io.Writer) error { return write(w, rows) })
}

// writeAtomic writes through fill into a temporary file in path's directory
// and renames it over path once everything is on disk.
func writeAtomic(path string, fill func(io.Writer) error) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("report %s: %w (check that the directory exists and is writable)", path, err)
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	bw := bufio.NewWriter(tmp)
	if err = fill(bw); err != nil {
		return fmt.Errorf("report %s: %w", path, err)
	}
	if err = bw.Flush(); err != nil {
		return fmt.Errorf("report %s: %w", path, err)
	}
	if err = tmp.Chmod(0o644); err != nil {
		return fmt.Errorf("report %s: %w", path, err)
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("report %s: %w", path, err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("report %s: %w", path, err)
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("report %s: %w", path, err)
	}
	return nil
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
		SafeCell(r.Action),
		SafeCell(r.Status),
		status,
		SafeCell(r.ErrorCode),
		SafeCell(r.Message),
		SafeCell(r.CorrelationID),
		strconv.Itoa(r.Attempts),
		strconv.FormatInt(r.DurationMS, 10),
	}
}

// WriteCSV writes the header and one line per row as CSV, cells Excel-safe.
func WriteCSV(w io.Writer, rows []Row) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(Header); err != nil {
		return err
	}
	for _, r := range rows {
		if err := cw.Write(record(r)); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteJSONL writes one JSON object per row (the Row's JSON form), raw values.
func WriteJSONL(w io.Writer, rows []Row) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for _, r := range rows {
		if err := enc.Encode(r); err != nil {
			return err
		}
	}
	return nil
}

// DefaultPath is the report path used when --report is not given:
// <input-without-ext>-report-<20060102-150405>.csv beside the input.
func DefaultPath(input string, now time.Time) string {
	base := strings.TrimSuffix(input, filepath.Ext(input))
	return base + "-report-" + now.Format("20060102-150405") + ExtCSV
}
