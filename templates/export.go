package templates

import (
	"archive/zip"
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/encimport/encimport/encompass"
	"github.com/encimport/encimport/importer"
)

// Formats of a filled sheet.
const (
	FormatXLSX  = "xlsx"
	FormatCSV   = "csv"
	FormatJSONL = "jsonl"
)

// Row is one user as the template's cells, one per importer column.
type Row = [importer.NumColumns]string

// SheetWriter writes users as rows of the template (encimport export),
// one at a time, in little memory whatever their number: CSV and JSON lines
// as they come, the workbook through excelize's StreamWriter (its rows go
// to a temporary file past 16 MB) and straight into w when closed.
type SheetWriter struct {
	rows  int
	write func(Row) error
	close func() error
	abort func()
}

// NewSheetWriter starts a sheet in format (FormatXLSX, FormatCSV or
// FormatJSONL) on w. The workbook is the template's: the Users sheet with
// the frozen header row, a note on each header, the drop-downs, every
// cell text (ids keep their leading zeros) but nmlsExpirationDate, which
// is a date cell, and the Instructions sheet. CSV is UTF-8 with the
// template's header row; JSON lines hold one object per user, keyed by
// column, empty cells left out (for programs: the importer reads CSV and
// XLSX). Close ends the file; nothing is complete before it.
func NewSheetWriter(w io.Writer, format string) (*SheetWriter, error) {
	switch format {
	case FormatCSV:
		return newCSVSheet(w)
	case FormatJSONL:
		bw := bufio.NewWriter(w)
		enc := json.NewEncoder(bw)
		enc.SetEscapeHTML(false)
		return &SheetWriter{
			write: func(r Row) error {
				m := make(map[string]string, len(r))
				for i, v := range r {
					if v != "" {
						m[importer.Column(i).String()] = v
					}
				}
				return enc.Encode(m)
			},
			close: bw.Flush,
			abort: func() {},
		}, nil
	case FormatXLSX:
		return newXLSXSheet(w)
	}
	return nil, fmt.Errorf("unknown format %q: use xlsx, csv or jsonl", format)
}

// Write adds a user's row.
func (s *SheetWriter) Write(r Row) error {
	s.rows++
	return s.write(r)
}

// Rows is the number of rows written.
func (s *SheetWriter) Rows() int { return s.rows }

// Close finishes the file.
func (s *SheetWriter) Close() error { return s.close() }

// Abort drops what was started (the workbook's temporary files).
func (s *SheetWriter) Abort() { s.abort() }

func header() []string {
	hs := make([]string, importer.NumColumns)
	for i, c := range importer.Columns() {
		hs[i] = c.String()
	}
	return hs
}

func newCSVSheet(w io.Writer) (*SheetWriter, error) {
	bw := bufio.NewWriter(w)
	cw := csv.NewWriter(bw)
	if err := cw.Write(header()); err != nil {
		return nil, err
	}
	return &SheetWriter{
		write: func(r Row) error { return cw.Write(r[:]) },
		close: func() error {
			cw.Flush()
			if err := cw.Error(); err != nil {
				return err
			}
			return bw.Flush()
		},
		abort: func() {},
	}, nil
}

// newZip is the workbook's zip writer: it writes the archive straight to w,
// ignoring the buffer excelize's WriteTo would build it in, so the
// workbook is never held in memory whole.
func newZip(w io.Writer) excelize.ZipWriter { return zip.NewWriter(w) }

func newXLSXSheet(w io.Writer) (*SheetWriter, error) {
	f := excelize.NewFile()
	ok := false
	defer func() {
		if !ok {
			_ = f.Close()
		}
	}()
	const sheet = "Users"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return nil, err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, NumFmt: 49})
	if err != nil {
		return nil, err
	}
	text, err := f.NewStyle(&excelize.Style{NumFmt: 49}) // "@"
	if err != nil {
		return nil, err
	}
	dateFmt := "yyyy-mm-dd"
	date, err := f.NewStyle(&excelize.Style{CustomNumFmt: &dateFmt})
	if err != nil {
		return nil, err
	}
	// Notes and drop-downs belong to the worksheet the stream writer
	// writes out when flushed: add them first.
	if err := addNotesAndDropDowns(f, sheet); err != nil {
		return nil, err
	}
	if err := addInstructions(f); err != nil {
		return nil, err
	}
	// Not after Flush: it would read the whole streamed sheet back.
	f.SetActiveSheet(0)
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return nil, err
	}
	n := int(importer.NumColumns)
	if err := sw.SetColWidth(1, n, 18); err != nil {
		return nil, err
	}
	if err := sw.SetColStyle(1, n, text); err != nil {
		return nil, err
	}
	dateCol := int(importer.ColNMLSExpirationDate) + 1
	if err := sw.SetColStyle(dateCol, dateCol, date); err != nil {
		return nil, err
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return nil, err
	}
	cells := make([]any, n)
	for i, h := range header() {
		cells[i] = excelize.Cell{StyleID: bold, Value: h}
	}
	if err := sw.SetRow("A1", cells); err != nil {
		return nil, err
	}
	row := 1
	ok = true
	return &SheetWriter{
		write: func(r Row) error {
			row++
			for i, v := range r {
				switch {
				case v == "":
					cells[i] = nil
				case importer.Column(i) == importer.ColNMLSExpirationDate:
					if t, err := time.Parse(encompass.DateLayout, v); err == nil {
						cells[i] = excelize.Cell{StyleID: date, Value: t}
					} else {
						cells[i] = excelize.Cell{StyleID: text, Value: v}
					}
				default:
					cells[i] = excelize.Cell{StyleID: text, Value: v}
				}
			}
			cell, _ := excelize.CoordinatesToCellName(1, row)
			return sw.SetRow(cell, cells)
		},
		close: func() error {
			defer f.Close()
			if err := sw.Flush(); err != nil {
				return err
			}
			f.SetZipWriter(func(io.Writer) excelize.ZipWriter { return newZip(w) })
			_, err := f.WriteTo(io.Discard)
			return err
		},
		abort: func() { _ = f.Close() },
	}, nil
}
