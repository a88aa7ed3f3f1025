package plan

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/encimport/encimport/encompass"
)

func TestCreateKeepsItsWireForm(t *testing.T) {
	yes := true
	u := encompass.User{ID: "jdoe", FirstName: "Jane", LastName: "Doe", Password: "Secret-123",
		Personas:       []encompass.EntityRef{{EntityID: "3", EntityName: "Loan Officer"}},
		Licenses:       []encompass.License{{State: "CO", Selected: true}},
		AccountEnabled: &yes}
	c := NewCreate("12", &u)
	if u.Password != "Secret-123" {
		t.Fatalf("NewCreate changed the caller's user: password %q", u.Password)
	}
	got := c.User()
	want := u
	want.Password = ""
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("User() = %+v, want %+v", got, want)
	}
	got.FirstName = "changed"
	if c.User().FirstName != "Jane" {
		t.Fatal("changing the built body changed the plan")
	}

	p := &Plan{Version: Version, Rows: []Row{{Sheet: "People", Row: 2, ID: "jdoe", Create: c, Password: "Secret-123", NeedsPassword: true}}}
	var buf bytes.Buffer
	if err := Save(&buf, p); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "Secret-123") {
		t.Fatalf("the saved plan holds the password:\n%s", buf.String())
	}
	var raw struct {
		Rows []struct {
			Create map[string]json.RawMessage `json:"create"`
		} `json:"rows"`
	}
	if err := json.Unmarshal(buf.Bytes(), &raw); err != nil {
		t.Fatal(err)
	}
	var body encompass.User
	if err := json.Unmarshal(raw.Rows[0].Create["user"], &body); err != nil || string(raw.Rows[0].Create["orgId"]) != `"12"` {
		t.Fatalf("saved create is not {orgId, user}: %s (%v)", buf.String(), err)
	}
	if body.ID != "jdoe" || len(body.Personas) != 1 || body.AccountEnabled == nil || !*body.AccountEnabled {
		t.Fatalf("saved user %+v", body)
	}

	back, err := Load(&buf)
	if err != nil {
		t.Fatal(err)
	}
	r := back.Rows[0]
	if r.Create == nil || r.Create.OrgID != "12" {
		t.Fatalf("loaded create %+v", r.Create)
	}
	// Compared on the wire: decoding also notes the lists the JSON left out.
	if g, w := mustJSON(t, r.Create.User()), mustJSON(t, want); g != w {
		t.Fatalf("loaded body %s, want %s", g, w)
	}
	if w := back.Rows[0].Who(); w.FirstName != "Jane" || w.LastName != "Doe" {
		t.Fatalf("Who() of a loaded create = %+v", w)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
