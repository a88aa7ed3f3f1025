package importer

import (
	"strconv"
	"strings"
)

// Column is a canonical spreadsheet column, in the template's order.
type Column int

// The canonical columns (docs/product.md "The spreadsheet").
const (
	ColAction Column = iota
	ColID
	ColFirstName
	ColMiddleName
	ColLastName
	ColSuffix
	ColEmail
	ColPassword
	ColTitle
	ColPhone
	ColCellPhone
	ColFax
	ColEmployeeID
	ColNMLSOriginatorID
	ColNMLSExpirationDate
	ColChumID
	ColWorkingFolder
	ColPersonas
	ColGroups
	ColLicenses
	ColOrgID
	ColSourceOrgID
	ColAPIUser
	ColOAuthClientID
	ColAllowImpersonation
	ColIsSSOOnly
	ColRequirePasswordChange
	ColPeerLoanAccess
	ColSubordinateLoanAccess
	ColAccountEnabled
	ColLoginEnabled
	ColCCSiteID
	ColComments
	ColEmailSignature
	NumColumns
)

var columnNames = [NumColumns]string{
	"action", "id", "firstName", "middleName", "lastName", "suffix", "email", "password", "title",
	"phone", "cellPhone", "fax", "employeeId", "nmlsOriginatorId", "nmlsExpirationDate", "chumId",
	"workingFolder", "personas", "groups", "licenses", "orgId", "sourceOrgId", "apiUser",
	"oAuthClientId", "allowImpersonation", "isSsoOnly", "requirePasswordChange", "peerLoanAccess",
	"subordinateLoanAccess", "accountEnabled", "loginEnabled", "ccSiteId", "comments", "emailSignature",
}

// String returns the canonical header of c.
func (c Column) String() string {
	if c < 0 || c >= NumColumns {
		return "unknown"
	}
	return columnNames[c]
}

// Columns returns every canonical column in the template's order.
func Columns() []Column {
	cs := make([]Column, NumColumns)
	for i := range cs {
		cs[i] = Column(i)
	}
	return cs
}

// ClearToken is the cell text that asks for a value to be removed (JSON null).
const ClearToken = "<clear>"

// Severity tells a row-level problem from a file-level warning.
type Severity int

// Severities.
const (
	SeverityError Severity = iota
	SeverityWarning
)

// Problem is one thing wrong with the input, located as a person sees it.
// Column is the canonical name, or the header text for unknown columns;
// empty for whole-row or whole-file problems.
type Problem struct {
	File     string   `json:"file,omitempty"`
	Sheet    string   `json:"sheet,omitempty"`
	Row      int      `json:"row,omitempty"`
	Column   string   `json:"column,omitempty"`
	Message  string   `json:"message"`
	Severity Severity `json:"severity,omitempty"`
}

