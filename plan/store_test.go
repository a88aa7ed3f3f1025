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

// TestLoadReadsKeysAsEncodingJSONDoes: Load reads a plan field by field,
// the rows one at a time; a key given twice, or in another case, means
// what it means to encoding/json (the later one wins).
func TestLoadReadsKeysAsEncodingJSONDoes(t *testing.T) {
	row := func(id string) string {
		return `{"sheet":"S","row":2,"id":"` + id + `","action":"update","status":"unchanged"}`
	}
	tests := []struct {
		name    string
		in      string
		rows    []string
		version bool // loads (else refused for its version)
	}{
		{"rows once", `{"version":1,"rows":[` + row("a") + `,` + row("b") + `]}`, []string{"a", "b"}, true},
		{"rows null", `{"version":1,"rows":null}`, nil, true},
		{"rows last", `{"rows":[` + row("a") + `],"version":1}`, []string{"a"}, true},
		{"rows twice: the later wins", `{"version":1,"rows":[` + row("a") + `],"rows":[` + row("b") + `]}`, []string{"b"}, true},
		{"rows then null", `{"version":1,"rows":[` + row("a") + `],"rows":null}`, nil, true},
		{"Rows in another case", `{"version":1,"Rows":[` + row("a") + `]}`, []string{"a"}, true},
		{"version twice: the later wins", `{"version":1,"Version":99,"rows":[]}`, nil, false},
		{"unknown keys ignored", `{"version":1,"future":{"x":[1,2]},"rows":[]}`, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Load(strings.NewReader(tt.in))
			if !tt.version {
				if err == nil {
					t.Fatalf("loaded %+v", p)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, r := range p.Rows {
				ids = append(ids, r.ID)
			}
			if !reflect.DeepEqual(ids, tt.rows) {
				t.Errorf("rows %v, want %v", ids, tt.rows)
			}
		})
	}
	for _, bad := range []string{``, `[]`, `{"version":1,"rows":{}}`, `{"version":1,"rows":[1]}`, `{"version":1,"rows":[` + row("a")} {
		if _, err := Load(strings.NewReader(bad)); err == nil {
			t.Errorf("Load(%q) succeeded", bad)
		}
	}
}
