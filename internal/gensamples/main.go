// Command gensamples rewrites samples/ (go run ./internal/gensamples from the
// repository root): spreadsheets written against the sandbox's default world
// (internal/sandbox/README.md). samples/README.md describes every row, and
// importer's TestSamples keeps that description true.
package main

import (
	"encoding/csv"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/encimport/encimport/internal/sandbox"
)

var cols = []string{"action", "id", "firstName", "lastName", "email", "password", "title", "phone", "cellPhone",
	"nmlsOriginatorId", "nmlsExpirationDate", "workingFolder", "personas", "licenses", "orgId", "accountEnabled",
	"apiUser", "oAuthClientId", "allowImpersonation", "isSsoOnly"}

const (
	denver  = "Administration/Retail/West Region/Denver Branch"
	phoenix = "Administration/Retail/West Region/Phoenix Branch"
	boston  = "Administration/Retail/East Region/Boston Branch"
)

func main() {
	dir := "samples"
	if len(os.Args) > 1 {
		dir = os.Args[1]
	}
	if err := run(dir); err != nil {
		log.Fatal(err)
	}
}

func run(dir string) error {
	if err := onboarding(filepath.Join(dir, "onboarding.xlsx")); err != nil {
		return err
	}
	if err := writeCSV(filepath.Join(dir, "reorg.csv"), reorg()); err != nil {
		return err
	}
	if err := writeCSV(filepath.Join(dir, "offboarding.csv"), offboarding()); err != nil {
		return err
	}
	if err := writeCSV(filepath.Join(dir, "hr-feed.csv"), hrFeed()); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "protect.txt"), []byte(protectFile), 0o644); err != nil {
		return err
	}
	if err := hrPeople(filepath.Join(dir, "hr-people.xlsx")); err != nil {
		return err
	}
	return mixed(filepath.Join(dir, "mixed.xlsx"))
}

var first = []string{"Avery", "Blake", "Casey", "Devon", "Emery", "Finley", "Harper", "Jordan", "Kendall", "Logan"}
var last = []string{"Abbott", "Baker", "Castillo", "Diaz", "Ellis", "Foster", "Garcia", "Hughes"}

// onboarding: 40 new hires, all valid; nmlsExpirationDate is a real Excel date cell.
func onboarding(p string) error {
	f := excelize.NewFile()
	defer f.Close()
	date, err := f.NewStyle(&excelize.Style{NumFmt: 14})
	if err != nil {
		return err
	}
	if err := setRow(f, 1, toAny(cols)); err != nil {
		return err
	}
	orgs := []string{denver, phoenix, boston, "Wholesale"}
	personas := []string{"Loan Officer", "Loan Processor", "Underwriter", "Loan Officer;Loan Processor"}
	for i := 0; i < 40; i++ {
		fn, ln := first[i%len(first)], last[i%len(last)]
		id := fmt.Sprintf("hire%02d", i+1)
		r := []any{"upsert", id, fn, ln, fmt.Sprintf("%s.%s%02d@sandbox.example.com", lower(fn), lower(ln), i+1),
			"Welcome#2025", "Loan Officer", fmt.Sprintf("303-555-%04d", 2000+i), fmt.Sprintf("720-555-%04d", 2000+i),
			fmt.Sprintf("2%05d", i+1), 46387 + i, "My Pipeline", personas[i%4], "CO;AZ", orgs[i%4], "true", "", "", "", ""}
		if i%2 == 1 {
			r[0] = "create"
		}
		if err := setRow(f, i+2, r); err != nil {
			return err
		}
		if err := f.SetCellStyle("Sheet1", fmt.Sprintf("K%d", i+2), fmt.Sprintf("K%d", i+2), date); err != nil {
			return err
		}
	}
	return f.SaveAs(p)
}

func reorg() [][]string {
	moves := []struct{ id, org string }{
		{"lo.denver", phoenix}, {"lo.dmiller", phoenix}, {"lo.jchen", boston}, {"lo.rortiz", phoenix},
		{"lp.denver", phoenix}, {"uw.denver", boston}, {"lo.phoenix", denver}, {"lo.kwhite", denver},
		{"lo.tnguyen", denver}, {"lp.phoenix", denver}, {"uw.phoenix", denver}, {"lo.mobrien", "Wholesale"},
		{"lo.spatel", "Wholesale"}, {"lp.boston", "Wholesale"}, {"uw.boston", "Wholesale"},
	}
	rows := [][]string{{"action", "id", "orgId"}}
	for i, m := range moves {
		a := "move"
		if i%3 == 2 {
			a = "upsert"
		}
		rows = append(rows, []string{a, m.id, m.org})
	}
	return rows
}

