package encompass

import (
	"encoding/json"
	"testing"
)

// TestUserFieldsAccessTheirWireName sets each field of the table through its
// accessor and checks that the user's JSON carries exactly that wire name.
func TestUserFieldsAccessTheirWireName(t *testing.T) {
	for _, f := range userFields {
		t.Run(f.Name, func(t *testing.T) {
			var u User
			switch f.Kind {
			case KindString:
				if f.Str == nil || f.Bool != nil {
					t.Fatal("a string field needs Str and no Bool")
				}
				f.Set(&u, "v")
				if f.Get(&u) != "v" {
					t.Fatal("Get does not return what Set stored")
				}
			case KindBool:
				if f.Bool == nil || f.Str != nil || f.Clearable {
					t.Fatal("a boolean field needs Bool, no Str, and is not clearable")
				}
				v := true
				f.SetBool(&u, &v)
				if f.GetBool(&u) != &v {
					t.Fatal("GetBool does not return what SetBool stored")
				}
			default:
				t.Fatalf("kind %d", f.Kind)
			}
			b, err := json.Marshal(&u)
			if err != nil {
				t.Fatal(err)
			}
			var m map[string]json.RawMessage
			if err := json.Unmarshal(b, &m); err != nil {
				t.Fatal(err)
			}
			delete(m, "id")
			if _, ok := m[f.Name]; !ok || len(m) != 1 {
				t.Errorf("the accessor set %s, want only %q", b, f.Name)
			}
			if f.Required && f.Clearable {
				t.Error("a required field cannot be clearable")
			}
			if g, ok := LookupUserField(f.Name); !ok || g.Name != f.Name {
				t.Errorf("LookupUserField(%q) = %q, %v", f.Name, g.Name, ok)
			}
		})
	}
	if _, ok := LookupUserField(FieldPersonas); ok {
		t.Error("personas is an entity list, not a scalar field")
	}
}
