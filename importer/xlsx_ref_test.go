package importer

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// The reference reader: the same workbook read through excelize (which the
// importer once used) behind the xlsxBook interface, so sheet choice,
// headers and cells go through the same Reader code and only the reading
// of the workbook's parts differs.

type excelizeBook struct{ f *excelize.File }

func (b excelizeBook) sheetNames() []string { return b.f.GetSheetList() }

func (b excelizeBook) date1904() bool {
	props, err := b.f.GetWorkbookProps()
	return err == nil && props.Date1904 != nil && *props.Date1904
}

func (b excelizeBook) rows(sheet string) (xlsxRows, error) {
	rows, err := b.f.Rows(sheet)
	if err != nil {
		return nil, err
	}
	return &excelizeRows{rows: rows}, nil
}

func (b excelizeBook) close() error { return b.f.Close() }

type excelizeRows struct {
	rows *excelize.Rows
	row  int
}

func (s *excelizeRows) next() ([]string, int, error) {
	if !s.rows.Next() {
		if err := s.rows.Error(); err != nil {
			return nil, 0, err
		}
		return nil, 0, io.EOF
	}
	// excelize yields an empty row for every row missing from the sheet's
	// XML, so counting rows gives the row number.
	s.row++
	if s.row > excelize.TotalRows {
		return nil, 0, fmt.Errorf("the sheet claims a row past Excel's last row %d", excelize.TotalRows)
	}
	cells, err := s.rows.Columns(excelize.Options{RawCellValue: true})
	return cells, s.row, err
}

func (s *excelizeRows) hidden() bool { return s.rows.GetRowOpts().Hidden }
func (s *excelizeRows) dropPast(int) {}
func (s *excelizeRows) close() error { return s.rows.Close() }

// readAllReference is ReadAll through excelize.
func readAllReference(path string, opts Options) ([]*Record, []Problem, error) {
	r := &Reader{file: filepath.Base(path), format: FormatXLSX, opts: opts.withDefaults()}
	f, err := excelize.OpenFile(path, excelize.Options{UnzipSizeLimit: xlsxUnzipLimit})
	if err != nil {
		if f != nil {
			_ = f.Close()
		}
		return nil, nil, &FileError{File: r.file, Msg: err.Error()}
	}
	if err := r.readBook(excelizeBook{f}); err != nil {
		return nil, nil, err
	}
	res, err := r.readAll()
	return res.Records, res.Warnings, err
}

// compareWithReference reads path with the reader and with the excelize
// reference. When both read it, the records and warnings must be equal;
// strict is for valid workbooks, where neither may fail.
func compareWithReference(t *testing.T, path string, opts Options, strict bool) {
	t.Helper()
	got, gotWarn, gotErr := ReadAll(path, opts)
	want, wantWarn, wantErr := readAllReference(path, opts)
	if strict && (gotErr != nil || wantErr != nil) {
		t.Fatalf("reader: %v\nexcelize: %v", gotErr, wantErr)
	}
	if gotErr != nil || wantErr != nil {
		return // a damaged file: each refuses it in its own words
	}
	if strict && len(got) == 0 {
		t.Fatal("no records read")
	}
	if !reflect.DeepEqual(got, want) {
		for i := range got {
			if i < len(want) && !reflect.DeepEqual(got[i], want[i]) {
				t.Errorf("record %d differs:\nreader:   %sexcelize: %s", i, dumpRecord(got[i]), dumpRecord(want[i]))
				break
			}
		}
		t.Fatalf("the reader read %d records, excelize %d", len(got), len(want))
	}
	if !reflect.DeepEqual(gotWarn, wantWarn) {
		t.Fatalf("warnings differ:\nreader:   %v\nexcelize: %v", gotWarn, wantWarn)
	}
}

