package encompass

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func boolp(b bool) *bool { return &b }

// TestDecodeRecordedVariants decodes each recorded response variant and
// asserts the Go values the planner relies on.
func TestDecodeRecordedVariants(t *testing.T) {
	tests := []struct {
		file  string
		into  func() any
		check func(t *testing.T, v any)
	}{
		{"user_v3_numeric_ids.json", func() any { return new(User) }, func(t *testing.T, v any) {
			u := v.(*User)
			if u.ID != "jdoe" || u.Organization == nil || u.Organization.EntityID != "12" {
				t.Errorf("id %q organization %+v", u.ID, u.Organization)
			}
			wantP := []EntityRef{{"7", EntityTypePersona, "Loan Officer"}, {"8", EntityTypePersona, "Loan Processor"}}
			if !slices.Equal(u.Personas, wantP) {
				t.Errorf("personas %+v, want %+v", u.Personas, wantP)
			}
			if !slices.Equal(u.Groups, []EntityRef{{"31", EntityTypeGroup, "West LOs"}}) {
				t.Errorf("groups %+v", u.Groups)
			}
			if u.NMLSExpirationDate != "2027-12-31" || u.Licenses[0].ExpirationDate != "2027-12-31" || u.Licenses[1].ExpirationDate != "" {
				t.Errorf("dates %q %+v", u.NMLSExpirationDate, u.Licenses)
			}
			if u.PeerLoanAccess != LoanAccessReadOnly || u.SubordinateLoanAccess != LoanAccessReadWrite {
				t.Errorf("loan access %q %q", u.PeerLoanAccess, u.SubordinateLoanAccess)
			}
			want := &CCSite{SiteID: "4455", URL: "https://cc.example.com/jdoe", UseParentInformation: boolp(false)}
			if !reflect.DeepEqual(u.CCSite, want) {
				t.Errorf("ccSite %+v, want %+v", u.CCSite, want)
			}
			if m := u.Missing(); m != nil {
				t.Errorf("Missing = %v, want none for a full read", m)
			}
		}},
		{"user_v1_ccsite_object.json", func() any { return new(User) }, func(t *testing.T, v any) {
			u := v.(*User)
			if u.Organization.EntityID != "3" || u.Personas[0].EntityID != "7" {
				t.Errorf("ids %+v %+v", u.Organization, u.Personas)
			}
			if u.PeerLoanAccess != LoanAccessReadOnly || u.SubordinateLoanAccess != LoanAccessReadWrite {
				t.Errorf("V1 loan access viewOnly/edit decoded as %q %q", u.PeerLoanAccess, u.SubordinateLoanAccess)
			}
			if u.CCSite == nil || u.CCSite.SiteID != "cc-9" || u.CCSite.UseParentInformation == nil || !*u.CCSite.UseParentInformation {
				t.Errorf("ccSite object %+v", u.CCSite)
			}
			if u.NMLSExpirationDate != "2026-06-30" {
				t.Errorf("date %q", u.NMLSExpirationDate)
			}
			// Present but empty lists are not missing.
			if m := u.Missing(); m != nil || u.Groups == nil || u.Licenses == nil {
				t.Errorf("Missing = %v (groups %v, licenses %v), want none", m, u.Groups, u.Licenses)
			}
		}},
		{"user_summary.json", func() any { return new(User) }, func(t *testing.T, v any) {
			u := v.(*User)
			if got, want := u.Missing(), []string{"personas", "groups", "licenses"}; !slices.Equal(got, want) {
				t.Errorf("Missing = %v, want %v", got, want)
			}
			if u.Organization.EntityID != "0" || u.PeerLoanAccess != LoanAccessDisabled {
				t.Errorf("org %+v peer %q", u.Organization, u.PeerLoanAccess)
			}
			if u.CCSite != nil {
				t.Errorf("an empty ccSite array decoded as %+v, want nil", u.CCSite)
			}
		}},
		{"org_flat_page.json", func() any { return new([]Organization) }, func(t *testing.T, v any) {
			orgs := *v.(*[]Organization)
			if len(orgs) != 3 {
				t.Fatalf("%d orgs", len(orgs))
			}
			if orgs[0].ID != "0" || orgs[0].ParentOrg != nil || orgs[0].Name != "Administration" {
				t.Errorf("root %+v", orgs[0])
			}
			if orgs[1].ID != "3" || orgs[1].ParentOrg.EntityID != "0" || orgs[2].ID != "12" || orgs[2].ParentOrg.EntityID != "3" {
				t.Errorf("children %+v %+v", orgs[1], orgs[2])
			}
			for _, o := range orgs {
				if o.EntityType != "" || o.IsUser() {
					t.Errorf("%s: EntityType %q for a full organization object", o.Name, o.EntityType)
				}
			}
		}},
		{"org_hierarchy_refs.json", func() any { return new(Organization) }, func(t *testing.T, v any) {
			o := v.(*Organization)
			if o.ID != "0" || len(o.Children) != 2 {
				t.Fatalf("root %+v", o)
			}
			retail, admin := o.Children[0], o.Children[1]
			if retail.ID != "3" || retail.Name != "Retail" || retail.EntityType != EntityTypeOrganization || retail.IsUser() ||
				retail.ParentOrg == nil || retail.ParentOrg.EntityID != "0" {
				t.Errorf("organization reference %+v", retail)
			}
			if admin.ID != "admin" || !admin.IsUser() {
				t.Errorf("user reference %+v: IsUser() = %v", admin, admin.IsUser())
			}
		}},
		{"org_hierarchy_nested.json", func() any { return new(Organization) }, func(t *testing.T, v any) {
			o := v.(*Organization)
			if len(o.Children) != 1 || len(o.Children[0].Children) != 1 || o.Children[0].Children[0].Name != "Denver Branch" {
				t.Fatalf("nested %+v", o)
			}
			if o.Children[0].EntityType != "" {
				t.Errorf("nested object got EntityType %q", o.Children[0].EntityType)
			}
		}},
		{"loanfolders_v3.json", func() any { return new([]LoanFolder) }, func(t *testing.T, v any) {
			want := []LoanFolder{
				{"My Pipeline", "My Pipeline", FolderTypeRegular},
				{"Completed Loans", "Completed Loans", FolderTypeArchive},
				{"(Trash)", "Trash", FolderTypeTrash},
				{"Old Archive", "", FolderTypeArchive},
			}
			if got := *v.(*[]LoanFolder); !slices.Equal(got, want) {
				t.Errorf("folders %+v\nwant    %+v", got, want)
			}
		}},
		{"loanfolders_v1.json", func() any { return new([]LoanFolder) }, func(t *testing.T, v any) {
			want := []LoanFolder{{"(Archive)", "", FolderTypeArchive}, {"Prospects", "", FolderTypeRegular}}
			if got := *v.(*[]LoanFolder); !slices.Equal(got, want) {
				t.Errorf("folders %+v, want %+v", got, want)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			v := tt.into()
			if err := json.Unmarshal(readTestdata(t, tt.file), v); err != nil {
				t.Fatalf("decoding: %v", err)
			}
			tt.check(t, v)
		})
	}
}

func TestDecodeIDs(t *testing.T) {
	tests := []struct {
		json    string
		want    string
		wantErr bool
	}{
		{`{"id":"abc"}`, "abc", false},
		{`{"id":12}`, "12", false},
		{`{"id":0}`, "0", false},
		{`{"id":-1}`, "-1", false},
		{`{"id":12345678901234567890}`, "12345678901234567890", false},
		{`{"id":null}`, "", false},
		{`{}`, "", false},
		{`{"id":"a\"b"}`, `a"b`, false},
		{`{"id":"\u0041"}`, "A", false},
		{`{"id":true}`, "", true},
		{`{"id":{"x":1}}`, "", true},
		{`{"id":[1]}`, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.json, func(t *testing.T) {
			var u User
			var o Organization
			var p Persona
			var r EntityRef
			errs := []error{
				json.Unmarshal([]byte(tt.json), &u),
				json.Unmarshal([]byte(tt.json), &o),
				json.Unmarshal([]byte(tt.json), &p),
				json.Unmarshal([]byte(strings.Replace(tt.json, `"id"`, `"entityId"`, 1)), &r),
			}
			got := []string{u.ID, o.ID, p.ID, r.EntityID}
			for i, err := range errs {
				if (err != nil) != tt.wantErr {
					t.Errorf("decoder %d: err = %v, wantErr %v", i, err, tt.wantErr)
				}
				if err == nil && got[i] != tt.want {
					t.Errorf("decoder %d: id = %q, want %q", i, got[i], tt.want)
				}
			}
		})
	}
}

func TestNormLoanAccess(t *testing.T) {
	tests := map[string]string{
		"": "", "ReadOnly": "ReadOnly", "readonly": "ReadOnly", "READONLY": "ReadOnly", "viewOnly": "ReadOnly",
		"ReadWrite": "ReadWrite", "readWrite": "ReadWrite", "edit": "ReadWrite", "Edit": "ReadWrite",
		"Disabled": "Disabled", "disabled": "Disabled", "Something": "Something",
	}
	for in, want := range tests {
		if got := normLoanAccess(in); got != want {
			t.Errorf("normLoanAccess(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDateOnly(t *testing.T) {
	tests := map[string]string{
		"2027-12-31T00:00:00Z": "2027-12-31", "2027-12-31T23:00:00-05:00": "2027-12-31", "2027-12-31 00:00:00": "2027-12-31",
		"2027-12-31": "2027-12-31", "": "", "12/31/2027": "12/31/2027", "not a date at all": "not a date at all",
	}
	for in, want := range tests {
		if got := dateOnly(in); got != want {
			t.Errorf("dateOnly(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestUserEncoding(t *testing.T) {
	tests := []struct {
		name string
		u    User
		want string
	}{
		{"ccSite sent as the V3 array", User{ID: "a", CCSite: &CCSite{SiteID: "s1", UseParentInformation: boolp(true)}},
			`{"id":"a","ccSite":[{"siteId":"s1","useParentInformation":true}]}`},
		{"ids stay strings", User{ID: "a", Organization: &EntityRef{EntityID: "12"}, Personas: []EntityRef{{EntityID: "7"}}},
			`{"id":"a","personas":[{"entityId":"7"}],"organization":{"entityId":"12"}}`},
		{"no ccSite", User{ID: "a"}, `{"id":"a"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal(&tt.u)
			if err != nil || string(b) != tt.want {
				t.Fatalf("Marshal = %s, %v; want %s", b, err, tt.want)
			}
			var back User
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(back.CCSite, tt.u.CCSite) || back.ID != tt.u.ID {
				t.Errorf("round trip: %+v, want %+v", back, tt.u)
			}
		})
	}
}

func TestUserMissing(t *testing.T) {
	tests := []struct {
		name string
		u    func() *User
		want []string
	}{
		{"built in Go", func() *User { return &User{ID: "a"} }, nil},
		{"nil user", func() *User { return nil }, nil},
		{"summary", func() *User { return decodeUser(t, `{"id":"a"}`) }, []string{"personas", "groups", "licenses"}},
		{"null lists count as missing", func() *User {
			return decodeUser(t, `{"id":"a","personas":null,"groups":[],"licenses":[]}`)
		}, []string{"personas"}},
		{"only licenses absent", func() *User {
			return decodeUser(t, `{"id":"a","personas":[{"entityId":1}],"groups":[]}`)
		}, []string{"licenses"}},
		{"decoding again resets", func() *User {
			u := decodeUser(t, `{"id":"a"}`)
			if err := json.Unmarshal([]byte(`{"id":"a","personas":[],"groups":[],"licenses":[]}`), u); err != nil {
				t.Fatal(err)
			}
			return u
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.u().Missing(); !slices.Equal(got, tt.want) {
				t.Errorf("Missing = %v, want %v", got, tt.want)
			}
		})
	}
}

func decodeUser(t *testing.T, s string) *User {
	t.Helper()
	var u User
	if err := json.Unmarshal([]byte(s), &u); err != nil {
		t.Fatal(err)
	}
	return &u
}
