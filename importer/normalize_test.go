package importer

import (
	"strings"
	"testing"
)

// normalize is normalizeCell without its ctrl result, as the tests call it.
func normalize(c Column, raw string) (value string, clear bool, problem string) {
	value, clear, problem, _ = normalizeCell(c, raw)
	return value, clear, problem
}

func TestParseHeader(t *testing.T) {
	tests := []struct {
		in   string
		want Column
		ok   bool
	}{
		{"id", ColID, true}, {"ID", ColID, true}, {"User ID", ColID, true}, {"user_id", ColID, true},
		{"Login", ColID, true}, {"UserID", ColID, true}, {"Username", ColID, true},
		{"First Name", ColFirstName, true}, {"first-name", ColFirstName, true}, {" FIRST.NAME\u00a0", ColFirstName, true},
		{"Email Address", ColEmail, true}, {"Job Title", ColTitle, true}, {"Mobile", ColCellPhone, true},
		{"Cell", ColCellPhone, true}, {"Organization", ColOrgID, true}, {"Org", ColOrgID, true},
		{"Target Org", ColOrgID, true}, {"Source Org", ColSourceOrgID, true}, {"Persona", ColPersonas, true},
		{"States", ColLicenses, true}, {"NMLS ID", ColNMLSOriginatorID, true}, {"nmls_expiration_date", ColNMLSExpirationDate, true},
		{"oAuthClientId", ColOAuthClientID, true}, {"Shoe size", 0, false}, {"", 0, false},
	}
	for _, tt := range tests {
		got, ok := ParseHeader(tt.in)
		if ok != tt.ok || (ok && got != tt.want) {
			t.Errorf("ParseHeader(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
	for _, c := range Columns() {
		if got, ok := ParseHeader(c.String()); !ok || got != c {
			t.Errorf("canonical %q does not match itself", c)
		}
	}
}

func TestNormalizeCell(t *testing.T) {
	tests := []struct {
		col     Column
		raw     string
		want    string
		clear   bool
		problem string // substring; "" = no problem
	}{
		{ColID, "\u200b jdoe\u00a0\ufeff", "jdoe", false, ""},
		{ColID, "", "", false, ""},
		{ColID, "<clear>", "", false, "id cannot be cleared"},
		{ColPassword, "  s3cret ", "  s3cret ", false, ""},
		{ColTitle, "<Clear>", "", true, ""},
		{ColTitle, " =SUM(A1) ", "=SUM(A1)", false, ""},
		{ColAction, " Upsert ", "upsert", false, ""},
		{ColAction, "delete", "", false, `unknown action "delete"`},
		{ColAPIUser, "YES", "true", false, ""},
		{ColLoginEnabled, "n", "false", false, ""},
		{ColAccountEnabled, "0", "false", false, ""},
		{ColIsSSOOnly, "sure", "", false, "not a yes/no value"},
		{ColIsSSOOnly, "<clear>", "", false, "cannot be cleared"},
		{ColNMLSExpirationDate, "2025-1-5", "2025-01-05", false, ""},
		{ColNMLSExpirationDate, "12/31/2025", "2025-12-31", false, ""},
		{ColNMLSExpirationDate, "31.12.2025", "2025-12-31", false, ""},
		{ColNMLSExpirationDate, "2025-02-30", "", false, "not a date in the calendar"},
		{ColNMLSExpirationDate, "1/2/25", "", false, "2-digit year"},
		{ColNMLSExpirationDate, "2025-01-05T00:00:00Z", "2025-01-05", false, ""},
		{ColNMLSExpirationDate, "2025-01-05T13:00:00", "", false, "time of day"},
		{ColNMLSExpirationDate, "next week", "", false, "not a date"},
		{ColNMLSExpirationDate, "<clear>", "", true, ""},
		{ColFirstName, "Ann\nMarie", "", false, "line break"},
		{ColLastName, "O'Neil", "O'Neil", false, ""},
		{ColComments, "two\nlines", "two\nlines", false, ""},
		{ColLicenses, " ca; tx ;CA;;", "CA;TX", false, ""},
		{ColLicenses, "CA,TX", "CA;TX", false, ""}, // ',' when there is no ';'
		{ColLicenses, "CA,TX;AZ", "", false, "separate states with ';'"},
		{ColPersonas, "Loan Officer ; Underwriter;loan officer", "Loan Officer;Underwriter", false, ""},
		{ColPersonas, "<clear>", "", false, "cannot be cleared"},
		{ColGroups, "<clear>", "", true, ""},
		{ColPeerLoanAccess, "read-write", "ReadWrite", false, ""},
		{ColPeerLoanAccess, "DISABLED", "Disabled", false, ""},
		{ColSubordinateLoanAccess, "disabled", "", false, "use one of ReadOnly, ReadWrite"},
		{ColEmail, "#N/A", "", false, "Excel error #N/A"},
		{ColPassword, "#DIV/0!", "", false, "Excel error #DIV/0!"},
		{ColEmail, "a\xffb", "", false, "not valid UTF-8"},
	}
	for _, tt := range tests {
		v, clr, p := normalize(tt.col, tt.raw)
		if v != tt.want || clr != tt.clear || (tt.problem == "") != (p == "") || !strings.Contains(p, tt.problem) {
			t.Errorf("NormalizeCell(%s, %q) = %q, %v, %q; want %q, %v, problem containing %q", tt.col, tt.raw, v, clr, p, tt.want, tt.clear, tt.problem)
		}
	}
}

func TestParseBool(t *testing.T) {
	for in, want := range map[string][2]bool{
		"true": {true, true}, "TRUE": {true, true}, "Yes": {true, true}, "y": {true, true}, "1": {true, true},
		"false": {false, true}, "No": {false, true}, "N": {false, true}, " 0 ": {false, true},
		"": {false, false}, "2": {false, false}, "yes please": {false, false},
	} {
		v, ok := ParseBool(in)
		if v != want[0] || ok != want[1] {
			t.Errorf("ParseBool(%q) = %v, %v; want %v, %v", in, v, ok, want[0], want[1])
		}
	}
}

func TestSerialToDate(t *testing.T) {
	tests := []struct {
		serial   float64
		date1904 bool
		want     string
		problem  bool
	}{
		{1, false, "1900-01-01", false},
		{59, false, "1900-02-28", false},
		{60, false, "", true},
		{61, false, "1900-03-01", false},
		{45658, false, "2025-01-01", false},
		{45658.99, false, "2025-01-01", false},
		{44196, true, "2025-01-01", false},
		{1, true, "1904-01-02", false},
		{0, false, "", true},
		{-3, false, "", true},
		{1e9, false, "", true},
	}
	for _, tt := range tests {
		got, p := SerialToDate(tt.serial, tt.date1904)
		if got != tt.want || (p != "") != tt.problem {
			t.Errorf("SerialToDate(%v, %v) = %q, %q", tt.serial, tt.date1904, got, p)
		}
	}
}
