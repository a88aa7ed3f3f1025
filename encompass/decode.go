package encompass

// This file is the one place that tolerates the variants of the vendor's
// user-model JSON (docs/encompass-api.md, "Evidence"): ids typed as strings
// in older contracts and as integers in V3, ccSite as an object (V1) or an
// array (V3), enumerations in other casings, dates with a time part and
// hierarchy references. (The transport's own bodies, errors and token
// introspection, are decoded in package apiclient.) Each type decodes in one pass: a
// shadowing struct embeds the type's plain alias and overrides only the
// fields whose JSON may vary. Unknown fields are ignored.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// flexString decodes an id sent as a JSON string, a number or null.
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	if len(b) == 0 {
		return nil
	}
	switch c := b[0]; {
	case c == 'n':
		*f = ""
		return nil
	case c == '"':
		if bytes.IndexByte(b, '\\') < 0 && len(b) >= 2 {
			*f = flexString(b[1 : len(b)-1])
			return nil
		}
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexString(s)
		return nil
	case c == '-' || (c >= '0' && c <= '9'):
		// The decoder has validated the literal; keep its text (no float
		// round trip, so 12345678901234567890 stays exact).
		*f = flexString(b)
		return nil
	}
	return fmt.Errorf("an id must be a JSON string, number or null, not %.20s", b)
}

// Bits of User.missing, in the order of missingNames.
const (
	missingPersonas uint8 = 1 << iota
	missingGroups
	missingLicenses
)

var missingNames = [...]string{FieldPersonas, FieldGroups, FieldLicenses}

// Missing returns the wire names of the entity lists ("personas", "groups",
// "licenses") that were absent (or null) in the JSON u was decoded from: a
// summary read, which must not be diffed against those lists. A User built
// in Go misses nothing, and a present but empty list is not missing.
func (u *User) Missing() []string {
	if u == nil || u.missing == 0 {
		return nil
	}
	var out []string
	for i, name := range missingNames {
		if u.missing&(1<<i) != 0 {
			out = append(out, name)
		}
	}
	return out
}

// userPlain is User without its UnmarshalJSON method.
type userPlain User

// refWire is an entity reference as sent, decoded without a method call of
// its own per reference.
type refWire struct {
	EntityID   flexString `json:"entityId"`
	EntityType string     `json:"entityType"`
	EntityName string     `json:"entityName"`
}

func (r refWire) ref() EntityRef {
	return EntityRef{EntityID: string(r.EntityID), EntityType: r.EntityType, EntityName: r.EntityName}
}

func refs(ws []refWire) []EntityRef {
	if ws == nil {
		return nil
	}
	out := make([]EntityRef, len(ws))
	for i, w := range ws {
		out[i] = w.ref()
	}
	return out
}

// userWire is the one-pass decoding shape of a User: the plain fields, with
// the ids and references shadowed. A UserPage is a list of them, so a page
// is scanned once rather than once more per user.
type userWire struct {
	userPlain
	ID           flexString `json:"id"`
	Organization *refWire   `json:"organization"`
	Personas     []refWire  `json:"personas"`
	Groups       []refWire  `json:"groups"`
}

// user returns the decoded User, normalised.
func (w *userWire) user() User {
	u := User(w.userPlain)
	u.ID = string(w.ID)
	if w.Organization != nil {
		r := w.Organization.ref()
		u.Organization = &r
	}
	u.Personas, u.Groups = refs(w.Personas), refs(w.Groups)
	u.missing = 0
	if u.Personas == nil {
		u.missing |= missingPersonas
	}
	if u.Groups == nil {
		u.missing |= missingGroups
	}
	if u.Licenses == nil {
		u.missing |= missingLicenses
	}
	u.PeerLoanAccess = normLoanAccess(u.PeerLoanAccess)
	u.SubordinateLoanAccess = normLoanAccess(u.SubordinateLoanAccess)
	u.NMLSExpirationDate = dateOnly(u.NMLSExpirationDate)
	for i := range u.Licenses {
		u.Licenses[i].ExpirationDate = dateOnly(u.Licenses[i].ExpirationDate)
	}
	if u.CCSite != nil && *u.CCSite == (CCSite{}) {
		u.CCSite = nil // "ccSite": [] or {}
	}
	return u
}

// UnmarshalJSON decodes a user from any of the documented variants.
func (u *User) UnmarshalJSON(b []byte) error {
	var w userWire
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*u = w.user()
	return nil
}

// UserPage is a page of the users list as sent. Decoded with encoding/json,
// it is scanned in one pass (no UnmarshalJSON call per user); Users returns
// the decoded users.
type UserPage []userWire

// Users returns the users of the page, normalised as User.UnmarshalJSON
// would; nil for an empty page.
func (p UserPage) Users() []User {
	if p == nil {
		return nil
	}
	out := make([]User, len(p))
	for i := range p {
		out[i] = p[i].user()
	}
	return out
}

