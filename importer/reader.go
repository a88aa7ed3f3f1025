package importer

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/encimport/encimport/internal/regfile"
)

// source yields the rows of one sheet: cells as text and the row number a
// person sees. io.EOF at the end.
type source interface {
	next() (cells []string, row int, err error)
	close() error
}

// Reader reads the data rows of one sheet. It is not safe for concurrent use.
type Reader struct {
	file     string             // base name, for messages
	vals     [NumColumns]string // the values of the row being read, packed into its record
	format   Format             // detected by content
	sheet    string             // the sheet being read; the file's base name for CSV
	headers  []string
	cols     []Column
	src      source
	opts     Options
	warnings []Problem
	rows     int // data rows returned (not blank ones nor skipped hidden ones)
	rowsHint int // estimate of the data rows; 0 = unknown
	date1904 bool
	digest   string // hex SHA-256 of the file's bytes; "" until known

	sheets     []string // every sheet read, in order (XLSX)
	moreSheets []string // the sheets still to read after this one (AllSheets)
	hiddenRows int      // non-blank hidden rows skipped, in all sheets
	atEOF      bool     // the last sheet has been read to its end

	warnedNoHeader, warnedBeyond bool
}

// Open opens a CSV or XLSX file (detected by content, not by extension),
// chooses the sheet, reads and checks the header row. File-level trouble
// (unreadable, too big, a zip bomb, not a spreadsheet, unknown sheet, no or
// duplicate id column) is returned as a *FileError.
func Open(path string, opts Options) (*Reader, error) {
	opts = opts.withDefaults()
	r := &Reader{file: filepath.Base(path), opts: opts}
	fail := func(format string, a ...any) error {
		return &FileError{File: r.file, Msg: fmt.Sprintf(format, a...)}
	}
	// Only a regular file (links resolved) is opened: a FIFO, a device,
	// a folder or a broken link is refused here, before any read that
	// could block or never end.
	f, st, err := regfile.Open(path)
	var re *regfile.Error
	switch {
	case errors.Is(err, os.ErrNotExist) && errors.As(err, &re) && re.What == "does not exist":
		return nil, fail("the file does not exist; check the path")
	case errors.As(err, &re) && st == nil && strings.HasPrefix(re.What, "is a folder"):
		return nil, fail("this is a folder, not a file; give the spreadsheet's path")
	case errors.As(err, &re):
		return nil, fail("the path %s; give the path of the spreadsheet itself (an .xlsx or .csv file)", re.What)
	case err != nil:
		return nil, fail("cannot read the file (%v); check the path and its permissions", unwrapPath(err))
	}
	keep := false // the CSV reader keeps f open
	defer func() {
		if !keep {
			_ = f.Close()
		}
	}()
	switch {
	case st.Size() > opts.MaxFileSize:
		return nil, fail("the file is %s, more than the limit of %s; split it into smaller files", sizeText(st.Size()), sizeText(opts.MaxFileSize))
	case st.Size() == 0:
		return nil, fail("the file is empty; row 1 must hold the headers (see `encimport template`)")
	}
	head := make([]byte, 8192)
	n, _ := io.ReadFull(f, head)
	head = head[:n]
	switch {
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		r.format = FormatXLSX
		err = r.openXLSX(f, head, st.Size())
	case bytes.HasPrefix(head, []byte{0xD0, 0xCF, 0x11, 0xE0}):
		return nil, fail("this is an old Excel 97-2003 (.xls) or a password-protected workbook; open it in Excel, remove any password and save it as .xlsx or CSV UTF-8")
	case bytes.HasPrefix(head, []byte("PK")):
		return nil, fail("this is a damaged or unusual zip archive, not an .xlsx workbook; open it in Excel and save it again as .xlsx")
	case isBinary(head):
		return nil, fail("this is not a spreadsheet (binary content); save the people list as .xlsx or CSV UTF-8")
	default:
		r.format = FormatCSV
		keep = true // openCSV owns f from here
		err = r.openCSV(f)
	}
	if err != nil {
		return nil, err
	}
	return r, nil
}

// isBinary reports whether head looks like binary data: NUL bytes that are
// not UTF-16 text with a BOM, among many control characters (at least 4,
// and more than one byte in 16). A text file with a few stray NULs is read:
// each is a problem in its cell, as anywhere else in the file.
func isBinary(head []byte) bool {
	if bytes.HasPrefix(head, []byte{0xFF, 0xFE}) || bytes.HasPrefix(head, []byte{0xFE, 0xFF}) {
		return false
	}
	if bytes.IndexByte(head, 0) < 0 {
		return false
	}
	ctrl := 0
	for _, b := range head {
		if b < 0x20 && b != '\t' && b != '\n' && b != '\r' {
			ctrl++
		}
	}
	return ctrl >= 4 && ctrl*16 > len(head)
}

