package importer

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Excel's last column (XFD) and last row.
const (
	maxSheetColumns = 16384
	maxSheetRows    = 1_048_576
)

// sheetRows reads the rows of one worksheet part with xmlScanner.
type sheetRows struct {
	x        *xmlScanner
	sst      []string
	maxText  int // the longest cell text accepted, in bytes
	started  bool
	done     bool
	lastRow  int
	limit    int  // cells past this column are dropped (but see beyond)
	beyond   bool // a value past limit was already returned once
	isHidden bool // the row just read is hidden in Excel
	rowBuf   []byte
	vals     []cellVal
	cells    []string
	textBuf  []byte
	typeBuf  []byte
	refBuf   []byte
	cellErrs int
}

// cellVal is one cell of the current row: its 1-based column, and its text
// either in rowBuf[a:b] or the shared string sst (≥ 0).
type cellVal struct {
	col, a, b, sst int
}

func newSheetRows(rd io.Reader, sst []string, maxText int) *sheetRows {
	return &sheetRows{x: newXMLScanner(rd, maxText+(1<<20)), sst: sst, maxText: maxText, limit: maxSheetColumns}
}

// scanError is a damaged-worksheet error with the row it was found in.
type scanError struct {
	row int
	err error
}

func (e *scanError) Error() string {
	if e.row > 0 {
		return fmt.Sprintf("row %d: %v", e.row, e.err)
	}
	return e.err.Error()
}

// next returns the cells of the next <row> in the sheet (column i at
// index i; the slice is reused by the next call) and its row number, or
// io.EOF after </sheetData>.
func (r *sheetRows) next() ([]string, int, error) {
	if r.done {
		return nil, 0, io.EOF
	}
	x := r.x
	if !r.started {
		for {
			if err := x.nextTag(); err != nil {
				return nil, 0, &scanError{err: err}
			}
			if x.kind == tagEOF {
				r.done = true
				return nil, 0, io.EOF
			}
			if x.is(tagStart, "sheetData") {
				break
			}
		}
		r.started = true
		if x.selfClose {
			r.done = true
			return nil, 0, io.EOF
		}
	}
	for {
		if err := x.nextTag(); err != nil {
			return nil, 0, &scanError{row: r.lastRow + 1, err: err}
		}
		switch {
		case x.kind == tagEOF:
			return nil, 0, &scanError{row: r.lastRow + 1, err: errors.New("the sheet ends before </sheetData> (the file may be truncated)")}
		case x.is(tagEnd, "sheetData"):
			r.done = true
			return nil, 0, io.EOF
		case x.is(tagStart, "row"):
			return r.row()
		case x.kind == tagStart:
			if err := x.skip(); err != nil {
				return nil, 0, &scanError{row: r.lastRow + 1, err: err}
			}
		default:
			return nil, 0, &scanError{row: r.lastRow + 1, err: fmt.Errorf("unexpected </%s> in the sheet data", clip(x.name))}
		}
	}
}

// hidden reports whether the row just read is hidden in Excel.
func (r *sheetRows) hidden() bool { return r.isHidden }

