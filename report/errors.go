package report

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/encimport/encimport/importer"
	"github.com/encimport/encimport/internal/atomicfile"
	"github.com/encimport/encimport/plan"
)

// The re-upload file (Salesforce Data Loader's error.csv): the rows of the
// input that are invalid or failed, with the input's own columns and
// values (passwords left empty) and an "error" column saying what was
// wrong, in the input's format. Fixed, it is run again as it is: the
// importer ignores its error column.

// ErrorsInput names the input whose failed rows are written back.
type ErrorsInput struct {
	Path   string // the input file
	Sheet  string // the sheet read ("" the first with an id column; ignored for CSV)
	SHA256 string // the digest of the bytes the run read ("": not checked)
	// IncludeHidden reads the file as the run did (--include-hidden).
	IncludeHidden bool
}

// NeedsErrorsFile reports whether rows hold a row to fix: invalid or failed.
func NeedsErrorsFile(rows []Row) bool {
	for _, r := range rows {
		if NeedsFix(r.Status) {
			return true
		}
	}
	return false
}

// NeedsFix reports whether a row of status s belongs in the file of rows
// to fix (invalid or failed).
func NeedsFix(s plan.Status) bool { return s == plan.StatusInvalid || s == plan.StatusFailed }

// DefaultErrorsPath is the re-upload file's path when none is given:
// <input-without-ext>-errors-<20060102-150405>.xlsx or .csv (the input's
// format) beside the input.
func DefaultErrorsPath(input string, format importer.Format, now time.Time) string {
	ext := ExtCSV
	if format == importer.FormatXLSX {
		ext = ExtXLSX
	}
	return freePath(strings.TrimSuffix(input, filepath.Ext(input))+"-errors-"+now.Format("20060102-150405"), ext)
}

// PasswordLeftOut ends the error of a row of the errors file whose
// password cell was emptied: no password is ever written.
const PasswordLeftOut = "its password is not copied into this file: type it again before running the file"

// WriteErrors reads in again and writes its invalid and failed rows (by
// rows, the run's report) to path, atomically: the header row as in the
// input, each such row's cells as written (the password column emptied)
// and the error column (the input's own "error" column is reused). path ""
// is DefaultErrorsPath; the format is path's extension (.csv or .xlsx).
// It returns the path written and the number of rows; with no row to fix
// it writes nothing and returns ("", 0, nil). An input whose digest is no
// longer in.SHA256 is refused: its rows may not be the ones reported.
func WriteErrors(path string, in ErrorsInput, rows []Row) (string, int, error) {
	msgs := map[string]map[int]string{}
	n := 0
	for _, r := range rows {
		if !NeedsFix(r.Status) || r.Sheet == plan.SheetNotInFile { // --sync's rows are in no file
			continue
		}
		if msgs[r.Sheet] == nil {
			msgs[r.Sheet] = map[int]string{}
		}
		msg := r.Message
		if r.Status == plan.StatusFailed && msg == "" {
			msg = "failed"
		}
		msgs[r.Sheet][r.Row] = msg
		n++
	}
	if n == 0 {
		return "", 0, nil
	}
	rd, err := importer.Open(in.Path, importer.Options{Sheet: in.Sheet, IncludeHidden: in.IncludeHidden, KeepCells: true})
	if err != nil {
		return "", 0, fmt.Errorf("errors file: reading %s again: %w", in.Path, err)
	}
	defer rd.Close()
	if path == "" {
		path = DefaultErrorsPath(in.Path, rd.Format(), time.Now())
	}
	ext := strings.ToLower(filepath.Ext(path))
	if ext != ExtCSV && ext != ExtXLSX {
		return "", 0, fmt.Errorf("errors file %s: unknown format %q; name it .csv or .xlsx", path, ext)
	}

	header := append([]string(nil), rd.Headers()...)
	errCol, pwCol := -1, -1
	for i, h := range header {
		if strings.EqualFold(strings.TrimSpace(h), importer.ErrorColumn) {
			errCol = i
		}
		if c, ok := importer.ParseHeader(h); ok && c == importer.ColPassword {
			pwCol = i
		}
	}
	if errCol < 0 {
		errCol = len(header)
		header = append(header, importer.ErrorColumn)
	}
	var out [][]string
	for {
		rec, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return "", 0, fmt.Errorf("errors file: reading %s again: %w", in.Path, err)
		}
		msg, ok := msgs[rec.Sheet][rec.Row]
		if !ok {
			continue
		}
		cells := make([]string, len(header))
		copy(cells, rec.Cells)
		if pwCol >= 0 && cells[pwCol] != "" {
			cells[pwCol] = ""
			msg += "; " + PasswordLeftOut
		}
		cells[errCol] = msg
		out = append(out, cells)
	}
	if in.SHA256 != "" && rd.Digest() != in.SHA256 {
		return "", 0, fmt.Errorf("errors file: %s changed since the run read it; no errors file written (run it again)", in.Path)
	}
	sheet := rd.Sheet()
	if rd.Format() != importer.FormatXLSX || sheet == "" {
		sheet = "Errors"
	}
	write := func(w io.Writer) error {
		if ext == ExtXLSX {
			return errorsXLSX(w, sheet, header, out, errCol)
		}
		// The input's own values, without the report's Excel-safe prefix:
		// the file is read again as input, where a ' would be data.
		bw := bufio.NewWriter(w)
		cw := csv.NewWriter(bw)
		_ = cw.Write(header)
		_ = cw.WriteAll(out)
		if err := cw.Error(); err != nil {
			return err
		}
		return bw.Flush()
	}
	if err := atomicfile.Write(path, 0o600, write); err != nil {
		return "", 0, fmt.Errorf("errors file %s: %w", path, err)
	}
	return path, len(out), nil
}

// errorsXLSX writes the re-upload workbook: one sheet named as the input's,
// every cell text (never a formula), the header bold and frozen, the error
// column wide, wrapped and tinted.
func errorsXLSX(w io.Writer, sheet string, header []string, rows [][]string, errCol int) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName(f.GetSheetName(0), sheet); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	errStyle, err := f.NewStyle(&excelize.Style{Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{StatusFills[plan.StatusFailed]}},
		Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}})
	if err != nil {
		return err
	}
	if err := sw.SetColWidth(errCol+1, errCol+1, 70); err != nil {
		return err
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	cells := make([]any, len(header))
	for i, h := range header {
		cells[i] = excelize.Cell{StyleID: bold, Value: h}
	}
	if err := sw.SetRow("A1", cells); err != nil {
		return err
	}
	for n, r := range rows {
		cells := make([]any, len(r))
		for i, v := range r {
			c := excelize.Cell{Value: v}
			if i == errCol {
				c.StyleID = errStyle
			}
			cells[i] = c
		}
		cell, _ := excelize.CoordinatesToCellName(1, n+2)
		if err := sw.SetRow(cell, cells); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	return f.Write(w)
}
