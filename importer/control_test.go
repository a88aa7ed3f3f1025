package importer

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestHasC0(t *testing.T) {
	// Every byte value at every position of strings of 1 to 17 bytes:
	// the eight-at-a-time scan must agree with the obvious loop.
	for n := 1; n <= 17; n++ {
		for pos := 0; pos < n; pos++ {
			for b := 0; b < 256; b++ {
				s := []byte(strings.Repeat("a", n))
				s[pos] = byte(b)
				if got, want := hasC0(string(s)), b < 0x20; got != want {
					t.Fatalf("hasC0(%q) = %v, want %v", s, got, want)
				}
			}
		}
	}
	for _, s := range []string{"", "é日本語ßÿ\u0080\u009f\u2028", strings.Repeat("\xff", 16), strings.Repeat(" ", 9)} {
		if hasC0(s) {
			t.Errorf("hasC0(%q) = true", s)
		}
	}
}

// TestScanCell: the one pass agrees with utf8.ValidString and hasC0.
func TestScanCell(t *testing.T) {
	samples := append([]string{"", "a", "12345678", "1234567\x00", "\x00234567", "é", "1234567é", "12345678\xff",
		"\xffabcdefgh", "abcdefgh\xe6\x97", "日本語テキスト\x1f", "abcdefg\u00e9\x01", strings.Repeat("é", 9) + "\n"}, normalizeSamples...)
	for n := 1; n <= 17; n++ {
		for pos := 0; pos < n; pos++ {
			for _, b := range []byte{0, 0x1f, 0x20, 0x7f, 0x80, 0xc3, 0xff} {
				s := []byte(strings.Repeat("a", n))
				s[pos] = b
				samples = append(samples, string(s))
			}
		}
	}
	for _, s := range samples {
		valid, c0 := scanCell(s)
		if valid != utf8.ValidString(s) || (valid && c0 != hasC0(s)) {
			t.Errorf("scanCell(%q) = %v, %v; want %v, %v", s, valid, c0, utf8.ValidString(s), hasC0(s))
		}
	}
}

func TestFindControl(t *testing.T) {
	tests := []struct {
		col  Column
		in   string
		want int
	}{
		{ColID, "jdoe", -1},
		{ColID, "hz.nu\x00lid", 5},
		{ColID, "a\tb", 1},
		{ColID, "a\nb", 1},
		{ColEmail, "a@b.c\x1b[2J", 5},
		{ColID, "a\x7fb", -1}, // DEL is not a C0 control
		{ColFirstName, "An\x00n", 2},
		{ColFirstName, "Ann\tMarie", -1},
		{ColFirstName, "Ann\nMarie", -1}, // the name check reports it
		{ColTitle, "Loan\r\nOfficer", -1},
		{ColComments, "two\r\nlines\tand a tab", -1},
		{ColComments, "bell\x07", 4},
		{ColEmailSignature, "x\x0cy", 1},
		{ColPersonas, "A\nB;C", -1}, // the list check reports it
		{ColPersonas, "A\tB;C", 1},
		{ColPassword, "\tsecret", 0},
		{ColPassword, "se\x00cret", 2},
		{ColOrgID, "Retail/West\x1fRegion", 11},
		{ColID, "12345678901234\x01", 14},
	}
	for _, tt := range tests {
		if got := findControl(tt.col, tt.in); got != tt.want {
			t.Errorf("findControl(%s, %q) = %d, want %d", tt.col, tt.in, got, tt.want)
		}
	}
}

func TestNormalizeCellControl(t *testing.T) {
	tests := []struct {
		col     Column
		raw     string
		want    string
		problem string
	}{
		{ColID, "hz.nu\u0000lid", "", `the cell holds the invisible control character U+0000 (NUL) at character 6, after "hz.nu"; delete it: retype the cell (Excel's CLEAN function removes such characters)`},
		{ColFirstName, "An\x00n", "", `U+0000 (NUL) at character 3, after "An"`},
		{ColFirstName, "Zoë\x00", "", `at character 4, after "Zoë"`},
		{ColEmail, "a\tb@example.com", "", `U+0009 (tab) at character 2`},
		{ColEmployeeID, "12\n34", "", `U+000A (line feed) at character 3`},
		{ColEmployeeID, "\n1234\r\n", "1234", ""}, // trimmed ends are no problem
		{ColComments, "a\x1bb", "", `U+001B at character 2`},
		{ColComments, "two\nlines", "two\nlines", ""},
		{ColFirstName, "Ann\nMarie", "", "the name contains a line break"},
		{ColPassword, "s3\x00cret", "", `U+0000 (NUL) at character 3, in the password`},
		{ColID, strings.Repeat("x", 50) + "\x00", "", `after "…xxxxxxxxxxxxxxxxxxxx"`},
		{ColID, "\x00abc", "", `at character 1, at the start`},
	}
	for _, tt := range tests {
		v, _, p := normalize(tt.col, tt.raw)
		if v != tt.want || (tt.problem == "") != (p == "") || !strings.Contains(p, tt.problem) {
			t.Errorf("NormalizeCell(%s, %q) = %q, %q; want %q, a problem containing %q", tt.col, tt.raw, v, p, tt.want, tt.problem)
		}
		if tt.col == ColPassword && strings.Contains(p, "cret") {
			t.Errorf("the problem echoes the password: %q", p)
		}
	}
}

