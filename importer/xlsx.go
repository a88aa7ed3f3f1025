package importer

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/encimport/encimport/encompass"
)

// openXLSX reads the workbook whole from f (head already read, size as
// stat saw it), takes its digest from those bytes, opens the archive in
// memory, chooses the sheet and reads its header row.
func (r *Reader) openXLSX(f io.Reader, head []byte, size int64) error {
	buf := bytes.NewBuffer(make([]byte, 0, min(size, r.opts.MaxFileSize)+bytes.MinRead))
	buf.Write(head)
	if _, err := buf.ReadFrom(io.LimitReader(f, r.opts.MaxFileSize+1-int64(len(head)))); err != nil {
		return &FileError{File: r.file, Msg: fmt.Sprintf("cannot read the file (%v); check the file and its permissions", unwrapPath(err))}
	}
	data := buf.Bytes()
	if int64(len(data)) > r.opts.MaxFileSize {
		// The file grew since it was measured.
		return &FileError{File: r.file, Msg: fmt.Sprintf("the file is more than the limit of %s; split it into smaller files", sizeText(r.opts.MaxFileSize))}
	}
	sum := sha256.Sum256(data)
	r.digest = hex.EncodeToString(sum[:])
	maxText := 4 * r.opts.MaxCellLen
	if maxText < 1<<20 {
		maxText = 1 << 20
	}
	book, err := openZipBook(data, maxText)
	if err != nil {
		return &FileError{File: r.file, Msg: err.Error()}
	}
	return r.readBook(book)
}

// readBook chooses the sheet of book (--sheet, or the first with an id
// column), reads its header row and leaves its rows as r's source. It
// closes book on failure.
func (r *Reader) readBook(book xlsxBook) (err error) {
	fail := func(sheet, format string, a ...any) error {
		return &FileError{File: r.file, Sheet: sheet, Msg: fmt.Sprintf(format, a...)}
	}
	defer func() {
		if err != nil && r.src == nil {
			_ = book.close()
		}
	}()
	r.date1904 = book.date1904()
	sheets := book.sheetNames()
	if len(sheets) == 0 {
		return fail("", "the workbook has no sheets; save the people list as .xlsx again")
	}
	quoted := func() string { return quoteSheets(sheets) }
	if r.opts.Sheet != "" && r.opts.AllSheets {
		return fail("", "a sheet (--sheet %q) and all sheets (--all-sheets) were both asked for; give only one of them", Clip(r.opts.Sheet))
	}
	// Without --sheet: every sheet with an id column, the ones read with
	// AllSheets, named in a warning otherwise.
	var idSheets []string
	var firstHeaders []string
	for i, s := range sheets {
		if r.opts.Sheet != "" {
			break
		}
		h, err := firstRow(book, s)
		if err != nil {
			if len(idSheets) == 0 {
				// A sheet before the one to read.
				return fail(s, "cannot read the sheet (%v); open the workbook in Excel and save it again as .xlsx", err)
			}
			continue // looked at only for the warning
		}
		if i == 0 {
			firstHeaders = h
		}
		if hasIDHeader(h) {
			idSheets = append(idSheets, s)
		}
	}
	if r.opts.Sheet != "" {
		for _, s := range sheets {
			if s == r.opts.Sheet || (r.sheet == "" && strings.EqualFold(s, r.opts.Sheet)) {
				r.sheet = s
			}
		}
		if r.sheet == "" {
			return fail("", "there is no sheet %q; the workbook has %s; give one of them with --sheet", Clip(r.opts.Sheet), quoted())
		}
	} else {
		if len(idSheets) == 0 {
			r.sheet = sheets[0]
			r.headers = firstHeaders
			return &FileError{File: r.file, Sheet: sheets[0], Headers: trimAll(firstHeaders),
				Msg: fmt.Sprintf("no sheet has an id column in row 1 (sheets: %s); add a column headed %s, or choose the sheet with --sheet", quoted(), IDHeaderHint)}
		}
		r.sheet = idSheets[0]
		if r.opts.AllSheets {
			r.sheets, r.moreSheets = idSheets, idSheets[1:]
		}
	}
	if !r.opts.AllSheets {
		r.sheets = []string{r.sheet}
	}
	if !r.opts.AllSheets && r.opts.Sheet == "" {
		// The sheet was chosen for the user: name the others it could be
		// (with --sheet the choice was the user's).
		var others []string
		for _, s := range idSheets {
			if s != r.sheet {
				others = append(others, s)
			}
		}
		switch len(others) {
		case 0:
		case 1:
			r.warn(0, "", fmt.Sprintf("only this sheet is read; the sheet %s also has an id column and is not read; read every such sheet with --all-sheets, or that one with --sheet", quoteSheets(others)))
		default:
			r.warn(0, "", fmt.Sprintf("only this sheet is read; the sheets %s also have an id column and are not read; read every such sheet with --all-sheets, or another one with --sheet", quoteSheets(others)))
		}
	}
	src := &sheetSource{file: r.file, book: book, skipHidden: !r.opts.IncludeHidden}
	return r.startSheet(src, r.sheet)
}

