package encompass

// This file holds the documented Encompass V3 user rules (docs/seeds,
// docs/encompass-api.md) in one place: the planner checks rows with them
// before any call, and the sandbox enforces them on every request.

import (
	"fmt"
	"strings"
	"time"
)

// Documented limits.
const (
	MaxIDLen            = 16
	MaxNameLen          = 64 // firstName, middleName, lastName, suffix, title
	MaxEmailLen         = 64
	MaxPasswordLen      = 50
	MaxOAuthClientIDLen = 100
	DateLayout          = "2006-01-02"
)

// Error codes the sandbox answers with and the planner reports. Encompass
// publishes no list; these are the sandbox's own, stable for tests.
const (
	CodeBadRequest       = "EBS-400"
	CodeInvalidID        = "EBS-401"
	CodeRequired         = "EBS-402"
	CodeTooLong          = "EBS-403"
	CodeFormat           = "EBS-404"
	CodeCombination      = "EBS-405"
	CodeEnumeration      = "EBS-406"
	CodeEmptyPersonas    = "EBS-407"
	CodeReadOnlyField    = "EBS-408"
	CodeMoveBody         = "EBS-409"
	CodeMoveSource       = "EBS-410"
	CodeMoveSelf         = "EBS-411"
	CodeMoveSuperAdmin   = "EBS-412"
	CodeUnknownReference = "EBS-413"
	CodeUnauthorized     = "EBS-901"
	CodeForbidden        = "EBS-903"
	CodeNotFound         = "EBS-904"
	CodeConflict         = "EBS-909"
	CodeServerError      = "EBS-500"
	CodeUnavailable      = "EBS-503"
)

// Violation is one broken rule, located by the field's wire name.
type Violation struct {
	Field   string // wire name, e.g. "firstName"; "" for the whole user
	Code    string // one of the Code constants
	Message string // what is wrong and what to do
}

func (v Violation) Error() string {
	if v.Field == "" {
		return v.Message
	}
	return v.Field + ": " + v.Message
}

// phonePattern and emailPattern are the documented formats as regular
// expressions. IsPhone and IsEmail match them with hand-written scanners
// (no regexp per row when a million rows are validated); a differential
// test and a fuzz test keep the two equal.
const (
	phonePattern = `^\d{3}-\d{3}-\d{4}( \d{1,6})?$`
	emailPattern = `^[^\s@"<>(),;:\\\[\]]+@[^\s@"<>(),;:\\\[\]]+\.[^\s@"<>(),;:\\\[\]]+$`
)

// IsPhone reports whether s matches phonePattern: ###-###-#### with an
// optional space and an extension of 1–6 digits.
func IsPhone(s string) bool {
	if len(s) < 12 || len(s) == 13 || len(s) > 19 {
		return false
	}
	for i := 0; i < 12; i++ {
		switch i {
		case 3, 7:
			if s[i] != '-' {
				return false
			}
		default:
			if s[i] < '0' || s[i] > '9' {
				return false
			}
		}
	}
	if len(s) == 12 {
		return true
	}
	if s[12] != ' ' {
		return false
	}
	for i := 13; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// emailForbidden marks the bytes emailPattern excludes from every part:
// \s (tab, newline, form feed, carriage return, space) and @ " < > ( ) , ; : \ [ ].
var emailForbidden = func() (t [256]bool) {
	for _, c := range []byte("\t\n\f\r @\"<>(),;:\\[]") {
		t[c] = true
	}
	return t
}()

// IsEmail reports whether s matches emailPattern: exactly one '@' with at
// least one character before it, a '.' in the domain with at least one
// character on each side, and none of the forbidden characters. (Every
// forbidden character is ASCII, so bytes of multi-byte or invalid UTF-8
// sequences are allowed, as the pattern allows any other rune.)
func IsEmail(s string) bool {
	at := -1
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !emailForbidden[c] {
			continue
		}
		if c != '@' || at >= 0 {
			return false
		}
		at = i
	}
	if at <= 0 {
		return false
	}
	d := s[at+1:]
	// A '.' with a character before and after it, within the domain.
	return len(d) >= 3 && strings.IndexByte(d[1:len(d)-1], '.') >= 0
}

// IDForbiddenChars are the characters a user id may not contain.
const IDForbiddenChars = `\/:*?"<>`

