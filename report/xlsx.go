package report

import (
	"archive/zip"
	"bufio"
	"cmp"
	"compress/flate"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"strconv"

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

// xlsxRows writes the workbook's parts itself (archive/zip, the OOXML
// parts the report needs) instead of through excelize: a 100,000-row
// report took 2.1 s with excelize's StreamWriter (per-cell checks and
// coordinates, then compression), against 0.1 s for the csv. Both streamed
// sheets are written in one pass over the rows, each compressed on its own
// goroutine: the people sheet straight into the workbook, the details
// sheet into a temporary file, copied in (already compressed) at the end.
// excelize stays the reference that reads the reports in the tests.
type xlsxRows struct {
	zw      *zip.Writer
	people  *partPipe
	details *partPipe
	tmp     *os.File      // the details sheet, compressed
	dsum    *crcCounter   // the details sheet's CRC-32 and size
	dz      *flate.Writer // compresses the details sheet into tmp
	dbuf    *bufio.Writer
	styles  map[plan.Status][2]string // cellXfs ids, plain and wrapped
	rn      []byte                    // the current row's number, as text
	next    int                       // the sheet row of the next data row
	status  map[plan.Status]int
	action  map[encompass.Action]int
	actions []encompass.Action // in order of first appearance
	took    map[string]int     // rows per Took, for more than one step
	done    bool
}

// Style ids in styles.xml (xlsxStyles): the default, the header, bold
// (summary labels), then a plain and a wrapped style per status ("" first,
// then plan.Statuses).
const (
	xfHeader    = 1
	xfBold      = 2
	xfStatuses0 = 3
)

// xlsxStatuses is the statuses with their own cell styles, in styles.xml
// order; "" stands for any other.
var xlsxStatuses = append([]plan.Status{""}, plan.Statuses...)

// Namespaces and content types of the parts.
const (
	nsMain        = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
	nsRel         = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
	nsPkgRel      = "http://schemas.openxmlformats.org/package/2006/relationships"
	relWorksheet  = nsRel + "/worksheet"
	ctWorksheet   = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
	xmlDecl       = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n"
	partChunk     = 128 << 10 // bytes of sheet XML handed to a compressing goroutine at a time
	maxCellChars  = 32767     // Excel's limit on the characters of a cell
	xlsxSheetPath = "xl/worksheets/sheet"
)

func newXLSXRows(w io.Writer) (x *xlsxRows, err error) {
	x = &xlsxRows{zw: fastZip(w), next: 2, status: map[plan.Status]int{}, action: map[encompass.Action]int{},
		took: map[string]int{}, styles: make(map[plan.Status][2]string, len(xlsxStatuses))}
	for i, st := range xlsxStatuses {
		x.styles[st] = [2]string{strconv.Itoa(xfStatuses0 + 2*i), strconv.Itoa(xfStatuses0 + 2*i + 1)}
	}
	for _, p := range []struct{ name, body string }{
		{"[Content_Types].xml", xlsxContentTypes()},
		{"_rels/.rels", xmlDecl + `<Relationships xmlns="` + nsPkgRel + `"><Relationship Id="rId1" Type="` + nsRel +
			`/officeDocument" Target="xl/workbook.xml"/></Relationships>`},
		{"xl/_rels/workbook.xml.rels", xmlDecl + `<Relationships xmlns="` + nsPkgRel + `">` +
			`<Relationship Id="rId1" Type="` + relWorksheet + `" Target="worksheets/sheet1.xml"/>` +
			`<Relationship Id="rId2" Type="` + relWorksheet + `" Target="worksheets/sheet2.xml"/>` +
			`<Relationship Id="rId3" Type="` + relWorksheet + `" Target="worksheets/sheet3.xml"/>` +
			`<Relationship Id="rId4" Type="` + nsRel + `/styles" Target="styles.xml"/>` +
			`<Relationship Id="rId5" Type="` + nsRel + `/theme" Target="theme/theme1.xml"/></Relationships>`},
		{"xl/styles.xml", xlsxStyles()},
		{"xl/theme/theme1.xml", xmlDecl + xlsxTheme},
	} {
		if err := x.part(p.name, []byte(p.body)); err != nil {
			return nil, err
		}
	}
	if x.tmp, err = os.CreateTemp("", "encimport-xlsx-*"); err != nil {
		return nil, err
	}
	x.dbuf = bufio.NewWriterSize(x.tmp, 256<<10)
	x.dz, _ = flate.NewWriter(x.dbuf, flate.BestSpeed)
	x.dsum = &crcCounter{w: x.dz, h: crc32.NewIEEE()}
	x.details = newPartPipe(x.dsum)
	pw, err := x.zw.CreateHeader(&zip.FileHeader{Name: xlsxSheetPath + "1.xml", Method: zip.Deflate})
	if err != nil {
		x.abort()
		return nil, err
	}
	x.people = newPartPipe(pw)
	x.people.buf = sheetStart(x.people.buf, true, peopleWidths, PeopleHeader)
	x.details.buf = sheetStart(x.details.buf, false, detailsWidths, TechnicalHeader)
	return x, nil
}

// part writes one whole part of the workbook.
func (x *xlsxRows) part(name string, body []byte) error {
	w, err := x.zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate})
	if err == nil {
		_, err = w.Write(body)
	}
	return err
}

