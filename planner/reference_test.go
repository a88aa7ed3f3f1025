package planner

import (
	"github.com/encimport/encimport/encompass"
	"github.com/encimport/encimport/importer"
	"github.com/encimport/encimport/plan"
)

// The whole-file references the tests hold the Checker and CheckFile to
// (exported for the external tests too; the program runs CheckFile and
// the Checker).

// OfflinePlan is the plan of `validate`: every row is invalid (with all its
// offline problems) or planned, with no server diff and no steps. The
// Outcome of a planned row is what its action would report when it changes
// something (empty for upsert, which depends on the server).
func OfflinePlan(recs []*importer.Record, in plan.Input, opts plan.Options) *plan.Plan {
	opts = normalizeOptions(opts)
	p := &plan.Plan{Version: plan.Version, Input: in, Options: opts, Rows: make([]plan.Row, 0, len(recs))}
	c := NewChecker(opts)
	for _, rec := range recs {
		p.Rows = append(p.Rows, c.Row(rec))
	}
	return p
}

// CheckOffline checks every rule a row can break without asking the server
// and appends one Problem per broken rule to rec.Problems, keeping the
// reader's problems. defaultAction applies to rows with an empty action cell
// ("" means upsert). It is idempotent: a problem already recorded is not
// added twice.
//
// CheckOffline does not know the company defaults, so it never reports a
// missing orgId, personas or workingFolder; Build and OfflinePlan, which get
// Options, do. Required fields are checked only for action create: whether
// an upsert creates is known only once the server has been read (Build).
//
// It runs a Checker over recs; use a Checker directly to check rows while
// they are read.
func CheckOffline(recs []*importer.Record, defaultAction encompass.Action) {
	c := newChecker(plan.Options{DefaultAction: defaultAction}, false)
	for _, rec := range recs {
		c.Check(rec)
	}
}

// Check appends to rec.Problems every offline problem of the row (the step
// of CheckOffline), keeping the reader's problems and never adding a problem
// already there.
func (c *Checker) Check(rec *importer.Record) {
	for _, p := range c.problems(rec, rowAction(rec, c.opts.DefaultAction)) {
		rec.Problems = appendProblem(rec.Problems, p)
	}
}
