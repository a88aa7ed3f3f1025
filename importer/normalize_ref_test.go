package importer

// The reader's cell normalisation as it was before its fast paths: the
// reference TestNormalizeCellMatchesReference and FuzzNormalizeCell hold
// NormalizeCell to. Do not optimise this copy.

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/encimport/encimport/encompass"
)

func refNormalizeCell(c Column, raw string) (value string, clear bool, problem string) {
	if !utf8.ValidString(raw) {
		return "", false, "the cell is not valid UTF-8 text (mixed encodings?); save the file as \"CSV UTF-8\" or .xlsx and retype the cell"
	}
	s := raw
	if c != ColPassword {
		s = trimCell(raw)
	}
	if s == "" {
		return "", false, ""
	}
	allowed := ""
	switch {
	case c == ColTitle, c == ColComments, c == ColEmailSignature, isNameColumn(c):
		allowed = "\t\r\n"
	case c == ColPersonas, c == ColGroups, c == ColLicenses:
		allowed = "\r\n"
	}
	for i, r := range s {
		if r < 0x20 && !strings.ContainsRune(allowed, r) {
			return "", false, controlProblem(c, s, i)
		}
	}
	if excelErrors[strings.ToUpper(trimCell(s))] {
		return "", false, fmt.Sprintf("the cell holds the Excel error %s; fix the formula or type the value", strings.ToUpper(trimCell(s)))
	}
	if strings.EqualFold(s, ClearToken) {
		switch {
		case c == ColID, c == ColAction, c == ColPassword, c == ColOrgID, c == ColSourceOrgID, c == ColPersonas, isBoolColumn(c):
			return "", false, fmt.Sprintf("%s cannot be cleared; leave the cell empty to keep the current value", c)
		}
		return "", true, ""
	}
	switch {
	case c == ColAction:
		a := strings.ToLower(s)
		for _, v := range validActions {
			if a == v {
				return a, false, ""
			}
		}
		return "", false, fmt.Sprintf("unknown action %q; use one of %s, or leave it empty for the default", Clip(s), strings.Join(validActions, ", "))
	case isBoolColumn(c):
		b, ok := ParseBool(s)
		if !ok {
			return "", false, fmt.Sprintf("%q is not a yes/no value; write true/false, yes/no, y/n or 1/0", Clip(s))
		}
		return strconv.FormatBool(b), false, ""
	case c == ColNMLSExpirationDate:
		d, ok, p := refParseDate(s)
		if !ok {
			return "", false, p
		}
		return d, false, ""
	case isNameColumn(c):
		if strings.ContainsAny(s, "\r\n") {
			return "", false, "the name contains a line break; keep it on one line"
		}
		return s, false, ""
	case c == ColPersonas, c == ColGroups, c == ColLicenses:
		return refNormalizeList(c, s)
	case c == ColPeerLoanAccess:
		return refNormalizeEnum(c, s, encompass.PeerLoanAccessValues)
	case c == ColSubordinateLoanAccess:
		return refNormalizeEnum(c, s, encompass.SubordinateLoanAccessValues)
	}
	return s, false, ""
}

