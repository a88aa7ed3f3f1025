package importer

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/encimport/encimport/internal/rules"
	"github.com/xuri/excelize/v2"
)

// Bounds on unzipping an .xlsx: the total uncompressed size, and the size
// above which a part is streamed from a temporary file instead of memory.
const (
	xlsxUnzipLimit    = 1 << 30  // 1 GiB of XML in all
	xlsxUnzipXMLLimit = 16 << 20 // parts past 16 MiB stay on disk
	// A part this large and compressed more than xlsxMaxRatio times is a
	// zip bomb, not a spreadsheet.
	xlsxRatioMinSize = 64 << 20
	xlsxMaxRatio     = 200
)

// xlsxSource streams the rows of one sheet through excelize.
type xlsxSource struct {
	file, sheet string
	f           *excelize.File
	rows        *excelize.Rows
	row         int
}

// openXLSX checks the archive, opens the workbook, chooses the sheet and
// reads its header row.
func (r *Reader) openXLSX(path string) error {
	fail := func(sheet, format string, a ...any) error {
		return &FileError{File: r.file, Sheet: sheet, Msg: fmt.Sprintf(format, a...)}
	}
	if err := checkZip(path); err != nil {
		return fail("", "%s", err.Error())
	}
	f, stubbed, err := openWorkbook(path, !xlsxRowsViaExcelize)
	if err != nil {
		if f != nil {
			_ = f.Close()
		}
		return fail("", "cannot read the workbook (%v); open it in Excel and save it again as .xlsx", unwrapPath(err))
	}
	ok := false
	defer func() {
		if !ok {
			_ = f.Close()
		}
	}()
	if props, err := f.GetWorkbookProps(); err == nil && props.Date1904 != nil {
		r.date1904 = *props.Date1904
	}
	// The fast path reads the sheet parts straight from the archive; it
	// needs excelize's sheet list (which reads the workbook part) first.
	var pkg *xlsxPackage
	var sst []string
	maxText := 4 * r.opts.MaxCellLen
	if maxText < 1<<20 {
		maxText = 1 << 20
	}
	sheets := f.GetSheetList()
	if len(sheets) > 0 && !xlsxRowsViaExcelize {
		p, err := openPackage(path, f)
		if err == nil && len(p.sheets) != len(sheets) {
			_ = p.close()
			err = errors.New("a sheet's part is unknown")
		}
		if err != nil && stubbed {
			// The rows will come from excelize: it needs the real parts.
			_ = f.Close()
			if f, _, err = openWorkbook(path, false); err != nil {
				return fail("", "cannot read the workbook (%v); open it in Excel and save it again as .xlsx", unwrapPath(err))
			}
		}
		if err == nil {
			pkg = p
			defer func() {
				if pkg != nil {
					_ = pkg.close()
				}
			}()
			if sst, err = pkg.sharedStrings(maxText); err != nil {
				return fail("", "cannot read the shared strings (%v); open the workbook in Excel and save it again as .xlsx", err)
			}
		}
	}
	rowOne := func(s string) ([]string, error) {
		if pkg != nil {
			if h, found, err := firstRowFast(pkg, s, sst, maxText); found {
				return h, err
			}
		}
		return firstRow(f, s)
	}
	if len(sheets) == 0 {
		return fail("", "the workbook has no sheets; save the people list as .xlsx again")
	}
	quoted := func() string {
		q := make([]string, len(sheets))
		for i, s := range sheets {
			q[i] = strconv.Quote(s)
		}
		return strings.Join(q, ", ")
	}
	var headers []string
	if r.opts.Sheet != "" {
		for _, s := range sheets {
			if s == r.opts.Sheet || (r.sheet == "" && strings.EqualFold(s, r.opts.Sheet)) {
				r.sheet = s
			}
		}
		if r.sheet == "" {
			return fail("", "there is no sheet %q; the workbook has %s; give one of them with --sheet", r.opts.Sheet, quoted())
		}
	} else {
		var firstHeaders []string
		for i, s := range sheets {
			h, err := rowOne(s)
			if err != nil {
				return fail(s, "cannot read the sheet (%v); open the workbook in Excel and save it again as .xlsx", err)
			}
			if i == 0 {
				firstHeaders = h
			}
			if hasIDHeader(h) {
				r.sheet = s
				break
			}
		}
		if r.sheet == "" {
			r.sheet = sheets[0]
			r.headers = firstHeaders
			return &FileError{File: r.file, Sheet: sheets[0], Headers: trimAll(firstHeaders),
				Msg: fmt.Sprintf("no sheet has an id column in row 1 (sheets: %s); add a column headed %s, or choose the sheet with --sheet", quoted(), IDHeaderHint)}
		}
	}
	if pkg != nil {
		rows, part, found, err := pkg.rows(r.sheet, sst, maxText)
		if err != nil {
			return fail(r.sheet, "cannot read the sheet (%v); open the workbook in Excel and save it again as .xlsx", err)
		}
		if found {
			src := &fastSource{file: r.file, sheet: r.sheet, rows: rows, part: part, pkg: pkg, f: f}
			headers, row, err := src.next()
			if err != nil && !errors.Is(err, io.EOF) {
				_ = part.Close()
				return err
			}
			if err == nil && row != 1 {
				// Row 1 is missing: no headers; the row read comes next.
				src.pending, headers = true, nil
			}
			r.src, pkg, ok = src, nil, true
			if err := r.setHeaders(headers); err != nil {
				_ = r.Close()
				return err
			}
			// Data cells past the columns read need not be kept.
			rows.limit = len(r.cols)
			return nil
		}
	}
	rows, err := f.Rows(r.sheet)
	if err != nil {
		return fail(r.sheet, "cannot read the sheet (%v); open the workbook in Excel and save it again as .xlsx", err)
	}
	src := &xlsxSource{file: r.file, sheet: r.sheet, f: f, rows: rows}
	headers, _, err = src.next()
	if err != nil && !errors.Is(err, io.EOF) {
		_ = rows.Close()
		return err
	}
	r.src = src
	ok = true
	if err := r.setHeaders(headers); err != nil {
		_ = r.Close()
		return err
	}
	return nil
}

