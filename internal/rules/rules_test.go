package rules

import (
	"testing"

	"github.com/encimport/encimport/apiclient"
)

func ptr(b bool) *bool { return &b }

func valid() apiclient.User {
	return apiclient.User{ID: "jdoe", FirstName: "Jane", LastName: "Doe", Email: "jane@example.com",
		Password: "s3cret!", WorkingFolder: "My Pipeline", Personas: []apiclient.EntityRef{{EntityID: "3"}}}
}

func TestCheckUser(t *testing.T) {
	cases := []struct {
		name   string
		mod    func(u *apiclient.User)
		create bool
		org    string
		def    Defaults
		field  string
		code   string
	}{
		{"valid", func(u *apiclient.User) {}, true, "3", Defaults{}, "", ""},
		{"id empty", func(u *apiclient.User) { u.ID = "" }, true, "3", Defaults{}, "id", CodeRequired},
		{"id too long", func(u *apiclient.User) { u.ID = "abcdefghijklmnopq" }, true, "3", Defaults{}, "id", CodeInvalidID},
		{"id leading dot", func(u *apiclient.User) { u.ID = ".x" }, true, "3", Defaults{}, "id", CodeInvalidID},
		{"id colon", func(u *apiclient.User) { u.ID = "a:b" }, true, "3", Defaults{}, "id", CodeInvalidID},
		{"id quote", func(u *apiclient.User) { u.ID = `a"b` }, true, "3", Defaults{}, "id", CodeInvalidID},
		{"first name missing", func(u *apiclient.User) { u.FirstName = "" }, true, "3", Defaults{}, "firstName", CodeRequired},
		{"last name too long", func(u *apiclient.User) { u.LastName = string(make([]byte, 65)) }, true, "3", Defaults{}, "lastName", CodeTooLong},
		{"email bad", func(u *apiclient.User) { u.Email = "jane.example.com" }, true, "3", Defaults{}, "email", CodeFormat},
		{"password too long", func(u *apiclient.User) { u.Password = string(make([]byte, 51)) }, true, "3", Defaults{}, "password", CodeTooLong},
		{"password missing", func(u *apiclient.User) { u.Password = "" }, true, "3", Defaults{}, "password", CodeRequired},
		{"password optional for sso", func(u *apiclient.User) { u.Password = ""; u.IsSSOOnly = ptr(true) }, true, "3", Defaults{}, "", ""},
		{"sso with password", func(u *apiclient.User) { u.IsSSOOnly = ptr(true) }, true, "3", Defaults{}, "isSsoOnly", CodeCombination},
		{"api user needs client id", func(u *apiclient.User) { u.Password = ""; u.APIUser = ptr(true) }, true, "3", Defaults{}, "oAuthClientId", CodeRequired},
		{"impersonation without api user", func(u *apiclient.User) { u.AllowImpersonation = ptr(true) }, true, "3", Defaults{}, "allowImpersonation", CodeCombination},
		{"phone bad", func(u *apiclient.User) { u.Phone = "3035550100" }, true, "3", Defaults{}, "phone", CodeFormat},
		{"phone with extension", func(u *apiclient.User) { u.Phone = "303-555-0100 1234" }, true, "3", Defaults{}, "", ""},
		{"date bad", func(u *apiclient.User) { u.NMLSExpirationDate = "2026-13-01" }, true, "3", Defaults{}, "nmlsExpirationDate", CodeFormat},
		{"peer access bad", func(u *apiclient.User) { u.PeerLoanAccess = "Full" }, true, "3", Defaults{}, "peerLoanAccess", CodeEnumeration},
		{"subordinate disabled not allowed", func(u *apiclient.User) { u.SubordinateLoanAccess = "Disabled" }, true, "3", Defaults{}, "subordinateLoanAccess", CodeEnumeration},
		{"org required", func(u *apiclient.User) {}, true, "", Defaults{}, "orgId", CodeRequired},
		{"org default", func(u *apiclient.User) {}, true, "", Defaults{OrgID: "0"}, "", ""},
		{"personas required", func(u *apiclient.User) { u.Personas = nil }, true, "3", Defaults{}, "personas", CodeRequired},
		{"working folder default", func(u *apiclient.User) { u.WorkingFolder = "" }, true, "3", Defaults{WorkingFolder: "My Pipeline"}, "", ""},
		{"update needs no required", func(u *apiclient.User) { u.FirstName = ""; u.Password = "" }, false, "", Defaults{}, "", ""},
		{"license bad", func(u *apiclient.User) { u.Licenses = []apiclient.License{{State: "XX", Selected: true}} }, true, "3", Defaults{}, "licenses", CodeEnumeration},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			u := valid()
			tc.mod(&u)
			vs := CheckUser(&u, tc.create, tc.org, tc.def)
			if tc.field == "" {
				if len(vs) != 0 {
					t.Fatalf("want no violation, got %v", vs)
				}
				return
			}
			for _, v := range vs {
				if v.Field == tc.field && v.Code == tc.code {
					return
				}
			}
			t.Fatalf("want %s/%s, got %v", tc.field, tc.code, vs)
		})
	}
}