// normLoanAccess returns a loan access value in the API's spelling
// (Disabled, ReadOnly, ReadWrite) whatever its case, mapping the V1 names
// viewOnly and edit; anything else is returned as it is.
func normLoanAccess(s string) string {
	switch {
	case s == "" || s == LoanAccessReadOnly || s == LoanAccessReadWrite || s == LoanAccessDisabled:
		return s
	case strings.EqualFold(s, LoanAccessReadOnly), strings.EqualFold(s, "viewOnly"):
		return LoanAccessReadOnly
	case strings.EqualFold(s, LoanAccessReadWrite), strings.EqualFold(s, "edit"):
		return LoanAccessReadWrite
	case strings.EqualFold(s, LoanAccessDisabled):
		return LoanAccessDisabled
	}
	return s
}

// dateOnly cuts the time part off a date-time ("2027-12-31T00:00:00Z" ->
// "2027-12-31"); other values are returned as they are.
func dateOnly(s string) string {
	if len(s) > 10 && (s[10] == 'T' || s[10] == ' ') && s[4] == '-' && s[7] == '-' {
		return s[:10]
	}
	return s
}

// UnmarshalJSON accepts entityId as a string, a number or null.
func (r *EntityRef) UnmarshalJSON(b []byte) error {
	type plain EntityRef
	*r = EntityRef{}
	w := struct {
		*plain
		EntityID flexString `json:"entityId"`
	}{plain: (*plain)(r)}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	r.EntityID = string(w.EntityID)
	return nil
}

// UnmarshalJSON accepts an object (V1) or an array of objects (V3, the first
// one is taken; an empty array or null gives the zero CCSite).
func (s *CCSite) UnmarshalJSON(b []byte) error {
	type plain CCSite
	*s = CCSite{}
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '[' {
		var arr []json.RawMessage
		if err := json.Unmarshal(b, &arr); err != nil {
			return err
		}
		if len(arr) == 0 {
			return nil
		}
		b = arr[0]
	}
	w := struct {
		*plain
		SiteID flexString `json:"siteId"`
	}{plain: (*plain)(s)}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	s.SiteID = string(w.SiteID)
	return nil
}

// MarshalJSON sends the V3 shape: an array holding the one site.
func (s CCSite) MarshalJSON() ([]byte, error) {
	type plain CCSite
	return json.Marshal([1]plain{plain(s)})
}

// UnmarshalJSON decodes a nested organization object {id, name, parentOrg,
// children} or a hierarchy reference {entityId, entityType, entityName,
// entityUri, parentOrgId, orgId}.
func (o *Organization) UnmarshalJSON(b []byte) error {
	type plain Organization
	*o = Organization{}
	w := struct {
		*plain
		ID          flexString `json:"id"`
		EntityID    flexString `json:"entityId"`
		EntityType  string     `json:"entityType"`
		EntityName  string     `json:"entityName"`
		ParentOrgID flexString `json:"parentOrgId"`
	}{plain: (*plain)(o)}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	o.ID = string(w.ID)
	if o.ID == "" {
		o.ID = string(w.EntityID)
	}
	o.EntityType = w.EntityType
	if o.Name == "" {
		o.Name = w.EntityName
	}
	if o.ParentOrg == nil && w.ParentOrgID != "" {
		o.ParentOrg = &EntityRef{EntityID: string(w.ParentOrgID), EntityType: EntityTypeOrganization}
	}
	return nil
}

// UnmarshalJSON accepts the persona id as a string or a number.
func (p *Persona) UnmarshalJSON(b []byte) error {
	type plain Persona
	*p = Persona{}
	w := struct {
		*plain
		ID flexString `json:"id"`
	}{plain: (*plain)(p)}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	p.ID = string(w.ID)
	return nil
}

// UnmarshalJSON decodes V3 {folderName, displayName, folderType, ...} and V1
// {name, folderType, ...}, normalising folderType to the API's spelling;
// without a folderType, isArchiveFolder true means Archive.
func (f *LoanFolder) UnmarshalJSON(b []byte) error {
	type plain LoanFolder
	*f = LoanFolder{}
	w := struct {
		*plain
		V1Name          string `json:"name"`
		IsArchiveFolder *bool  `json:"isArchiveFolder"`
	}{plain: (*plain)(f)}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	if f.Name == "" {
		f.Name = w.V1Name
	}
	f.FolderType = normFolderType(f.FolderType)
	if f.FolderType == "" && w.IsArchiveFolder != nil && *w.IsArchiveFolder {
		f.FolderType = FolderTypeArchive
	}
	return nil
}

func normFolderType(s string) string {
	s = strings.TrimSpace(s)
	for _, t := range [...]string{FolderTypeRegular, FolderTypeArchive, FolderTypeTrash} {
		if strings.EqualFold(s, t) {
			return t
		}
	}
	return s
}