func (x *xlsxRows) add(r Row) error {
	styles, ok := x.styles[r.Status]
	if !ok {
		styles = x.styles[""]
	}
	plain, wrap := styles[0], styles[1]
	x.rn = strconv.AppendInt(x.rn[:0], int64(x.next), 10)
	x.next++
	rn := x.rn

	b := x.people.buf
	b = append(append(append(b, `<row r="`...), rn...), `">`...)
	b = appendInt(b, plain, int64(r.Row))
	b = appendStr(b, plain, r.FirstName)
	b = appendStr(b, plain, r.LastName)
	b = appendStr(b, plain, r.Email)
	took := r.Took()
	b = appendStr(b, plain, took)
	b = appendStr(b, plain, r.Organization)
	b = appendStr(b, plain, r.NewOrganization)
	b = appendStr(b, wrap, r.Message)
	b = appendStr(b, plain, r.ID)
	b = appendStr(b, plain, string(r.Action))
	b = appendStr(b, plain, r.Sheet)
	x.people.buf = append(b, `</row>`...)
	x.people.flushFull()

	b = x.details.buf
	b = append(append(append(b, `<row r="`...), rn...), `">`...)
	b = appendStr(b, plain, r.Sheet)
	b = appendInt(b, plain, int64(r.Row))
	b = appendStr(b, plain, r.ID)
	b = appendStr(b, plain, string(r.Action))
	b = appendStr(b, plain, string(r.Status))
	if r.HTTPStatus != 0 {
		b = appendInt(b, plain, int64(r.HTTPStatus))
	} else {
		b = appendStr(b, plain, "")
	}
	b = appendStr(b, plain, r.ErrorCode)
	b = appendStr(b, wrap, r.Message)
	b = appendStr(b, plain, r.CorrelationID)
	b = appendInt(b, plain, int64(r.Attempts))
	b = appendInt(b, plain, r.DurationMS)
	x.details.buf = append(b, `</row>`...)
	x.details.flushFull()

	x.status[r.Status]++
	if x.action[r.Action] == 0 {
		x.actions = append(x.actions, r.Action)
	}
	x.action[r.Action]++
	if took != string(r.Status) {
		x.took[took]++
	}
	return nil
}