func trimAll(h []string) []string {
	out := make([]string, 0, len(h))
	for _, s := range h {
		out = append(out, trimCell(s))
	}
	for len(out) > 0 && out[len(out)-1] == "" {
		out = out[:len(out)-1]
	}
	return out
}

func hasIDHeader(h []string) bool {
	for i, s := range h {
		if i >= MaxColumns {
			break
		}
		if c, ok := ParseHeader(s); ok && c == ColID {
			return true
		}
	}
	return false
}

// firstRow returns row 1 of a sheet (nil when it is empty).
func firstRow(f *excelize.File, sheet string) ([]string, error) {
	rows, err := f.Rows(sheet)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	if !rows.Next() {
		return nil, rows.Error()
	}
	return rows.Columns(excelize.Options{RawCellValue: true})
}

// checkZip refuses broken archives, archives that are not workbooks, and
// zip bombs, before excelize unzips anything.
func checkZip(path string) error {
	zr, err := zip.OpenReader(path)
	if err != nil {
		return fmt.Errorf("the file starts like an .xlsx but is not a readable zip archive (%v); it may be truncated; open it in Excel and save it again as .xlsx", err)
	}
	defer zr.Close()
	var total uint64
	hasTypes, hasWorkbook := false, false
	for _, zf := range zr.File {
		name := strings.ToLower(strings.ReplaceAll(zf.Name, `\`, "/"))
		switch name {
		case "[content_types].xml":
			hasTypes = true
		case "xl/workbook.xml", "xl/workbook2.xml":
			hasWorkbook = true
		}
		total += zf.UncompressedSize64
		if total > xlsxUnzipLimit {
			return fmt.Errorf("the archive unpacks to more than %s (a zip bomb?); it is refused; save the data as CSV or split it", sizeText(xlsxUnzipLimit))
		}
		if zf.UncompressedSize64 > xlsxRatioMinSize && zf.CompressedSize64 > 0 && zf.UncompressedSize64/zf.CompressedSize64 > xlsxMaxRatio {
			return fmt.Errorf("the part %q is compressed %d times (a zip bomb?); it is refused; save the data again from Excel", zf.Name, zf.UncompressedSize64/zf.CompressedSize64)
		}
	}
	if !hasTypes || !hasWorkbook {
		return errors.New("this is a zip archive but not an Excel workbook (.docx, .ods or another format?); save the people list as .xlsx or CSV UTF-8")
	}
	return nil
}

func (s *xlsxSource) next() ([]string, int, error) {
	if !s.rows.Next() {
		if err := s.rows.Error(); err != nil {
			return nil, 0, &FileError{File: s.file, Sheet: s.sheet, Msg: fmt.Sprintf("cannot read row %d (%v); open the workbook in Excel and save it again as .xlsx", s.row+1, err)}
		}
		return nil, 0, io.EOF
	}
	// excelize yields an empty row for every row missing from the sheet's
	// XML, so counting rows gives the row number a person sees.
	s.row++
	if s.row > excelize.TotalRows {
		return nil, 0, &FileError{File: s.file, Sheet: s.sheet, Msg: fmt.Sprintf("the sheet claims a row past Excel's last row %d; open the workbook in Excel and save it again as .xlsx", excelize.TotalRows)}
	}
	cells, err := s.rows.Columns(excelize.Options{RawCellValue: true})
	if err != nil {
		return nil, 0, &FileError{File: s.file, Sheet: s.sheet, Msg: fmt.Sprintf("cannot read row %d (%v); open the workbook in Excel and save it again as .xlsx", s.row, err)}
	}
	return cells, s.row, nil
}

func (s *xlsxSource) close() error {
	err := s.rows.Close()
	if cerr := s.f.Close(); err == nil {
		err = cerr
	}
	return err
}

// xlsxCell turns a raw XLSX cell value into the text NormalizeCell takes:
// a number in a date column is an Excel date serial; an integral number
// written with an exponent or a ".0" tail becomes plain digits.
func (r *Reader) xlsxCell(c Column, raw string) (string, string) {
	if !looksNumeric(raw) {
		return raw, ""
	}
	v, err := strconv.ParseFloat(raw, 64)
	if err != nil {
		return raw, ""
	}
	if c == ColNMLSExpirationDate {
		d, p := SerialToDate(v, r.date1904)
		return d, p
	}
	if v == math.Trunc(v) && math.Abs(v) < 1e21 && strings.ContainsAny(raw, ".eE") {
		return strconv.FormatFloat(v, 'f', -1, 64), ""
	}
	return raw, ""
}

// looksNumeric reports whether s is written like a number (digits, at most
// a sign, a point and an exponent), without parsing it.
func looksNumeric(s string) bool {
	if s == "" || len(s) > 32 {
		return false
	}
	digit := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digit = true
		case c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-':
		default:
			return false
		}
	}
	return digit
}

// SerialToDate converts an Excel date serial to yyyy-MM-dd, in the 1900
// system (with Lotus's phantom 1900-02-29, serial 60) or the 1904 system.
// The time of day is dropped. A serial outside 1900..9999 is a problem.
func SerialToDate(serial float64, date1904 bool) (string, string) {
	if math.IsNaN(serial) || serial < 1 || serial > 2958465 {
		return "", fmt.Sprintf("%v is not an Excel date; format the cell as a date or write yyyy-MM-dd", serial)
	}
	if !date1904 && math.Floor(serial) == 60 {
		return "", "the cell holds 1900-02-29, a date that does not exist (Excel's 1900 leap-year bug); write the date as yyyy-MM-dd"
	}
	if !date1904 && serial < 60 {
		// excelize is a day off before the phantom leap day; serial 1 is 1900-01-01.
		return time.Date(1899, 12, 31, 0, 0, 0, 0, time.UTC).AddDate(0, 0, int(serial)).Format(rules.DateLayout), ""
	}
	t, err := excelize.ExcelDateToTime(math.Floor(serial), date1904)
	if err != nil {
		return "", fmt.Sprintf("%v is not an Excel date; format the cell as a date or write yyyy-MM-dd", serial)
	}
	return t.Format(rules.DateLayout), ""
}
