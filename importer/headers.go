package importer

import (
	"fmt"
	"strings"
	"unicode/utf8"
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

// Column markers for cells that are not read.
const (
	colUnknown  Column = -1 // header not recognised (warned)
	colNoHeader Column = -2 // empty header
	colErrorCol Column = -3 // ErrorColumn: the re-upload file's note, ignored without a warning
)

// ErrorColumn is the header of the column the re-upload file of failed rows
// adds (what was wrong with the row). Reading that file again ignores the
// column, without the unknown-column warning.
const ErrorColumn = "error"

// setHeaders maps the header row to columns; it fails on a missing or
// duplicate column.
func (r *Reader) setHeaders(headers []string) error {
	for len(headers) > 0 && trimCell(headers[len(headers)-1]) == "" {
		headers = headers[:len(headers)-1]
	}
	for i, h := range headers {
		if len(h) > MaxHeaderLen && utf8.RuneCountInString(h) > MaxHeaderLen {
			// Not echoed whole (nor listed with the other headers).
			return &FileError{File: r.file, Sheet: r.errSheet(), Msg: fmt.Sprintf("the header in column %s (row 1) has %d characters, more than the limit of %d, so it cannot be a column name (it starts %q); put the column's name in row 1 and the data below it",
				colLetter(i), utf8.RuneCountInString(h), MaxHeaderLen, clipN(trimCell(h), 40))}
		}
	}
	r.headers = make([]string, len(headers))
	for i, h := range headers {
		r.headers[i] = trimCell(h)
	}
	ferr := func(msg string) error {
		return &FileError{File: r.file, Sheet: r.errSheet(), Headers: r.headers, Msg: msg}
	}
	n := len(r.headers)
	if n > MaxColumns {
		n = MaxColumns
		r.warn(1, "", fmt.Sprintf("the sheet has %d columns; only the first %d (up to %s) are read; delete the extra columns", len(r.headers), MaxColumns, colLetter(MaxColumns-1)))
	}
	r.cols = make([]Column, n)
	where := make([]int, NumColumns)
	for i := range where {
		where[i] = -1
	}
	for i := 0; i < n; i++ {
		h := r.headers[i]
		if h == "" {
			r.cols[i] = colNoHeader
			continue
		}
		c, ok := ParseHeader(h)
		if !ok && normHeader(h) == ErrorColumn {
			r.cols[i] = colErrorCol
			continue
		}
		if !ok {
			r.cols[i] = colUnknown
			r.warn(1, Clip(h), fmt.Sprintf("unknown column %q (column %s) is ignored; rename it to a column of the template or delete it", Clip(h), colLetter(i)))
			continue
		}
		if j := where[c]; j >= 0 {
			return ferr(fmt.Sprintf("columns %s %q and %s %q both mean %s; keep only one of them", colLetter(j), Clip(r.headers[j]), colLetter(i), Clip(h), c))
		}
		where[c] = i
		r.cols[i] = c
	}
	if where[ColID] < 0 {
		return ferr("no id column in row 1; add a column headed " + IDHeaderHint + ", or choose another sheet with --sheet")
	}
	return nil
}

// errSheet is the sheet name for error messages ("" for CSV).
func (r *Reader) errSheet() string {
	if r.format == FormatCSV {
		return ""
	}
	return r.sheet
}

// warn records a file-level warning.
func (r *Reader) warn(row int, column, msg string) {
	r.warnings = append(r.warnings, Problem{File: r.file, Sheet: r.errSheet(), Row: row, Column: column, Message: msg, Severity: SeverityWarning})
}

// colLetter returns the spreadsheet letter of 0-based column i ("#n" past
// Excel's last column).
func colLetter(i int) string {
	if i < 0 || i >= maxSheetColumns {
		return fmt.Sprintf("#%d", i+1)
	}
	var b [3]byte
	k := len(b)
	for n := i + 1; n > 0; n = (n - 1) / 26 {
		k--
		b[k] = byte('A' + (n-1)%26)
	}
	return string(b[k:])
}
