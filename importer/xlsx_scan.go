package importer

import (
	"bytes"
	"errors"
	"fmt"
	"io"
)

// This file holds the tokenizer for worksheet XML: a streaming,
// allocation-light scanner that understands exactly the part of
// SpreadsheetML the reader needs (<sheetData>, <row>, <c>, <v>, <is>, rich
// text runs) and skips every other element. Anything malformed (bad
// entities, broken tags, rows or cells out of order, unknown cell types,
// truncated parts) is an error, never a guess.

// xmlScanner is a minimal, streaming XML tokenizer over a byte buffer.
type xmlScanner struct {
	rd       io.Reader
	buf      []byte
	pos, end int
	eof      bool
	rerr     error // read error (other than io.EOF)
	maxTok   int   // the longest tag or text run kept in the buffer

	// The tag just read by nextTag.
	kind      int    // tagStart, tagEnd or tagEOF
	name      []byte // local name (namespace prefix dropped); valid until the next read
	raw       []byte // the tag's attribute text; valid until the next read
	selfClose bool
}

const (
	tagEOF = iota
	tagStart
	tagEnd
)

func newXMLScanner(rd io.Reader, maxTok int) *xmlScanner {
	return &xmlScanner{rd: rd, buf: make([]byte, 64<<10), maxTok: maxTok}
}

var errTruncated = errors.New("the XML ends too early (the file may be truncated)")

// fill moves the unread bytes to the front and reads more. It returns
// false at the end of the input or on a read error.
func (s *xmlScanner) fill() bool {
	if s.eof {
		return false
	}
	if s.pos > 0 {
		copy(s.buf, s.buf[s.pos:s.end])
		s.end -= s.pos
		s.pos = 0
	}
	if s.end == len(s.buf) {
		if len(s.buf) >= s.maxTok {
			s.rerr = fmt.Errorf("a tag or text run is longer than %d bytes", s.maxTok)
			s.eof = true
			return false
		}
		nb := make([]byte, 2*len(s.buf))
		copy(nb, s.buf[:s.end])
		s.buf = nb
	}
	for i := 0; i < 100; i++ {
		n, err := s.rd.Read(s.buf[s.end:])
		s.end += n
		if err != nil {
			s.eof = true
			if err != io.EOF {
				s.rerr = err
			}
			return n > 0
		}
		if n > 0 {
			return true
		}
	}
	s.rerr = io.ErrNoProgress
	s.eof = true
	return false
}

// failure returns the read error or errTruncated.
func (s *xmlScanner) failure() error {
	if s.rerr != nil {
		return s.rerr
	}
	return errTruncated
}

// find returns the offset (from pos) of seq at or after offset from,
// reading more input as needed.
func (s *xmlScanner) find(from int, seq string) (int, error) {
	for {
		if i := bytes.Index(s.buf[s.pos+from:s.end], []byte(seq)); i >= 0 {
			return from + i, nil
		}
		if f := s.end - s.pos - len(seq) + 1; f > from {
			from = f
		}
		if !s.fill() {
			return 0, s.failure()
		}
	}
}

// findByte is find for one byte.
func (s *xmlScanner) findByte(from int, c byte) (int, error) {
	for {
		if i := bytes.IndexByte(s.buf[s.pos+from:s.end], c); i >= 0 {
			return from + i, nil
		}
		from = s.end - s.pos
		if !s.fill() {
			return 0, s.failure()
		}
	}
}

