package importer

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/encimport/encimport/encompass"
)

func TestNormalizePhone(t *testing.T) {
	tests := []struct {
		in, want string
		problem  string // substring; "" = read
	}{
		{"303-555-0100", "303-555-0100", ""},
		{"303-555-0100 22", "303-555-0100 22", ""},
		{"(303) 555-0100", "303-555-0100", ""},
		{"(303)555-0100", "303-555-0100", ""},
		{"303.555.0101", "303-555-0101", ""},
		{"3035550102", "303-555-0102", ""}, // a number cell
		{"+1 303 555 0104", "303-555-0104", ""},
		{"+1 (303) 555-0104", "303-555-0104", ""},
		{"+13035550104", "303-555-0104", ""},
		{"1-303-555-0104", "303-555-0104", ""},
		{"13035550104", "303-555-0104", ""},
		{"720 555 0199", "720-555-0199", ""},
		{"303-555-0107 x22", "303-555-0107 22", ""},
		{"303-555-0107 X 22", "303-555-0107 22", ""},
		{"303-555-0107x22", "303-555-0107 22", ""},
		{"303-555-0107 ext 22", "303-555-0107 22", ""},
		{"303-555-0107 Ext. 22", "303-555-0107 22", ""},
		{"303-555-0107 extension 22", "303-555-0107 22", ""},
		{"303-555-0107 #22", "303-555-0107 22", ""},
		{"303 555 0107 22", "303-555-0107 22", ""},
		{"(303) 555-0107 ext 123456", "303-555-0107 123456", ""},
		{"1303555010", "130-355-5010", ""}, // ten digits: no country code
		{"555-0100", "", `"555-0100" is not a phone number the API takes; write it as 303-555-0100, or with an extension as 303-555-0107 22 ((303) 555-0100, 303.555.0100, +1 303 555 0100 and 303-555-0107 x22 are read too)`},
		{"303-555-010", "", "write it as 303-555-0100"},
		{"1 303 555 010", "", "write it as 303-555-0100"},
		{"303-555-0107 ext 1234567", "", "or with an extension as 303-555-0107 22"},
		{"303-555-0107 x", "", "not a phone number"},
		{"303-555-010722", "", "not a phone number"}, // extension or typo: not guessed
		{"(303 555-0100", "", "not a phone number"},
		{"+44 20 7946 0958", "", `"+44 20 7946 0958" is not a North American number (+1); the API takes only ###-###-####`},
		{"call me", "", "not a phone number"},
	}
	for _, tt := range tests {
		for _, c := range []Column{ColPhone, ColCellPhone, ColFax} {
			v, _, p := normalize(c, tt.in)
			if v != tt.want || (tt.problem == "") != (p == "") || !strings.Contains(p, tt.problem) {
				t.Errorf("NormalizeCell(%s, %q) = %q, %q; want %q, a problem containing %q", c, tt.in, v, p, tt.want, tt.problem)
			}
			if v != "" && !encompass.IsPhone(v) {
				t.Errorf("%q read as %q, which the API refuses", tt.in, v)
			}
		}
	}
}

func TestParseDate(t *testing.T) {
	tests := []struct {
		in, want string
		problem  string
	}{
		{"2027-12-31", "2027-12-31", ""},
		{"2027-1-5", "2027-01-05", ""},
		{"12/31/2027", "2027-12-31", ""},
		{"31.12.2027", "2027-12-31", ""},
		{"2027/12/31", "2027-12-31", ""},
		{"2027/1/5", "2027-01-05", ""},
		{"Dec 31, 2027", "2027-12-31", ""},
		{"dec 31 2027", "2027-12-31", ""},
		{"December 31, 2027", "2027-12-31", ""},
		{"Sept 1, 2027", "2027-09-01", ""},
		{"31-Dec-2027", "2027-12-31", ""},
		{"31 Dec 2027", "2027-12-31", ""},
		{"2027-Dec-31", "2027-12-31", ""},
		{"12/31/2027 0:00", "2027-12-31", ""},
		{"12/31/2027 00:00:00", "2027-12-31", ""},
		{"12/31/2027 12:00 AM", "2027-12-31", ""},
		{"Dec 31, 2027 0:00", "2027-12-31", ""},
		{"2027-12-31T00:00:00Z", "2027-12-31", ""},
		{"2027-12-31 00:00:00.000", "2027-12-31", ""},
		{"12/31/2027 13:30", "", `"12/31/2027 13:30" is a date with a time of day; write only the date, as yyyy-MM-dd`},
		{"12/31/2027 12:00 PM", "", "time of day"},
		{"2027-12-31T08:00:00", "", "time of day"},
		{"Dec 31, 27", "", "2-digit year"},
		{"31-Dec-27", "", "2-digit year"},
		{"1/2/27", "", "2-digit year"},
		{"31-12-2027", "", "ambiguous"},
		{"Feb 30, 2027", "", "not a date in the calendar"},
		{"2027/13/01", "", "not a date in the calendar"},
		{"Foo 31, 2027", "", `"Foo 31, 2027" is not a date; write it as yyyy-MM-dd, e.g. 2027-12-31 (12/31/2027, 31.12.2027, 2027/12/31, Dec 31, 2027 and 31-Dec-2027 are read too)`},
		{"next week", "", "is not a date; write it as yyyy-MM-dd"},
		{"Dec 2027", "", "is not a date"},
		{"12:00", "", "is not a date"},
	}
	for _, tt := range tests {
		v, _, p := normalize(ColNMLSExpirationDate, tt.in)
		if v != tt.want || (tt.problem == "") != (p == "") || !strings.Contains(p, tt.problem) {
			t.Errorf("NormalizeCell(nmlsExpirationDate, %q) = %q, %q; want %q, a problem containing %q", tt.in, v, p, tt.want, tt.problem)
		}
	}
}

