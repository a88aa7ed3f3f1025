package planner

import (
	"github.com/encimport/encimport/encompass"
	"github.com/encimport/encimport/importer"
)

// scalar is a spreadsheet column that maps one to one onto a string or
// boolean field of the user contract.
type scalar struct {
	col  importer.Column
	wire string
	// strings
	get func(*encompass.User) string
	set func(*encompass.User, string)
	// booleans (get/set nil)
	getb func(*encompass.User) *bool
	setb func(*encompass.User, *bool)
	def  bool // the documented value of an absent boolean
	// clearable: "<clear>" may send JSON null.
	clearable bool
	// required: a value create needs; clearing it is refused.
	required bool
}

func (s scalar) isBool() bool { return s.getb != nil }

func str(col importer.Column, wire string, clearable bool, get func(*encompass.User) string, set func(*encompass.User, string)) scalar {
	return scalar{col: col, wire: wire, get: get, set: set, clearable: clearable}
}

func boolean(col importer.Column, wire string, def bool, get func(*encompass.User) *bool, set func(*encompass.User, *bool)) scalar {
	return scalar{col: col, wire: wire, getb: get, setb: set, def: def}
}

// scalars lists the one-to-one columns in the template's order.
var scalars = []scalar{
	{col: importer.ColFirstName, wire: encompass.FieldFirstName, required: true,
		get: func(u *encompass.User) string { return u.FirstName }, set: func(u *encompass.User, v string) { u.FirstName = v }},
	str(importer.ColMiddleName, encompass.FieldMiddleName, true,
		func(u *encompass.User) string { return u.MiddleName }, func(u *encompass.User, v string) { u.MiddleName = v }),
	{col: importer.ColLastName, wire: encompass.FieldLastName, required: true,
		get: func(u *encompass.User) string { return u.LastName }, set: func(u *encompass.User, v string) { u.LastName = v }},
	str(importer.ColSuffix, encompass.FieldSuffix, true,
		func(u *encompass.User) string { return u.Suffix }, func(u *encompass.User, v string) { u.Suffix = v }),
	{col: importer.ColEmail, wire: encompass.FieldEmail, required: true,
		get: func(u *encompass.User) string { return u.Email }, set: func(u *encompass.User, v string) { u.Email = v }},
	str(importer.ColTitle, encompass.FieldTitle, true,
		func(u *encompass.User) string { return u.Title }, func(u *encompass.User, v string) { u.Title = v }),
	str(importer.ColPhone, encompass.FieldPhone, true,
		func(u *encompass.User) string { return u.Phone }, func(u *encompass.User, v string) { u.Phone = v }),
	str(importer.ColCellPhone, encompass.FieldCellPhone, true,
		func(u *encompass.User) string { return u.CellPhone }, func(u *encompass.User, v string) { u.CellPhone = v }),
	str(importer.ColFax, encompass.FieldFax, true,
		func(u *encompass.User) string { return u.Fax }, func(u *encompass.User, v string) { u.Fax = v }),
	str(importer.ColEmployeeID, encompass.FieldEmployeeID, true,
		func(u *encompass.User) string { return u.EmployeeID }, func(u *encompass.User, v string) { u.EmployeeID = v }),
	str(importer.ColNMLSOriginatorID, encompass.FieldNMLSOriginatorID, true,
		func(u *encompass.User) string { return u.NMLSOriginatorID }, func(u *encompass.User, v string) { u.NMLSOriginatorID = v }),
	str(importer.ColNMLSExpirationDate, encompass.FieldNMLSExpirationDate, true,
		func(u *encompass.User) string { return u.NMLSExpirationDate }, func(u *encompass.User, v string) { u.NMLSExpirationDate = v }),
	str(importer.ColChumID, encompass.FieldChumID, true,
		func(u *encompass.User) string { return u.ChumID }, func(u *encompass.User, v string) { u.ChumID = v }),
	{col: importer.ColWorkingFolder, wire: encompass.FieldWorkingFolder, required: true,
		get: func(u *encompass.User) string { return u.WorkingFolder }, set: func(u *encompass.User, v string) { u.WorkingFolder = v }},
	boolean(importer.ColAPIUser, encompass.FieldAPIUser, false,
		func(u *encompass.User) *bool { return u.APIUser }, func(u *encompass.User, v *bool) { u.APIUser = v }),
	str(importer.ColOAuthClientID, encompass.FieldOAuthClientID, true,
		func(u *encompass.User) string { return u.OAuthClientID }, func(u *encompass.User, v string) { u.OAuthClientID = v }),
	boolean(importer.ColAllowImpersonation, encompass.FieldAllowImpersonation, false,
		func(u *encompass.User) *bool { return u.AllowImpersonation }, func(u *encompass.User, v *bool) { u.AllowImpersonation = v }),
	boolean(importer.ColIsSSOOnly, encompass.FieldIsSSOOnly, false,
		func(u *encompass.User) *bool { return u.IsSSOOnly }, func(u *encompass.User, v *bool) { u.IsSSOOnly = v }),
	boolean(importer.ColRequirePasswordChange, encompass.FieldRequirePasswordChange, false,
		func(u *encompass.User) *bool { return u.RequirePasswordChange }, func(u *encompass.User, v *bool) { u.RequirePasswordChange = v }),
	str(importer.ColPeerLoanAccess, encompass.FieldPeerLoanAccess, false,
		func(u *encompass.User) string { return u.PeerLoanAccess }, func(u *encompass.User, v string) { u.PeerLoanAccess = v }),
	str(importer.ColSubordinateLoanAccess, encompass.FieldSubordinateLoanAccess, false,
		func(u *encompass.User) string { return u.SubordinateLoanAccess }, func(u *encompass.User, v string) { u.SubordinateLoanAccess = v }),
	boolean(importer.ColAccountEnabled, encompass.FieldAccountEnabled, true,
		func(u *encompass.User) *bool { return u.AccountEnabled }, func(u *encompass.User, v *bool) { u.AccountEnabled = v }),
	boolean(importer.ColLoginEnabled, encompass.FieldLoginEnabled, true,
		func(u *encompass.User) *bool { return u.LoginEnabled }, func(u *encompass.User, v *bool) { u.LoginEnabled = v }),
	str(importer.ColComments, encompass.FieldComments, true,
		func(u *encompass.User) string { return u.Comments }, func(u *encompass.User, v string) { u.Comments = v }),
	str(importer.ColEmailSignature, encompass.FieldEmailSignature, true,
		func(u *encompass.User) string { return u.EmailSignature }, func(u *encompass.User, v string) { u.EmailSignature = v }),
}

