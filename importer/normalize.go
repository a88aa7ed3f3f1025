package importer

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/encimport/encimport/encompass"
)

// isTrimRune reports whether r is trimmed from cells: white space, NBSP
// (U+00A0) and the zero-width spaces U+200B..U+200D and U+FEFF.
func isTrimRune(r rune) bool {
	switch r {
	case ' ', '\t', '\n', '\r', '\v', '\f', 0xA0, 0x200B, 0x200C, 0x200D, 0xFEFF:
		return true
	}
	return unicode.IsSpace(r)
}

// trimCell trims the characters isTrimRune accepts from both ends of s.
func trimCell(s string) string {
	// Fast path: nothing to trim.
	if s == "" || (s[0] > ' ' && s[0] < utf8.RuneSelf && s[len(s)-1] > ' ' && s[len(s)-1] < utf8.RuneSelf) {
		return s
	}
	return strings.TrimFunc(s, isTrimRune)
}

// excelErrors are the values of Excel error cells.
var excelErrors = map[string]bool{
	"#N/A": true, "#REF!": true, "#VALUE!": true, "#DIV/0!": true, "#NAME?": true,
	"#NULL!": true, "#NUM!": true, "#SPILL!": true, "#CALC!": true, "#GETTING_DATA": true,
}

func isBoolColumn(c Column) bool {
	switch c {
	case ColAPIUser, ColAllowImpersonation, ColIsSSOOnly, ColRequirePasswordChange, ColAccountEnabled, ColLoginEnabled:
		return true
	}
	return false
}

func isNameColumn(c Column) bool {
	switch c {
	case ColFirstName, ColMiddleName, ColLastName, ColSuffix:
		return true
	}
	return false
}

// normalizeCell normalises the raw text of one cell of column c (from a CSV
// field or an XLSX text cell) as docs/product.md describes. It returns the
// normalised value, clear when the cell asks to remove the value
// ("<clear>"), or a problem saying what is wrong and what to do (value and
// clear are then zero); ctrl tells that the problem is a control character
// (the reader then names the file in it). An empty cell returns ("", false,
// "", false).
func normalizeCell(c Column, raw string) (value string, clear bool, problem string, ctrl bool) {
	valid, c0 := scanCell(raw) // one pass over the bytes
	if !valid {
		return "", false, "the cell is not valid UTF-8 text (mixed encodings?); save the file as \"CSV UTF-8\" or .xlsx and retype the cell", false
	}
	s := raw
	if c != ColPassword {
		s = trimCell(raw)
	}
	if s == "" {
		return "", false, "", false
	}
	if c0 {
		if i := findControlIn(c, s); i >= 0 {
			return "", false, controlProblem(c, s, i), true
		}
	}
	value, clear, problem = normalizeText(c, s)
	return value, clear, problem, false
}

// normalizeText normalises s, the trimmed (password: raw), non-empty,
// valid text of a cell of column c.
func normalizeText(c Column, s string) (value string, clear bool, problem string) {
	// Every Excel error starts with '#' (which no upper-casing produces):
	// other cells skip the upper-cased copy.
	t := s // trimmed: only the password is kept untrimmed
	if c == ColPassword {
		t = trimCell(s)
	}
	if t != "" && t[0] == '#' && excelErrors[strings.ToUpper(t)] {
		return "", false, fmt.Sprintf("the cell holds the Excel error %s; fix the formula or type the value", strings.ToUpper(t))
	}
	if s[0] == '<' && strings.EqualFold(s, ClearToken) {
		switch {
		case c == ColID, c == ColAction, c == ColPassword, c == ColOrgID, c == ColSourceOrgID, c == ColPersonas, isBoolColumn(c):
			return "", false, fmt.Sprintf("%s cannot be cleared; leave the cell empty to keep the current value", c)
		}
		return "", true, ""
	}
	switch {
	case c == ColAction:
		if a, ok := encompass.ParseAction(s); ok {
			return string(a), false, "" // the constant, not a slice of the line
		}
		return "", false, fmt.Sprintf("unknown action %q; use one of %s, or leave it empty for the default", Clip(s), encompass.ActionNames(", ", ", "))
	case isBoolColumn(c):
		b, ok := ParseBool(s)
		if !ok {
			return "", false, fmt.Sprintf("%q is not a yes/no value; write true/false, yes/no, y/n or 1/0", Clip(s))
		}
		return strconv.FormatBool(b), false, ""
	case c == ColNMLSExpirationDate:
		if encompass.IsPlainDate(s) {
			return s, false, "" // what ParseDate gives back, without the copy
		}
		d, ok, p := ParseDate(s)
		if !ok {
			return "", false, p
		}
		return d, false, ""
	case isNameColumn(c):
		if hasLineBreak(s) {
			return "", false, "the name contains a line break; keep it on one line"
		}
		return s, false, ""
	case c == ColPersonas, c == ColGroups, c == ColLicenses:
		return normalizeList(c, s)
	case c == ColPhone, c == ColCellPhone, c == ColFax:
		return normalizePhone(c, s)
	case c == ColPeerLoanAccess:
		return normalizeEnum(c, s, encompass.PeerLoanAccessValues)
	case c == ColSubordinateLoanAccess:
		return normalizeEnum(c, s, encompass.SubordinateLoanAccessValues)
	}
	return s, false, ""
}