func offboarding() [][]string {
	rows := [][]string{{"action", "id", "comments"}}
	for _, id := range []string{"lo.east", "lo.jrossi", "lp.west", "lp.wholesale", "uw.retail", "ae.wholesale2", "ops.analyst", "lo.west"} {
		rows = append(rows, []string{"disable", id, "left the company"})
	}
	return rows
}

// The nightly sync's worked example (samples/README.md "hr-feed.csv"):
// everyone of Retail in the HR export but three leavers, the API user (not
// a person, never in an HR export) and uw.retail, on leave and protected.
var (
	hrLeavers   = []string{"lo.rortiz", "lp.phoenix", "lo.mobrien"}
	hrProtected = "uw.retail"
	retailOrgs  = []string{sandbox.OrgRetail, sandbox.OrgWestRegion, sandbox.OrgDenverBranch, sandbox.OrgPhoenixBranch,
		sandbox.OrgEastRegion, sandbox.OrgBostonBranch}
)

const protectFile = `# Never disabled by encimport apply --sync, whatever the HR feed says:
# one user id a line; everything after a # is a comment.
uw.retail    # on leave: out of the HR export until 2026-09
# break-glass accounts would go here too
`

// hrFeed: the HR export of Retail, as `encimport apply --sync Retail` takes it.
func hrFeed() [][]string {
	w := sandbox.DefaultWorld()
	personas := map[string]string{}
	for _, p := range w.Personas {
		personas[p.ID] = p.Name
	}
	paths := map[string]string{}
	var walk func(o sandbox.Org, path string)
	walk = func(o sandbox.Org, path string) {
		path += o.Name
		paths[o.ID] = path
		for _, c := range o.Children {
			walk(c, path+"/")
		}
	}
	walk(w.Organizations, "")
	rows := [][]string{{"id", "firstName", "lastName", "email", "title", "personas", "orgId"}}
	for _, u := range w.Users {
		org := u.Organization.EntityID
		if !slices.Contains(retailOrgs, org) || !*u.AccountEnabled || (u.APIUser != nil && *u.APIUser) ||
			slices.Contains(hrLeavers, u.ID) || u.ID == hrProtected {
			continue
		}
		var ps []string
		for _, p := range u.Personas {
			ps = append(ps, personas[p.EntityID])
		}
		rows = append(rows, []string{u.ID, u.FirstName, u.LastName, u.Email, u.Title, strings.Join(ps, ";"), paths[org]})
	}
	return rows
}

// mixedRows: row 2 onwards; see samples/README.md.
func mixedRows() [][]any {
	ok := func(id string) []any {
		return []any{"create", id, "Valid", "Person", id + "@sandbox.example.com", "Welcome#2025", "Loan Officer", "303-555-0100", "", "", "2027-06-30", "My Pipeline", "Loan Officer", "CO", denver, "", "", "", "", "", "blue"}
	}
	row := func(id string, set map[int]any) []any {
		r := ok(id)
		for k, v := range set {
			r[k] = v
		}
		return r
	}
	return [][]any{
		ok("mix.ok1"),                                                        // 2
		row("bad/id*", nil),                                                  // 3 planner: id chars
		row("much.too.long.user.id", nil),                                    // 4 planner: id too long
		row("mix.noemail", map[int]any{4: ""}),                               // 5 planner: email missing
		row("mix.phone", map[int]any{7: "555-0100"}),                         // 6 reader: phone without an area code
		row("mix.date", map[int]any{10: "6/30/27"}),                          // 7 reader: two-digit year
		row("mix.bool", map[int]any{15: "maybe"}),                            // 8 reader: bad boolean
		row("mix.action", map[int]any{0: "hire"}),                            // 9 reader: unknown action
		ok("mix.ok1"),                                                        // 10 planner: duplicate id
		row("mix.na", map[int]any{6: "#N/A"}),                                // 11 reader: #N/A
		row("mix.api", map[int]any{16: "true"}),                              // 12 planner: apiUser without oAuthClientId
		row("mix.sso", map[int]any{19: "yes"}),                               // 13 planner: isSsoOnly with password
		row("mix.imp", map[int]any{18: "y"}),                                 // 14 planner: allowImpersonation without apiUser
		row("lo.former", map[int]any{0: "disable", 15: "true"}),              // 15 planner: disable + accountEnabled true
		row("mix.persona", map[int]any{12: "Astronaut"}),                     // 16 planner: unknown persona
		row("mix.org", map[int]any{14: "Administration/Retail/Mars Branch"}), // 17 planner: unknown org
		ok("mix.ok2"), // 18
		ok("mix.ok3"), // 19
	}
}