func refNormalizeList(c Column, s string) (string, bool, string) {
	parts := strings.Split(s, ";")
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
		if strings.ContainsAny(p, "\r\n") {
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

func refNormalizeEnum(c Column, s string, allowed []string) (string, bool, string) {
	k := normHeader(s)
	for _, a := range allowed {
		if k == strings.ToLower(a) {
			return a, false, ""
		}
	}
	return "", false, fmt.Sprintf("%q is not allowed in %s; use one of %s", Clip(s), c, strings.Join(allowed, ", "))
}

func refParseDate(s string) (string, bool, string) {
	s = trimCell(s)
	if s == "" {
		return "", false, "the date is empty"
	}
	var parts []string
	var y, m, d string
	switch {
	case strings.Contains(s, "-"):
		if i := strings.IndexAny(s, "T "); i > 0 {
			if strings.Trim(s[i+1:], "0:.Z") != "" {
				return "", false, fmt.Sprintf("%q is a date with a time of day; write only the date, as yyyy-MM-dd", Clip(s))
			}
			s = s[:i]
		}
		parts = strings.Split(s, "-")
		if len(parts) == 3 {
			y, m, d = parts[0], parts[1], parts[2]
			if len(y) <= 2 && len(d) == 4 {
				return "", false, fmt.Sprintf("%q is ambiguous; write it as yyyy-MM-dd", Clip(s))
			}
		}
	case strings.Contains(s, "/"):
		parts = strings.Split(s, "/")
		if len(parts) == 3 {
			m, d, y = parts[0], parts[1], parts[2]
		}
	case strings.Contains(s, "."):
		parts = strings.Split(s, ".")
		if len(parts) == 3 {
			d, m, y = parts[0], parts[1], parts[2]
		}
	}
	if len(parts) != 3 || !allDigits(y) || !allDigits(m) || !allDigits(d) || len(m) > 2 || len(d) > 2 || m == "" || d == "" {
		return "", false, fmt.Sprintf("%q is not a date; write it as yyyy-MM-dd (or m/d/yyyy, d.m.yyyy)", Clip(s))
	}
	if len(y) != 4 {
		return "", false, fmt.Sprintf("%q has a %d-digit year; write the year with four digits, e.g. yyyy-MM-dd", Clip(s), len(y))
	}
	yi, _ := strconv.Atoi(y)
	mi, _ := strconv.Atoi(m)
	di, _ := strconv.Atoi(d)
	t := time.Date(yi, time.Month(mi), di, 0, 0, 0, 0, time.UTC)
	if t.Year() != yi || int(t.Month()) != mi || t.Day() != di {
		return "", false, fmt.Sprintf("%q is not a date in the calendar; check the day and month", Clip(s))
	}
	return t.Format(encompass.DateLayout), true, ""
}

// normalizeSamples are cells that reach every branch and fast path.
var normalizeSamples = []string{
	"", " ", "\u00a0", "jdoe", " jdoe ", "\u200bjdoe", "JDoe", "<clear>", "<CLEAR>", " <clear> ", "<clear",
	"#N/A", "#n/a", " #REF! ", "#ref!", "#VALUE!", "#Spill!", "#x", "#", "##", "#GETTING_DATA", "#getting_data",
	"create", "Create", "UPSERT", " move ", "delete", "disable", "enable", "update", "ünknown",
	"true", "false", "TRUE", "Yes", "no", "y", "N", "1", "0", "2", "sure", "yes please",
	"2025-01-01", "2024-02-29", "2023-02-29", "2025-13-01", "2025-00-01", "2025-01-00", "2025-1-5", "0000-01-01",
	"12/31/2025", "31.12.2025", "1/2/25", "2025-01-05T00:00:00Z", "2025-01-05T13:00:00", "25-01-2025", "2025-01-01 ",
	"next week", "2025-01-0١", "2025-01-01x", "2025-01-01-01", "+025-01-01",
	"Loan Officer;Underwriter", "Loan Officer ; Underwriter;loan officer", "A", "A;", ";A", ";", ";;", "A;;B",
	"A;a", "a;A", "A;B;A", "A; B", "A ;B", "A\nB;C", "A;B\rC", "Ärger;ärger", "ÄRGER;ärger", "K;\u212a",
	"A;B;C;D;E;F;G;H;I;J;K", "A;B;C;D;E;F;G;H;I;J;a", "x\u00a0;y", "\u00a0x;y", "x;\u200by",
	"CO;AZ", "co;az", "CO;az", " ca; tx ;CA;;", "CA,TX", "C", "CAL", "C1", "CO;CO", "CO;co", "ÇA", "CO;\u00a0AZ",
	"ReadOnly", "readonly", "READ-ONLY", "read_write", "ReadWrite", "Disabled", "disabled", "Full", "Read Only",
	"Ann\nMarie", "O'Neil", "two\nlines", "a\xffb", "\xff", "303-555-0100", "user000001@example.com",
	"  s3cret ", "\t#N/A\t", "x\r", "\u2028x\u2029",
	// Control characters anywhere in a cell (and the SWAR scan's edges).
	"hz.nu\x00lid", "An\x00n", "\x00", "a\tb", "a\x1fb", "a\x1bb", "12345678\x01", "1234567\x01", "123456789012345\x02x",
	"a\x7fb", "two\r\nlines\tand a tab", "A\tB;C", "A;B\x00", "x\vy", "\x00\x00\x00\x00\x00\x00\x00\x00\x00",
}

// TestNormalizeCellMatchesReference compares NormalizeCell with the
// reference on every column and sample.
func TestNormalizeCellMatchesReference(t *testing.T) {
	for _, c := range Columns() {
		for _, raw := range normalizeSamples {
			v, clr, p := NormalizeCell(c, raw)
			rv, rclr, rp := refNormalizeCell(c, raw)
			if v != rv || clr != rclr || p != rp {
				t.Errorf("NormalizeCell(%s, %q) = %q, %v, %q; the reference says %q, %v, %q", c, raw, v, clr, p, rv, rclr, rp)
			}
		}
	}
	for _, raw := range normalizeSamples {
		d, ok, p := ParseDate(raw)
		rd, rok, rp := refParseDate(raw)
		if d != rd || ok != rok || p != rp {
			t.Errorf("ParseDate(%q) = %q, %v, %q; the reference says %q, %v, %q", raw, d, ok, p, rd, rok, rp)
		}
	}
}

func FuzzNormalizeCellMatchesReference(f *testing.F) {
	for _, s := range normalizeSamples {
		f.Add(uint8(ColLicenses), s)
		f.Add(uint8(ColPersonas), s)
		f.Add(uint8(ColNMLSExpirationDate), s)
	}
	f.Fuzz(func(t *testing.T, col uint8, raw string) {
		c := Column(int(col) % int(NumColumns))
		v, clr, p := NormalizeCell(c, raw)
		rv, rclr, rp := refNormalizeCell(c, raw)
		if v != rv || clr != rclr || p != rp {
			t.Errorf("NormalizeCell(%s, %q) = %q, %v, %q; the reference says %q, %v, %q", c, raw, v, clr, p, rv, rclr, rp)
		}
	})
}
