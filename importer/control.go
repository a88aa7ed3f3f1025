package importer

import (
	"fmt"
	"strconv"
	"unicode/utf8"
)

// Control characters (docs/product.md "The spreadsheet"; issue 13 item 6):
// a C0 control character (U+0000..U+001F) inside a cell is a problem in
// every column, wherever the cell is in the file, except
//   - tab, line feed and carriage return in the free-text columns (title,
//     comments, emailSignature);
//   - tab in the names; a line break in a name is the name check's problem;
//   - line breaks in the lists, which the list check reports per item.
// Cells are trimmed first (except the password), so a line break or tab at
// either end is never a problem.

const (
	ctrlTab      = 1 << '\t'
	ctrlLineFeed = 1 << '\n'
	ctrlReturn   = 1 << '\r'
)

// ctrlAllowed is the set of C0 control characters column c may hold (bit
// b for the byte b).
func ctrlAllowed(c Column) uint32 {
	switch c {
	case ColTitle, ColComments, ColEmailSignature:
		return ctrlTab | ctrlLineFeed | ctrlReturn
	case ColFirstName, ColMiddleName, ColLastName, ColSuffix:
		return ctrlTab | ctrlLineFeed | ctrlReturn
	case ColPersonas, ColGroups, ColLicenses:
		return ctrlLineFeed | ctrlReturn
	}
	return 0
}

// hasC0 reports whether s holds a byte below 0x20, eight bytes at a time
// (the test "some byte of x is less than n", exact for n ≤ 128).
func hasC0(s string) bool {
	const lo, hi, n = 0x0101010101010101, 0x8080808080808080, 0x20
	i := 0
	for ; i+8 <= len(s); i += 8 {
		x := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
			uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
		if (x-lo*n)&^x&hi != 0 {
			return true
		}
	}
	for ; i < len(s); i++ {
		if s[i] < n {
			return true
		}
	}
	return false
}

// scanCell is the one pass over a cell's bytes: whether s is valid UTF-8
// (utf8.ValidString) and whether it holds a C0 control character (hasC0).
// ASCII goes eight bytes at a time.
func scanCell(s string) (valid, c0 bool) {
	const lo, hi, n = 0x0101010101010101, 0x8080808080808080, 0x20
	i := 0
	for i < len(s) {
		if i+8 <= len(s) {
			x := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
				uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
			if x&hi == 0 {
				if (x-lo*n)&^x&hi != 0 {
					c0 = true
				}
				i += 8
				continue
			}
		}
		b := s[i]
		if b < utf8.RuneSelf {
			if b < n {
				c0 = true
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			return false, c0
		}
		i += size
	}
	return true, c0
}

// findControl returns the index of the first control character in s that
// column c may not hold, or -1. One pass over the bytes when there is none.
func findControl(c Column, s string) int {
	if !hasC0(s) {
		return -1
	}
	return findControlIn(c, s)
}

// findControlIn is findControl for a string known to hold a C0 byte.
func findControlIn(c Column, s string) int {
	allowed := ctrlAllowed(c)
	for i := 0; i < len(s); i++ {
		if b := s[i]; b < 0x20 && allowed&(1<<b) == 0 {
			return i
		}
	}
	return -1
}

// controlName names a C0 control character for a message.
func controlName(b byte) string {
	switch b {
	case 0:
		return "U+0000 (NUL)"
	case '\t':
		return "U+0009 (tab)"
	case '\n':
		return "U+000A (line feed)"
	case '\r':
		return "U+000D (carriage return)"
	}
	return fmt.Sprintf("U+%04X", b)
}

// controlProblem says which control character s, a cell of column c,
// holds at byte i, where (the character's position and, but in a
// password, the text before it), and what to do.
func controlProblem(c Column, s string, i int) string {
	pos := 1
	for range s[:i] {
		pos++
	}
	where := "at the start"
	switch {
	case c == ColPassword:
		where = "in the password"
	case i > 0:
		before := []rune(s[:i])
		if len(before) > 20 {
			before = append([]rune("…"), before[len(before)-20:]...)
		}
		where = "after " + strconv.Quote(string(before))
	}
	return fmt.Sprintf("the cell holds the invisible control character %s at character %d, %s; delete it: retype the cell (Excel's CLEAN function removes such characters)", controlName(s[i]), pos, where)
}

// printable renders a sheet name or header for a message line: clipped,
// and quoted when it holds control characters (a terminal must not act
// on what a file holds).
func printable(s string) string {
	s = Clip(s)
	if hasC0(s) || containsDEL(s) {
		return strconv.Quote(s)
	}
	return s
}

func containsDEL(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == 0x7F {
			return true
		}
	}
	return false
}
