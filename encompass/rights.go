package encompass

import (
	"fmt"
	"strings"
)

// Names of the personas that carry access rights, in the API's spelling.
// A persona is recognised by its name in any case; its id is the
// instance's own.
const (
	PersonaSuperAdministrator = "Super Administrator"
	PersonaAdministrator      = "Administrator"
	PersonaOrganizationsUser  = "Organizations/User"
)

// PersonaName returns the name of a persona reference (from the reference
// itself or the instance's personas list); the rights below read personas
// only through it.
type PersonaName func(EntityRef) string

// HasIndicator reports whether u carries one of the user indicators
// (userIndicators, computed by Encompass), in any case.
func HasIndicator(u *User, indicators ...string) bool {
	for _, ind := range u.UserIndicators {
		for _, n := range indicators {
			if strings.EqualFold(ind, n) {
				return true
			}
		}
	}
	return false
}

// HeldPersona returns the name (as personaName gives it) of the first of
// u's personas that is one of names, in any case.
func HeldPersona(u *User, personaName PersonaName, names ...string) (string, bool) {
	for _, r := range u.Personas {
		pn := personaName(r)
		for _, n := range names {
			if strings.EqualFold(pn, n) {
				return pn, true
			}
		}
	}
	return "", false
}

// managingPersonas are the personas that let their holder manage users.
var managingPersonas = []string{PersonaSuperAdministrator, PersonaAdministrator, PersonaOrganizationsUser}

// ManagingPersonas returns the names (as personaName gives them) of u's
// personas that let it manage users (those CanManageUsers reads), in u's
// order; none when the right comes only from an indicator, or is missing.
func ManagingPersonas(u *User, personaName PersonaName) []string {
	var out []string
	for _, r := range u.Personas {
		pn := personaName(r)
		for _, n := range managingPersonas {
			if strings.EqualFold(pn, n) {
				out = append(out, pn)
				break
			}
		}
	}
	return out
}

// CanManageUsers reports whether u may create, change and move users: a
// super administrator or an administrator (by indicator or persona), or a
// holder of the Organizations/User persona. why names what grants the right,
// or what is missing.
func CanManageUsers(u *User, personaName PersonaName) (ok bool, why string) {
	switch {
	case HasIndicator(u, IndicatorSuperAdministrator):
		return true, "super administrator"
	case HasIndicator(u, IndicatorAdministrator):
		return true, "administrator"
	}
	if n, ok := HeldPersona(u, personaName, managingPersonas...); ok {
		return true, fmt.Sprintf("persona %q", n)
	}
	return false, "it needs the Administrator or Super Administrator persona, or the Organizations/User persona"
}

// IsSuperAdministrator reports whether u is a super administrator (by
// indicator or persona): such a user cannot be moved out of the root
// organization.
func IsSuperAdministrator(u *User, personaName PersonaName) bool {
	if HasIndicator(u, IndicatorSuperAdministrator) {
		return true
	}
	_, ok := HeldPersona(u, personaName, PersonaSuperAdministrator)
	return ok
}
