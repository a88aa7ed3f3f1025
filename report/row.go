package report

import (
	"strings"

	"github.com/encimport/encimport/encompass"
	"github.com/encimport/encimport/plan"
)

// Header is the report's column order (docs/product.md "The per-row report").
var Header = []string{"sheet", "row", "id", "action", "status", "http_status", "error_code",
	"message", "correlation_id", "attempts", "duration_ms"}

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
}

// PlanRow is the report row of plan row r before it is run: where the row
// is, its id, action and status, and p.Message(r) (p may be nil). It is the
// one place a report row is made: plan-time reports, validate and the CLI
// use it as is, the executor starts each row's result from it. The row
// holds no memory of r's id (which may be a slice of the reader's line).
func PlanRow(p *plan.Plan, r *plan.Row) Row {
	return Row{Sheet: r.Sheet, Row: r.Row, ID: strings.Clone(r.ID), Action: r.Action, Status: r.Status,
		Message: p.Message(r)}
}

// PlanRows returns PlanRow of every row of p, in input order: the report
// of `plan` and `apply --dry-run`.
func PlanRows(p *plan.Plan) []Row {
	out := make([]Row, len(p.Rows))
	for i := range p.Rows {
		out[i] = PlanRow(p, &p.Rows[i])
	}
	return out
}