func mixed(p string) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := setRow(f, 1, append(toAny(cols), "Badge Color")); err != nil {
		return err
	}
	for i, r := range mixedRows() {
		if err := setRow(f, i+2, r); err != nil {
			return err
		}
	}
	return f.SaveAs(p)
}

func setRow(f *excelize.File, n int, r []any) error {
	cell, _ := excelize.CoordinatesToCellName(1, n)
	return f.SetSheetRow("Sheet1", cell, &r)
}

func toAny(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

func lower(s string) string {
	b := []byte(s)
	if len(b) > 0 && b[0] >= 'A' && b[0] <= 'Z' {
		b[0] += 'a' - 'A'
	}
	return string(b)
}

func writeCSV(p string, rows [][]string) error {
	f, err := os.Create(p)
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	if err := w.WriteAll(rows); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// hrPeople: 25 new hires as an HR person fills a sheet (samples/README.md
// "hr-people.xlsx"): HR's own headers, phones, dates, lists and paths in
// the forms people type; rows 24-26 are genuinely wrong.
func hrPeople(p string) error {
	f := excelize.NewFile()
	defer f.Close()
	head := []any{"User ID", "First Name", "Last Name", "Email Address", "Password", "Job Title", "Phone", "Mobile",
		"NMLS ID", "NMLS Expiration", "Persona", "States", "Organization", "Working Folder"}
	if err := setRow(f, 1, head); err != nil {
		return err
	}
	type form struct{ phone, exp, states, persona, org, id any }
	forms := []form{
		{phone: "(303) 555-0100"}, {phone: "303.555.0101"}, {phone: 3035550102}, {phone: "+1 303 555 0104"},
		{phone: "720 555 0199"}, {phone: "303-555-0107 x22"}, {exp: "Dec 31, 2027"}, {exp: "2027/12/31"},
		{exp: "12/31/2027 0:00"}, {exp: "31-Dec-2027"}, {states: "CO, AZ"}, {persona: "Loan Officer, Underwriter"},
		{org: "West Region/Denver Branch"}, {org: "Retail > West Region"}, {id: "=hr.formula"}, {id: "@hr.at"},
	}
	for i := range 25 {
		n := i + 2
		fm := form{}
		if i < len(forms) {
			fm = forms[i]
		}
		id := any(fmt.Sprintf("hr.new%02d", n))
		if fm.id != nil {
			id = fm.id
		}
		row := []any{id, first[i%len(first)], last[i%len(last)], fmt.Sprintf("hr.new%02d@example.com", n), "Welcome-2027!",
			"Loan Officer", cmpAny(fm.phone, "303-555-0150"), "720-555-0150", fmt.Sprint(200100 + n),
			cmpAny(fm.exp, "2027-12-31"), cmpAny(fm.persona, "Loan Officer"), cmpAny(fm.states, "CO"),
			cmpAny(fm.org, "Denver Branch"), "My Pipeline"}
		switch n {
		case 24:
			row[6] = "555-0100" // seven digits: no area code
		case 25:
			row[9] = "31/12/27" // a two-digit year
		case 26:
			row[3] = "hr.new26 at example.com" // not an address
		}
		if err := setRow(f, n, row); err != nil {
			return err
		}
	}
	return f.SaveAs(p)
}

func cmpAny(v any, def string) any {
	if v == nil {
		return def
	}
	return v
}
