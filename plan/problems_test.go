package plan

import (
	"reflect"
	"testing"

	"github.com/encimport/encimport/importer"
)

func TestProblems(t *testing.T) {
	warn := importer.Problem{Sheet: "People", Row: 2, Column: "title", Message: "unknown column", Severity: importer.SeverityWarning}
	bad := importer.Problem{Sheet: "People", Row: 2, Column: "email", Message: "not an email address"}
	whole := importer.Problem{Sheet: "People", Row: 2, Message: "the caller may not manage users"}

	var none Problems
	if none.HasErrors() {
		t.Error("no problems: HasErrors is true")
	}
	warnings := Problems{warn}
	if warnings.HasErrors() {
		t.Error("warnings alone: HasErrors is true")
	}

	ps := Problems{warn, bad, whole}
	if !ps.HasErrors() {
		t.Error("HasErrors is false with errors")
	}
	if got := ps.Warnings(); !reflect.DeepEqual(got, Problems{warn}) {
		t.Errorf("Warnings() = %v", got)
	}
	want := []string{"warning: title: unknown column", "email: not an email address", "the caller may not manage users"}
	if got := ps.Messages(); !reflect.DeepEqual(got, want) {
		t.Errorf("Messages() = %q, want %q", got, want)
	}
}

func TestMessage(t *testing.T) {
	p := &Plan{OrgPaths: map[string]string{"3": "Administration/Denver"}}
	r := &Row{Status: StatusPlanned, Create: &Create{OrgID: "3"}, Move: &MoveRef{SourceOrgID: "3", TargetOrgID: "9"},
		Problems: Problems{{Column: "title", Message: "long", Severity: importer.SeverityWarning}}}
	want := "create in Administration/Denver (id 3), then move from Administration/Denver (id 3) to organization 9; warning: title: long"
	if got := p.Message(r); got != want {
		t.Errorf("Message = %q, want %q", got, want)
	}
	// Without a plan, organizations are named by id.
	if got, want := (*Plan)(nil).Message(r), "create in organization 3, then move from organization 3 to organization 9; warning: title: long"; got != want {
		t.Errorf("Message without a plan = %q, want %q", got, want)
	}
	r.Status = StatusInvalid
	if got, want := p.Message(r), "warning: title: long"; got != want {
		t.Errorf("invalid row: Message = %q, want %q", got, want)
	}
}
