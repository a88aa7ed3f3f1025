package e2e

import (
	"fmt"
	"strings"
	"testing"

	"github.com/encimport/encimport/encompass"
	"github.com/encimport/encimport/internal/sandbox"
	"github.com/encimport/encimport/report"
)

// header is the spreadsheet header every scenario writes.
var header = []string{"action", "id", "firstName", "lastName", "email", "password", "title", "workingFolder", "personas", "orgId"}

// want is one data row of a scenario and what the server must show after it.
type want struct {
	action, id                string
	first, last, email, title string // "" = do not check
	org                       string // expected organization id; "" = do not check
	persona                   string // expected persona name (only set for creates)
	disabled, enabled         bool   // expected accountEnabled false / true
	status                    string // expected report status after a clean run
	password, folder, orgCell string // cells
	personaCell               string
}

func (w want) cells() []string {
	return []string{w.action, w.id, w.first, w.last, w.email, w.password, w.title, w.folder, w.personaCell, w.orgCell}
}

// createRow is a new user in org with a password cell.
func createRow(prefix string, i int, org string) want {
	id := fmt.Sprintf("%s%04d", prefix, i)
	persona := []string{"Loan Officer", "Loan Processor", "Underwriter"}[i%3]
	return want{
		action: "", // default action upsert: create when absent
		id:     id, first: "Test", last: fmt.Sprintf("Person %d", i),
		email: id + "@example.com", title: "New Hire",
		org: org, persona: persona, status: "created",
		password: fmt.Sprintf("Init!Pw-%s", id), folder: "My Pipeline", personaCell: persona, orgCell: org,
	}
}

func updateRow(id, title string) want {
	return want{action: "update", id: id, title: title, status: "updated"}
}

func moveRow(id, org string) want {
	return want{action: "move", id: id, org: org, orgCell: org, status: "moved"}
}

func disableRow(id string) want {
	return want{action: "disable", id: id, disabled: true, status: "disabled"}
}

func enableRow(id string) want {
	return want{action: "enable", id: id, enabled: true, status: "enabled"}
}

// table returns the spreadsheet rows (header first) of ws.
func table(ws []want) [][]string {
	rows := [][]string{header}
	for _, w := range ws {
		rows = append(rows, w.cells())
	}
	return rows
}

// checkServer asserts every row's effect is on the server, and that the
// server holds exactly base users plus the created ones.
func checkServer(t *testing.T, users []encompass.User, baseCount int, ws []want) {
	t.Helper()
	byID := map[string]encompass.User{}
	for _, u := range users {
		key := strings.ToLower(u.ID)
		if _, dup := byID[key]; dup {
			t.Errorf("user %q appears twice on the server", u.ID)
		}
		byID[key] = u
	}
	creates := 0
	bad := 0
	for _, w := range ws {
		u, ok := byID[strings.ToLower(w.id)]
		if !ok {
			t.Errorf("row %s (%s): user missing on the server", w.id, w.status)
			bad++
			continue
		}
		var diffs []string
		chk := func(field, got, exp string) {
			if exp != "" && got != exp {
				diffs = append(diffs, fmt.Sprintf("%s=%q want %q", field, got, exp))
			}
		}
		chk("firstName", u.FirstName, w.first)
		chk("lastName", u.LastName, w.last)
		chk("email", u.Email, w.email)
		chk("title", u.Title, w.title)
		org := ""
		if u.Organization != nil {
			org = u.Organization.EntityID
		}
		chk("org", org, w.org)
		if w.persona != "" {
			names := []string{}
			for _, p := range u.Personas {
				names = append(names, p.EntityName)
			}
			if len(names) != 1 || names[0] != w.persona {
				diffs = append(diffs, fmt.Sprintf("personas=%v want [%s]", names, w.persona))
			}
		}
		if w.status == "created" {
			creates++
			chk("workingFolder", u.WorkingFolder, w.folder)
		}
		enabled := u.AccountEnabled == nil || *u.AccountEnabled
		if w.disabled && enabled {
			diffs = append(diffs, "accountEnabled=true want false")
		}
		if w.enabled && !enabled {
			diffs = append(diffs, "accountEnabled=false want true")
		}
		if len(diffs) > 0 {
			bad++
			if bad <= 20 {
				t.Errorf("user %s: %s", w.id, strings.Join(diffs, ", "))
			}
		}
	}
	if got, exp := len(users), baseCount+creates; got != exp {
		t.Errorf("server holds %d users, want %d (%d before the run + %d created)", got, exp, baseCount, creates)
	}
	if bad > 20 {
		t.Errorf("... %d users differ in all", bad)
	}
}

// checkReport asserts the report has one row per data row, in input order,
// with the expected status (alt lists statuses also accepted for a row,
// e.g. "unchanged" for a row done by an earlier, interrupted run).
func checkReport(t *testing.T, rows []report.Row, ws []want, alt map[string][]string) {
	t.Helper()
	if len(rows) != len(ws) {
		t.Fatalf("report has %d rows, want %d (one per data row); by status %v", len(rows), len(ws), statusCounts(rows))
	}
	bad := 0
	for i, r := range rows {
		w := ws[i]
		ok := r.Row == i+2 && strings.EqualFold(r.ID, w.id) && string(r.Status) == w.status
		if !ok && r.Row == i+2 && strings.EqualFold(r.ID, w.id) {
			for _, s := range alt[w.status] {
				ok = ok || string(r.Status) == s
			}
		}
		if !ok {
			bad++
			if bad <= 20 {
				t.Errorf("report line %d: row %d id %q status %q (%s %s %q); want row %d id %q status %q",
					i+1, r.Row, r.ID, r.Status, r.ErrorCode, fmt.Sprint(r.HTTPStatus), r.Message, i+2, w.id, w.status)
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d report rows are wrong; by status %v", bad, len(rows), statusCounts(rows))
	}
}

// defaultUserCount is the number of users in the sandbox's default world.
func defaultUserCount() int { return len(sandbox.DefaultWorld().Users) }

// existingOps are updates, moves, disables and an enable of default-world
// users (none touches admin, the caller, or moves a super administrator).
func existingOps() []want {
	ws := []want{}
	for i, id := range []string{"lo.west", "lp.west", "lo.dmiller", "lo.jchen", "lp.denver", "uw.denver", "lo.kwhite", "lo.tnguyen", "lo.east", "lo.mobrien"} {
		ws = append(ws, updateRow(id, fmt.Sprintf("Retitled %d", i)))
	}
	for _, m := range [][2]string{{"lo.rortiz", "4"}, {"lp.phoenix", "3"}, {"uw.phoenix", "6"}, {"lo.spatel", "3"}, {"lo.jrossi", "4"},
		{"lp.boston", "7"}, {"uw.boston", "7"}, {"ae.wholesale2", "6"}, {"lp.wholesale", "6"}, {"uw.wholesale", "3"}} {
		ws = append(ws, moveRow(m[0], m[1]))
	}
	for _, id := range []string{"lo.boston", "lo.phoenix", "ae.wholesale1", "retail.mgr", "uw.retail", "ops.analyst"} {
		ws = append(ws, disableRow(id))
	}
	ws = append(ws, enableRow("lo.former"))
	// upsert needing a patch and a move: reported as updated.
	ws = append(ws, want{action: "upsert", id: "lo.denver", title: "Senior Loan Officer", org: "4", orgCell: "4", status: "updated"})
	return ws
}
