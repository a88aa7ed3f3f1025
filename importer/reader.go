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
)

// Default limits (Options fields left zero take these).
const (
	DefaultMaxFileSize = 200 << 20 // 200 MiB
	DefaultMaxRows     = 1_000_000
	DefaultMaxCellLen  = 32_767 // Excel's own limit on a cell
	// MaxColumns is the number of columns read; columns past it are
	// ignored with a warning, so a 20,000-column sheet reads in bounded time.
	MaxColumns = 1000
	// MaxHeaderLen bounds a header cell, in characters: a longer one
	// cannot be a column name, and the file is refused.
	MaxHeaderLen = 1000
	// MaxEchoLen bounds, in characters, every value (header, cell, sheet
	// name) a message quotes; longer values are cut and end in "…".
	MaxEchoLen = 200
)

// Clip returns s cut to MaxEchoLen characters, ending in "…" when it was
// cut: how messages quote a value from the file.
func Clip(s string) string { return clipN(s, MaxEchoLen) }

// clipN cuts s to n characters, ending in "…" when it was cut.
func clipN(s string, n int) string {
	if len(s) <= n {
		return s // never more characters than bytes
	}
	i := 0
	for k := 0; k < n && i < len(s); k++ {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	if i >= len(s) {
		return s
	}
	return s[:i] + "…"
}

// Options tune Open.
type Options struct {
	Sheet       string // --sheet; "" = first sheet with an id column
	MaxFileSize int64  // bytes; default DefaultMaxFileSize
	MaxRows     int    // data rows (of all sheets read); default DefaultMaxRows
	MaxCellLen  int    // characters; default DefaultMaxCellLen
	// AllSheets (--all-sheets) reads every sheet with an id column, in the
	// workbook's order, instead of the first one; Sheet must be empty.
	// Ignored for CSV.
	AllSheets bool
	// IncludeHidden (--include-hidden) reads the rows hidden in Excel (by
	// hand or by a filter) too; without it they are skipped with a warning
	// naming them. Ignored for CSV.
	IncludeHidden bool
}

func (o Options) withDefaults() Options {
	if o.MaxFileSize <= 0 {
		o.MaxFileSize = DefaultMaxFileSize
	}
	if o.MaxRows <= 0 {
		o.MaxRows = DefaultMaxRows
	}
	if o.MaxCellLen <= 0 {
		o.MaxCellLen = DefaultMaxCellLen
	}
	return o
}

// Format is the detected file format.
type Format int

// Formats.
const (
	FormatCSV Format = iota + 1
	FormatXLSX
)

// String returns "csv" or "xlsx".
func (f Format) String() string {
	switch f {
	case FormatCSV:
		return "csv"
	case FormatXLSX:
		return "xlsx"
	}
	return "unknown"
}

// FileError is a fatal, file-level error: the file cannot be read as a
// spreadsheet of users. It names the file (and sheet), lists the headers
// found when they matter, and says what to do.
type FileError struct {
	File, Sheet string
	Headers     []string
	Msg         string
	Err         error // a sentinel the error wraps (ErrNoDataRows), or nil
}

// Unwrap returns the sentinel the error wraps, if any.
func (e *FileError) Unwrap() error { return e.Err }

// ErrNoDataRows is wrapped by the *FileError Reader.NoDataRows returns: the
// file has headers but no data row (blank and skipped hidden rows aside).
var ErrNoDataRows = errors.New("no data rows")

// Error formats the error as `file "F", sheet "S": msg; headers found: ...`.
func (e *FileError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "file %q", e.File)
	if e.Sheet != "" {
		fmt.Fprintf(&b, ", sheet %q", Clip(e.Sheet))
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	if e.Headers != nil {
		b.WriteString("; headers found: ")
		if len(e.Headers) == 0 {
			b.WriteString("none (row 1 is empty)")
		}
		for i, h := range e.Headers {
			if i > 0 {
				b.WriteString(", ")
			}
			if i == 20 {
				fmt.Fprintf(&b, "… (%d in all)", len(e.Headers))
				break
			}
			fmt.Fprintf(&b, "%q", Clip(h))
		}
	}
	return b.String()
}

// source yields the rows of one sheet: cells as text and the row number a
// person sees. io.EOF at the end.
type source interface {
	next() (cells []string, row int, err error)
	close() error
}

// Column markers for cells that are not read.
const (
	colUnknown  Column = -1 // header not recognised (warned)
	colNoHeader Column = -2 // empty header
)

// Reader reads the data rows of one sheet. It is not safe for concurrent use.
type Reader struct {
	file     string // base name, for messages
	format   Format
	sheet    string
	headers  []string
	cols     []Column
	src      source
	opts     Options
	warnings []Problem
	rows     int
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
	st, err := os.Stat(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil, fail("the file does not exist; check the path")
	case err != nil:
		return nil, fail("cannot read the file (%v); check the path and its permissions", unwrapPath(err))
	case st.IsDir():
		return nil, fail("this is a folder, not a file; give the spreadsheet's path")
	case st.Size() > opts.MaxFileSize:
		return nil, fail("the file is %s, more than the limit of %s; split it into smaller files", sizeText(st.Size()), sizeText(opts.MaxFileSize))
	case st.Size() == 0:
		return nil, fail("the file is empty; row 1 must hold the headers (see `encimport template`)")
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fail("cannot read the file (%v); check its permissions", unwrapPath(err))
	}
	defer f.Close()
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
		err = r.openCSV(path)
	}
	if err != nil {
		return nil, err
	}
	return r, nil
}

