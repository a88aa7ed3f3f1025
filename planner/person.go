package planner

import (
	"cmp"
	"strings"

	"github.com/encimport/encimport/encompass"
	"github.com/encimport/encimport/importer"
	"github.com/encimport/encimport/plan"
)

// person is the plan.Person of a row: the row's names and email, the
// server's user's where the row leaves them empty, and the path of the
// organization the user is in now. existing and cur may be nil.
func person(rec *importer.Record, existing *encompass.User, cur *orgNode) plan.Person {
	p := plan.Person{
		FirstName: rec.Get(importer.ColFirstName),
		LastName:  rec.Get(importer.ColLastName),
		Email:     rec.Get(importer.ColEmail),
	}
	if existing != nil {
		p.FirstName = cmp.Or(p.FirstName, existing.FirstName)
		p.LastName = cmp.Or(p.LastName, existing.LastName)
		p.Email = cmp.Or(p.Email, existing.Email)
	}
	if cur != nil {
		p.OrgPath = cur.path
	}
	// The plan outlives the record and the world: copies, not pieces of
	// their strings (which would keep a row's cells and a user's packed
	// form alive).
	p.FirstName, p.LastName, p.Email = strings.Clone(p.FirstName), strings.Clone(p.LastName), strings.Clone(p.Email)
	return p
}
