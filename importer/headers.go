package importer

import (
	"strings"
)

// aliases maps a normalised header (see normHeader) to its column. Every
// canonical name is in it too.
var aliases = func() map[string]Column {
	m := make(map[string]Column, 2*int(NumColumns))
	for _, c := range Columns() {
		m[normHeader(c.String())] = c
	}
	for alias, c := range map[string]Column{
		"User ID": ColID, "UserID": ColID, "Login": ColID, "Username": ColID, "Login ID": ColID,
		"Email Address": ColEmail, "E-mail": ColEmail,
		"Job Title":    ColTitle,
		"Phone Number": ColPhone, "Work Phone": ColPhone, "Business Phone": ColPhone,
		"Mobile": ColCellPhone, "Cell": ColCellPhone, "Mobile Phone": ColCellPhone,
		"Fax Number":   ColFax,
		"Organization": ColOrgID, "Org": ColOrgID, "Target Org": ColOrgID, "Organization ID": ColOrgID,
		"Target Org ID": ColOrgID,
		"Source Org":    ColSourceOrgID, "Source Organization": ColSourceOrgID,
		"Persona": ColPersonas,
		"Group":   ColGroups,
		"States":  ColLicenses, "License": ColLicenses,
		"NMLS ID":                 ColNMLSOriginatorID,
		"NMLS Expiration":         ColNMLSExpirationDate,
		"Loan Folder":             ColWorkingFolder,
		"CC Site ID":              ColCCSiteID,
		"SSO Only":                ColIsSSOOnly,
		"API User":                ColAPIUser,
		"OAuth Client ID":         ColOAuthClientID,
		"Chum":                    ColChumID,
		"Email Signature":         ColEmailSignature,
		"Comment":                 ColComments,
		"Require Password Change": ColRequirePasswordChange,
	} {
		m[normHeader(alias)] = c
	}
	return m
}()

// normHeader lower-cases h and drops spaces, '_', '-', '.' and the
// invisible characters trimmed from cells.
func normHeader(h string) string {
	var b strings.Builder
	b.Grow(len(h))
	for _, r := range strings.ToLower(h) {
		if r == '_' || r == '-' || r == '.' || isTrimRune(r) {
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// ParseHeader matches a header cell to its canonical column: the canonical
// name or an alias, ignoring case, spaces, '_', '-' and '.'.
func ParseHeader(h string) (Column, bool) {
	c, ok := aliases[normHeader(h)]
	return c, ok
}

// IDHeaderHint lists the headers accepted for the id column, for messages.
const IDHeaderHint = `"id" (also accepted: "User ID", "UserID", "Login", "Username")`