// TestXLSXMatchesExcelize reads workbooks written by excelize (shared
// strings, inline strings, styles, sparse rows, formulas), the samples, the
// hand-written layouts and generated workbooks with the reader and with
// the excelize reference: the records and warnings must be identical.
func TestXLSXMatchesExcelize(t *testing.T) {
	dir := t.TempDir()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	var paths []string
	// 1: SetCellValue (shared strings), styles, dates, sparse rows, formulas.
	{
		f := excelize.NewFile()
		must(f.SetSheetRow("Sheet1", "A1", &[]any{"id", "First Name", "NMLS Expiration Date", "accountEnabled", "Org", "Shoe", "", "email"}))
		must(f.SetSheetRow("Sheet1", "A2", &[]any{"0042", "Zoë & <Co>", 45658, true, 12, "x", "orphan", "a@b.c"}))
		must(f.SetSheetRow("Sheet1", "A5", &[]any{"u5", " spaced\u00a0", "1/2/2025", false, 1.5e5, nil, nil, "bad email"}))
		must(f.SetCellFormula("Sheet1", "B7", `"formula"&"text"`))
		must(f.SetCellValue("Sheet1", "A7", "u7"))
		must(f.SetCellValue("Sheet1", "D9", "maybe"))
		must(f.SetCellValue("Sheet1", "A9", "u9"))
		must(f.SetCellValue("Sheet1", "AA9", "past the headers"))
		must(f.SetCellRichText("Sheet1", "B10", []excelize.RichTextRun{{Text: "Ri"}, {Text: "ch", Font: &excelize.Font{Bold: true}}}))
		must(f.SetCellValue("Sheet1", "A10", "u10"))
		style, err := f.NewStyle(&excelize.Style{NumFmt: 14})
		must(err)
		must(f.SetCellStyle("Sheet1", "C2", "C5", style))
		p := filepath.Join(dir, "cells.xlsx")
		must(f.SaveAs(p))
		paths = append(paths, p)
	}
	// 2: the stream writer (inline strings), several sheets, the 1904 system.
	for k, rows := range []int{3, 200} {
		f := excelize.NewFile()
		_, err := f.NewSheet("Other")
		must(err)
		must(f.SetCellValue("Other", "A1", "not people"))
		sw, err := f.NewStreamWriter("Sheet1")
		must(err)
		must(sw.SetRow("A1", []any{"Login", "Email Address", "nmlsExpirationDate", "apiUser", "licenses", "comments"}))
		for i := 0; i < rows; i++ {
			cell, _ := excelize.CoordinatesToCellName(1, i*2+2)
			must(sw.SetRow(cell, []any{fmt.Sprintf("user%03d", i), fmt.Sprintf("u%d@example.com", i), 45000 + i, i%2 == 0, "co; az", fmt.Sprintf("line\nbreak & \"%d\"", i)}))
		}
		must(sw.Flush())
		f.SetActiveSheet(1)
		if k == 1 {
			yes := true
			must(f.SetWorkbookProps(&excelize.WorkbookPropsOptions{Date1904: &yes}))
		}
		p := filepath.Join(dir, fmt.Sprintf("stream%d.xlsx", k))
		must(f.SaveAs(p))
		paths = append(paths, p)
	}
	// 3: hand-written layouts from the other tests.
	paths = append(paths, buildXLSX(t, []rawSheet{{"People", row(1, is("A1", "id"), is("B1", "firstName"), is("C1", "nmlsExpirationDate")) +
		row(2, `<c r="A2" t="s"><v>0</v></c>`, `<c r="B2" t="e"><v>#N/A</v></c>`, n("C2", "60")) +
		row(4, is("A4", "a&amp;b"), `<c r="B4" t="str"><v>=1</v></c>`)}}, []string{"shared&amp;"}, true))
	// 4: the samples.
	samples, _ := filepath.Glob(filepath.Join("..", "samples", "*.xlsx"))
	if len(samples) == 0 {
		t.Fatal("no sample workbooks")
	}
	paths = append(paths, samples...)
	// 5: generated workbooks.
	for seed := uint64(1); seed <= 8; seed++ {
		paths = append(paths, randomWorkbook(t, dir, seed))
	}
	for _, p := range paths {
		t.Run(filepath.Base(p), func(t *testing.T) {
			compareWithReference(t, p, Options{}, true)
		})
	}
}

