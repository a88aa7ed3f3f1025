package bench

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"github.com/xuri/excelize/v2"

	"github.com/encimport/encimport/encompass"
	"github.com/encimport/encimport/importer"
	"github.com/encimport/encimport/internal/atomicfile"
)

// FileColumns are the 20 columns of the generated input files, a typical
// onboarding export.
var FileColumns = []importer.Column{
	importer.ColAction, importer.ColID, importer.ColFirstName, importer.ColMiddleName,
	importer.ColLastName, importer.ColEmail, importer.ColPassword, importer.ColTitle,
	importer.ColPhone, importer.ColCellPhone, importer.ColEmployeeID, importer.ColNMLSOriginatorID,
	importer.ColNMLSExpirationDate, importer.ColWorkingFolder, importer.ColPersonas,
	importer.ColLicenses, importer.ColOrgID, importer.ColPeerLoanAccess,
	importer.ColAccountEnabled, importer.ColComments,
}

// genVersion changes whenever the generated files change, so a stale cache
// is never measured.
const genVersion = 1

var firstNames = []string{"Ava", "Ben", "Cara", "Dev", "Elena", "Femi", "Gus", "Hana", "Ivan", "Jo", "Kai", "Lea"}
var lastNames = []string{"Lopez", "Miller", "Chen", "Ortiz", "Shah", "Green", "Navarro", "White", "Nguyen", "Walsh", "Park", "Young"}

// PersonRow returns the values of FileColumns for person i: a valid create
// of user prefix+i (the id stays within 16 characters for i < 10^9) in the
// organization orgID. Every value is already in the reader's normalised form.
func PersonRow(prefix string, i int, orgID string) []string {
	id := fmt.Sprintf("%s%07d", prefix, i)
	n := 1000 + i%9000
	return []string{
		string(encompass.ActionCreate), id, firstNames[i%len(firstNames)], "Q", lastNames[(i/7)%len(lastNames)],
		id + "@example.com", "Bench-Pass1!", "Loan Officer",
		"303-555-" + strconv.Itoa(n), "720-555-" + strconv.Itoa(n), "E" + strconv.Itoa(i), strconv.Itoa(100000 + i),
		"2027-12-31", "My Pipeline", "Loan Officer",
		"CO", orgID, "ReadOnly",
		"true", "bench row",
	}
}

// Record returns PersonRow as a record at spreadsheet row i+2 of sheet.
func Record(sheet string, i int, values []string) *importer.Record {
	r := &importer.Record{Sheet: sheet, Row: i + 2}
	for k, c := range FileColumns {
		if k < len(values) {
			r.Set(c, values[k])
		}
	}
	return r
}

// fileOrg is the organization cell of the generated files: a unique org name
// of the sandbox's default world, as HR would write it.
const fileOrg = "Denver Branch"

// EnsureCSV returns the path of a CSV file with rows data rows of
// FileColumns in dir, generating it unless an up-to-date one is cached.
func EnsureCSV(dir string, rows int) (string, error) {
	return ensureCSV(filepath.Join(dir, fmt.Sprintf("bench-v%d-%d.csv", genVersion, rows)), header(), rows,
		func(i int) []string { return PersonRow("u", i, fileOrg) })
}

// ensureCSV writes path (unless a non-empty one is there, cached): the
// header, then row(i) for each of rows data rows.
func ensureCSV(path string, header []string, rows int, row func(i int) []string) (string, error) {
	if fi, err := os.Stat(path); err == nil && fi.Size() > 0 {
		return path, nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return "", err
	}
	err := atomicfile.Write(path, 0o600, func(f io.Writer) error {
		bw := bufio.NewWriterSize(f, 1<<20)
		w := csv.NewWriter(bw)
		_ = w.Write(header)
		for i := range rows {
			_ = w.Write(row(i))
		}
		w.Flush()
		if err := w.Error(); err != nil {
			return fmt.Errorf("writing %s: %w", path, err)
		}
		if err := bw.Flush(); err != nil {
			return fmt.Errorf("writing %s: %w", path, err)
		}
		return nil
	})
	return path, err
}

// EnsureXLSX returns the path of an xlsx workbook with rows data rows of
// FileColumns in dir, generating it (excelize StreamWriter) unless an
// up-to-date one is cached.
func EnsureXLSX(dir string, rows int) (string, error) {
	path := filepath.Join(dir, fmt.Sprintf("bench-v%d-%d.xlsx", genVersion, rows))
	if fi, err := os.Stat(path); err == nil && fi.Size() > 0 {
		return path, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	f := excelize.NewFile()
	defer f.Close()
	sheet := f.GetSheetName(0)
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return "", err
	}
	cells := make([]any, len(FileColumns))
	for k, h := range header() {
		cells[k] = h
	}
	if err := sw.SetRow("A1", cells); err != nil {
		return "", err
	}
	for i := range rows {
		for k, v := range PersonRow("u", i, fileOrg) {
			cells[k] = v
		}
		cell, err := excelize.CoordinatesToCellName(1, i+2)
		if err != nil {
			return "", err
		}
		if err := sw.SetRow(cell, cells); err != nil {
			return "", fmt.Errorf("xlsx row %d: %w", i+2, err)
		}
	}
	if err := sw.Flush(); err != nil {
		return "", err
	}
	return path, atomicfile.Write(path, 0o644, func(w io.Writer) error { return f.Write(w) })
}

func header() []string {
	h := make([]string, len(FileColumns))
	for k, c := range FileColumns {
		h[k] = c.String()
	}
	return h
}

// WideColumns are every column of the template (34): the file of the
// memory scenario at the documented cap of plan and apply.
var WideColumns = importer.Columns()

// WidePersonRow returns the values of WideColumns for person i: PersonRow's
// values and the other columns filled as an export of every field would.
func WidePersonRow(prefix string, i int, orgID string) []string {
	row := make([]string, len(WideColumns))
	for k, v := range PersonRow(prefix, i, orgID) {
		row[FileColumns[k]] = v
	}
	n := 1000 + i%9000
	row[importer.ColSuffix] = []string{"", "Jr", "Sr", "III"}[i%4]
	row[importer.ColFax] = "303-555-" + strconv.Itoa(9000-n%1000)
	row[importer.ColChumID] = "C" + strconv.Itoa(i)
	row[importer.ColAPIUser] = "false"
	row[importer.ColAllowImpersonation] = "false"
	row[importer.ColIsSSOOnly] = "false"
	row[importer.ColRequirePasswordChange] = "true"
	row[importer.ColSubordinateLoanAccess] = "ReadOnly"
	row[importer.ColLoginEnabled] = "true"
	row[importer.ColEmailSignature] = "Regards, " + firstNames[i%len(firstNames)]
	return row
}

// EnsureWideCSV returns the path of a CSV file with rows data rows of
// WideColumns in dir, generating it unless an up-to-date one is cached.
func EnsureWideCSV(dir string, rows int) (string, error) {
	h := make([]string, len(WideColumns))
	for k, c := range WideColumns {
		h[k] = c.String()
	}
	return ensureCSV(filepath.Join(dir, fmt.Sprintf("bench-wide-v%d-%d.csv", genVersion, rows)), h, rows,
		func(i int) []string { return WidePersonRow("w", i, fileOrg) })
}