// HiddenRowsSkipped returns the number of non-blank rows skipped so far
// because Excel hides them (see Options.IncludeHidden).
func (r *Reader) HiddenRowsSkipped() int { return r.hiddenRows }

// Sheets returns the sheets read, in order: the one sheet read, or with
// Options.AllSheets every sheet with an id column (for CSV, the file's
// base name).
func (r *Reader) Sheets() []string {
	if len(r.sheets) == 0 {
		return []string{r.sheet}
	}
	return r.sheets
}

// NoDataRows returns, once Next has returned io.EOF, a *FileError wrapping
// ErrNoDataRows when the file had no data row (so the caller can say so
// and stop), and nil otherwise. Reading such a file is not an error by
// itself: Next simply returns io.EOF.
func (r *Reader) NoDataRows() error {
	if !r.atEOF || r.rows > 0 {
		return nil
	}
	what, has := "the file", "has"
	if r.format == FormatXLSX {
		what = "the sheet"
		if s := r.Sheets(); len(s) > 1 {
			what, has = "the sheets "+quoteSheets(s), "have"
		}
	}
	msg := fmt.Sprintf("%s %s no data rows: row 1 holds the headers and no row below it has a value; add one row per user below the headers (see `encimport template`)", what, has)
	if r.hiddenRows > 0 {
		msg = fmt.Sprintf("%s %s no visible data rows: the %d rows with values are all hidden in Excel and were skipped; show them (clear the filter, or unhide the rows), or read them with --include-hidden", what, has, r.hiddenRows)
	}
	return &FileError{File: r.file, Sheet: r.errSheet(), Msg: msg, Err: ErrNoDataRows}
}

// Headers returns the header row as found (trimmed; trailing empty cells dropped).
func (r *Reader) Headers() []string { return r.headers }

// Format returns the detected format (the re-upload file is written in it).
func (r *Reader) Format() Format { return r.format }

// Sheet returns the sheet being read (the file's base name for CSV).
func (r *Reader) Sheet() string { return r.sheet }

// RowsHint estimates the number of data rows, for sizing: the CSV file's
// line count less the header (blank lines and cells spanning lines make it
// an overestimate), at most Options.MaxRows; 0 when unknown (XLSX, or a
// CSV file with a byte-order mark or in mixed encodings).
func (r *Reader) RowsHint() int { return min(r.rowsHint, r.opts.MaxRows) }

// Digest returns the hex SHA-256 of the file, taken from the bytes the
// reader parses: for XLSX (read whole) as soon as Open returns, for CSV
// (streamed) once Next has returned io.EOF; "" before then.
func (r *Reader) Digest() string { return r.digest }

// Warnings returns the file-level warnings so far (unknown columns, columns
// past the limit, cells without a header, encoding guesses, other sheets
// with an id column, hidden rows skipped). Reading rows may add some; read
// them after the last Next.
func (r *Reader) Warnings() []Problem { return r.warnings }

// Next returns the next non-blank data row, or io.EOF after the last one.
// A bad cell never fails Next: it adds a Problem to the record. Errors are
// file-level (*FileError): a broken file or too many rows.
func (r *Reader) Next() (*Record, error) {
	rec := new(Record)
	if err := r.NextInto(rec); err != nil {
		return nil, err
	}
	return rec, nil
}

// NextInto is Next filling *rec instead of allocating a Record, for callers
// that look at one row at a time: rec is overwritten (its Problems slice is
// reused, so copy what must outlive the next call). On an error rec is
// left as it was.
func (r *Reader) NextInto(rec *Record) error {
	for {
		cells, row, err := r.src.next()
		if err == io.EOF && !r.atEOF {
			r.endSheet()
			if len(r.moreSheets) > 0 {
				if err := r.nextSheet(); err != nil {
					return err
				}
				continue
			}
			r.atEOF = true
		}
		if err != nil {
			return err
		}
		if isBlankRow(cells) {
			continue
		}
		r.rows++
		if r.rows > r.opts.MaxRows {
			return &FileError{File: r.file, Sheet: r.errSheet(), Msg: fmt.Sprintf("more than %d data rows (row %d); split the file into smaller ones", r.opts.MaxRows, row)}
		}
		r.record(rec, cells, row)
		return nil
	}
}

func isBlankRow(cells []string) bool {
	for _, c := range cells {
		if trimCell(c) != "" {
			return false
		}
	}
	return true
}

