package importer

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"math"
	"os"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// csvSource reads a CSV file with encoding/csv. (gocsv maps rows onto
// structs with fixed headers; our headers are dynamic, with aliases, so the
// standard library fits better.)
type csvSource struct {
	file    string
	f       *os.File
	cr      *csv.Reader
	row     int // row number of the last record returned
	endLine int // line on which the last record ended
	hash    hash.Hash
	digest  *string // set from hash at the end of the file
}

// openCSV detects the encoding and delimiter and reads the header row of
// the file f (opened by Open, which checked it is a regular file; both
// passes read f itself, never the path again). It closes f on failure;
// the source closes it otherwise.
func (r *Reader) openCSV(f *os.File) error {
	r.sheet = r.file
	fail := func(format string, a ...any) error {
		return &FileError{File: r.file, Msg: fmt.Sprintf(format, a...)}
	}
	enc, lines, err := sniffEncoding(io.NewSectionReader(f, 0, math.MaxInt64))
	if lines > 0 {
		r.rowsHint = lines - 1 // the header
	}
	if err != nil {
		_ = f.Close()
		return fail("cannot read the file (%v); check its permissions", unwrapPath(err))
	}
	// Every byte parsed goes through the digest.
	var h hash.Hash
	in := io.Reader(io.NewSectionReader(f, 0, math.MaxInt64))
	if !r.opts.NoDigest {
		h = sha256.New()
		in = io.TeeReader(in, h)
	}
	switch enc {
	case encUTF8BOM:
		var bom [3]byte
		_, _ = io.ReadFull(in, bom[:])
	case encUTF16:
		in = transform.NewReader(in, unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder())
	case encWindows1252:
		in = transform.NewReader(in, charmap.Windows1252.NewDecoder())
		r.warn(0, "", "the file is not UTF-8 text; it was read as Windows-1252 (Excel's \"CSV (Comma delimited)\"); if names look wrong, save it as \"CSV UTF-8\" and run again")
	}
	br := bufio.NewReaderSize(in, 64<<10)
	cr := csv.NewReader(br)
	cr.Comma = sniffDelimiter(br)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	src := &csvSource{file: r.file, f: f, cr: cr, hash: h, digest: &r.digest}
	headers, _, err := src.next()
	if err == io.EOF {
		_ = f.Close()
		return fail("the file holds no rows; row 1 must hold the headers (see `encimport template`)")
	}
	if err != nil {
		_ = f.Close()
		return err
	}
	r.src = src
	if err := r.setHeaders(append([]string(nil), headers...)); err != nil {
		_ = f.Close()
		return err
	}
	return nil
}

func (s *csvSource) next() ([]string, int, error) {
	rec, err := s.cr.Read()
	if err == io.EOF {
		// encoding/csv saw the end of the file: every byte went through
		// the hash.
		if s.hash != nil {
			*s.digest = hex.EncodeToString(s.hash.Sum(nil))
		}
		return nil, 0, io.EOF
	}
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			msg := fmt.Sprintf("line %d: %v", pe.Line, pe.Err)
			switch {
			case errors.Is(pe.Err, csv.ErrQuote):
				msg = fmt.Sprintf("the quoted cell starting on line %d has no closing quote (or a stray quote inside it); close the quote, or double a quote inside a quoted cell (\"\")", pe.StartLine)
			case errors.Is(pe.Err, csv.ErrBareQuote):
				msg = fmt.Sprintf("line %d has a quote (\") inside an unquoted cell; enclose the cell in quotes and double the quote inside it, e.g. \"5\"\" tall\"", pe.Line)
			}
			return nil, 0, &FileError{File: s.file, Msg: msg}
		}
		return nil, 0, &FileError{File: s.file, Msg: fmt.Sprintf("cannot read the file (%v); check the file and save it again as CSV UTF-8", unwrapPath(err))}
	}
	// Count records as Excel shows them: encoding/csv skips blank lines,
	// which Excel shows as blank rows; a quoted cell spanning lines is one row.
	start, _ := s.cr.FieldPos(0)
	if blanks := start - s.endLine - 1; blanks > 0 {
		s.row += blanks
	}
	s.row++
	last := len(rec) - 1
	lastLine, _ := s.cr.FieldPos(last)
	s.endLine = lastLine + strings.Count(rec[last], "\n")
	return rec, s.row, nil
}

func (s *csvSource) close() error { return s.f.Close() }

type csvEncoding int

const (
	encUTF8 csvEncoding = iota
	encUTF8BOM
	encUTF16 // with a BOM, either byte order
	encWindows1252
)

// sniffEncoding looks at the BOM, and without one scans the whole file:
// invalid UTF-8 with no valid multi-byte sequence at all means Windows-1252;
// otherwise the file is UTF-8 (broken cells are problems on their rows).
// lines is the number of line feeds when the whole file was scanned (0
// when it was not), or one more when the last line has none.
func sniffEncoding(f io.Reader) (enc csvEncoding, lines int, err error) {
	br := bufio.NewReaderSize(f, 64<<10)
	head, _ := br.Peek(3)
	switch {
	case bytes.HasPrefix(head, []byte{0xEF, 0xBB, 0xBF}):
		return encUTF8BOM, 0, nil
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}), bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		return encUTF16, 0, nil
	}
	invalid, multi := false, false
	var last byte // the file's last byte
	buf := make([]byte, 64<<10)
	carry := 0
	for {
		n, err := br.Read(buf[carry:])
		// The carry is the start of a multi-byte rune: no line feed in it.
		lines += bytes.Count(buf[carry:carry+n], []byte{'\n'})
		if n > 0 {
			last = buf[carry+n-1]
		}
		n += carry
		chunk := buf[:n]
		i := 0
		for i < len(chunk) {
			// Skip ASCII eight bytes at a time.
			for i+8 <= len(chunk) && binary.LittleEndian.Uint64(chunk[i:])&0x8080808080808080 == 0 {
				i += 8
			}
			if i == len(chunk) {
				break
			}
			c := chunk[i]
			if c < utf8.RuneSelf {
				i++
				continue
			}
			if !utf8.FullRune(chunk[i:]) && err == nil {
				break // finish the rune with the next read
			}
			r, size := utf8.DecodeRune(chunk[i:])
			if r == utf8.RuneError && size <= 1 {
				invalid = true
			} else {
				multi = true
			}
			i += size
		}
		carry = copy(buf, chunk[i:])
		if multi && invalid {
			return encUTF8, 0, nil // mixed: read as UTF-8, broken cells are problems
		}
		if err != nil {
			break
		}
	}
	if last != '\n' && last != 0 {
		lines++
	}
	if invalid && !multi {
		return encWindows1252, lines, nil
	}
	return encUTF8, lines, nil
}

// sniffDelimiter picks ',', ';' or tab: whichever occurs most often outside
// quotes on the header line (',' on a tie or when none occurs).
func sniffDelimiter(br *bufio.Reader) rune {
	head, _ := br.Peek(br.Size())
	if i := bytes.IndexByte(head, 0xEF); i == 0 && bytes.HasPrefix(head, []byte{0xEF, 0xBB, 0xBF}) {
		head = head[3:]
	}
	var comma, semi, tab int
	inQuote := false
	for _, c := range head {
		if c == '"' {
			inQuote = !inQuote
			continue
		}
		if inQuote {
			continue
		}
		if c == '\n' {
			break
		}
		switch c {
		case ',':
			comma++
		case ';':
			semi++
		case '\t':
			tab++
		}
	}
	switch {
	case tab > comma && tab >= semi:
		return '\t'
	case semi > comma:
		return ';'
	}
	return ','
}
