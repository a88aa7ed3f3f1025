package report

import (
	"cmp"
	_ "embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/encimport/encimport/encompass"
	"github.com/encimport/encimport/importer"
	"github.com/encimport/encimport/internal/atomicfile"
	"github.com/encimport/encimport/plan"
)

// ExtHTML is the extension of the HTML page (a --report extension too).
const ExtHTML = ".html"

// HTMLMaxRows bounds the people listed one by one on a page: past it the
// page still counts every row and lists every row with a problem (they
// come first), and says how many rows it leaves to the csv/xlsx report. A
// browser shows ten thousand rows comfortably; not a quarter of a million.
const HTMLMaxRows = 10_000

//go:embed html.tmpl
var htmlSource string

var htmlTemplate = template.Must(template.New("page").Funcs(template.FuncMap{
	"join":        strings.Join,
	"actionLabel": actionLabel,
}).Parse(htmlSource))

// actionLabel is how the page names an action filter: "none" (the rows
// with no step: unchanged, invalid, not done) reads "no change".
func actionLabel(a string) string {
	if a == "none" {
		return "no change"
	}
	return a
}

// Page is what the HTML page of a plan or a run shows. Make it with
// NewPage; WriteHTML renders it.
type Page struct {
	Title     string
	Run       bool // the page of a run (results), not of a plan
	Input     string
	Sheet     string
	Caller    string
	Generated string

	StatusCounts []Tally // rows per status, in plan.Statuses order
	ActionCounts []Tally // rows per step (create, update, move, disable, enable), then none
	Stats        []Tally // a run's calls, retries, 429s, reconciles, elapsed
	Warnings     []string
	Refused      string // why a --sync plan must not run ("" when it may)
	Moves        []MoveGroup
	People       []Person
	Problems     int // rows with an error (invalid, failed, skipped)
	Total        int // rows in the input
	Left         int // rows not listed (HTMLMaxRows)

	Statuses []string // the filter's choices
	Actions  []string
}

// Tally is one labelled number at the top of the page.
type Tally struct {
	Label string
	N     string
	Class string // status class, for colours ("" none)
}

// MoveGroup is the people moved from one organization to another.
type MoveGroup struct {
	From, To string
	People   []string // "Name (id)", in input order
}

// Person is one row of the page.
type Person struct {
	Sheet    string
	Row      int
	ID       string
	Name     string
	Email    string
	Status   string // the row's status
	Took     string // what it did ("updated + moved") or its status
	Steps    string // the plan's steps ("update + move"), or the requested action with none
	Actions  string // filter keys: the steps and the requested action, space separated
	From, To string
	Changes  []Change
	Personas Delta
	Licenses Delta
	Problems []string // errors and the run's failure, in words
	Warnings []string
	Bad      bool // an error: invalid, failed or skipped
}

// Change is one field's before and after on the page.
type Change struct{ Field, Before, After string }

// Delta is what a list (personas, licenses) gains and loses.
type Delta struct{ Added, Removed []string }

// Empty reports a delta with nothing in it.
func (d Delta) Empty() bool { return len(d.Added) == 0 && len(d.Removed) == 0 }