// finish ends both streamed sheets (each with an autofilter over its
// rows), writes the summary sheet and the workbook to the zip (on the
// writer given to newXLSXRows), and releases what the report holds.
// Writer.Close passes io.Discard after an error: then it only releases.
func (x *xlsxRows) finish(w io.Writer) error {
	if x.done || w == io.Discard {
		x.abort()
		return nil
	}
	last := max(x.next-1, 2)
	filter := func(cols int) string {
		return "$A$1:$" + colName(cols-1) + "$" + strconv.Itoa(last)
	}
	x.people.buf = append(x.people.buf, `</sheetData><autoFilter ref="`+filter(len(PeopleHeader))+`"/></worksheet>`...)
	x.details.buf = append(x.details.buf, `</sheetData><autoFilter ref="`+filter(len(TechnicalHeader))+`"/></worksheet>`...)
	perr, derr := x.people.close(), x.details.close()
	x.people, x.details = nil, nil
	defer x.abort()
	if err := cmp.Or(perr, derr, x.dz.Close(), x.dbuf.Flush()); err != nil {
		return err
	}
	if _, err := x.tmp.Seek(0, io.SeekStart); err != nil {
		return err
	}
	st, err := x.tmp.Stat()
	if err != nil {
		return err
	}
	dw, err := x.zw.CreateRaw(&zip.FileHeader{Name: xlsxSheetPath + "2.xml", Method: zip.Deflate,
		CRC32: x.dsum.h.Sum32(), CompressedSize64: uint64(st.Size()), UncompressedSize64: uint64(x.dsum.n)})
	if err != nil {
		return err
	}
	if _, err := io.Copy(dw, x.tmp); err != nil {
		return err
	}
	if err := x.part(xlsxSheetPath+"3.xml", x.summary()); err != nil {
		return err
	}
	if err := x.part("xl/workbook.xml", x.workbook(filter)); err != nil {
		return err
	}
	return x.zw.Close()
}

// abort stops the goroutines and removes the temporary file.
func (x *xlsxRows) abort() {
	x.done = true
	for _, p := range []*partPipe{x.people, x.details} {
		if p != nil {
			_ = p.close()
		}
	}
	x.people, x.details = nil, nil
	if x.tmp != nil {
		_ = x.tmp.Close()
		_ = os.Remove(x.tmp.Name())
		x.tmp = nil
	}
}

// workbook is xl/workbook.xml: the sheets, the people sheet active, and
// the autofilters' defined names.
func (x *xlsxRows) workbook(filter func(cols int) string) []byte {
	b := []byte(xmlDecl + `<workbook xmlns="` + nsMain + `" xmlns:r="` + nsRel + `"><bookViews><workbookView activeTab="0"/></bookViews><sheets>`)
	for i, s := range []string{SheetName, DetailsSheet, SummarySheet} {
		b = fmt.Appendf(b, `<sheet name="%s" sheetId="%d" r:id="rId%d"/>`, s, i+1, i+1)
	}
	b = append(b, `</sheets><definedNames>`...)
	for i, s := range []struct {
		name string
		cols int
	}{{SheetName, len(PeopleHeader)}, {DetailsSheet, len(TechnicalHeader)}} {
		b = fmt.Appendf(b, `<definedName name="_xlnm._FilterDatabase" localSheetId="%d" hidden="1">'%s'!%s</definedName>`, i, s.name, filter(s.cols))
	}
	return append(b, `</definedNames></workbook>`...)
}

// summary is the summary sheet: the rows, then the rows per status, per
// action and per combination of steps.
func (x *xlsxRows) summary() []byte {
	b := []byte(xmlDecl + `<worksheet xmlns="` + nsMain + `" xmlns:r="` + nsRel + `"><sheetViews><sheetView workbookViewId="0"/></sheetViews>` +
		`<sheetFormatPr defaultRowHeight="15"/><cols><col min="1" max="1" width="28" customWidth="1"/></cols><sheetData>`)
	row := 1
	bold := strconv.Itoa(xfBold)
	put := func(label string, n int, style string) {
		rn := []byte(strconv.Itoa(row))
		row++
		b = append(append(append(b, `<row r="`...), rn...), `">`...)
		b = appendStr(b, style, label)
		if n >= 0 {
			b = appendInt(b, style, int64(n))
		} else {
			b = appendStr(b, style, "Rows")
		}
		b = append(b, `</row>`...)
	}
	put("Rows", x.next-2, bold)
	row++
	put("Status", -1, bold)
	for _, st := range plan.Statuses {
		if n := x.status[st]; n > 0 {
			put(string(st), n, x.styles[st][0])
		}
	}
	row++
	put("Action", -1, bold)
	for _, a := range x.actions {
		put(string(a), x.action[a], "")
	}
	if len(x.took) > 0 {
		row++
		put("Steps taken", -1, bold)
		for _, t := range sortedKeys(x.took) {
			put(t, x.took[t], "")
		}
	}
	return append(b, `</sheetData></worksheet>`...)
}