// row reads the <row> whose start tag was just read.
func (r *sheetRows) row() ([]string, int, error) {
	x := r.x
	num := r.lastRow + 1
	var rowAttr []byte
	r.isHidden = false
	hiddenBad := false
	err := eachAttr(x.raw, func(name, val []byte) error {
		switch string(name) {
		case "r":
			rowAttr = val
		case "hidden":
			// xsd:boolean, read as excelize reads it (strconv.ParseBool).
			var err error
			if r.typeBuf, err = attrText(r.typeBuf[:0], val); err != nil {
				return err
			}
			h, perr := strconv.ParseBool(string(r.typeBuf))
			hiddenBad = hiddenBad || perr != nil
			r.isHidden = h && !hiddenBad
		}
		return nil
	})
	if err != nil {
		return nil, 0, &scanError{row: num, err: err}
	}
	if rowAttr != nil {
		v, err := strconv.Atoi(string(bytes.TrimSpace(rowAttr)))
		if err != nil || v < 1 {
			return nil, 0, &scanError{row: num, err: fmt.Errorf("the row number %q is not a number from 1 to %d", clip(rowAttr), maxSheetRows)}
		}
		num = v
	}
	if num > maxSheetRows {
		return nil, 0, &scanError{err: fmt.Errorf("the sheet claims a row past Excel's last row %d", maxSheetRows)}
	}
	if num <= r.lastRow {
		return nil, 0, &scanError{err: fmt.Errorf("row %d comes after row %d; rows must be in order", num, r.lastRow)}
	}
	r.lastRow = num
	r.rowBuf, r.vals = r.rowBuf[:0], r.vals[:0]
	if !x.selfClose {
		col := 0
		for {
			if err := x.nextTag(); err != nil {
				return nil, 0, &scanError{row: num, err: err}
			}
			if x.kind == tagEOF {
				return nil, 0, &scanError{row: num, err: errTruncated}
			}
			if x.kind == tagEnd {
				if string(x.name) != "row" {
					return nil, 0, &scanError{row: num, err: fmt.Errorf("unexpected </%s> in a row", clip(x.name))}
				}
				break
			}
			if string(x.name) != "c" {
				if err := x.skip(); err != nil {
					return nil, 0, &scanError{row: num, err: err}
				}
				continue
			}
			c, err := r.cell(col)
			if err != nil {
				return nil, 0, &scanError{row: num, err: err}
			}
			col = c
		}
	}
	if !utf8.Valid(r.rowBuf) {
		return nil, 0, &scanError{row: num, err: errors.New("a cell holds text that is not valid UTF-8")}
	}
	return r.build(), num, nil
}

// cell reads the <c> whose start tag was just read; prev is the column of
// the previous cell. It returns the cell's column.
func (r *sheetRows) cell(prev int) (int, error) {
	x := r.x
	r.typeBuf, r.refBuf = r.typeBuf[:0], r.refBuf[:0]
	var hasRef bool
	var err error
	err = eachAttr(x.raw, func(name, val []byte) error {
		var err error
		switch string(name) {
		case "r":
			hasRef = true
			r.refBuf, err = attrText(r.refBuf, val)
		case "t":
			r.typeBuf, err = attrText(r.typeBuf, val)
		}
		return err
	})
	if err != nil {
		return 0, err
	}
	col := prev + 1
	if hasRef {
		c, ok := refColumn(r.refBuf)
		if !ok {
			return 0, fmt.Errorf("bad cell reference %q", clip(r.refBuf))
		}
		col = c
	}
	if col > maxSheetColumns {
		return 0, fmt.Errorf("a cell lies past Excel's last column %s", colLetter(maxSheetColumns-1))
	}
	if col <= prev {
		return 0, fmt.Errorf("cell %s comes after column %s; cells must be in order", clip(r.refBuf), colLetter(prev-1))
	}
	typ := string(r.typeBuf) // no allocation: compared below only
	switch typ {
	case "", "n", "s", "str", "inlineStr", "b", "e", "d":
	default:
		return 0, fmt.Errorf("cell %s has the unknown type %q", colLetter(col-1)+strconv.Itoa(r.lastRow), clip(r.typeBuf))
	}
	isInline := typ == "inlineStr"
	isShared := typ == "s"
	if x.selfClose {
		return col, nil
	}
	a := len(r.rowBuf)
	var v []byte   // the <v> text (in textBuf)
	var hasIS bool // an <is> was read (into rowBuf[a:])
	r.textBuf = r.textBuf[:0]
	for {
		if err := x.nextTag(); err != nil {
			return 0, err
		}
		if x.kind == tagEOF {
			return 0, errTruncated
		}
		if x.kind == tagEnd {
			break // </c>
		}
		switch string(x.name) {
		case "v":
			if r.textBuf, err = x.text(r.textBuf[:0], r.maxText); err != nil {
				return 0, err
			}
			v = r.textBuf
		case "is":
			hasIS = true
			r.rowBuf = r.rowBuf[:a]
			if r.rowBuf, err = x.appendRichText(r.rowBuf, r.maxText); err != nil {
				return 0, err
			}
		default:
			if err := x.skip(); err != nil {
				return 0, err
			}
		}
	}
	val := cellVal{col: col, a: a, sst: -1}
	switch {
	case isShared:
		r.rowBuf = r.rowBuf[:a]
		if len(v) == 0 {
			return col, nil
		}
		i, err := strconv.Atoi(string(bytes.TrimSpace(v)))
		if err != nil || i < 0 || i >= len(r.sst) {
			return 0, fmt.Errorf("cell %s refers to shared string %q but the workbook has %d", colLetter(col-1)+strconv.Itoa(r.lastRow), clip(v), len(r.sst))
		}
		if r.sst[i] == "" {
			return col, nil
		}
		val.sst = i
	case isInline && hasIS:
		if u := unescapeXString(r.rowBuf[a:]); len(u) != len(r.rowBuf)-a || !bytes.Equal(u, r.rowBuf[a:]) {
			r.rowBuf = append(r.rowBuf[:a], u...)
		}
	default:
		r.rowBuf = append(r.rowBuf[:a], v...)
	}
	val.b = len(r.rowBuf)
	if val.sst < 0 && val.b == val.a {
		return col, nil
	}
	r.vals = append(r.vals, val)
	return col, nil
}