// Error formats the problem as "file, sheet S, row R, column C: message"
// (the sheet is left out when it is the file, as for CSV; a sheet name or
// header with control characters is quoted).
func (p Problem) Error() string {
	var b strings.Builder
	sep := func() {
		if b.Len() > 0 {
			b.WriteString(", ")
		}
	}
	if p.File != "" {
		b.WriteString(p.File)
	}
	if p.Sheet != "" && p.Sheet != p.File { // a CSV file's sheet is the file
		sep()
		b.WriteString("sheet " + printable(p.Sheet))
	}
	if p.Row > 0 {
		sep()
		b.WriteString("row ")
		b.WriteString(strconv.Itoa(p.Row))
	}
	if p.Column != "" {
		sep()
		b.WriteString("column " + printable(p.Column))
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	b.WriteString(p.Message)
	return b.String()
}

// Record is one data row of the spreadsheet, normalised by the reader:
//   - every cell but password trimmed (spaces, NBSP, zero-width spaces);
//   - action lower case; booleans "true"/"false"; dates "yyyy-MM-dd";
//     loan-access enumerations in the API's spelling;
//   - lists (personas, groups, licenses) as trimmed items joined by ";",
//     licenses upper case;
//   - phones (phone, cellPhone, fax) as ###-###-#### with an optional
//     " " and extension;
//   - the cell text "<clear>" recorded by Clear, with an empty value.
//
// A cell that could not be parsed keeps its raw text out of Values and adds
// a Problem naming the column. An action cell naming no action also keeps
// its text in BadAction, so the row is reported with the action written
// ("new"), never with the default the empty cell would mean.
//
// The values are kept packed: one string holding them one after another
// and where each ends (about 150 bytes and the values' own length a row,
// instead of a string header for each of the 34 columns and the whole line
// read), so that plan and apply at the cap of 250,000 rows hold little
// more than the cells themselves. Get and Set are the way to the values.
type Record struct {
	Sheet    string
	Row      int // row number a person sees in Excel; headers are row 1
	data     string
	ends     [NumColumns]uint32 // value c is data[ends[c-1]:ends[c]]
	clear    uint64
	Problems []Problem
	// Cells are the row's cells as the file has them, one per header
	// (Reader.Headers), only with Options.KeepCells.
	Cells []string
	// BadAction is the action cell's text (lower case, clipped) when it
	// names no action.
	BadAction string
}

func (r *Record) span(c Column) (int, int) {
	s := 0
	if c > 0 {
		s = int(r.ends[c-1])
	}
	return s, int(r.ends[c])
}

// Get returns the normalised value of column c ("" when empty or cleared).
func (r *Record) Get(c Column) string {
	s, e := r.span(c)
	return r.data[s:e]
}

// Set stores the normalised value of column c (the packed values are
// rebuilt: for building records one by one, not for reading files).
func (r *Record) Set(c Column, v string) {
	s, e := r.span(c)
	if v == r.data[s:e] {
		return
	}
	r.data = r.data[:s] + v + r.data[e:]
	d := uint32(len(v) - (e - s)) // wraps for a shorter value; the sums come out right
	for k := c; k < NumColumns; k++ {
		r.ends[k] += d
	}
}

// pack stores every value at once (the reader's way: one allocation a row,
// which shares nothing with the line read).
func (r *Record) pack(vals *[NumColumns]string) {
	n := 0
	for _, v := range vals {
		n += len(v)
	}
	var b strings.Builder
	b.Grow(n)
	for c, v := range vals {
		b.WriteString(v)
		r.ends[c] = uint32(b.Len())
	}
	r.data = b.String()
}

// IsClear reports whether the cell held "<clear>".
func (r *Record) IsClear(c Column) bool { return r.clear&(1<<uint(c)) != 0 }

// SetClear marks column c as "<clear>".
func (r *Record) SetClear(c Column) { r.clear |= 1 << uint(c); r.Set(c, "") }

// Has reports whether the cell asks for anything: a value or "<clear>".
func (r *Record) Has(c Column) bool { return r.Get(c) != "" || r.IsClear(c) }

// Bool returns a boolean cell; ok is false when the cell is empty.
func (r *Record) Bool(c Column) (v, ok bool) {
	switch r.Get(c) {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	return false, false
}

// List returns a list cell's items (nil when empty).
func (r *Record) List(c Column) []string {
	if r.Get(c) == "" {
		return nil
	}
	return strings.Split(r.Get(c), ";")
}

// AddWarning records a warning located at this row and column c: the row
// is still read and planned.
func (r *Record) AddWarning(c Column, msg string) {
	r.AddProblem(c, msg)
	r.Problems[len(r.Problems)-1].Severity = SeverityWarning
}

// AddProblem records an error located at this row and column c (use
// NumColumns for a whole-row problem).
func (r *Record) AddProblem(c Column, msg string) {
	p := Problem{Sheet: r.Sheet, Row: r.Row, Message: msg}
	if c >= 0 && c < NumColumns {
		p.Column = c.String()
	}
	r.Problems = append(r.Problems, p)
}
