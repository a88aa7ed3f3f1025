package encompass

import "testing"

func TestParseAction(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want Action
		ok   bool
	}{
		{"create", ActionCreate, true}, {"UPSERT", ActionUpsert, true}, {"Disable", ActionDisable, true},
		{"", "", false}, {" move", "", false}, {"delete", "", false},
		{"ups\u017fert", "", false}, // a long s folds to s, but does not lower-case to it
	} {
		got, ok := ParseAction(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ParseAction(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
	if ActionMove.Known() != true || Action("Move").Known() || Action("").Known() {
		t.Error("Known accepts only the lower-case actions")
	}
	if got, want := ActionNames(", ", " or "), "create, update, move, disable, enable or upsert"; got != want {
		t.Errorf("ActionNames = %q, want %q", got, want)
	}
}
