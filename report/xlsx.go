package report

import (
	"archive/zip"
	"compress/flate"
	"fmt"
	"io"
	"strconv"

	"github.com/xuri/excelize/v2"

	"github.com/encimport/encimport/encompass"
	"github.com/encimport/encimport/plan"
)

// The XLSX report's sheets, in order: SheetName is the first view, for
// people (names, email, the organization change beside the status, the
// message wrapped); DetailsSheet holds the technical columns
// (TechnicalHeader: HTTP status, correlation id, attempts, duration);
// SummarySheet counts the rows by status and by action.
const (
	SheetName    = "People"
	DetailsSheet = "Details"
	SummarySheet = "Summary"
)

// PeopleHeader is the header of the first sheet.
var PeopleHeader = []string{"Row", "First name", "Last name", "Email", "Status", "Organization", "New organization",
	"Message", "User ID", "Action", "Sheet"}

// peopleCells is r's cells on the first sheet, parallel to PeopleHeader.
// Text is written as text (inline strings are never formulas), so no
// Excel-safe prefix is needed here.
func peopleCells(r Row) []any {
	return []any{r.Row, r.FirstName, r.LastName, r.Email, r.Took(), r.Organization, r.NewOrganization,
		r.Message, r.ID, string(r.Action), r.Sheet}
}

// detailCells is r's cells on the details sheet, parallel to TechnicalHeader.
func detailCells(r Row) []any {
	var httpStatus any
	if r.HTTPStatus != 0 {
		httpStatus = r.HTTPStatus
	}
	return []any{r.Sheet, r.Row, r.ID, string(r.Action), string(r.Status), httpStatus, r.ErrorCode, r.Message,
		r.CorrelationID, r.Attempts, r.DurationMS}
}

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
	"valid":     "D9EAD3", // sage (validate)
	"invalid":   "FCE4D6", // orange
	"failed":    "FFC7CE", // red
	"unknown":   "F8CBAD", // salmon: sent, effect not known
	"skipped":   "FFEB9C", // amber
}

// HeaderFill is the fill colour of the XLSX header row.
const HeaderFill = "D9D9D9"

// Column widths, parallel to PeopleHeader and TechnicalHeader; the
// message columns (wrapped) are the wide ones.
var (
	peopleWidths  = []float64{6, 14, 16, 28, 18, 36, 36, 70, 18, 9, 12}
	detailsWidths = []float64{14, 6, 18, 10, 11, 11, 12, 70, 38, 9, 12}
)

// Message columns, 1-based, wrapped in both sheets.
const (
	peopleMessageCol  = 8
	detailsMessageCol = 8
)

// xlsxRows streams rows into a workbook (excelize's StreamWriter keeps
// them on disk, not in memory) and writes it out at the end.
type xlsxRows struct {
	f       *excelize.File
	people  *excelize.StreamWriter
	details *excelize.StreamWriter
	styles  map[plan.Status][2]int // plain and wrapped
	next    int                    // the sheet row of the next data row
	status  map[plan.Status]int
	action  map[encompass.Action]int
	actions []encompass.Action // in order of first appearance
	took    map[string]int     // rows per Took, for more than one step
}

func newXLSXRows() (*xlsxRows, error) {
	f := excelize.NewFile()
	f.ZipWriter = fastZip
	x := &xlsxRows{f: f, next: 2, status: map[plan.Status]int{}, action: map[encompass.Action]int{}, took: map[string]int{}}
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
	for _, s := range []string{DetailsSheet, SummarySheet} {
		if _, err := f.NewSheet(s); err != nil {
			return err
		}
	}
	headerStyle, err := f.NewStyle(&excelize.Style{
		Font:      &excelize.Font{Bold: true},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{HeaderFill}},
		Alignment: &excelize.Alignment{Vertical: "top"},
	})
	if err != nil {
		return err
	}
	x.styles = make(map[plan.Status][2]int, len(StatusFills)+1)
	for _, status := range append([]plan.Status{""}, plan.Statuses...) {
		var fill excelize.Fill
		if c, ok := StatusFills[status]; ok {
			fill = excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{c}}
		}
		var ids [2]int
		for i, wrap := range []bool{false, true} {
			if ids[i], err = f.NewStyle(&excelize.Style{Fill: fill, Alignment: &excelize.Alignment{Vertical: "top", WrapText: wrap}}); err != nil {
				return err
			}
		}
		x.styles[status] = ids
	}
	if x.people, err = startSheet(f, SheetName, PeopleHeader, peopleWidths, headerStyle); err != nil {
		return err
	}
	x.details, err = startSheet(f, DetailsSheet, TechnicalHeader, detailsWidths, headerStyle)
	return err
}