// randomWorkbook writes a workbook of random people: random columns
// (aliases, unknown and empty headers), text, numbers, dates, booleans,
// blanks, sparse rows, shared or inline strings, one or more sheets.
func randomWorkbook(t *testing.T, dir string, seed uint64) string {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 11))
	f := excelize.NewFile()
	defer f.Close()
	headers := []string{"id", "User ID", "firstName", "Last Name", "email", "nmlsExpirationDate", "apiUser", "accountEnabled",
		"employeeId", "personas", "licenses", "orgId", "comments", "Shoe size", "", "phone", "peerLoanAccess"}
	rng.Shuffle(len(headers), func(i, j int) { headers[i], headers[j] = headers[j], headers[i] })
	ncols := 3 + rng.IntN(len(headers)-3)
	cols := headers[:ncols]
	// Exactly one id column.
	idCol := -1
	for i, h := range cols {
		if h == "id" || h == "User ID" {
			if idCol >= 0 {
				cols[i] = "Notes"
				continue
			}
			idCol = i
		}
	}
	if idCol < 0 {
		cols[0], idCol = "id", 0
	}
	texts := []string{"Ann", " padded ", "Zoë & <Co>", "a\nb", "00123", "yes", "no", "TRUE", "2025-01-05", "1/2/25", "<clear>",
		"x@example.com", "CO; AZ", "Loan Officer;Underwriter", "#N/A", "_x0041_", "\u00a0", "ReadOnly", "=1+1", "ünïcödé"}
	value := func(c string) any {
		switch rng.IntN(8) {
		case 0:
			return nil
		case 1:
			return rng.IntN(200000)
		case 2:
			return float64(rng.IntN(3000000)) / 8
		case 3:
			return rng.IntN(2) == 0
		case 4:
			if c == "nmlsExpirationDate" {
				return 30000 + rng.IntN(30000)
			}
		}
		return texts[rng.IntN(len(texts))]
	}
	sheet := "Sheet1"
	if rng.IntN(2) == 0 {
		if _, err := f.NewSheet("Notes"); err != nil {
			t.Fatal(err)
		}
		_ = f.SetCellValue("Notes", "A1", "read me")
		if rng.IntN(2) == 0 {
			_ = f.SetSheetName("Sheet1", "People & Co")
			sheet = "People & Co"
		}
	}
	header := make([]any, len(cols))
	for i, h := range cols {
		header[i] = h
	}
	nrows := 1 + rng.IntN(60)
	if rng.IntN(2) == 0 {
		sw, err := f.NewStreamWriter(sheet)
		if err != nil {
			t.Fatal(err)
		}
		if err := sw.SetRow("A1", header); err != nil {
			t.Fatal(err)
		}
		r := 1
		for i := 0; i < nrows; i++ {
			r += 1 + rng.IntN(3)
			vals := make([]any, len(cols))
			for j, c := range cols {
				vals[j] = value(c)
			}
			vals[idCol] = fmt.Sprintf("user%d", i)
			cell, _ := excelize.CoordinatesToCellName(1, r)
			if err := sw.SetRow(cell, vals); err != nil {
				t.Fatal(err)
			}
		}
		if err := sw.Flush(); err != nil {
			t.Fatal(err)
		}
	} else {
		if err := f.SetSheetRow(sheet, "A1", &header); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < nrows; i++ {
			r := 2 + rng.IntN(80)
			for j, c := range cols {
				v := value(c)
				if j == idCol {
					v = fmt.Sprintf("user%d", r)
				}
				if v == nil {
					continue
				}
				cell, _ := excelize.CoordinatesToCellName(j+1, r)
				if err := f.SetCellValue(sheet, cell, v); err != nil {
					t.Fatal(err)
				}
			}
			if rng.IntN(10) == 0 {
				cell, _ := excelize.CoordinatesToCellName(len(cols)+1+rng.IntN(5), r)
				_ = f.SetCellValue(sheet, cell, "past the headers")
			}
		}
	}
	if rng.IntN(4) == 0 {
		yes := true
		_ = f.SetWorkbookProps(&excelize.WorkbookPropsOptions{Date1904: &yes})
	}
	p := filepath.Join(dir, fmt.Sprintf("random%d.xlsx", seed))
	if err := f.SaveAs(p); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestDigest checks the digest is the SHA-256 of the file read: for XLSX
