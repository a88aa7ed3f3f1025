package planner

import (
	"reflect"
	"strings"
	"testing"

	"github.com/encimport/encimport/encompass"
	"github.com/encimport/encimport/importer"
	"github.com/encimport/encimport/plan"
)

// TestCheckerRowByRow checks rows one at a time and compares each with what
// the whole-file OfflinePlan and CheckOffline say: the scratch user must not
// carry anything from one row to the next, and duplicates are found across
// sheets.
func TestCheckerRowByRow(t *testing.T) {
	other := func(r *importer.Record) *importer.Record { r.Sheet = "Other"; return r }
	mk := func() []*importer.Record {
		return []*importer.Record{
			validCreate("id", "api1", "password", "", "apiUser", "true", "oAuthClientId", "c1", "allowImpersonation", "true",
				"licenses", "CA;CO", "groups", "g1;g2", "ccSiteId", "s1", "phone", "303-555-0100 12"),
			validCreate("id", "plain", "password", ""), // needs a password: apiUser of the row above must not leak
			validCreate("id", "API1"),                  // duplicate of row 2, other case
			rec(5, "action", "update", "id", "u5", "allowImpersonation", "true"),
			other(rec(6, "id", "Plain", "licenses", "XX", "phone", "3035550100", "email", "a@b")),
			rec(7, "action", "disable", "id", "u7", "accountEnabled", "true", "title", importer.ClearToken),
			rec(8, "id", "", "firstName", "A"),
			rec(9, "id", "u9", "nmlsExpirationDate", "2026-02-30", "peerLoanAccess", "Full"),
		}
	}
	recs := mk()
	for i, r := range recs {
		if r.Row == 2 {
			r.Row = i + 2
		}
	}
	want := OfflinePlan(recs, plan.Input{}, plan.Options{DefaultAction: "upsert", DefaultOrg: true})

	c := NewChecker(plan.Options{DefaultAction: "UPSERT", DefaultOrg: true})
	for i, r := range recs {
		got := c.Row(r)
		if !reflect.DeepEqual(got, want.Rows[i]) {
			t.Errorf("row %d:\n got %+v\nwant %+v", r.Row, got, want.Rows[i])
		}
	}
	// The expectations OfflinePlan and the Checker share, spelled out.
	for _, tc := range []struct {
		i        int
		col, sub string
	}{
		{1, "password", "required"},
		{2, "id", "already on row 2"},
		{4, "id", "already on sheet People, row 3"},
		{4, "licenses", `"XX"`},
		{4, "phone", "303-555-0100"},
		{4, "email", "name@example.com"},
		{5, "accountEnabled", "contradicts"},
		{6, "id", "required"},
		{7, "nmlsExpirationDate", "yyyy-MM-dd"},
		{7, "peerLoanAccess", "ReadWrite"},
	} {
		if !hasProblem(want.Rows[tc.i].Problems, tc.col, tc.sub) {
			t.Errorf("row %d: no %s problem containing %q: %+v", recs[tc.i].Row, tc.col, tc.sub, want.Rows[tc.i].Problems)
		}
	}
	if len(want.Rows[0].Problems) != 0 || len(want.Rows[3].Problems) != 0 {
		t.Errorf("rows 2 and 5 should be valid: %+v / %+v", want.Rows[0].Problems, want.Rows[3].Problems)
	}

	// Check (CheckOffline's per-row step) and CheckOffline agree too.
	a, b := mk(), mk()
	CheckOffline(a, "")
	ch := newChecker(plan.Options{}, false)
	for _, r := range b {
		ch.Check(r)
	}
	for i := range a {
		if !reflect.DeepEqual(a[i].Problems, b[i].Problems) {
			t.Errorf("row %d: Check %+v, CheckOffline %+v", a[i].Row, b[i].Problems, a[i].Problems)
		}
	}
}