func TestListCommas(t *testing.T) {
	tests := []struct {
		col      Column
		in, want string
		problem  string
	}{
		{ColLicenses, "CO, AZ", "CO;AZ", ""},
		{ColLicenses, "co,az,CO", "CO;AZ", ""},
		{ColPersonas, "Loan Officer, Underwriter", "Loan Officer;Underwriter", ""},
		{ColGroups, "West, East,", "West;East", ""},
		{ColPersonas, "Smith, Jones;Underwriter", "Smith, Jones;Underwriter", ""}, // ';' present: ',' is text
		{ColLicenses, "CO, AZ;TX", "", "not a two-letter state code"},
		{ColTitle, "Officer, Loans", "Officer, Loans", ""}, // not a list
	}
	for _, tt := range tests {
		v, _, p := normalize(tt.col, tt.in)
		if v != tt.want || (tt.problem == "") != (p == "") || !strings.Contains(p, tt.problem) {
			t.Errorf("NormalizeCell(%s, %q) = %q, %q; want %q, a problem containing %q", tt.col, tt.in, v, p, tt.want, tt.problem)
		}
	}
}

// TestForgivingRows reads the forms people write through the reader: the
// record holds the value the API will be sent (what the plan shows), and
// ids that start like a formula are a warning, not an error.
func TestForgivingRows(t *testing.T) {
	p := filepath.Join(t.TempDir(), "hr.csv")
	body := "id,phone,cellPhone,fax,nmlsExpirationDate,licenses,personas\n" +
		"u1,(303) 555-0100,303.555.0101,+1 303 555 0104,\"Dec 31, 2027\",\"CO, AZ\",\"Loan Officer, Underwriter\"\n" +
		"=1+2,720 555 0199,303-555-0107 x22,303-555-0107 ext 22,31-Dec-2027,CO,\n" +
		"@eve3,,,,2027/12/31,,\n" +
		"-dash,,,,12/31/2027 0:00,,\n" +
		"+plus,555-0100,,,12/31/2027 9:00,,\n"
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	recs, _, err := ReadAll(p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got strings.Builder
	for _, r := range recs {
		got.WriteString(dumpRecord(r))
		for _, pr := range r.Problems {
			if pr.Column == "id" && pr.Severity != SeverityWarning {
				t.Errorf("row %d: the id problem is not a warning", r.Row)
			}
		}
	}
	want := `row 2: id="u1" phone="303-555-0100" cellPhone="303-555-0101" fax="303-555-0104" nmlsExpirationDate="2027-12-31" personas="Loan Officer;Underwriter" licenses="CO;AZ"
row 3: id="=1+2" phone="720-555-0199" cellPhone="303-555-0107 22" fax="303-555-0107 22" nmlsExpirationDate="2027-12-31" licenses="CO"
  problem: sheet hr.csv, row 3, column id: the user id "=1+2" starts with "=", as a formula does; it is used as written: check that it is the intended id and not something a formula left
row 4: id="@eve3" nmlsExpirationDate="2027-12-31"
  problem: sheet hr.csv, row 4, column id: the user id "@eve3" starts with "@", as a formula does; it is used as written: check that it is the intended id and not something a formula left
row 5: id="-dash" nmlsExpirationDate="2027-12-31"
  problem: sheet hr.csv, row 5, column id: the user id "-dash" starts with "-", as a formula does; it is used as written: check that it is the intended id and not something a formula left
row 6: id="+plus"
  problem: sheet hr.csv, row 6, column id: the user id "+plus" starts with "+", as a formula does; it is used as written: check that it is the intended id and not something a formula left
  problem: sheet hr.csv, row 6, column phone: "555-0100" is not a phone number the API takes; write it as 303-555-0100, or with an extension as 303-555-0107 22 ((303) 555-0100, 303.555.0100, +1 303 555 0100 and 303-555-0107 x22 are read too)
  problem: sheet hr.csv, row 6, column nmlsExpirationDate: "12/31/2027 9:00" is a date with a time of day; write only the date, as yyyy-MM-dd
`
	if got.String() != want {
		t.Errorf("records:\n%s\nwant:\n%s", got.String(), want)
	}

	// A phone typed as a number in Excel is a number cell.
	x := buildXLSX(t, []rawSheet{{"People", row(1, is("A1", "id"), is("B1", "phone"), is("C1", "cellPhone")) +
		row(2, is("A2", "u1"), n("B2", "3035550102"), n("C2", "3.035550102E9"))}}, nil, false)
	recs, _, err = ReadAll(x, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if g := dumpRecord(recs[0]); g != "row 2: id=\"u1\" phone=\"303-555-0102\" cellPhone=\"303-555-0102\"\n" {
		t.Errorf("number cells: %s", g)
	}
}