// CheckID checks a user id: required, 1–16 chars, no leading '.', none of \ / : * ? " < >.
func CheckID(id string) *Violation {
	switch {
	case id == "":
		return &Violation{"id", CodeRequired, "the user id is required"}
	case len(id) > MaxIDLen && len([]rune(id)) > MaxIDLen:
		return &Violation{"id", CodeInvalidID, fmt.Sprintf("the user id %q is %d characters; use at most %d", id, len([]rune(id)), MaxIDLen)}
	case strings.HasPrefix(id, "."):
		return &Violation{"id", CodeInvalidID, fmt.Sprintf("the user id %q starts with a period; remove it", id)}
	case containsIDForbidden(id):
		return &Violation{"id", CodeInvalidID, fmt.Sprintf(`the user id %q contains one of \ / : * ? " < >; remove it`, id)}
	case strings.ContainsAny(id, "\r\n\t"):
		return &Violation{"id", CodeInvalidID, fmt.Sprintf("the user id %q contains a line break or tab; remove it", id)}
	}
	return nil
}

// containsIDForbidden is strings.ContainsAny(id, IDForbiddenChars) without
// building the character set on every call (all of them are ASCII).
func containsIDForbidden(id string) bool {
	for i := 0; i < len(id); i++ {
		switch id[i] {
		case '\\', '/', ':', '*', '?', '"', '<', '>':
			return true
		}
	}
	return false
}

// hasLineBreak is strings.ContainsAny(s, "\r\n").
func hasLineBreak(s string) bool {
	return strings.IndexByte(s, '\n') >= 0 || strings.IndexByte(s, '\r') >= 0
}

// CheckMaxLen checks that value has at most max characters.
func CheckMaxLen(field, value string, max int) *Violation {
	if len(value) <= max {
		return nil // never more characters than bytes
	}
	if n := len([]rune(value)); n > max {
		return &Violation{field, CodeTooLong, fmt.Sprintf("%d characters; use at most %d", n, max)}
	}
	return nil
}

// CheckEmail checks an email address (≤ 64, one '@', a dot in the domain).
func CheckEmail(s string) *Violation {
	if v := CheckMaxLen("email", s, MaxEmailLen); v != nil {
		return v
	}
	if !IsEmail(s) {
		return &Violation{"email", CodeFormat, fmt.Sprintf("%q is not an email address; write it as name@example.com", s)}
	}
	return nil
}

// CheckPhone checks ###-###-#### with an optional " ####" extension.
func CheckPhone(field, s string) *Violation {
	if !IsPhone(s) {
		return &Violation{field, CodeFormat, fmt.Sprintf("%q is not a phone number; write it as 303-555-0100, optionally followed by a space and an extension", s)}
	}
	return nil
}

// CheckDate checks a yyyy-MM-dd date.
func CheckDate(field, s string) *Violation {
	if IsPlainDate(s) {
		return nil
	}
	if _, err := time.Parse(DateLayout, s); err != nil {
		return &Violation{field, CodeFormat, fmt.Sprintf("%q is not a date; write it as yyyy-MM-dd", s)}
	}
	return nil
}

// IsPlainDate reports whether s is yyyy-MM-dd with four, two and two
// digits naming a day of the calendar: a fast path of CheckDate that
// accepts only what time.Parse(DateLayout, s) accepts (a test keeps them
// equal). False does not mean invalid: CheckDate then asks time.Parse.
func IsPlainDate(s string) bool {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return false
	}
	n := [3]int{}
	for k, part := range [3]string{s[0:4], s[5:7], s[8:10]} {
		for i := 0; i < len(part); i++ {
			c := part[i]
			if c < '0' || c > '9' {
				return false
			}
			n[k] = n[k]*10 + int(c-'0')
		}
	}
	y, m, d := n[0], n[1], n[2]
	if m < 1 || m > 12 || d < 1 {
		return false
	}
	days := [13]int{0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}[m]
	if m == 2 && y%4 == 0 && (y%100 != 0 || y%400 == 0) {
		days = 29
	}
	return d <= days
}

// PeerLoanAccessValues and SubordinateLoanAccessValues are the documented enumerations.
var (
	PeerLoanAccessValues        = []string{LoanAccessDisabled, LoanAccessReadOnly, LoanAccessReadWrite}
	SubordinateLoanAccessValues = []string{LoanAccessReadOnly, LoanAccessReadWrite}
)

// CheckEnum checks that value is one of allowed (exact spelling).
func CheckEnum(field, value string, allowed []string) *Violation {
	for _, a := range allowed {
		if value == a {
			return nil
		}
	}
	return &Violation{field, CodeEnumeration, fmt.Sprintf("%q is not allowed; use one of %s", value, strings.Join(allowed, ", "))}
}

// LicenseStates is the fixed list of license entries: 50 states, DC and territories.
var LicenseStates = []string{
	"AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN", "IA",
	"KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM",
	"NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA",
	"WV", "WI", "WY", "AS", "GU", "MP", "PR", "VI",
}

