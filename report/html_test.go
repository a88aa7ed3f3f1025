package report

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/encimport/encimport/encompass"
	"github.com/encimport/encimport/importer"
	"github.com/encimport/encimport/plan"
)

const (
	hostileName = `<script>alert("pwned")</script>`
	rowPassword = "Row-Secr3t!pw"
)

// htmlPlan has a create, a patch with persona and license changes and a
// move, a disable, an unchanged row and an invalid row named like a script.
func htmlPlan() *plan.Plan {
	p := &plan.Plan{Version: plan.Version, Input: plan.Input{Path: "/data/people.xlsx", Sheet: "People"}, Caller: "admin",
		OrgPaths: map[string]string{"3": "Administration/Retail/West Region/Denver Branch", "4": "Administration/Retail/West Region/Phoenix Branch"},
		Warnings: plan.Problems{{File: "people.xlsx", Column: "Favourite", Message: "unknown column; it is ignored", Severity: importer.SeverityWarning}}}
	p.Rows = []plan.Row{
		{Sheet: "People", Row: 2, ID: "jdoe", Action: "create", Status: plan.StatusPlanned, Outcome: plan.StatusCreated,
			Person: &plan.Person{FirstName: "Jane", LastName: "Doe", Email: "jane@example.com"}, Password: rowPassword, NeedsPassword: true,
			Create: plan.NewCreate("3", &encompass.User{ID: "jdoe", FirstName: "Jane", LastName: "Doe", Email: "jane@example.com",
				Password: rowPassword, Title: "Loan Officer", Personas: []encompass.EntityRef{{EntityID: "3", EntityName: "Loan Officer"}},
				Licenses: []encompass.License{{State: "CO", Selected: true}}})},
		{Sheet: "People", Row: 3, ID: "lo.denver", Action: "upsert", Status: plan.StatusPlanned, Outcome: plan.StatusUpdated,
			Person:   &plan.Person{FirstName: "Lou", LastName: "Denver", Email: "lou@example.com", OrgPath: "Administration/Retail/West Region/Denver Branch"},
			Password: rowPassword,
			Patch: &plan.Patch{Changes: []plan.Change{
				{Field: "title", Before: `"Loan Officer"`, After: `"Branch Manager"`},
				{Field: "personas", Before: `"Loan Officer"`, After: `"Loan Officer;Underwriter"`},
				{Field: "licenses", Before: `"CO;TX"`, After: `"CA;CO"`},
				{Field: "password", Before: "********", After: "********"},
			}},
			Move: &plan.MoveRef{SourceOrgID: "3", TargetOrgID: "4"}},
		{Sheet: "People", Row: 4, ID: "uw.boston", Action: "disable", Status: plan.StatusPlanned, Outcome: plan.StatusDisabled,
			Person: &plan.Person{FirstName: "Uma", LastName: "Boston"},
			Patch:  &plan.Patch{Changes: []plan.Change{{Field: "accountEnabled", Before: "true", After: "false"}}}},
		{Sheet: "People", Row: 5, ID: "same", Action: "upsert", Status: plan.StatusUnchanged, Person: &plan.Person{FirstName: "Sam", LastName: "Same"}},
		{Sheet: "People", Row: 6, ID: "evil", Action: "create", Status: plan.StatusInvalid, Person: &plan.Person{FirstName: hostileName, Email: "evil@example.com"},
			Password: rowPassword,
			Problems: plan.Problems{{Sheet: "People", Row: 6, Column: "email", Message: `"<b>x</b>" is not an email address`}}},
	}
	p.Moves = []plan.Move{{SourceOrgID: "3", TargetOrgID: "4", UserIDs: []string{"lo.denver"}, Rows: []int{1}}}
	p.Rows[1].Move.Call = 0
	return p
}