// TestFillUserScratchMatchesRecordUser refills one scratch user from rows
// with and without each kind of value and compares it with a fresh
// recordUser every time.
func TestFillUserScratchMatchesRecordUser(t *testing.T) {
	recs := []*importer.Record{
		validCreate("apiUser", "true", "isSsoOnly", "false", "accountEnabled", "true", "loginEnabled", "false",
			"groups", "g1;g2", "licenses", "CA;;CO", "ccSiteId", "site", "personas", "A;B;C"),
		rec(3, "id", "u"),
		validCreate("requirePasswordChange", "true", "ccSiteId", "other"),
		rec(5, "id", "u", "title", importer.ClearToken, "personas", "X"),
	}
	// A row with every column filled, then an empty one: nothing may stay.
	full := &importer.Record{Sheet: "People", Row: 6}
	for _, c := range importer.Columns() {
		full.Set(c, "v"+c.String())
	}
	for _, s := range scalars {
		if s.IsBool() {
			full.Set(s.col, "true")
		}
	}
	recs = append(recs, full, rec(7, "id", "empty"), full, rec(9, "title", importer.ClearToken))
	var u encompass.User
	var cc encompass.CCSite
	norm := func(u encompass.User) encompass.User {
		if len(u.Personas) == 0 {
			u.Personas = nil
		}
		if len(u.Groups) == 0 {
			u.Groups = nil
		}
		if len(u.Licenses) == 0 {
			u.Licenses = nil
		}
		return u
	}
	for _, r := range recs {
		fillUser(&u, r, &cc)
		want := recordUser(r)
		if !reflect.DeepEqual(norm(u), *want) {
			t.Errorf("row %d:\nscratch %+v\n  fresh %+v", r.Row, u, *want)
		}
	}
}

// BenchmarkChecker checks 10,000 valid upsert rows like the bench file's.
func BenchmarkChecker(b *testing.B) {
	recs := make([]*importer.Record, 10000)
	for i := range recs {
		recs[i] = rec(i+2, "action", "upsert", "id", "user"+string(rune('a'+i%26))+itoa(i), "firstName", "First", "lastName", "Last",
			"email", "user@example.com", "title", "Loan Officer", "phone", "303-555-0100", "cellPhone", "720-555-0100",
			"nmlsExpirationDate", "2025-01-01", "personas", "Loan Officer;Underwriter", "licenses", "CO;AZ",
			"orgId", "Administration/Retail", "apiUser", "false", "accountEnabled", "true", "peerLoanAccess", "ReadOnly",
			"workingFolder", "My Pipeline")
	}
	b.ReportAllocs()
	for b.Loop() {
		c := NewChecker(plan.Options{})
		for _, r := range recs {
			if row := c.Row(r); row.Status != plan.StatusPlanned {
				b.Fatalf("row %d: %+v", r.Row, row.Problems)
			}
		}
	}
}

func itoa(i int) string {
	var buf [20]byte
	n := len(buf)
	for {
		n--
		buf[n] = byte('0' + i%10)
		i /= 10
		if i == 0 {
			break
		}
	}
	return string(buf[n:])
}

// TestIDIndexMatchesToLowerMap feeds ids of every kind (ASCII, mixed case,
// around shortIDLen bytes, non-ASCII, characters whose lower case is
// ASCII) to an idIndex and to a map keyed by strings.ToLower.
func TestIDIndexMatchesToLowerMap(t *testing.T) {
	base := []string{"jdoe", "JDoe", "JDOE", "a", "A", "k", "K", "\u212a", "zoë", "ZOË", "Zoë",
		strings.Repeat("x", shortIDLen), strings.Repeat("X", shortIDLen), strings.Repeat("x", shortIDLen+1),
		strings.Repeat("X", shortIDLen+1), strings.Repeat("é", 11) + "a", strings.Repeat("É", 11) + "A",
		strings.Repeat("é", 12), strings.Repeat("É", 12), "İ", "i̇", "ß", "SS", "ẞ", "\xff", "\xffA", "\xffa", "x\x00", "x"}
	var ids []string
	for _, a := range base {
		ids = append(ids, a)
		for _, b := range base[:8] {
			ids = append(ids, a+b)
		}
	}
	var x idIndex
	ref := map[string]int{}
	for i, id := range ids {
		f, ok := x.firstOrAdd(id, makeRowRef(i, 0))
		w, wok := ref[strings.ToLower(id)]
		if !wok {
			ref[strings.ToLower(id)] = i
		}
		if ok != wok || (ok && f.row() != w) {
			t.Errorf("id %q: firstOrAdd = row %d, %v; strings.ToLower map says row %d, %v", id, f.row(), ok, w, wok)
		}
	}
	if len(ref) == len(ids) {
		t.Error("the ids hold no duplicates: the test tests nothing")
	}
	if r := makeRowRef(1_048_576, 3); r.row() != 1_048_576 || r.sheet() != 3 {
		t.Errorf("rowRef round trip: %d %d", r.row(), r.sheet())
	}
}