func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func sizeText(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
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

// setHeaders maps the header row to columns; it fails on a missing or
// duplicate column.
func (r *Reader) setHeaders(headers []string) error {
	for len(headers) > 0 && trimCell(headers[len(headers)-1]) == "" {
		headers = headers[:len(headers)-1]
	}
	for i, h := range headers {
		if len(h) > MaxHeaderLen && utf8.RuneCountInString(h) > MaxHeaderLen {
			// Not echoed whole (nor listed with the other headers).
			return &FileError{File: r.file, Sheet: r.errSheet(), Msg: fmt.Sprintf("the header in column %s (row 1) has %d characters, more than the limit of %d, so it cannot be a column name (it starts %q); put the column's name in row 1 and the data below it",
				colLetter(i), utf8.RuneCountInString(h), MaxHeaderLen, clipN(trimCell(h), 40))}
		}
	}
	r.headers = make([]string, len(headers))
	for i, h := range headers {
		r.headers[i] = trimCell(h)
	}
	ferr := func(msg string) error {
		return &FileError{File: r.file, Sheet: r.errSheet(), Headers: r.headers, Msg: msg}
	}
	n := len(r.headers)
	if n > MaxColumns {
		n = MaxColumns
		r.warn(1, "", fmt.Sprintf("the sheet has %d columns; only the first %d (up to %s) are read; delete the extra columns", len(r.headers), MaxColumns, colLetter(MaxColumns-1)))
	}
	r.cols = make([]Column, n)
	where := make([]int, NumColumns)
	for i := range where {
		where[i] = -1
	}
	for i := 0; i < n; i++ {
		h := r.headers[i]
		if h == "" {
			r.cols[i] = colNoHeader
			continue
		}
		c, ok := ParseHeader(h)
		if !ok {
			r.cols[i] = colUnknown
			r.warn(1, Clip(h), fmt.Sprintf("unknown column %q (column %s) is ignored; rename it to a column of the template or delete it", Clip(h), colLetter(i)))
			continue
		}
		if j := where[c]; j >= 0 {
			return ferr(fmt.Sprintf("columns %s %q and %s %q both mean %s; keep only one of them", colLetter(j), Clip(r.headers[j]), colLetter(i), Clip(h), c))
		}
		where[c] = i
		r.cols[i] = c
	}
	if where[ColID] < 0 {
		return ferr("no id column in row 1; add a column headed " + IDHeaderHint + ", or choose another sheet with --sheet")
	}
	return nil
}

// errSheet is the sheet name for error messages ("" for CSV).
func (r *Reader) errSheet() string {
	if r.format == FormatCSV {
		return ""
	}
	return r.sheet
}

// warn records a file-level warning.
func (r *Reader) warn(row int, column, msg string) {
	r.warnings = append(r.warnings, Problem{File: r.file, Sheet: r.errSheet(), Row: row, Column: column, Message: msg, Severity: SeverityWarning})
}

// colLetter returns the spreadsheet letter of 0-based column i ("#n" past
// Excel's last column).
func colLetter(i int) string {
	if i < 0 || i >= maxSheetColumns {
		return fmt.Sprintf("#%d", i+1)
	}
	var b [3]byte
	k := len(b)
	for n := i + 1; n > 0; n = (n - 1) / 26 {
		k--
		b[k] = byte('A' + (n-1)%26)
	}
	return string(b[k:])
}

// DataRows returns the number of data rows Next has returned so far
// (blank rows and skipped hidden rows are not data rows).
func (r *Reader) DataRows() int { return r.rows }

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

// Format returns the detected format.
func (r *Reader) Format() Format { return r.format }

// Sheet returns the sheet read (with Options.AllSheets, the sheet being
// read; the file's base name for CSV).
func (r *Reader) Sheet() string { return r.sheet }

// Headers returns the header row as found (trimmed; trailing empty cells dropped).
func (r *Reader) Headers() []string { return r.headers }

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
		}
		v, clr, p, ctrl := normalizeCell(c, raw)
		switch {
		case ctrl:
			rec.AddProblem(c, p)
			rec.Problems[len(rec.Problems)-1].File = r.file
		case p != "":
			rec.AddProblem(c, p)
		case clr:
			rec.SetClear(c)
		default:
			rec.Values[c] = v
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