// record fills rec with the Record of one data row.
func (r *Reader) record(rec *Record, cells []string, row int) {
	*rec = Record{Sheet: r.sheet, Row: row, Problems: rec.Problems[:0]}
	if r.opts.KeepCells {
		// A fresh slice: the CSV reader reuses its own (the strings are not shared).
		rec.Cells = make([]string, len(r.headers))
		copy(rec.Cells, cells)
	}
	vals := &r.vals
	*vals = [NumColumns]string{}
	defer rec.pack(vals)
	for i, raw := range cells {
		if i >= len(r.cols) {
			if !r.warnedBeyond && trimCell(raw) != "" {
				r.warnedBeyond = true
				r.warn(row, colLetter(i), fmt.Sprintf("row %d has a value in column %s, past the last header read; such cells are ignored; give the column a header or delete it", row, colLetter(i)))
			}
			continue
		}
		c := r.cols[i]
		if c < 0 {
			if c == colNoHeader && !r.warnedNoHeader && trimCell(raw) != "" {
				r.warnedNoHeader = true
				r.warn(row, colLetter(i), fmt.Sprintf("column %s has no header but row %d has a value in it; such cells are ignored; give the column a header or delete it", colLetter(i), row))
			}
			continue
		}
		if len(raw) > r.opts.MaxCellLen && utf8.RuneCountInString(raw) > r.opts.MaxCellLen {
			rec.AddProblem(c, fmt.Sprintf("the cell has %d characters, more than the limit of %d; shorten it", utf8.RuneCountInString(raw), r.opts.MaxCellLen))
			continue
		}
		if r.format == FormatXLSX {
			var p string
			if raw, p = r.xlsxCell(c, raw); p != "" {
				rec.AddProblem(c, p)
				continue
			}
			if rec.Cells != nil && i < len(rec.Cells) {
				rec.Cells[i] = raw // a date as yyyy-MM-dd, not its serial
			}
		}
		v, clr, p, ctrl := normalizeCell(c, raw)
		switch {
		case ctrl:
			rec.AddProblem(c, p)
			rec.Problems[len(rec.Problems)-1].File = r.file
		case p != "":
			rec.AddProblem(c, p)
			if c == ColAction {
				rec.BadAction = strings.ToLower(Clip(trimCell(raw)))
			}
		case clr:
			rec.clear |= 1 << uint(c)
			vals[c] = ""
		default:
			vals[c] = v
			if c == ColID && formulaStart(v) {
				rec.AddWarning(c, fmt.Sprintf("the user id %q starts with %q, as a formula does; it is used as written: check that it is the intended id and not something a formula left", Clip(v), v[:1]))
			}
		}
	}
}

// formulaStart reports whether s starts like a spreadsheet formula
// (= + - @): as an id it is allowed, but worth a warning.
func formulaStart(s string) bool {
	switch s[0] {
	case '=', '+', '-', '@':
		return true
	}
	return false
}

// Close releases the file.
func (r *Reader) Close() error {
	if r.src == nil {
		return nil
	}
	err := r.src.close()
	r.src = nil
	return err
}

// Result is everything Read reads from one file.
type Result struct {
	Records  []*Record
	Warnings []Problem
	// SHA256 is the hex SHA-256 of the file (Reader.Digest): the digest of
	// the very bytes the records were read from, so a plan can name its
	// input without reading the file again.
	SHA256 string
	// HiddenRowsSkipped counts the non-blank rows skipped because Excel
	// hides them (Options.IncludeHidden reads them).
	HiddenRowsSkipped int
	// NoDataRows is Reader.NoDataRows: a *FileError wrapping ErrNoDataRows
	// when the file has no data row, else nil. Read does not fail on it.
	NoDataRows error
}

// Read reads every data row of the file at path, and its digest. On an
// error after Open it returns the records and warnings read so far.
func Read(path string, opts Options) (Result, error) {
	r, err := Open(path, opts)
	if err != nil {
		return Result{}, err
	}
	return r.readAll()
}

// ReadAll reads every data row of the file at path (Read without the digest).
func ReadAll(path string, opts Options) (recs []*Record, warnings []Problem, err error) {
	res, err := Read(path, opts)
	return res.Records, res.Warnings, err
}

// readAll reads the rest of r's rows and closes r.
func (r *Reader) readAll() (res Result, err error) {
	defer r.Close()
	for {
		rec, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			res.Warnings = r.Warnings()
			return res, err
		}
		res.Records = append(res.Records, rec)
	}
	res.Warnings, res.SHA256 = r.Warnings(), r.Digest()
	res.HiddenRowsSkipped, res.NoDataRows = r.HiddenRowsSkipped(), r.NoDataRows()
	return res, r.Close()
}
