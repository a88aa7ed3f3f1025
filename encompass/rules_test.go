package encompass

import (
	"fmt"
	"regexp"
	"testing"
	"time"
)

func ptr(b bool) *bool { return &b }

func valid() User {
	return User{ID: "jdoe", FirstName: "Jane", LastName: "Doe", Email: "jane@example.com",
		Password: "s3cret!", WorkingFolder: "My Pipeline", Personas: []EntityRef{{EntityID: "3"}}}
}

func TestCheckUser(t *testing.T) {
	cases := []struct {
		name   string
		mod    func(u *User)
		create bool
		org    string
		def    Defaults
		field  string
		code   string
	}{
		{"valid", func(u *User) {}, true, "3", Defaults{}, "", ""},
		{"id empty", func(u *User) { u.ID = "" }, true, "3", Defaults{}, "id", CodeRequired},
		{"id too long", func(u *User) { u.ID = "abcdefghijklmnopq" }, true, "3", Defaults{}, "id", CodeInvalidID},
		{"id leading dot", func(u *User) { u.ID = ".x" }, true, "3", Defaults{}, "id", CodeInvalidID},
		{"id colon", func(u *User) { u.ID = "a:b" }, true, "3", Defaults{}, "id", CodeInvalidID},
		{"id quote", func(u *User) { u.ID = `a"b` }, true, "3", Defaults{}, "id", CodeInvalidID},
		{"first name missing", func(u *User) { u.FirstName = "" }, true, "3", Defaults{}, "firstName", CodeRequired},
		{"last name too long", func(u *User) { u.LastName = string(make([]byte, 65)) }, true, "3", Defaults{}, "lastName", CodeTooLong},
		{"email bad", func(u *User) { u.Email = "jane.example.com" }, true, "3", Defaults{}, "email", CodeFormat},
		{"password too long", func(u *User) { u.Password = string(make([]byte, 51)) }, true, "3", Defaults{}, "password", CodeTooLong},
		{"password missing", func(u *User) { u.Password = "" }, true, "3", Defaults{}, "password", CodeRequired},
		{"password optional for sso", func(u *User) { u.Password = ""; u.IsSSOOnly = ptr(true) }, true, "3", Defaults{}, "", ""},
		{"sso with password", func(u *User) { u.IsSSOOnly = ptr(true) }, true, "3", Defaults{}, "isSsoOnly", CodeCombination},
		{"api user needs client id", func(u *User) { u.Password = ""; u.APIUser = ptr(true) }, true, "3", Defaults{}, "oAuthClientId", CodeRequired},
		{"impersonation without api user", func(u *User) { u.AllowImpersonation = ptr(true) }, true, "3", Defaults{}, "allowImpersonation", CodeCombination},
		{"phone bad", func(u *User) { u.Phone = "3035550100" }, true, "3", Defaults{}, "phone", CodeFormat},
		{"phone with extension", func(u *User) { u.Phone = "303-555-0100 1234" }, true, "3", Defaults{}, "", ""},
		{"date bad", func(u *User) { u.NMLSExpirationDate = "2026-13-01" }, true, "3", Defaults{}, "nmlsExpirationDate", CodeFormat},
		{"peer access bad", func(u *User) { u.PeerLoanAccess = "Full" }, true, "3", Defaults{}, "peerLoanAccess", CodeEnumeration},
		{"subordinate disabled not allowed", func(u *User) { u.SubordinateLoanAccess = "Disabled" }, true, "3", Defaults{}, "subordinateLoanAccess", CodeEnumeration},
		{"org required", func(u *User) {}, true, "", Defaults{}, "orgId", CodeRequired},
		{"org default", func(u *User) {}, true, "", Defaults{OrgID: "0"}, "", ""},
		{"personas required", func(u *User) { u.Personas = nil }, true, "3", Defaults{}, "personas", CodeRequired},
		{"working folder default", func(u *User) { u.WorkingFolder = "" }, true, "3", Defaults{WorkingFolder: "My Pipeline"}, "", ""},
		{"update needs no required", func(u *User) { u.FirstName = ""; u.Password = "" }, false, "", Defaults{}, "", ""},
		{"license bad", func(u *User) { u.Licenses = []License{{State: "XX", Selected: true}} }, true, "3", Defaults{}, "licenses", CodeEnumeration},
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

// The regular expressions are the reference the hand-written IsPhone and
// IsEmail must agree with.
var (
	phoneRE = regexp.MustCompile(phonePattern)
	emailRE = regexp.MustCompile(emailPattern)
)

var formatSamples = []string{
	"", " ", "2025-01-01", "2024-02-29", "2023-02-29", "2000-02-29", "1900-02-29", "0000-01-01", "9999-12-31",
	"2025-00-10", "2025-13-01", "2025-04-31", "2025-04-30", "2025-1-01", "2025-01-1", "+025-01-01", "2025-01-0a",
	"2025/01/01", "2025-01-01 ", "2025-01-00", "2025-12-32", "202501-01", "303-555-0100", "303-555-0100 1", "303-555-0100 123456", "303-555-0100 1234567",
	"303-555-0100 ", "303-555-01000", "303-555-010", "3035550100", "303 555 0100", "303-555-0100x12",
	"303-555-0100  12", "303-555-0100\t12", "a03-555-0100", "303-555-0100 12a", "٣03-555-0100",
	"303-555-0100\n", "\n303-555-0100",
	"a@b.c", "jane@example.com", "jane.doe@mail.example.com", "@example.com", "jane@", "jane@.com",
	"jane@example.", "jane@example", "jane@@example.com", "ja@ne@example.com", "jane doe@example.com",
	"jane@exa mple.com", "jane@example..com", "jane@..", "jane@a..", "jane@..a", "jane@.a.", "a@b.",
	"a@.b", "a@b..", "j\"ane@example.com", "<jane@example.com>", "jane@example.com;", "jane(x)@example.com",
	"jane@[1.2.3.4]", "jane\\x@example.com", "jané@exämple.com", "jane@例え.jp", "\xff@ex.com",
	"jane@ex\xfe.com", "jane@ex.\xc3", "jane\v@example.com", "jane\u00a0@example.com", "jane@example.com\r",
	"x@y.z.", ".@a.b", "a.@.b.", "a@b.c@d.e", "a\f@b.c", "a@b\u2028.c",
}

func TestIsPhoneAndIsEmailMatchTheirPatterns(t *testing.T) {
	for _, s := range formatSamples {
		if got, want := IsPhone(s), phoneRE.MatchString(s); got != want {
			t.Errorf("IsPhone(%q) = %v, the pattern says %v", s, got, want)
		}
		if got, want := IsEmail(s), emailRE.MatchString(s); got != want {
			t.Errorf("IsEmail(%q) = %v, the pattern says %v", s, got, want)
		}
		if _, err := time.Parse(DateLayout, s); IsPlainDate(s) && err != nil {
			t.Errorf("IsPlainDate(%q) is true but time.Parse says %v", s, err)
		}
	}
	// Sanity: the samples hold matches of both kinds, not only misses.
	if !IsPhone("303-555-0100 12") || !IsEmail("jane@example.com") || IsEmail("jane@example") ||
		!IsPlainDate("2024-02-29") || IsPlainDate("2023-02-29") {
		t.Error("the obvious cases are wrong")
	}
}

func FuzzIsPhoneIsEmail(f *testing.F) {
	for _, s := range formatSamples {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := IsPhone(s), phoneRE.MatchString(s); got != want {
			t.Errorf("IsPhone(%q) = %v, the pattern says %v", s, got, want)
		}
		if got, want := IsEmail(s), emailRE.MatchString(s); got != want {
			t.Errorf("IsEmail(%q) = %v, the pattern says %v", s, got, want)
		}
		if _, err := time.Parse(DateLayout, s); IsPlainDate(s) && err != nil {
			t.Errorf("IsPlainDate(%q) is true but time.Parse says %v", s, err)
		}
	})
}

func BenchmarkIsEmailVsRegexp(b *testing.B) {
	b.Run("hand", func(b *testing.B) {
		for b.Loop() {
			IsEmail("user000123@example.com")
		}
	})
	b.Run("regexp", func(b *testing.B) {
		for b.Loop() {
			emailRE.MatchString("user000123@example.com")
		}
	})
}

// TestIsPlainDateExhaustive compares IsPlainDate with time.Parse on every
// month 0–13 and day 0–32 of leap, non-leap and century years.
func TestIsPlainDateExhaustive(t *testing.T) {
	n := 0
	for _, y := range []int{0, 1900, 2000, 2023, 2024, 2100, 9999} {
		for m := 0; m <= 13; m++ {
			for d := 0; d <= 32; d++ {
				s := fmt.Sprintf("%04d-%02d-%02d", y, m, d)
				_, err := time.Parse(DateLayout, s)
				if got := IsPlainDate(s); got != (err == nil) {
					t.Errorf("IsPlainDate(%q) = %v, time.Parse error %v", s, got, err)
				}
				if err == nil {
					n++
				}
			}
		}
	}
	if n != 7*365+3 { // 2000, 2024 and year 0 are leap years
		t.Errorf("%d valid dates, want %d", n, 7*365+3)
	}
}