func renderPage(t *testing.T, pg *Page) string {
	t.Helper()
	var buf bytes.Buffer
	if err := RenderHTML(&buf, pg); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func TestHTMLPlanPage(t *testing.T) {
	p := htmlPlan()
	pg := NewPage(p, nil, nil, time.Date(2025, 3, 7, 9, 5, 1, 0, time.UTC))
	// Problems first, then input order.
	var order []string
	for _, r := range pg.People {
		order = append(order, r.ID)
	}
	if strings.Join(order, ",") != "evil,jdoe,lo.denver,uw.boston,same" {
		t.Errorf("order %v, want the invalid row first", order)
	}
	lou := pg.People[2]
	if lou.Took != "planned" || lou.Steps != "update + move" || lou.From != "Administration/Retail/West Region/Denver Branch" ||
		lou.To != "Administration/Retail/West Region/Phoenix Branch" {
		t.Errorf("lo.denver: %+v", lou)
	}
	if strings.Join(lou.Personas.Added, ",") != "Underwriter" || len(lou.Personas.Removed) != 0 ||
		strings.Join(lou.Licenses.Added, ",") != "CA" || strings.Join(lou.Licenses.Removed, ",") != "TX" {
		t.Errorf("lo.denver personas %+v licenses %+v", lou.Personas, lou.Licenses)
	}
	jane := pg.People[1]
	if strings.Join(jane.Personas.Added, ",") != "Loan Officer" || strings.Join(jane.Licenses.Added, ",") != "CO" || jane.To == "" {
		t.Errorf("jdoe: %+v", jane)
	}
	html := renderPage(t, pg)
	for _, want := range []string{
		"<title>encimport plan: people.xlsx</title>",
		`data-status="planned">planned<b>3</b>`, `data-action="none">no change<b>2</b>`, `data-status="invalid">invalid<b>1</b>`,
		`data-action="create">create<b>1</b>`, `data-action="move">move<b>1</b>`, `data-action="disable">disable<b>1</b>`,
		"Jane Doe", "jane@example.com", "lou@example.com",
		"title: <span class=\"before\">Loan Officer</span> <span class=\"arrow\">→</span> <span class=\"after\">Branch Manager</span>",
		`<span class="added">+Underwriter</span>`, `<span class="removed">−TX</span>`,
		"Administration/Retail/West Region/Denver Branch</span> <span class=\"arrow\">→</span> <span class=\"after\">Administration/Retail/West Region/Phoenix Branch",
		"Lou Denver (lo.denver)", "unknown column; it is ignored",
		"1 row has a problem",
		"&lt;script&gt;alert(&#34;pwned&#34;)&lt;/script&gt;",
		"&#34;&lt;b&gt;x&lt;/b&gt;&#34; is not an email address",
		"password: <span class=\"after\">reset (from the sheet)</span>",
	} {
		if !strings.Contains(html, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	for _, bad := range []string{hostileName, "<b>x</b>", rowPassword, "http://", "https://", "sha256", "move call"} {
		if strings.Contains(html, bad) {
			t.Errorf("page holds %q", bad)
		}
	}
}

func TestHTMLRunPage(t *testing.T) {
	p := htmlPlan()
	results := planRows(p)
	results[0].Status, results[0].HTTPStatus = plan.StatusCreated, 201
	results[1].Status = plan.StatusFailed
	results[1].Message = "Bad Request: title: too long"
	results[2].Status = plan.StatusDisabled
	for i := range results {
		results[i].Review = Review{} // the page takes the review from the plan
	}
	sum := &Summary{Rows: 5, Calls: 7, ReadCalls: 5, Retries: 2, TooMany429: 1, Elapsed: 1500 * time.Millisecond}
	pg := NewPage(p, results, sum, time.Now())
	if !pg.Run || pg.Problems != 2 {
		t.Fatalf("run %v, %d problems", pg.Run, pg.Problems)
	}
	html := renderPage(t, pg)
	for _, want := range []string{
		"<title>encimport run: people.xlsx</title>",
		`data-status="created">created<b>1</b>`, `data-status="failed">failed<b>1</b>`, `data-status="disabled">disabled<b>1</b>`,
		"429s<b>1</b>", "API calls<b>7</b>", "elapsed<b>1.5s</b>",
		"Bad Request: title: too long", "Lou Denver (lo.denver): failed",
		`<span class="status created">created</span>`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("run page lacks %q", want)
		}
	}
	if strings.Contains(html, rowPassword) || strings.Contains(html, hostileName) {
		t.Error("run page holds a password or an unescaped name")
	}
}

func TestHTMLCapsTheRowsListed(t *testing.T) {
	p := &plan.Plan{Input: plan.Input{Path: "big.csv"}}
	for i := range HTMLMaxRows + 10 {
		r := plan.Row{Row: i + 2, ID: "u", Action: "upsert", Status: plan.StatusUnchanged}
		if i == HTMLMaxRows+5 {
			r.Status = plan.StatusInvalid
			r.Problems = plan.Problems{{Message: "bad"}}
		}
		p.Rows = append(p.Rows, r)
	}
	pg := NewPage(p, nil, nil, time.Now())
	if len(pg.People) != HTMLMaxRows || pg.Left != 10 || pg.People[0].Row != HTMLMaxRows+7 {
		t.Errorf("%d listed, %d left, first row %d", len(pg.People), pg.Left, pg.People[0].Row)
	}
}

func TestWriteHTMLFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "plan.html")
	if err := WriteHTML(path, htmlPlan(), nil, nil); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte("<!DOCTYPE html>")) || bytes.Contains(b, []byte(rowPassword)) {
		t.Errorf("page %.200s", b)
	}
	// The plan JSON never held the password either: the page is made from it alone.
	j, _ := json.Marshal(htmlPlan().Rows[0].Person)
	if bytes.Contains(j, []byte(rowPassword)) {
		t.Error("person holds the password")
	}
}

// planRows is the report of every row of p, as `plan` writes it.
func planRows(p *plan.Plan) []Row {
	out := make([]Row, len(p.Rows))
	for i := range p.Rows {
		out[i] = PlanRow(p, &p.Rows[i])
	}
	return out
}
