package importer

import (
	"bytes"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// This file decodes SpreadsheetML text for the scanner: XML character
// data (entities, character references, line ends), attribute values,
// string items (<si>, <is>) with their rich-text runs, and Excel's
// _xHHHH_ escapes.

// appendText appends XML character data, decoding entities and turning
// "\r\n" and "\r" into "\n". cr says the previous chunk ended with '\r'.
func appendText(dst, b []byte, cr bool) ([]byte, bool, error) {
	for len(b) > 0 {
		i := bytes.IndexByte(b, '&')
		if i < 0 {
			dst, cr = appendRaw(dst, b, cr)
			return dst, cr, nil
		}
		dst, cr = appendRaw(dst, b[:i], cr)
		j := bytes.IndexByte(b[i:], ';')
		if j < 0 {
			return dst, cr, fmt.Errorf("unterminated entity %q", clip(b[i:]))
		}
		r, err := entity(b[i+1 : i+j])
		if err != nil {
			return dst, cr, err
		}
		dst = utf8.AppendRune(dst, r)
		cr = false
		b = b[i+j+1:]
	}
	return dst, cr, nil
}

// appendRaw appends text with XML line-end normalisation.
func appendRaw(dst, b []byte, cr bool) ([]byte, bool) {
	if len(b) == 0 {
		return dst, cr
	}
	if cr && b[0] == '\n' {
		b = b[1:]
	}
	for {
		i := bytes.IndexByte(b, '\r')
		if i < 0 {
			return append(dst, b...), false
		}
		dst = append(dst, b[:i]...)
		dst = append(dst, '\n')
		b = b[i+1:]
		if len(b) == 0 {
			return dst, true
		}
		if b[0] == '\n' {
			b = b[1:]
		}
	}
}

// entity decodes the entity name between '&' and ';'.
func entity(name []byte) (rune, error) {
	switch string(name) {
	case "amp":
		return '&', nil
	case "lt":
		return '<', nil
	case "gt":
		return '>', nil
	case "quot":
		return '"', nil
	case "apos":
		return '\'', nil
	}
	if len(name) > 1 && name[0] == '#' {
		base, digits := 10, name[1:]
		if digits[0] == 'x' {
			base, digits = 16, digits[1:]
		}
		if len(digits) > 0 && len(digits) <= 8 && digits[0] != '+' && digits[0] != '-' {
			if v, err := strconv.ParseUint(string(digits), base, 32); err == nil && isXMLChar(rune(v)) {
				return rune(v), nil
			}
		}
		return 0, fmt.Errorf("bad character reference &%s;", clip(name))
	}
	return 0, fmt.Errorf("unknown entity &%s;", clip(name))
}

// isXMLChar reports whether r may appear in an XML 1.0 document.
func isXMLChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
}

// attrText decodes an attribute value (entities, line ends).
func attrText(dst, val []byte) ([]byte, error) {
	if bytes.IndexByte(val, '&') < 0 && bytes.IndexByte(val, '\r') < 0 {
		return append(dst, val...), nil
	}
	dst, _, err := appendText(dst, val, false)
	return dst, err
}

// appendRichText appends the text of a string item (<si> or <is>) whose
// start tag was just read: a plain <t>, or the <t> of each rich-text run
// <r>; phonetic runs (<rPh>) and properties are skipped. It reads the end
// tag of the item.
func (s *xmlScanner) appendRichText(dst []byte, limit int) ([]byte, error) {
	if s.selfClose {
		return dst, nil
	}
	var err error
	for depth := 0; ; {
		if err = s.nextTag(); err != nil {
			return dst, err
		}
		switch s.kind {
		case tagEOF:
			return dst, errTruncated
		case tagEnd:
			if depth == 0 {
				return dst, nil
			}
			depth-- // the end of a run
		case tagStart:
			switch {
			case string(s.name) == "t":
				if dst, err = s.text(dst, limit); err != nil {
					return dst, err
				}
			case string(s.name) == "r" && depth == 0 && !s.selfClose:
				depth++
			default:
				if err = s.skip(); err != nil {
					return dst, err
				}
			}
		}
	}
}

// unescapeXString decodes the _xHHHH_ escapes Excel writes for characters
// XML cannot hold (ST_Xstring), the way excelize does: "_x005F_" is "_",
// and an escape of a surrogate disappears.
func unescapeXString(b []byte) []byte {
	if bytes.Index(b, []byte("_x")) < 0 {
		return b
	}
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); {
		if i+7 <= len(b) && b[i] == '_' && b[i+1] == 'x' && b[i+6] == '_' && isHex4(b[i+2:i+6]) {
			v, _ := strconv.ParseUint(string(b[i+2:i+6]), 16, 32)
			switch {
			case v == 0x5F:
				out = append(out, '_')
			case v >= 0xD800 && v <= 0xDFFF:
			default:
				out = utf8.AppendRune(out, rune(v))
			}
			i += 7
			continue
		}
		out = append(out, b[i])
		i++
	}
	return out
}

func isHex4(b []byte) bool {
	for _, c := range b {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}