// from Open on, for CSV (every encoding) once the rows are read.
func TestDigest(t *testing.T) {
	fileDigest := func(p string) string {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(b)
		return hex.EncodeToString(sum[:])
	}
	p := buildXLSX(t, []rawSheet{{"A", row(1, is("A1", "id")) + row(2, is("A2", "u"))}}, nil, false)
	r, err := Open(p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := r.Digest(), fileDigest(p); got != want {
		t.Fatalf("xlsx digest after Open %q, want %q", got, want)
	}
	_ = r.Close()
	csvs, _ := filepath.Glob("testdata/csv/*.csv")
	for _, p := range append(csvs, p) {
		res, err := Read(p, Options{})
		var fe *FileError
		if errors.As(err, &fe) {
			continue // refused at Open: no digest
		}
		if err != nil || res.SHA256 != fileDigest(p) {
			t.Errorf("%s: digest %q (%v), want %q", p, res.SHA256, err, fileDigest(p))
		}
	}
}

// TestSerialToDateMatchesExcelize compares the date serial conversion with
// excelize's, in both date systems, over Excel's whole range.
func TestSerialToDateMatchesExcelize(t *testing.T) {
	for _, date1904 := range []bool{false, true} {
		for s := 1; s <= 2958465; s += 1 + s/2000 {
			got, p := SerialToDate(float64(s)+0.75, date1904)
			if !date1904 && s == 60 {
				if p == "" {
					t.Fatal("serial 60 (1900-02-29) read as a date")
				}
				continue
			}
			want := ""
			if !date1904 && s < 60 {
				// excelize is a day off before the phantom leap day.
				want = time.Date(1900, 1, s, 0, 0, 0, 0, time.UTC).Format("2006-01-02")
			} else {
				tm, err := excelize.ExcelDateToTime(float64(s), date1904)
				if err != nil {
					t.Fatal(err)
				}
				want = tm.Format("2006-01-02")
			}
			if got != want || p != "" {
				t.Fatalf("serial %d (1904 %v): %q %q, want %q", s, date1904, got, p, want)
			}
		}
	}
}

func TestColLetterMatchesExcelize(t *testing.T) {
	for i := 0; i < maxSheetColumns; i++ {
		want, err := excelize.ColumnNumberToName(i + 1)
		if err != nil || colLetter(i) != want {
			t.Fatalf("column %d: %q, want %q (%v)", i, colLetter(i), want, err)
		}
	}
	if got := colLetter(maxSheetColumns); got != "#16385" {
		t.Fatalf("past the last column: %q", got)
	}
}

// TestXLSXMissingSheetPart: a sheet whose part is missing is refused, by
// the reader as by excelize.
func TestXLSXMissingSheetPart(t *testing.T) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range map[string]string{
		"[Content_Types].xml":        `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>`,
		"_rels/.rels":                `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
		"xl/workbook.xml":            `<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="A" sheetId="1" r:id="rId1"/></sheets></workbook>`,
		"xl/_rels/workbook.xml.rels": `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/gone.xml"/></Relationships>`,
	} {
		w, _ := zw.Create(name)
		_, _ = io.WriteString(w, body)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "gone.xlsx")
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	for name, read := range map[string]func(string, Options) ([]*Record, []Problem, error){"reader": ReadAll, "excelize": readAllReference} {
		_, _, err := read(p, Options{})
		if want := `file "gone.xlsx", sheet "A": cannot read the sheet (sheet A does not exist)`; err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("%s: %v, want %q", name, err, want)
		}
	}
}
