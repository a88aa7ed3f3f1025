package planner

import (
	"testing"

	"github.com/encimport/encimport/plan"
)

// Every row names its person: the row's cells, the server's user where the
// row leaves them empty, and where the user is now.
func TestRowsNameTheirPerson(t *testing.T) {
	p := mixedPlan()
	byID := map[string]plan.Person{}
	for _, r := range p.Rows {
		byID[r.ID] = r.Who()
	}
	if got := byID["jdoe"]; got != (plan.Person{FirstName: "Jane", LastName: "Doe", Email: "jane@example.com"}) {
		t.Errorf("create: %+v", got)
	}
	if got := byID["lo.denver"]; got.Name() == "" || got.Email == "" || got.OrgPath != "Administration/Retail/West Region/Denver Branch" {
		t.Errorf("update: %+v (want the server's name and email, and the current organization)", got)
	}
	if got := byID["westadmin"]; got.FirstName != "Wes" {
		t.Errorf("the row's first name wins: %+v", got)
	}
	if got := OfflinePlan(mixedRecords(), plan.Input{}, plan.Options{}).Rows[0].Person; got.Name() != "Jane Doe" {
		t.Errorf("offline: %+v", got)
	}
}
