package plan

import "github.com/encimport/encimport/encompass"

// Status is a row's status, in the plan and in the per-row report
// (docs/product.md "The per-row report").
type Status string

// The statuses. A plan row is planned, unchanged or invalid; a row of
// validate (offline: nothing planned) is valid or invalid; a report row of
// a run has what the run did (created ... enabled), or failed, unknown,
// skipped.
const (
	StatusCreated   Status = "created"
	StatusUpdated   Status = "updated"
	StatusMoved     Status = "moved"
	StatusDisabled  Status = "disabled"
	StatusEnabled   Status = "enabled"
	StatusUnchanged Status = "unchanged"
	StatusPlanned   Status = "planned"
	StatusValid     Status = "valid"
	StatusInvalid   Status = "invalid"
	StatusFailed    Status = "failed"
	// StatusUnknown: a call was sent and the run was stopped before its
	// answer (the grace after an interrupt ran out): it may or may not have
	// taken effect. A rerun reads the user back before anything else.
	StatusUnknown Status = "unknown"
	// StatusSkipped: not attempted (no call of the row was sent).
	StatusSkipped Status = "skipped"
)

// Statuses lists every status, in the order summaries list them.
var Statuses = []Status{StatusCreated, StatusUpdated, StatusMoved, StatusDisabled, StatusEnabled,
	StatusUnchanged, StatusPlanned, StatusValid, StatusInvalid, StatusFailed, StatusUnknown, StatusSkipped}

// ActionOutcome is the status a row of action a reports when it changes
// something; "" for upsert (create or update: the server decides) and for
// an unknown action.
func ActionOutcome(a encompass.Action) Status {
	switch a {
	case encompass.ActionCreate:
		return StatusCreated
	case encompass.ActionUpdate:
		return StatusUpdated
	case encompass.ActionMove:
		return StatusMoved
	case encompass.ActionDisable:
		return StatusDisabled
	case encompass.ActionEnable:
		return StatusEnabled
	}
	return ""
}