// wireColumn maps a encompass.Violation field (a wire name) to its column.
var wireColumn = func() map[string]importer.Column {
	m := map[string]importer.Column{
		"id":                         importer.ColID,
		encompass.FieldPassword:      importer.ColPassword,
		encompass.FieldPersonas:      importer.ColPersonas,
		encompass.FieldGroups:        importer.ColGroups,
		encompass.FieldLicenses:      importer.ColLicenses,
		encompass.FieldOrganization:  importer.ColOrgID,
		"orgId":                      importer.ColOrgID,
		encompass.FieldCCSite:        importer.ColCCSiteID,
		encompass.FieldFirstName:     importer.ColFirstName,
		encompass.FieldWorkingFolder: importer.ColWorkingFolder,
	}
	for _, s := range scalars {
		m[s.wire] = s.col
	}
	return m
}()

// columnOf returns the column of a wire field; NumColumns (a whole-row
// problem) when the field is unknown.
func columnOf(wire string) importer.Column {
	if c, ok := wireColumn[wire]; ok {
		return c
	}
	return importer.NumColumns
}

// clearableOther are the non-scalar columns: "<clear>" is refused on them.
var nonScalarColumns = []importer.Column{
	importer.ColAction, importer.ColID, importer.ColPassword, importer.ColPersonas, importer.ColGroups,
	importer.ColLicenses, importer.ColOrgID, importer.ColSourceOrgID, importer.ColCCSiteID,
}

func boolPtr(b bool) *bool { return &b }

func boolValue(p *bool, def bool) bool {
	if p == nil {
		return def
	}
	return *p
}