// startSheet makes src read sheet (closing the rows it read before), reads
// the sheet's header row and leaves its data rows as r's source.
func (r *Reader) startSheet(src *sheetSource, sheet string) error {
	rows, err := src.book.rows(sheet)
	if err != nil {
		return &FileError{File: r.file, Sheet: sheet, Msg: fmt.Sprintf("cannot read the sheet (%v); open the workbook in Excel and save it again as .xlsx", err)}
	}
	if src.rows != nil {
		_ = src.rows.close()
	}
	src.rows, src.sheet, src.pending, src.hidden = rows, sheet, false, src.hidden[:0]
	r.sheet = sheet
	r.warnedNoHeader, r.warnedBeyond = false, false
	r.src = src
	headers, row, err := src.next()
	if err != nil && !errors.Is(err, io.EOF) {
		_ = r.Close()
		return err
	}
	if err == nil && row != 1 {
		// Row 1 is missing: no headers; the row read comes next.
		src.pending, headers = true, nil
	}
	if err := r.setHeaders(headers); err != nil {
		_ = r.Close()
		return err
	}
	// Data cells past the columns read need not be kept.
	rows.dropPast(len(r.cols))
	return nil
}

// nextSheet moves on to the next sheet to read (Options.AllSheets).
func (r *Reader) nextSheet() error {
	sheet := r.moreSheets[0]
	r.moreSheets = r.moreSheets[1:]
	return r.startSheet(r.src.(*sheetSource), sheet)
}

// maxRowsListed bounds the row numbers a warning lists.
const maxRowsListed = 20

// endSheet warns about the hidden rows the sheet just read skipped.
func (r *Reader) endSheet() {
	src, ok := r.src.(*sheetSource)
	if !ok || len(src.hidden) == 0 {
		return
	}
	n := len(src.hidden)
	r.hiddenRows += n
	var b strings.Builder
	for i, row := range src.hidden {
		if i > 0 {
			b.WriteString(", ")
		}
		if i == maxRowsListed {
			fmt.Fprintf(&b, "… (%d in all)", n)
			break
		}
		b.WriteString(strconv.Itoa(row))
	}
	if n == 1 {
		r.warn(src.hidden[0], "", fmt.Sprintf("1 row is hidden in Excel (by a filter or by hand) and was skipped: row %s; show it and check it, or read hidden rows with --include-hidden", b.String()))
		return
	}
	r.warn(0, "", fmt.Sprintf("%d rows are hidden in Excel (by a filter or by hand) and were skipped: rows %s; show them and check them, or read hidden rows with --include-hidden", n, b.String()))
}

// maxSheetsListed bounds the sheet names a message lists.
const maxSheetsListed = 20

// quoteSheets lists sheet names for a message: quoted, each clipped, at
// most maxSheetsListed of them.
func quoteSheets(sheets []string) string {
	var b strings.Builder
	for i, s := range sheets {
		if i > 0 {
			b.WriteString(", ")
		}
		if i == maxSheetsListed {
			fmt.Fprintf(&b, "… (%d in all)", len(sheets))
			break
		}
		b.WriteString(strconv.Quote(Clip(s)))
	}
	return b.String()
}

// firstRow returns row 1 of a sheet (a copy; nil when it is empty).
func firstRow(book xlsxBook, sheet string) ([]string, error) {
	rows, err := book.rows(sheet)
	if err != nil {
		return nil, err
	}
	defer rows.close()
	cells, row, err := rows.next()
	if err == io.EOF || err == nil && row != 1 {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return append([]string(nil), cells...), nil
}

// sheetSource is the source of the sheet read.
type sheetSource struct {
	file, sheet string
	rows        xlsxRows
	book        xlsxBook
	pending     bool // the last row read is to be returned again
	cells       []string
	row         int
	skipHidden  bool  // data rows hidden in Excel are skipped
	hidden      []int // the non-blank data rows skipped, in this sheet
}

// hiddenRows is implemented by the xlsxRows that know whether the row just
// read is hidden in Excel (<row hidden="1">: by hand, by a filter or by a
// collapsed outline).
type hiddenRows interface {
	hidden() bool
}

func (s *sheetSource) next() ([]string, int, error) {
	if s.pending {
		s.pending = false
		return s.cells, s.row, nil
	}
	for {
		cells, row, err := s.rows.next()
		if err != nil {
			if err == io.EOF {
				return nil, 0, io.EOF
			}
			return nil, 0, &FileError{File: s.file, Sheet: s.sheet, Msg: fmt.Sprintf("the sheet cannot be read (%v); open the workbook in Excel and save it again as .xlsx", err)}
		}
		if s.skipHidden && row != 1 {
			if h, ok := s.rows.(hiddenRows); ok && h.hidden() {
				if !isBlankRow(cells) {
					s.hidden = append(s.hidden, row)
				}
				continue
			}
		}
		s.cells, s.row = cells, row
		return cells, row, nil
	}
}

func (s *sheetSource) close() error {
	err := s.rows.close()
	if cerr := s.book.close(); err == nil {
		err = cerr
	}
	return err
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

// xlsxCell turns a raw XLSX cell value into the text normalizeCell takes:
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
	days := int(serial)
	switch {
	case date1904:
		return time.Date(1904, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, days).Format(encompass.DateLayout), ""
	case days < 60:
		// Serial 1 is 1900-01-01.
		return time.Date(1899, 12, 31, 0, 0, 0, 0, time.UTC).AddDate(0, 0, days).Format(encompass.DateLayout), ""
	}
	// Past Lotus's phantom 1900-02-29 the days count from 1899-12-30.
	return time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC).AddDate(0, 0, days).Format(encompass.DateLayout), ""
}
