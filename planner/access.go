package planner

import "github.com/encimport/encimport/plan"

// Access is what the calling user may do, as the planner judges it from
// the world: the same rule Build applies to every row.
type Access struct {
	CanManage bool     // may create, change and move users
	Why       string   // the indicator or persona that grants it, or what is missing
	Personas  []string // the caller's persona names
	Scope     string   // the path of the caller's organization: it may touch users there and below
	ScopeOrgs int      // organizations in that subtree, the caller's own included
	AllOrgs   int      // organizations in the tree
}

// CallerAccess reports the caller's rights and scope in w.
func (w *World) CallerAccess() Access {
	b := newBuilder(w, normalizeOptions(plan.Options{}))
	a := Access{CanManage: b.canWrite, Why: b.why}
	for _, r := range w.Caller.Personas {
		a.Personas = append(a.Personas, b.personas.name(r))
	}
	a.AllOrgs = len(b.orgs.all)
	if b.callerOrg != nil {
		a.Scope = b.callerOrg.label()
		for _, n := range b.orgs.all {
			if n.within(b.callerOrg) {
				a.ScopeOrgs++
			}
		}
	}
	return a
}