// normalizeList trims the ';'-separated items of a list cell (','-separated
// when the cell has no ';'), drops empty ones and duplicates (ignoring
// case); licenses are upper-cased and must be two-letter codes. The items
// are joined with ';'.
func normalizeList(c Column, s string) (string, bool, string) {
	if listIsNormal(c, s) {
		return s, false, ""
	}
	sep := ";"
	if strings.IndexByte(s, ';') < 0 && strings.IndexByte(s, ',') >= 0 {
		sep = "," // "CO, AZ", "Loan Officer, Underwriter": no ';' to say otherwise
	}
	parts := strings.Split(s, sep)
	out := parts[:0]
	seen := make(map[string]bool, len(parts))
	for _, p := range parts {
		p = trimCell(p)
		if p == "" {
			continue
		}
		if c == ColLicenses {
			p = strings.ToUpper(p)
			if len(p) != 2 || !isASCIILetters(p) {
				return "", false, fmt.Sprintf("%q is not a two-letter state code; separate states with ';', e.g. CO;AZ", Clip(p))
			}
		}
		if hasLineBreak(p) {
			return "", false, fmt.Sprintf("the item %q contains a line break; separate items with ';'", Clip(p))
		}
		k := strings.ToLower(p)
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, p)
	}
	return strings.Join(out, ";"), false, ""
}

// maxFastListItems bounds the items listIsNormal compares pairwise.
const maxFastListItems = 8

// listIsNormal reports whether normalizeList would return s unchanged with
// no problem: at most maxFastListItems ASCII items, none empty, none with
// anything to trim or a line break, no two equal ignoring case, licenses
// two upper-case letters. It allocates nothing; false only means the slow
// path decides.
func listIsNormal(c Column, s string) bool {
	var items [maxFastListItems]string
	n := 0
	for rest := s; ; {
		i := strings.IndexByte(rest, ';')
		item := rest
		if i >= 0 {
			item = rest[:i]
		}
		if item == "" || n == maxFastListItems {
			return false
		}
		for j := 0; j < len(item); j++ {
			if b := item[j]; b >= utf8.RuneSelf || b == '\r' || b == '\n' || b == ',' {
				return false
			}
		}
		if trimCell(item) != item {
			return false
		}
		if c == ColLicenses && (len(item) != 2 || item[0] < 'A' || item[0] > 'Z' || item[1] < 'A' || item[1] > 'Z') {
			return false
		}
		for _, prev := range items[:n] {
			// ASCII items: strings.ToLower equality is ASCII case folding.
			if strings.EqualFold(prev, item) {
				return false
			}
		}
		items[n] = item
		n++
		if i < 0 {
			return true
		}
		rest = rest[i+1:]
	}
}

// hasLineBreak is strings.ContainsAny(s, "\r\n") without its set.
func hasLineBreak(s string) bool {
	return strings.IndexByte(s, '\n') >= 0 || strings.IndexByte(s, '\r') >= 0
}

func isASCIILetters(s string) bool {
	for i := 0; i < len(s); i++ {
		if (s[i] < 'A' || s[i] > 'Z') && (s[i] < 'a' || s[i] > 'z') {
			return false
		}
	}
	return true
}

// normalizeEnum matches s to one of allowed ignoring case, spaces, '-' and '_'.
func normalizeEnum(c Column, s string, allowed []string) (string, bool, string) {
	for _, a := range allowed {
		if s == a { // already in the API's spelling
			return a, false, ""
		}
	}
	k := normHeader(s)
	for _, a := range allowed {
		if k == strings.ToLower(a) {
			return a, false, ""
		}
	}
	return "", false, fmt.Sprintf("%q is not allowed in %s; use one of %s", Clip(s), c, strings.Join(allowed, ", "))
}

// ParseBool parses true/false, yes/no, y/n, 1/0 (any case, trimmed); ok is
// false for anything else.
func ParseBool(s string) (value bool, ok bool) {
	switch strings.ToLower(trimCell(s)) {
	case "true", "yes", "y", "1":
		return true, true
	case "false", "no", "n", "0":
		return false, true
	}
	return false, false
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