// build turns the row's values into the reused cells slice: one string
// allocation for the whole row.
func (r *sheetRows) build() []string {
	s := string(r.rowBuf)
	cells := r.cells[:0]
	for _, v := range r.vals {
		text := ""
		if v.sst >= 0 {
			text = r.sst[v.sst]
		} else {
			text = s[v.a:v.b]
		}
		col := v.col
		if col > r.limit {
			// Past the columns read only the first non-blank cell matters
			// (for the warning, and so the row is not blank); later ones
			// are kept in one slot so the cells slice stays short.
			if trimCell(text) == "" {
				continue
			}
			if r.beyond {
				col = r.limit + 1
			}
			r.beyond = true
		}
		for len(cells) < col-1 {
			cells = append(cells, "")
		}
		if len(cells) == col-1 {
			cells = append(cells, text)
		} else if cells[col-1] == "" {
			cells[col-1] = text
		}
		if col > r.limit {
			break
		}
	}
	r.cells = cells
	return cells
}

// readSharedStrings reads xl/sharedStrings.xml into a slice: plain and
// rich-text items concatenated, phonetic runs left out, _xHHHH_ escapes
// decoded. maxTotal bounds the bytes kept.
func readSharedStrings(rd io.Reader, maxText int, maxTotal int64) ([]string, error) {
	x := newXMLScanner(rd, maxText+(1<<20))
	var arena []byte
	var ends []int
	var err error
	for {
		if err = x.nextTag(); err != nil {
			return nil, err
		}
		if x.kind == tagEOF {
			break
		}
		if x.kind != tagStart || string(x.name) != "si" {
			continue
		}
		a := len(arena)
		if arena, err = x.appendRichText(arena, maxText); err != nil {
			return nil, fmt.Errorf("shared string %d: %w", len(ends), err)
		}
		if u := unescapeXString(arena[a:]); len(u) != len(arena)-a || !bytes.Equal(u, arena[a:]) {
			arena = append(arena[:a], u...)
		}
		ends = append(ends, len(arena))
		if int64(len(arena))+int64(len(ends))*16 > maxTotal {
			return nil, fmt.Errorf("the shared strings take more than %s", sizeText(maxTotal))
		}
	}
	if !utf8.Valid(arena) {
		return nil, errors.New("a shared string is not valid UTF-8")
	}
	var b strings.Builder
	b.Grow(len(arena))
	b.Write(arena)
	all := b.String()
	out := make([]string, len(ends))
	start := 0
	for i, e := range ends {
		out[i] = all[start:e]
		start = e
	}
	return out, nil
}

// refColumn returns the 1-based column of a cell reference such as "B3"
// or "$AB$12" (letters in either case, then a row number).
func refColumn(ref []byte) (int, bool) {
	i := 0
	if i < len(ref) && ref[i] == '$' {
		i++
	}
	col, letters := 0, 0
	for ; i < len(ref); i++ {
		c := ref[i]
		if c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		if c < 'A' || c > 'Z' {
			break
		}
		if letters++; letters > 3 {
			return 0, false
		}
		col = col*26 + int(c-'A'+1)
	}
	if i < len(ref) && ref[i] == '$' {
		i++
	}
	digits, row := 0, 0
	for ; i < len(ref); i++ {
		c := ref[i]
		if c < '0' || c > '9' || digits > 7 {
			return 0, false
		}
		digits++
		row = row*10 + int(c-'0')
	}
	if letters == 0 || row < 1 || row > maxSheetRows || col > maxSheetColumns {
		return 0, false
	}
	return col, true
}
