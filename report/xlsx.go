package report

import (
	"fmt"
	"io"

	"github.com/xuri/excelize/v2"

	"github.com/encimport/encimport/plan"
)

// SheetName is the name of the XLSX report's only sheet.
const SheetName = "Report"

// StatusFills maps each report status to the fill colour (RGB hex) of its
// rows in an XLSX report. Statuses not listed are left unfilled.
var StatusFills = map[plan.Status]string{
	"created":   "C6EFCE", // green
	"updated":   "DDEBF7", // light blue
	"moved":     "E4DFEC", // lavender
	"disabled":  "EDEDED", // grey
	"enabled":   "E2EFDA", // pale green
	"unchanged": "F2F2F2", // near white
	"planned":   "FFF2CC", // pale yellow
	"invalid":   "FCE4D6", // orange
	"failed":    "FFC7CE", // red
	"skipped":   "FFEB9C", // amber
}

// HeaderFill is the fill colour of the XLSX header row.
const HeaderFill = "D9D9D9"

// columnWidths are the XLSX column widths, parallel to Header.
var columnWidths = []float64{14, 6, 18, 10, 11, 11, 12, 80, 38, 9, 12}

// xlsxRows streams rows into a workbook (excelize's StreamWriter keeps
// them on disk, not in memory) and writes it out at the end.
type xlsxRows struct {
	f      *excelize.File
	sw     *excelize.StreamWriter
	styles map[plan.Status]int
	next   int // the sheet row of the next data row
}

func newXLSXRows() (*xlsxRows, error) {
	f := excelize.NewFile()
	x := &xlsxRows{f: f, next: 2}
	if err := x.start(); err != nil {
		x.close()
		return nil, err
	}
	return x, nil
}

func (x *xlsxRows) start() error {
	f := x.f
	if err := f.SetSheetName(f.GetSheetName(0), SheetName); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(SheetName)
	if err != nil {
		return err
	}
	x.sw = sw
	headerStyle, err := f.NewStyle(&excelize.Style{
		Font: &excelize.Font{Bold: true},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{HeaderFill}},
	})
	if err != nil {
		return err
	}
	x.styles = make(map[plan.Status]int, len(StatusFills))
	for status, color := range StatusFills {
		id, err := f.NewStyle(&excelize.Style{
			Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{color}},
			Alignment: &excelize.Alignment{Vertical: "top"},
		})
		if err != nil {
			return err
		}
		x.styles[status] = id
	}
	for i, width := range columnWidths {
		if err := sw.SetColWidth(i+1, i+1, width); err != nil {
			return err
		}
	}
	if err := sw.SetPanes(&excelize.Panes{
		Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft",
		Selection: []excelize.Selection{{SQRef: "A2", ActiveCell: "A2", Pane: "bottomLeft"}},
	}); err != nil {
		return err
	}
	cells := make([]any, len(Header))
	for i, h := range Header {
		cells[i] = excelize.Cell{StyleID: headerStyle, Value: h}
	}
	return sw.SetRow("A1", cells)
}

func (x *xlsxRows) add(r Row) error {
	style := x.styles[r.Status]
	var httpStatus any
	if r.HTTPStatus != 0 {
		httpStatus = r.HTTPStatus
	}
	values := []any{
		SafeCell(r.Sheet), r.Row, SafeCell(r.ID), SafeCell(string(r.Action)), SafeCell(string(r.Status)),
		httpStatus, SafeCell(r.ErrorCode), SafeCell(r.Message), SafeCell(r.CorrelationID),
		r.Attempts, r.DurationMS,
	}
	cells := make([]any, len(values))
	for j, v := range values {
		cells[j] = excelize.Cell{StyleID: style, Value: v}
	}
	cell, err := excelize.CoordinatesToCellName(1, x.next)
	if err != nil {
		return err
	}
	x.next++
	if err := x.sw.SetRow(cell, cells); err != nil {
		return fmt.Errorf("row %d: %w", r.Row, err)
	}
	return nil
}

// finish writes the workbook to w and releases it.
func (x *xlsxRows) finish(w io.Writer) error {
	defer x.close()
	if err := x.sw.Flush(); err != nil {
		return err
	}
	return x.f.Write(w)
}

func (x *xlsxRows) close() { _ = x.f.Close() }
