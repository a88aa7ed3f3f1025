package encompass

import (
	"fmt"
)

// FieldKind is the JSON type of a changeable scalar user field.
type FieldKind uint8

// The kinds of a UserField.
const (
	KindString FieldKind = iota + 1
	KindBool
)

// UserField describes one changeable scalar field of the user contract: the
// one table of them, read by the planner (which maps spreadsheet columns
// onto it) and by the sandbox (which applies request bodies with it).
//
// A JSON null clears a string field (docs/encompass-api.md, update user);
// the server takes it on every string, refusing the user afterwards when a
// required field is left empty and falling back to the documented default
// of an enumeration. A null is refused on a boolean.
type UserField struct {
	Name string    // wire name, one of the Field constants
	Kind FieldKind // KindString or KindBool

	// Str returns the field of a KindString; nil for a KindBool.
	Str func(u *User) *string
	// Bool returns the field of a KindBool; nil for a KindString.
	Bool func(u *User) **bool

	// Clearable: a text value that may be empty, so a null removes it (the
	// spreadsheet's "<clear>"). False for booleans, required fields,
	// enumerations and the password.
	Clearable bool
	// Required: create needs a value, and it cannot be cleared.
	Required bool
	// Patchable: a PATCH may carry it; false for a field set only when the
	// user is created.
	Patchable bool
	// Default is the documented value of an absent boolean.
	Default bool
}

// IsBool reports whether f is a boolean field.
func (f UserField) IsBool() bool { return f.Kind == KindBool }

// Get returns the value of a string field of u.
func (f UserField) Get(u *User) string { return *f.Str(u) }

// Set sets a string field of u.
func (f UserField) Set(u *User, v string) { *f.Str(u) = v }

// GetBool returns a boolean field of u (nil when not sent).
func (f UserField) GetBool(u *User) *bool { return *f.Bool(u) }

// SetBool sets a boolean field of u (nil: not sent).
func (f UserField) SetBool(u *User, v *bool) { *f.Bool(u) = v }

// textField is a string field that a PATCH may carry and clear.
func textField(name string, p func(*User) *string) UserField {
	return UserField{Name: name, Kind: KindString, Str: p, Clearable: true, Patchable: true}
}

// requiredField is a string field create needs; it cannot be cleared.
func requiredField(name string, p func(*User) *string) UserField {
	return UserField{Name: name, Kind: KindString, Str: p, Required: true, Patchable: true}
}

// enumField is a string enumeration with a documented default.
func enumField(name string, p func(*User) *string) UserField {
	return UserField{Name: name, Kind: KindString, Str: p, Patchable: true}
}

func boolField(name string, def bool, p func(*User) **bool) UserField {
	return UserField{Name: name, Kind: KindBool, Bool: p, Patchable: true, Default: def}
}

// userFields are the changeable scalar fields, in the template's order. The
// entity lists (personas, groups, licenses), the organization (changed only
// by a move), ccSite and the id are not scalars and are handled by name.
var userFields = []UserField{
	requiredField(FieldFirstName, func(u *User) *string { return &u.FirstName }),
	textField(FieldMiddleName, func(u *User) *string { return &u.MiddleName }),
	requiredField(FieldLastName, func(u *User) *string { return &u.LastName }),
	textField(FieldSuffix, func(u *User) *string { return &u.Suffix }),
	requiredField(FieldEmail, func(u *User) *string { return &u.Email }),
	{Name: FieldPassword, Kind: KindString, Str: func(u *User) *string { return &u.Password }, Patchable: true},
	textField(FieldTitle, func(u *User) *string { return &u.Title }),
	textField(FieldPhone, func(u *User) *string { return &u.Phone }),
	textField(FieldCellPhone, func(u *User) *string { return &u.CellPhone }),
	textField(FieldFax, func(u *User) *string { return &u.Fax }),
	textField(FieldEmployeeID, func(u *User) *string { return &u.EmployeeID }),
	textField(FieldNMLSOriginatorID, func(u *User) *string { return &u.NMLSOriginatorID }),
	textField(FieldNMLSExpirationDate, func(u *User) *string { return &u.NMLSExpirationDate }),
	textField(FieldChumID, func(u *User) *string { return &u.ChumID }),
	requiredField(FieldWorkingFolder, func(u *User) *string { return &u.WorkingFolder }),
	{Name: FieldAPIUser, Kind: KindBool, Bool: func(u *User) **bool { return &u.APIUser }}, // set on create only
	textField(FieldOAuthClientID, func(u *User) *string { return &u.OAuthClientID }),
	boolField(FieldAllowImpersonation, false, func(u *User) **bool { return &u.AllowImpersonation }),
	boolField(FieldIsSSOOnly, false, func(u *User) **bool { return &u.IsSSOOnly }),
	boolField(FieldIsSSODisconnected, false, func(u *User) **bool { return &u.IsSSODisconnected }),
	boolField(FieldRequirePasswordChange, false, func(u *User) **bool { return &u.RequirePasswordChange }),
	enumField(FieldPeerLoanAccess, func(u *User) *string { return &u.PeerLoanAccess }),
	enumField(FieldSubordinateLoanAccess, func(u *User) *string { return &u.SubordinateLoanAccess }),
	boolField(FieldAccountEnabled, true, func(u *User) **bool { return &u.AccountEnabled }),
	boolField(FieldLoginEnabled, true, func(u *User) **bool { return &u.LoginEnabled }),
	textField(FieldComments, func(u *User) *string { return &u.Comments }),
	textField(FieldEmailSignature, func(u *User) *string { return &u.EmailSignature }),
}

var userFieldIndex = func() map[string]int {
	m := make(map[string]int, len(userFields))
	for i, f := range userFields {
		if _, dup := m[f.Name]; dup {
			panic(fmt.Sprintf("encompass: user field %q listed twice", f.Name))
		}
		m[f.Name] = i
	}
	return m
}()

// UserFields lists the changeable scalar fields in the table's order; the
// caller must not modify the slice.
func UserFields() []UserField { return userFields }

// LookupUserField returns the changeable scalar field of the wire name.
func LookupUserField(name string) (UserField, bool) {
	i, ok := userFieldIndex[name]
	if !ok {
		return UserField{}, false
	}
	return userFields[i], true
}
