package planner

import (
	"github.com/encimport/encimport/apiclient"
	"github.com/encimport/encimport/importer"
)

// scalar is a spreadsheet column that maps one to one onto a string or
// boolean field of the user contract.
type scalar struct {
	col  importer.Column
	wire string
	// strings
	get func(*apiclient.User) string
	set func(*apiclient.User, string)
	// booleans (get/set nil)
	getb func(*apiclient.User) *bool
	setb func(*apiclient.User, *bool)
	def  bool // the documented value of an absent boolean
	// clearable: "<clear>" may send JSON null.
	clearable bool
	// required: a value create needs; clearing it is refused.
	required bool
}

func (s scalar) isBool() bool { return s.getb != nil }

func str(col importer.Column, wire string, clearable bool, get func(*apiclient.User) string, set func(*apiclient.User, string)) scalar {
	return scalar{col: col, wire: wire, get: get, set: set, clearable: clearable}
}

func boolean(col importer.Column, wire string, def bool, get func(*apiclient.User) *bool, set func(*apiclient.User, *bool)) scalar {
	return scalar{col: col, wire: wire, getb: get, setb: set, def: def}
}

// scalars lists the one-to-one columns in the template's order.
var scalars = []scalar{
	{col: importer.ColFirstName, wire: apiclient.FieldFirstName, required: true,
		get: func(u *apiclient.User) string { return u.FirstName }, set: func(u *apiclient.User, v string) { u.FirstName = v }},
	str(importer.ColMiddleName, apiclient.FieldMiddleName, true,
		func(u *apiclient.User) string { return u.MiddleName }, func(u *apiclient.User, v string) { u.MiddleName = v }),
	{col: importer.ColLastName, wire: apiclient.FieldLastName, required: true,
		get: func(u *apiclient.User) string { return u.LastName }, set: func(u *apiclient.User, v string) { u.LastName = v }},
	str(importer.ColSuffix, apiclient.FieldSuffix, true,
		func(u *apiclient.User) string { return u.Suffix }, func(u *apiclient.User, v string) { u.Suffix = v }),
	{col: importer.ColEmail, wire: apiclient.FieldEmail, required: true,
		get: func(u *apiclient.User) string { return u.Email }, set: func(u *apiclient.User, v string) { u.Email = v }},
	str(importer.ColTitle, apiclient.FieldTitle, true,
		func(u *apiclient.User) string { return u.Title }, func(u *apiclient.User, v string) { u.Title = v }),
	str(importer.ColPhone, apiclient.FieldPhone, true,
		func(u *apiclient.User) string { return u.Phone }, func(u *apiclient.User, v string) { u.Phone = v }),
	str(importer.ColCellPhone, apiclient.FieldCellPhone, true,
		func(u *apiclient.User) string { return u.CellPhone }, func(u *apiclient.User, v string) { u.CellPhone = v }),
	str(importer.ColFax, apiclient.FieldFax, true,
		func(u *apiclient.User) string { return u.Fax }, func(u *apiclient.User, v string) { u.Fax = v }),
	str(importer.ColEmployeeID, apiclient.FieldEmployeeID, true,
		func(u *apiclient.User) string { return u.EmployeeID }, func(u *apiclient.User, v string) { u.EmployeeID = v }),
	str(importer.ColNMLSOriginatorID, apiclient.FieldNMLSOriginatorID, true,
		func(u *apiclient.User) string { return u.NMLSOriginatorID }, func(u *apiclient.User, v string) { u.NMLSOriginatorID = v }),
	str(importer.ColNMLSExpirationDate, apiclient.FieldNMLSExpirationDate, true,
		func(u *apiclient.User) string { return u.NMLSExpirationDate }, func(u *apiclient.User, v string) { u.NMLSExpirationDate = v }),
	str(importer.ColChumID, apiclient.FieldChumID, true,
		func(u *apiclient.User) string { return u.ChumID }, func(u *apiclient.User, v string) { u.ChumID = v }),
	{col: importer.ColWorkingFolder, wire: apiclient.FieldWorkingFolder, required: true,
		get: func(u *apiclient.User) string { return u.WorkingFolder }, set: func(u *apiclient.User, v string) { u.WorkingFolder = v }},
	boolean(importer.ColAPIUser, apiclient.FieldAPIUser, false,
		func(u *apiclient.User) *bool { return u.APIUser }, func(u *apiclient.User, v *bool) { u.APIUser = v }),
	str(importer.ColOAuthClientID, apiclient.FieldOAuthClientID, true,
		func(u *apiclient.User) string { return u.OAuthClientID }, func(u *apiclient.User, v string) { u.OAuthClientID = v }),
	boolean(importer.ColAllowImpersonation, apiclient.FieldAllowImpersonation, false,
		func(u *apiclient.User) *bool { return u.AllowImpersonation }, func(u *apiclient.User, v *bool) { u.AllowImpersonation = v }),
	boolean(importer.ColIsSSOOnly, apiclient.FieldIsSSOOnly, false,
		func(u *apiclient.User) *bool { return u.IsSSOOnly }, func(u *apiclient.User, v *bool) { u.IsSSOOnly = v }),
	boolean(importer.ColRequirePasswordChange, apiclient.FieldRequirePasswordChange, false,
		func(u *apiclient.User) *bool { return u.RequirePasswordChange }, func(u *apiclient.User, v *bool) { u.RequirePasswordChange = v }),
	str(importer.ColPeerLoanAccess, apiclient.FieldPeerLoanAccess, false,
		func(u *apiclient.User) string { return u.PeerLoanAccess }, func(u *apiclient.User, v string) { u.PeerLoanAccess = v }),
	str(importer.ColSubordinateLoanAccess, apiclient.FieldSubordinateLoanAccess, false,
		func(u *apiclient.User) string { return u.SubordinateLoanAccess }, func(u *apiclient.User, v string) { u.SubordinateLoanAccess = v }),
	boolean(importer.ColAccountEnabled, apiclient.FieldAccountEnabled, true,
		func(u *apiclient.User) *bool { return u.AccountEnabled }, func(u *apiclient.User, v *bool) { u.AccountEnabled = v }),
	boolean(importer.ColLoginEnabled, apiclient.FieldLoginEnabled, true,
		func(u *apiclient.User) *bool { return u.LoginEnabled }, func(u *apiclient.User, v *bool) { u.LoginEnabled = v }),
	str(importer.ColComments, apiclient.FieldComments, true,
		func(u *apiclient.User) string { return u.Comments }, func(u *apiclient.User, v string) { u.Comments = v }),
	str(importer.ColEmailSignature, apiclient.FieldEmailSignature, true,
		func(u *apiclient.User) string { return u.EmailSignature }, func(u *apiclient.User, v string) { u.EmailSignature = v }),
}

// wireColumn maps a rules.Violation field (a wire name) to its column.
var wireColumn = func() map[string]importer.Column {
	m := map[string]importer.Column{
		"id":                         importer.ColID,
		apiclient.FieldPassword:      importer.ColPassword,
		apiclient.FieldPersonas:      importer.ColPersonas,
		apiclient.FieldGroups:        importer.ColGroups,
		apiclient.FieldLicenses:      importer.ColLicenses,
		apiclient.FieldOrganization:  importer.ColOrgID,
		"orgId":                      importer.ColOrgID,
		apiclient.FieldCCSite:        importer.ColCCSiteID,
		apiclient.FieldFirstName:     importer.ColFirstName,
		apiclient.FieldWorkingFolder: importer.ColWorkingFolder,
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
