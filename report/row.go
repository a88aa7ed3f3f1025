package report

import (
	"strings"

	"github.com/encimport/encimport/encompass"
	"github.com/encimport/encimport/plan"
)

// Header is the report's column order (docs/product.md "The per-row report"):
// the documented columns, then the columns for people (ReviewHeader), added
// at the end so tools reading the first eleven by position keep working.
var Header = append(append([]string(nil), TechnicalHeader...), ReviewHeader...)

// TechnicalHeader is the report's original columns, in order: where the row
// is, what happened and what the API said. The XLSX report keeps them on
// its second sheet (DetailsSheet).
var TechnicalHeader = []string{"sheet", "row", "id", "action", "status", "http_status", "error_code",
	"message", "correlation_id", "attempts", "duration_ms"}

// ReviewHeader is the columns of Review, in Header's order.
var ReviewHeader = []string{"first_name", "last_name", "email", "organization", "new_organization", "steps"}

// Row is one line of the per-row report.
type Row struct {
	Sheet         string           `json:"sheet"`
	Row           int              `json:"row"`
	ID            string           `json:"id"`
	Action        encompass.Action `json:"action"`
	Status        plan.Status      `json:"status"`
	HTTPStatus    int              `json:"http_status,omitempty"`
	ErrorCode     string           `json:"error_code,omitempty"`
	Message       string           `json:"message,omitempty"`
	CorrelationID string           `json:"correlation_id,omitempty"`
	Attempts      int              `json:"attempts"`
	DurationMS    int64            `json:"duration_ms"`
	Review
}

// Review is what a person reviewing a row reads beside its status: who it
// is and what the plan does to the user's organization. PlanRow fills it
// from the plan; the executor's results keep it.
type Review struct {
	FirstName string `json:"first_name,omitempty"`
	LastName  string `json:"last_name,omitempty"`
	Email     string `json:"email,omitempty"`
	// Organization is the path of the user's organization now ("" for a
	// user not yet created); NewOrganization where a create or a move puts
	// the user ("" when it stays).
	Organization    string `json:"organization,omitempty"`
	NewOrganization string `json:"new_organization,omitempty"`
	// Steps are the plan's steps for the row, in order, joined by " + ":
	// create, update (or disable, enable), move.
	Steps string `json:"steps,omitempty"`
}

// StepSep joins a row's steps.
const StepSep = " + "

// Took says what a row did for people: its steps in the past tense
// ("updated + moved") when it reached its planned outcome, else its status.
func (r Row) Took() string {
	switch r.Status {
	case plan.StatusCreated, plan.StatusUpdated, plan.StatusMoved, plan.StatusDisabled, plan.StatusEnabled:
		if r.Steps == "" {
			break
		}
		steps := strings.Split(r.Steps, StepSep)
		for i, s := range steps {
			steps[i] = pastTense(s)
		}
		return strings.Join(steps, StepSep)
	}
	return string(r.Status)
}

func pastTense(step string) string {
	if strings.HasSuffix(step, "e") {
		return step + "d"
	}
	return step + "ed"
}

// PlanRow is the report row of plan row r before it is run: where the row
// is, its id, action and status, p.Message(r) (p may be nil) and the
// Review columns. It is the one place a report row is made: plan-time
// reports, validate and the CLI use it as is; the executor starts each
// row's result from RunRow. The row holds no memory of r's strings (which
// may be slices of the reader's line).
func PlanRow(p *plan.Plan, r *plan.Row) Row {
	row := RunRow(p, r)
	row.Message = p.Message(r)
	return row
}

// RunRow is PlanRow without the plan's message, which a run replaces with
// what happened: the executor's start of each row's result.
func RunRow(p *plan.Plan, r *plan.Row) Row {
	return Row{Sheet: r.Sheet, Row: r.Row, ID: strings.Clone(r.ID), Action: r.Action, Status: r.Status,
		Review: review(p, r)}
}

func review(p *plan.Plan, r *plan.Row) Review {
	who := r.Who()
	v := Review{
		FirstName:    strings.Clone(who.FirstName),
		LastName:     strings.Clone(who.LastName),
		Email:        strings.Clone(who.Email),
		Organization: who.OrgPath,
	}
	var steps []string
	if r.Create != nil {
		steps = append(steps, "create")
		v.Organization = ""
		v.NewOrganization = "the default organization"
		if r.Create.OrgID != "" {
			v.NewOrganization = p.OrgPath(r.Create.OrgID)
		}
	}
	if r.Patch != nil {
		switch r.Outcome {
		case plan.StatusDisabled:
			steps = append(steps, "disable")
		case plan.StatusEnabled:
			steps = append(steps, "enable")
		default:
			steps = append(steps, "update")
		}
	}
	if r.Move != nil {
		steps = append(steps, "move")
		v.Organization = p.OrgPath(r.Move.SourceOrgID)
		v.NewOrganization = p.OrgPath(r.Move.TargetOrgID)
	}
	v.Steps = strings.Join(steps, StepSep)
	return v
}