// NewPage builds the page of plan p, or, with results (the executor's rows,
// in plan order), the page of its run; sum is the run's summary (nil for a
// plan). now is printed as the time the page was made.
func NewPage(p *plan.Plan, results []Row, sum *Summary, now time.Time) *Page {
	pg := &Page{Run: results != nil, Input: filepath.Base(p.Input.Path), Sheet: p.Input.Sheet, Caller: p.Caller,
		Generated: now.Format("2006-01-02 15:04:05 MST"), Total: len(p.Rows)}
	pg.Title = "encimport plan: " + pg.Input
	if pg.Run {
		pg.Title = "encimport run: " + pg.Input
	}
	if pg.Sheet == pg.Input {
		pg.Sheet = "" // a CSV file's sheet is the file
	}
	for _, w := range p.Warnings {
		pg.Warnings = append(pg.Warnings, w.Error())
	}
	if p.Sync != nil {
		pg.Refused = p.Sync.Refused
	}
	byPos := map[[2]any]int{}
	if results != nil && len(results) != len(p.Rows) {
		for i, r := range results {
			byPos[[2]any{r.Sheet, r.Row}] = i
		}
	}
	statusN, actionN := map[string]int{}, map[string]int{}
	var people []Person
	for i := range p.Rows {
		pr := &p.Rows[i]
		row := PlanRow(p, pr)
		if results != nil {
			j, ok := i, len(results) == len(p.Rows)
			if !ok {
				j, ok = byPos[[2]any{pr.Sheet, pr.Row}]
			}
			if ok {
				res := results[j]
				res.Review = row.Review // results keep it; a plan row's is the reference
				row = res
			}
		}
		person := newPerson(p, pr, row, pg.Run)
		if person.Sheet == pg.Input {
			person.Sheet = ""
		}
		statusN[person.Status]++
		if person.Bad {
			pg.Problems++
		}
		steps := strings.Fields(strings.ReplaceAll(row.Steps, StepSep, " "))
		for _, s := range steps {
			actionN[s]++
		}
		if len(steps) == 0 {
			actionN["none"]++
		}
		people = append(people, person)
	}
	// Problems first (errors, then warnings), each in input order.
	rank := func(p Person) int {
		switch {
		case p.Bad:
			return 0
		case len(p.Warnings) > 0:
			return 1
		}
		return 2
	}
	slices.SortStableFunc(people, func(a, b Person) int { return cmp.Compare(rank(a), rank(b)) })
	if len(people) > HTMLMaxRows {
		keep := max(HTMLMaxRows, pg.Problems)
		pg.Left = len(people) - keep
		people = people[:keep]
	}
	pg.People = people

	for _, st := range plan.Statuses {
		if n := statusN[string(st)]; n > 0 {
			pg.StatusCounts = append(pg.StatusCounts, Tally{Label: string(st), N: strconv.Itoa(n), Class: string(st)})
			pg.Statuses = append(pg.Statuses, string(st))
		}
	}
	for _, a := range []string{"create", "update", "move", "disable", "enable", "none"} {
		if n := actionN[a]; n > 0 {
			pg.ActionCounts = append(pg.ActionCounts, Tally{Label: a, N: strconv.Itoa(n)})
			pg.Actions = append(pg.Actions, a)
		}
	}
	for _, a := range encompassActions(p) {
		if !slices.Contains(pg.Actions, a) {
			pg.Actions = append(pg.Actions, a)
		}
	}
	if sum != nil {
		pg.Stats = []Tally{
			{Label: "API calls", N: strconv.Itoa(sum.Calls)},
			{Label: "planning reads", N: strconv.Itoa(sum.ReadCalls)},
			{Label: "retries", N: strconv.Itoa(sum.Retries)},
			{Label: "429s", N: strconv.Itoa(sum.TooMany429)},
			{Label: "reconciles", N: strconv.Itoa(sum.Reconciles)},
			{Label: "elapsed", N: sum.Elapsed.Round(time.Millisecond).String()},
		}
	}
	pg.Moves = moveGroups(p, results)
	return pg
}

// encompassActions lists the requested actions of p's rows (create,
// upsert, ...), sorted, for the action filter.
func encompassActions(p *plan.Plan) []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range p.Rows {
		if a := string(r.Action); a != "" && !seen[a] {
			seen[a] = true
			out = append(out, a)
		}
	}
	sort.Strings(out)
	return out
}

func newPerson(p *plan.Plan, pr *plan.Row, row Row, run bool) Person {
	who := pr.Who() // once: for a create it unpacks the body
	person := Person{Sheet: pr.Sheet, Row: pr.Row, ID: pr.ID, Name: who.Name(), Email: who.Email,
		Status: string(row.Status), Took: row.Took(), Steps: row.Steps,
		From: row.Organization, To: row.NewOrganization}
	if person.Steps == "" {
		person.Steps = string(pr.Action)
	}
	steps := strings.ReplaceAll(row.Steps, StepSep, " ")
	if steps == "" {
		steps = "none"
	}
	person.Actions = strings.TrimSpace(steps + " " + string(pr.Action))
	if pr.Create != nil {
		person.Changes, person.Personas, person.Licenses = createChanges(new(pr.Create.User()))
	}
	if pr.Patch != nil {
		for _, c := range pr.Patch.Changes {
			switch c.Field {
			case encompass.FieldPersonas:
				person.Personas = listDelta(c.Before, c.After)
			case encompass.FieldLicenses:
				person.Licenses = listDelta(c.Before, c.After)
			case encompass.FieldPassword:
				person.Changes = append(person.Changes, Change{Field: c.Field, Before: "", After: "reset (from the sheet)"})
			default:
				person.Changes = append(person.Changes, Change{Field: c.Field, Before: unquote(c.Before), After: unquote(c.After)})
			}
		}
	}
	for _, pb := range pr.Problems {
		m := pb.Message
		if pb.Column != "" {
			m = pb.Column + ": " + m
		}
		if pb.Severity == importer.SeverityError {
			person.Problems = append(person.Problems, m)
		} else {
			person.Warnings = append(person.Warnings, m)
		}
	}
	switch row.Status {
	case plan.StatusInvalid, plan.StatusFailed, plan.StatusUnknown, plan.StatusSkipped:
		person.Bad = true
	}
	if run && person.Bad && row.Status != plan.StatusInvalid && row.Message != "" {
		// The run's own words: the API's error, or why the row was skipped.
		person.Problems = append(person.Problems, row.Message)
	}
	return person
}