// startSheet starts a streamed sheet: column widths, the header row frozen.
func startSheet(f *excelize.File, sheet string, header []string, widths []float64, headerStyle int) (*excelize.StreamWriter, error) {
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return nil, err
	}
	for i, width := range widths {
		if err := sw.SetColWidth(i+1, i+1, width); err != nil {
			return nil, err
		}
	}
	if err := sw.SetPanes(&excelize.Panes{
		Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft",
		Selection: []excelize.Selection{{SQRef: "A2", ActiveCell: "A2", Pane: "bottomLeft"}},
	}); err != nil {
		return nil, err
	}
	cells := make([]any, len(header))
	for i, h := range header {
		cells[i] = excelize.Cell{StyleID: headerStyle, Value: h}
	}
	return sw, sw.SetRow("A1", cells)
}

func (x *xlsxRows) add(r Row) error {
	styles, ok := x.styles[r.Status]
	if !ok {
		styles = x.styles[""]
	}
	cell, err := excelize.CoordinatesToCellName(1, x.next)
	if err != nil {
		return err
	}
	x.next++
	for _, s := range []struct {
		sw      *excelize.StreamWriter
		values  []any
		wrapCol int
	}{{x.people, peopleCells(r), peopleMessageCol}, {x.details, detailCells(r), detailsMessageCol}} {
		cells := make([]any, len(s.values))
		for j, v := range s.values {
			style := styles[0]
			if j+1 == s.wrapCol {
				style = styles[1]
			}
			cells[j] = excelize.Cell{StyleID: style, Value: v}
		}
		if err := s.sw.SetRow(cell, cells); err != nil {
			return fmt.Errorf("row %d: %w", r.Row, err)
		}
	}
	x.status[r.Status]++
	if x.action[r.Action] == 0 {
		x.actions = append(x.actions, r.Action)
	}
	x.action[r.Action]++
	if t := r.Took(); t != string(r.Status) {
		x.took[t]++
	}
	return nil
}

// finish ends both streamed sheets (each with an autofilter over its
// rows), writes the summary sheet and the workbook to w, and releases it.
func (x *xlsxRows) finish(w io.Writer) error {
	defer x.close()
	last := x.next - 1
	for _, s := range []struct {
		sw    *excelize.StreamWriter
		sheet string
		cols  int
	}{{x.people, SheetName, len(PeopleHeader)}, {x.details, DetailsSheet, len(TechnicalHeader)}} {
		// The stream writer writes the worksheet's autofilter when it
		// flushes: set it first, over the header and every row.
		end, err := excelize.CoordinatesToCellName(s.cols, max(last, 2))
		if err != nil {
			return err
		}
		if err := x.f.AutoFilter(s.sheet, "A1:"+end, nil); err != nil {
			return err
		}
		if err := s.sw.Flush(); err != nil {
			return err
		}
	}
	if err := x.summary(); err != nil {
		return err
	}
	x.f.SetActiveSheet(0)
	return x.f.Write(w)
}

// summary writes the summary sheet: the rows, then the rows per status,
// per action and per combination of steps.
func (x *xlsxRows) summary() error {
	f, s := x.f, SummarySheet
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	row := 1
	put := func(label string, n any, style int) error {
		a, b := "A"+strconv.Itoa(row), "B"+strconv.Itoa(row)
		row++
		if err := f.SetCellStr(s, a, label); err != nil {
			return err
		}
		if n != nil {
			if err := f.SetCellValue(s, b, n); err != nil {
				return err
			}
		}
		if style != 0 {
			return f.SetCellStyle(s, a, b, style)
		}
		return nil
	}
	if err := put("Rows", x.next-2, bold); err != nil {
		return err
	}
	row++
	if err := put("Status", "Rows", bold); err != nil {
		return err
	}
	for _, st := range plan.Statuses {
		if n := x.status[st]; n > 0 {
			if err := put(string(st), n, x.styles[st][0]); err != nil {
				return err
			}
		}
	}
	row++
	if err := put("Action", "Rows", bold); err != nil {
		return err
	}
	for _, a := range x.actions {
		if err := put(string(a), x.action[a], 0); err != nil {
			return err
		}
	}
	if len(x.took) > 0 {
		row++
		if err := put("Steps taken", "Rows", bold); err != nil {
			return err
		}
		for _, t := range sortedKeys(x.took) {
			if err := put(t, x.took[t], 0); err != nil {
				return err
			}
		}
	}
	if err := f.SetColWidth(s, "A", "A", 28); err != nil {
		return err
	}
	return nil
}

func (x *xlsxRows) close() { _ = x.f.Close() }

// fastZip compresses the workbook's parts at flate.BestSpeed: a report is
// written once and opened a few times, and the default level spent a third
// of the time of a 100,000-row report compressing (the file is ~1.5× larger).
func fastZip(w io.Writer) excelize.ZipWriter {
	zw := zip.NewWriter(w)
	zw.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(out, flate.BestSpeed)
	})
	return zw
}
