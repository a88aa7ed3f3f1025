package importer

// The reader's cell normalisation as it was before its fast paths: the
// reference TestNormalizeCellMatchesReference and FuzzNormalizeCell hold
// normalizeCell to. Do not optimise this copy.

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
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
		var names []string
		for _, v := range encompass.Actions {
			if a == string(v) {
				return a, false, ""
			}
			names = append(names, string(v))
		}
		return "", false, fmt.Sprintf("unknown action %q; use one of %s, or leave it empty for the default", Clip(s), strings.Join(names, ", "))
	case isBoolColumn(c):
		b, ok := ParseBool(s)
		if !ok {
			return "", false, fmt.Sprintf("%q is not a yes/no value; write true/false, yes/no, y/n or 1/0", Clip(s))
		}
		return strconv.FormatBool(b), false, ""
	case c == ColNMLSExpirationDate:
		// ParseDate has no fast path of its own (normalizeCell's is
		// encompass.IsPlainDate); its forms are checked by TestParseDate.
		d, ok, p := ParseDate(s)
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
	case c == ColPhone, c == ColCellPhone, c == ColFax:
		return refNormalizePhone(s)
	case c == ColPeerLoanAccess:
		return refNormalizeEnum(c, s, encompass.PeerLoanAccessValues)
	case c == ColSubordinateLoanAccess:
		return refNormalizeEnum(c, s, encompass.SubordinateLoanAccessValues)
	}
	return s, false, ""
}

func refNormalizeList(c Column, s string) (string, bool, string) {
	sep := ";"
	if !strings.Contains(s, ";") && strings.Contains(s, ",") {
		sep = ","
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

// refPhone is the phone grammar of normalizePhone as a regular expression.
var refPhone = regexp.MustCompile(`^(?:\+?1[ .-]*)?(?:\((\d{3})\)|(\d{3}))[ .-]*(\d{3})[ .-]*(\d{4})(?: *(?i:extension|ext\.|ext|x|#) *(\d{1,6})| +(\d{1,6}))?$`)

func refNormalizePhone(s string) (string, bool, string) {
	m := refPhone.FindStringSubmatch(s)
	if m == nil {
		if strings.HasPrefix(s, "+") && !strings.HasPrefix(s, "+1") {
			return "", false, fmt.Sprintf("%q is not a North American number (+1); the API takes only ###-###-####; %s", Clip(s), phoneHint)
		}
		return "", false, fmt.Sprintf("%q is not a phone number the API takes; %s", Clip(s), phoneHint)
	}
	v := m[1] + m[2] + "-" + m[3] + "-" + m[4]
	if ext := m[5] + m[6]; ext != "" {
		v += " " + ext
	}
	return v, false, ""
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
	// Phones, dates and lists in the forms people write (issue 17).
	"(303) 555-0100", "303.555.0101", "3035550102", "+1 303 555 0104", "720 555 0199", "303-555-0107 x22",
	"303-555-0107 ext 22", "303-555-0107 Ext. 22", "303-555-0107x22", "303-555-0107 22", "303 555 0107 22",
	"1-303-555-0104", "13035550104", "1303555010", "+13035550104", "+44 20 7946 0958", "+1", "303-555-0107 1234567",
	"303-555-0107 x", "(303 555-0100", "303-555-010", "303--555--0100", "303-555-0100 #7", "555-0100",
	"Dec 31, 2027", "December 31 2027", "31-Dec-2027", "31 dec 2027", "2027/12/31", "12/31/2027 0:00",
	"12/31/2027 12:00 AM", "12/31/2027 13:30", "2027-12-31 00:00:00.000", "Dec 31, 27", "Foo 31, 2027", "31-Dec-27",
	"CO, AZ", "Loan Officer, Underwriter", "A,B;C", "a, A", ",", "CA,TX",
	// Control characters anywhere in a cell (and the SWAR scan's edges).
	"hz.nu\x00lid", "An\x00n", "\x00", "a\tb", "a\x1fb", "a\x1bb", "12345678\x01", "1234567\x01", "123456789012345\x02x",
	"a\x7fb", "two\r\nlines\tand a tab", "A\tB;C", "A;B\x00", "x\vy", "\x00\x00\x00\x00\x00\x00\x00\x00\x00",
}

// TestNormalizeCellMatchesReference compares normalizeCell with the
// reference on every column and sample.
func TestNormalizeCellMatchesReference(t *testing.T) {
	for _, c := range Columns() {
		for _, raw := range normalizeSamples {
			v, clr, p := normalize(c, raw)
			rv, rclr, rp := refNormalizeCell(c, raw)
			if v != rv || clr != rclr || p != rp {
				t.Errorf("NormalizeCell(%s, %q) = %q, %v, %q; the reference says %q, %v, %q", c, raw, v, clr, p, rv, rclr, rp)
			}
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
		v, clr, p := normalize(c, raw)
		rv, rclr, rp := refNormalizeCell(c, raw)
		if v != rv || clr != rclr || p != rp {
			t.Errorf("NormalizeCell(%s, %q) = %q, %v, %q; the reference says %q, %v, %q", c, raw, v, clr, p, rv, rclr, rp)
		}
	})
}