// TestControlCharactersAnywhere: a control character is a problem in its
// cell wherever the cell is in the file, naming file, sheet, row and column.
func TestControlCharactersAnywhere(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("id,firstName,comments\n")
	b.WriteString("early\x00,Ann,ok\n") // within the first 8 KiB
	for i := 0; b.Len() < 20<<10; i++ {
		b.WriteString("user" + strings.Repeat("x", 8) + ",Bob,\"two\nlines\"\n")
	}
	b.WriteString("hz.nu\x00lid,An\x00n,fine\tcomment\n")
	p := filepath.Join(dir, "people.csv")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := Read(p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range res.Records {
		for _, pr := range r.Problems {
			got = append(got, pr.Error())
		}
	}
	last := res.Records[len(res.Records)-1].Row
	want := []string{
		`people.csv, row 2, column id: the cell holds the invisible control character U+0000 (NUL) at character 6, after "early"; delete it: retype the cell (Excel's CLEAN function removes such characters)`,
		`people.csv, row ` + strconv.Itoa(last) + `, column id: the cell holds the invisible control character U+0000 (NUL) at character 6, after "hz.nu"; delete it: retype the cell (Excel's CLEAN function removes such characters)`,
		`people.csv, row ` + strconv.Itoa(last) + `, column firstName: the cell holds the invisible control character U+0000 (NUL) at character 3, after "An"; delete it: retype the cell (Excel's CLEAN function removes such characters)`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if v := res.Records[len(res.Records)-1].Get(ColComments); v != "fine\tcomment" {
		t.Errorf("comments = %q", v)
	}

	// XLSX: the _xHHHH_ escapes are how control characters reach a cell.
	x := buildXLSX(t, []rawSheet{{"People", row(1, is("A1", "id"), is("B1", "firstName"), is("C1", "email")) +
		row(2, is("A2", "u_x0000_1"), `<c r="B2" t="s"><v>0</v></c>`, is("C2", "a@b.c")) +
		row(9000, is("A9000", "u2"), is("B9000", "Ann"), is("C9000", "a_x001B_@b.c"))}},
		[]string{"An_x0007_n"}, false)
	res, err = Read(x, Options{})
	if err != nil {
		t.Fatal(err)
	}
	got = got[:0]
	for _, r := range res.Records {
		for _, pr := range r.Problems {
			got = append(got, pr.Error())
		}
	}
	want = []string{
		`book.xlsx, sheet People, row 2, column id: the cell holds the invisible control character U+0000 (NUL) at character 2, after "u"`,
		`book.xlsx, sheet People, row 2, column firstName: the cell holds the invisible control character U+0007 at character 3, after "An"`,
		`book.xlsx, sheet People, row 9000, column email: the cell holds the invisible control character U+001B at character 2, after "a"`,
	}
	if len(got) != len(want) {
		t.Fatalf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("problem %d = %q, want it to start %q", i, got[i], want[i])
		}
	}
}

func TestIsBinary(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"id\nu1\n", false},
		{"id\nhz.nu\x00lid\n", false}, // a stray NUL: a problem in its cell
		{"id,firstName\n" + strings.Repeat("u\x00,An\x00n\n", 3) + strings.Repeat("user,Name\n", 10), false},
		{"id,firstName\n" + strings.Repeat("u\x00,An\x00n\n", 3), true}, // mostly control characters
		{"\x89PNG\r\n\x1a\n\x00\x00\x00", true},
		{"i\x00d\x00\n\x00u\x001\x00", true}, // UTF-16 without a BOM
		{"\xff\xfei\x00d\x00", false},        // UTF-16 with a BOM
		{"\x00\x01\x02\x03\x04\x05\x06\x07" + strings.Repeat("x", 100), true},
	}
	for _, tt := range tests {
		if got := isBinary([]byte(tt.in)); got != tt.want {
			t.Errorf("isBinary(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}
