package planner

import (
	"github.com/encimport/encimport/encompass"
	"github.com/encimport/encimport/importer"
)

// scalar is a spreadsheet column that maps one to one onto a string or
// boolean field of the user contract (the field table of package encompass:
// wire name, accessors, whether it is required, clearable, its default).
type scalar struct {
	col importer.Column
	encompass.UserField
}

// column pairs a spreadsheet column with its field in the table.
func column(col importer.Column, wire string) scalar {
	f, ok := encompass.LookupUserField(wire)
	if !ok {
		panic("planner: no user field " + wire) // the table below names only fields of encompass's table
	}
	return scalar{col: col, UserField: f}
}

// scalars lists the one-to-one columns in the template's order.
var scalars = []scalar{
	column(importer.ColFirstName, encompass.FieldFirstName),
	column(importer.ColMiddleName, encompass.FieldMiddleName),
	column(importer.ColLastName, encompass.FieldLastName),
	column(importer.ColSuffix, encompass.FieldSuffix),
	column(importer.ColEmail, encompass.FieldEmail),
	column(importer.ColTitle, encompass.FieldTitle),
	column(importer.ColPhone, encompass.FieldPhone),
	column(importer.ColCellPhone, encompass.FieldCellPhone),
	column(importer.ColFax, encompass.FieldFax),
	column(importer.ColEmployeeID, encompass.FieldEmployeeID),
	column(importer.ColNMLSOriginatorID, encompass.FieldNMLSOriginatorID),
	column(importer.ColNMLSExpirationDate, encompass.FieldNMLSExpirationDate),
	column(importer.ColChumID, encompass.FieldChumID),
	column(importer.ColWorkingFolder, encompass.FieldWorkingFolder),
	column(importer.ColAPIUser, encompass.FieldAPIUser),
	column(importer.ColOAuthClientID, encompass.FieldOAuthClientID),
	column(importer.ColAllowImpersonation, encompass.FieldAllowImpersonation),
	column(importer.ColIsSSOOnly, encompass.FieldIsSSOOnly),
	column(importer.ColRequirePasswordChange, encompass.FieldRequirePasswordChange),
	column(importer.ColPeerLoanAccess, encompass.FieldPeerLoanAccess),
	column(importer.ColSubordinateLoanAccess, encompass.FieldSubordinateLoanAccess),
	column(importer.ColAccountEnabled, encompass.FieldAccountEnabled),
	column(importer.ColLoginEnabled, encompass.FieldLoginEnabled),
	column(importer.ColComments, encompass.FieldComments),
	column(importer.ColEmailSignature, encompass.FieldEmailSignature),
}

// wireColumn maps an encompass.Violation field (a wire name) to its column.
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
		m[s.Name] = s.col
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

// nonScalarColumns are the non-scalar columns: "<clear>" is refused on them.
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