// IsLicenseState reports whether code (upper case) is in LicenseStates.
func IsLicenseState(code string) bool {
	for _, s := range LicenseStates {
		if s == code {
			return true
		}
	}
	return false
}

// Defaults are the company settings that make orgId, personas and
// workingFolder optional on create.
type Defaults struct {
	OrgID         string `json:"orgId,omitempty"`
	PersonaID     string `json:"personaId,omitempty"`
	WorkingFolder string `json:"workingFolder,omitempty"`
}

// CheckUser checks the field rules of a user body. On create it also checks
// the required fields (orgID is the orgId query parameter; the company
// defaults make orgId, personas and workingFolder optional). On update u
// must be the user as it would be after the patch, with hasPassword telling
// whether the patch sends one. It returns every violation found.
func CheckUser(u *User, create bool, orgID string, d Defaults) []Violation {
	var vs []Violation
	add := func(v *Violation) {
		if v != nil {
			vs = append(vs, *v)
		}
	}
	add(CheckID(u.ID))
	req := func(field, value string) {
		if strings.TrimSpace(value) == "" {
			vs = append(vs, Violation{field, CodeRequired, "required; fill it in"})
		}
	}
	if create {
		req("firstName", u.FirstName)
		req("lastName", u.LastName)
		req("email", u.Email)
		if orgID == "" && d.OrgID == "" {
			vs = append(vs, Violation{"orgId", CodeRequired, "required on create (no company default org); give the organization"})
		}
		if len(u.Personas) == 0 && d.PersonaID == "" {
			vs = append(vs, Violation{"personas", CodeRequired, "required on create (no company default persona); give at least one persona"})
		}
		if u.WorkingFolder == "" && d.WorkingFolder == "" {
			vs = append(vs, Violation{"workingFolder", CodeRequired, "required on create (no company default working folder); give the loan folder"})
		}
	}
	for _, f := range []struct{ name, v string }{
		{"firstName", u.FirstName}, {"middleName", u.MiddleName}, {"lastName", u.LastName},
		{"suffix", u.Suffix}, {"title", u.Title},
	} {
		add(CheckMaxLen(f.name, f.v, MaxNameLen))
		if hasLineBreak(f.v) {
			vs = append(vs, Violation{f.name, CodeFormat, "contains a line break; keep it on one line"})
		}
	}
	if u.Email != "" {
		add(CheckEmail(u.Email))
	}
	add(CheckMaxLen("password", u.Password, MaxPasswordLen))
	apiUser := u.APIUser != nil && *u.APIUser
	sso := u.IsSSOOnly != nil && *u.IsSSOOnly
	if create && u.Password == "" && !apiUser && !sso {
		vs = append(vs, Violation{"password", CodeRequired, "required unless apiUser or isSsoOnly is true; give a password"})
	}
	if sso && u.Password != "" {
		vs = append(vs, Violation{"isSsoOnly", CodeCombination, "isSsoOnly may be true only when no password is given; remove the password or set isSsoOnly false"})
	}
	if u.AllowImpersonation != nil && *u.AllowImpersonation && !apiUser {
		vs = append(vs, Violation{"allowImpersonation", CodeCombination, "may be true only when apiUser is true"})
	}
	if apiUser && u.OAuthClientID == "" {
		vs = append(vs, Violation{"oAuthClientId", CodeRequired, "required when apiUser is true; give the OAuth client id"})
	}
	add(CheckMaxLen("oAuthClientId", u.OAuthClientID, MaxOAuthClientIDLen))
	for _, f := range []struct{ name, v string }{{"phone", u.Phone}, {"cellPhone", u.CellPhone}, {"fax", u.Fax}} {
		if f.v != "" {
			add(CheckPhone(f.name, f.v))
		}
	}
	if u.NMLSExpirationDate != "" {
		add(CheckDate("nmlsExpirationDate", u.NMLSExpirationDate))
	}
	if u.PeerLoanAccess != "" {
		add(CheckEnum("peerLoanAccess", u.PeerLoanAccess, PeerLoanAccessValues))
	}
	if u.SubordinateLoanAccess != "" {
		add(CheckEnum("subordinateLoanAccess", u.SubordinateLoanAccess, SubordinateLoanAccessValues))
	}
	for _, l := range u.Licenses {
		if !IsLicenseState(l.State) {
			vs = append(vs, Violation{"licenses", CodeEnumeration, fmt.Sprintf("%q is not a state or territory code; use two letters such as CA", l.State)})
		}
		if l.ExpirationDate != "" {
			add(CheckDate("licenses", l.ExpirationDate))
		}
	}
	return vs
}