func trimSpaceRight(b []byte) []byte {
	for len(b) > 0 && isSpace(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

// need makes sure n bytes from pos are buffered (false at the end).
func (s *xmlScanner) need(n int) bool {
	for s.end-s.pos < n {
		if !s.fill() {
			return false
		}
	}
	return true
}

// nextTag skips text, comments, processing instructions and CDATA up to
// the next start or end tag and reads it.
func (s *xmlScanner) nextTag() error {
	for {
		i := bytes.IndexByte(s.buf[s.pos:s.end], '<')
		if i < 0 {
			s.pos = s.end
			if !s.fill() {
				if s.rerr != nil {
					return s.rerr
				}
				s.kind = tagEOF
				return nil
			}
			continue
		}
		s.pos += i
		done, err := s.markup()
		if err != nil || done {
			return err
		}
	}
}

// markup reads the markup at pos ('<'). It reports true for a start or end
// tag (now in kind/name/raw) and false for skipped markup.
func (s *xmlScanner) markup() (bool, error) {
	if !s.need(2) {
		return false, s.failure()
	}
	switch s.buf[s.pos+1] {
	case '?':
		j, err := s.find(2, "?>")
		if err != nil {
			return false, err
		}
		if err := s.checkDecl(s.buf[s.pos+2 : s.pos+j]); err != nil {
			return false, err
		}
		s.pos += j + 2
		return false, nil
	case '!':
		s.need(9)
		rest := s.buf[s.pos:s.end]
		switch {
		case bytes.HasPrefix(rest, []byte("<!--")):
			j, err := s.find(4, "-->")
			if err != nil {
				return false, err
			}
			s.pos += j + 3
			return false, nil
		case bytes.HasPrefix(rest, []byte("<![CDATA[")):
			j, err := s.find(9, "]]>")
			if err != nil {
				return false, err
			}
			s.pos += j + 3
			return false, nil
		}
		return false, errors.New("the XML has a DOCTYPE or an unknown <! declaration")
	case '/':
		j, err := s.findByte(2, '>')
		if err != nil {
			return false, err
		}
		name := trimSpaceRight(s.buf[s.pos+2 : s.pos+j])
		if !validName(name) {
			return false, fmt.Errorf("bad end tag %q", clip(s.buf[s.pos:s.pos+j+1]))
		}
		s.kind, s.name, s.raw, s.selfClose = tagEnd, localName(name), nil, false
		s.pos += j + 1
		return true, nil
	}
	// A start tag: find its '>' outside quoted attribute values.
	var quote byte
	j := 1
	for {
		for ; s.pos+j < s.end; j++ {
			c := s.buf[s.pos+j]
			if quote != 0 {
				if c == quote {
					quote = 0
				}
				continue
			}
			if c == '"' || c == '\'' {
				quote = c
			} else if c == '>' {
				goto found
			} else if c == '<' {
				return false, fmt.Errorf("bad tag %q", clip(s.buf[s.pos:s.pos+j]))
			}
		}
		if !s.fill() {
			return false, s.failure()
		}
	}
found:
	tag := s.buf[s.pos+1 : s.pos+j]
	s.pos += j + 1
	s.selfClose = len(tag) > 0 && tag[len(tag)-1] == '/'
	if s.selfClose {
		tag = tag[:len(tag)-1]
	}
	k := 0
	for k < len(tag) && !isSpace(tag[k]) {
		k++
	}
	if !validName(tag[:k]) {
		return false, fmt.Errorf("bad tag %q", clip(tag))
	}
	s.kind, s.name, s.raw = tagStart, localName(tag[:k]), tag[k:]
	return true, nil
}

// checkDecl refuses an XML declaration naming an encoding other than UTF-8.
func (s *xmlScanner) checkDecl(decl []byte) error {
	if !bytes.HasPrefix(decl, []byte("xml")) || len(decl) > 3 && !isSpace(decl[3]) {
		return nil
	}
	var bad error
	err := eachAttr(decl[3:], func(name, val []byte) error {
		if string(name) == "encoding" && !bytes.EqualFold(val, []byte("utf-8")) {
			bad = fmt.Errorf("the XML is in the %q encoding, not UTF-8", clip(val))
		}
		return nil
	})
	if err != nil {
		return err
	}
	return bad
}

// is reports whether the current tag is a start or end tag named name.
func (s *xmlScanner) is(kind int, name string) bool {
	return s.kind == kind && string(s.name) == name
}

// skip skips the element whose start tag was just read, with its content.
func (s *xmlScanner) skip() error {
	if s.selfClose {
		return nil
	}
	for depth := 1; depth > 0; {
		if err := s.nextTag(); err != nil {
			return err
		}
		switch s.kind {
		case tagEOF:
			return errTruncated
		case tagStart:
			if !s.selfClose {
				depth++
			}
		case tagEnd:
			depth--
		}
	}
	return nil
}

// text appends the text of the element whose start tag was just read
// (entities decoded, CDATA kept, line ends normalised as XML requires) and
// reads its end tag. An element inside it is an error.
func (s *xmlScanner) text(dst []byte, limit int) ([]byte, error) {
	if s.selfClose {
		return dst, nil
	}
	start := len(dst)
	cr := false // the previous chunk ended with '\r'
	for {
		if len(dst)-start > limit {
			return dst, fmt.Errorf("a cell holds more than %d bytes of text, more than Excel allows", limit)
		}
		avail := s.buf[s.pos:s.end]
		i := bytes.IndexByte(avail, '<')
		if i < 0 {
			// Keep a possibly cut entity for the next round.
			n := len(avail)
			if a := bytes.LastIndexByte(avail, '&'); a >= 0 && bytes.IndexByte(avail[a:], ';') < 0 {
				n = a
			}
			var err error
			if dst, cr, err = appendText(dst, avail[:n], cr); err != nil {
				return dst, err
			}
			s.pos += n
			if !s.fill() {
				return dst, s.failure()
			}
			continue
		}
		var err error
		if dst, cr, err = appendText(dst, avail[:i], cr); err != nil {
			return dst, err
		}
		s.pos += i
		if !s.need(9) {
			s.need(2)
		}
		rest := s.buf[s.pos:s.end]
		switch {
		case bytes.HasPrefix(rest, []byte("<![CDATA[")):
			j, err := s.find(9, "]]>")
			if err != nil {
				return dst, err
			}
			dst, cr = appendRaw(dst, s.buf[s.pos+9:s.pos+j], cr)
			s.pos += j + 3
			continue
		case bytes.HasPrefix(rest, []byte("<!--")), bytes.HasPrefix(rest, []byte("<?")):
			if _, err := s.markup(); err != nil {
				return dst, err
			}
			continue
		}
		if _, err := s.markup(); err != nil {
			return dst, err
		}
		if s.kind == tagEnd {
			return dst, nil
		}
		return dst, fmt.Errorf("unexpected <%s> inside a text element", clip(s.name))
	}
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// validName reports whether b can be an element name (loosely: not empty,
// no markup or quote characters).
func validName(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		switch c {
		case '<', '>', '"', '\'', '=', '&', '/', ' ', '\t', '\r', '\n':
			return false
		}
	}
	return true
}

// localName drops a namespace prefix ("x:c" → "c").
func localName(b []byte) []byte {
	if i := bytes.LastIndexByte(b, ':'); i >= 0 {
		return b[i+1:]
	}
	return b
}

// eachAttr calls fn with the local name and raw (undecoded) value of each
// attribute in raw.
func eachAttr(raw []byte, fn func(name, val []byte) error) error {
	for {
		for len(raw) > 0 && isSpace(raw[0]) {
			raw = raw[1:]
		}
		if len(raw) == 0 {
			return nil
		}
		eq := bytes.IndexByte(raw, '=')
		if eq <= 0 {
			return fmt.Errorf("bad attribute %q", clip(raw))
		}
		name := trimSpaceRight(raw[:eq])
		rest := raw[eq+1:]
		for len(rest) > 0 && isSpace(rest[0]) {
			rest = rest[1:]
		}
		if len(rest) == 0 || rest[0] != '"' && rest[0] != '\'' {
			return fmt.Errorf("bad attribute %q", clip(raw))
		}
		end := bytes.IndexByte(rest[1:], rest[0])
		if end < 0 || !validName(name) {
			return fmt.Errorf("bad attribute %q", clip(raw))
		}
		if err := fn(localName(name), rest[1:1+end]); err != nil {
			return err
		}
		raw = rest[2+end:]
	}
}

// clip shortens b for an error message.
func clip(b []byte) string {
	if len(b) > 40 {
		return string(b[:40]) + "…"
	}
	return string(b)
}