// createChanges lists the fields a create sets (never the password), and
// its personas and licenses as added.
func createChanges(u *encompass.User) ([]Change, Delta, Delta) {
	cp := *u
	cp.Password = ""
	var personas, licenses Delta
	for _, r := range cp.Personas {
		personas.Added = append(personas.Added, cmp.Or(r.EntityName, r.EntityID))
	}
	for _, l := range cp.Licenses {
		if l.Selected {
			licenses.Added = append(licenses.Added, l.State)
		}
	}
	b, err := json.Marshal(&cp)
	if err != nil {
		return nil, personas, licenses
	}
	var m map[string]any
	if json.Unmarshal(b, &m) != nil {
		return nil, personas, licenses
	}
	// The names and email are in the person's column already.
	skip := map[string]bool{"id": true, encompass.FieldPassword: true, encompass.FieldPersonas: true,
		encompass.FieldLicenses: true, encompass.FieldOrganization: true,
		encompass.FieldFirstName: true, encompass.FieldLastName: true, encompass.FieldEmail: true}
	keys := make([]string, 0, len(m))
	for k := range m {
		if !skip[k] {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var out []Change
	for _, k := range keys {
		var v string
		switch x := m[k].(type) {
		case string:
			v = x
		case []any: // groups
			var names []string
			for _, e := range x {
				if o, ok := e.(map[string]any); ok {
					names = append(names, fmt.Sprint(cmp.Or(o["entityName"], o["entityId"])))
				}
			}
			v = strings.Join(names, ", ")
		default:
			j, _ := json.Marshal(x)
			v = string(j)
		}
		if v != "" {
			out = append(out, Change{Field: k, After: v})
		}
	}
	return out, personas, licenses
}

// listDelta compares two quoted ";" lists ("\"A;B\"") as the planner
// writes personas and licenses.
func listDelta(before, after string) Delta {
	split := func(s string) []string {
		s = unquote(s)
		if s == "" {
			return nil
		}
		return strings.Split(s, ";")
	}
	b, a := split(before), split(after)
	var d Delta
	for _, x := range a {
		if !slices.Contains(b, x) {
			d.Added = append(d.Added, x)
		}
	}
	for _, x := range b {
		if !slices.Contains(a, x) {
			d.Removed = append(d.Removed, x)
		}
	}
	return d
}

// unquote undoes the planner's quoting of a value ("\"x\"" → "x").
func unquote(s string) string {
	if u, err := strconv.Unquote(s); err == nil {
		return u
	}
	return s
}

// moveGroups lists the plan's moves by (from, to), batches merged, with
// each person's result on a run's page.
func moveGroups(p *plan.Plan, results []Row) []MoveGroup {
	var out []MoveGroup
	for _, g := range p.MoveGroups() {
		mg := MoveGroup{From: p.OrgPath(g.From), To: p.OrgPath(g.To)}
		for _, ri := range g.Rows {
			r := &p.Rows[ri]
			label := r.Label()
			if results != nil && ri < len(results) && results[ri].Row == r.Row {
				label += ": " + results[ri].Took()
			}
			mg.People = append(mg.People, label)
		}
		out = append(out, mg)
	}
	return out
}

// RenderHTML writes the page to w.
func RenderHTML(w io.Writer, pg *Page) error { return htmlTemplate.Execute(w, pg) }

// WriteHTML writes the page of p (and of its run, with results) to path,
// atomically.
func WriteHTML(path string, p *plan.Plan, results []Row, sum *Summary) error {
	pg := NewPage(p, results, sum, time.Now())
	if err := atomicfile.Write(path, 0o644, func(w io.Writer) error { return RenderHTML(w, pg) }); err != nil {
		return fmt.Errorf("html report %s: %w", path, err)
	}
	return nil
}

// WriteHTMLRows writes the page of report rows alone, when no plan was made
// (a run interrupted while reading the server): every row with its status
// and message.
func WriteHTMLRows(path, input string, rows []Row) error {
	p := &plan.Plan{Input: plan.Input{Path: input}, Rows: make([]plan.Row, len(rows))}
	for i, r := range rows {
		p.Rows[i] = plan.Row{Sheet: r.Sheet, Row: r.Row, ID: r.ID, Action: r.Action, Status: r.Status}
	}
	return WriteHTML(path, p, rows, nil)
}
