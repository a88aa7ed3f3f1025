package importer

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// rawSheet is one worksheet of a hand-written workbook: the XML inside
// <sheetData>, so tests control cell types (t="e", t="b", t="inlineStr"),
// sparse rows and raw number spellings exactly as Excel writes them.
type rawSheet struct {
	name, data string
}

// buildXLSX writes a minimal workbook with the given sheets and shared
// strings and returns its path.
func buildXLSX(t testing.TB, sheets []rawSheet, sst []string, date1904 bool) string {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	put := func(name, body string) {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	var ct, wbSheets, rels strings.Builder
	for i, s := range sheets {
		fmt.Fprintf(&ct, `<Override PartName="/xl/worksheets/sheet%d.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`, i+1)
		fmt.Fprintf(&wbSheets, `<sheet name="%s" sheetId="%d" r:id="rId%d"/>`, s.name, i+1, i+1)
		fmt.Fprintf(&rels, `<Relationship Id="rId%d" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet%d.xml"/>`, i+1, i+1)
		put(fmt.Sprintf("xl/worksheets/sheet%d.xml", i+1), `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`+s.data+`</sheetData></worksheet>`)
	}
	if sst != nil {
		ct.WriteString(`<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>`)
		fmt.Fprintf(&rels, `<Relationship Id="rId%d" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>`, len(sheets)+1)
		var b strings.Builder
		for _, s := range sst {
			fmt.Fprintf(&b, `<si><t xml:space="preserve">%s</t></si>`, s)
		}
		put("xl/sharedStrings.xml", fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="%d" uniqueCount="%d">%s</sst>`, len(sst), len(sst), b.String()))
	}
	put("[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>`+ct.String()+`</Types>`)
	put("_rels/.rels", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`)
	pr := ""
	if date1904 {
		pr = `<workbookPr date1904="1"/>`
	}
	put("xl/workbook.xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">`+pr+`<sheets>`+wbSheets.String()+`</sheets></workbook>`)
	put("xl/_rels/workbook.xml.rels", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">`+rels.String()+`</Relationships>`)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "book.xlsx")
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// is and n build inline-string and number cells.
func is(ref, s string) string {
	return fmt.Sprintf(`<c r="%s" t="inlineStr"><is><t>%s</t></is></c>`, ref, s)
}
func n(ref, v string) string { return fmt.Sprintf(`<c r="%s"><v>%s</v></c>`, ref, v) }

func row(r int, cells ...string) string {
	return fmt.Sprintf(`<row r="%d">%s</row>`, r, strings.Join(cells, ""))
}

func TestReadXLSX(t *testing.T) {
	header := row(1, is("A1", "User ID"), is("B1", "firstName"), is("C1", "nmlsExpirationDate"), is("D1", "apiUser"), is("E1", "employeeId"))
	tests := []struct {
		name     string
		sheets   []rawSheet
		sst      []string
		date1904 bool
		opts     Options
		want     string // dump of the records (dumpRecord), in order
		wantErr  string // substring of the Open error
		warnings []string
	}{
		{
			name: "text id keeps leading zeros, numeric id has no exponent",
			sheets: []rawSheet{{"People", header +
				row(2, is("A2", "00123"), is("B2", "Ann")) +
				row(3, n("A3", "1E+05"), n("E3", "42.0")) +
				row(4, n("A4", "100000"), n("E4", "1.5"))}},
			want: "row 2: id=\"00123\" firstName=\"Ann\"\n" +
				"row 3: id=\"100000\" employeeId=\"42\"\n" +
				"row 4: id=\"100000\" employeeId=\"1.5\"\n",
		},
		{
			name: "sparse rows keep the sheet's row numbers",
			sheets: []rawSheet{{"People", header +
				row(2, is("A2", "a")) + row(7, is("A7", "b")) + row(1000, is("A1000", "c"))}},
			want: "row 2: id=\"a\"\nrow 7: id=\"b\"\nrow 1000: id=\"c\"\n",
		},
		{
			name: "date serials in the 1900 system, Lotus leap-year bug",
			sheets: []rawSheet{{"People", header +
				row(2, is("A2", "a"), n("C2", "45658")) +
				row(3, is("A3", "b"), n("C3", "59")) +
				row(4, is("A4", "c"), n("C4", "60")) +
				row(5, is("A5", "d"), n("C5", "61")) +
				row(6, is("A6", "e"), n("C6", "1")) +
				row(7, is("A7", "f"), n("C7", "45658.75")) +
				row(8, is("A8", "g"), is("C8", "3/4/2025"))}},
			want: "row 2: id=\"a\" nmlsExpirationDate=\"2025-01-01\"\n" +
				"row 3: id=\"b\" nmlsExpirationDate=\"1900-02-28\"\n" +
				"row 4: id=\"c\"\n  problem: sheet People, row 4, column nmlsExpirationDate: the cell holds 1900-02-29, a date that does not exist (Excel's 1900 leap-year bug); write the date as yyyy-MM-dd\n" +
				"row 5: id=\"d\" nmlsExpirationDate=\"1900-03-01\"\n" +
				"row 6: id=\"e\" nmlsExpirationDate=\"1900-01-01\"\n" +
				"row 7: id=\"f\" nmlsExpirationDate=\"2025-01-01\"\n" +
				"row 8: id=\"g\" nmlsExpirationDate=\"2025-03-04\"\n",
		},
		{
			name:     "date serials in the 1904 system",
			date1904: true,
			sheets: []rawSheet{{"People", header +
				row(2, is("A2", "a"), n("C2", "44196")) + row(3, is("A3", "b"), n("C3", "0"))}},
			want: "row 2: id=\"a\" nmlsExpirationDate=\"2025-01-01\"\n" +
				"row 3: id=\"b\"\n  problem: sheet People, row 3, column nmlsExpirationDate: 0 is not an Excel date; format the cell as a date or write yyyy-MM-dd\n",
		},
		{
			name: "error, boolean and shared-string cells",
			sheets: []rawSheet{{"People", header +
				row(2, `<c r="A2" t="s"><v>0</v></c>`, `<c r="B2" t="e"><f>NA()</f><v>#N/A</v></c>`, `<c r="D2" t="b"><v>1</v></c>`) +
				row(3, `<c r="A3" t="s"><v>1</v></c>`, `<c r="B3" t="str"><f>A3</f><v>=SUM(1)</v></c>`, `<c r="D3" t="e"><v>#VALUE!</v></c>`)}},
			sst: []string{"shared.id", " padded "},
			want: "row 2: id=\"shared.id\" apiUser=\"true\"\n  problem: sheet People, row 2, column firstName: the cell holds the Excel error #N/A; fix the formula or type the value\n" +
				"row 3: id=\"padded\" firstName=\"=SUM(1)\"\n  problem: sheet People, row 3, column apiUser: the cell holds the Excel error #VALUE!; fix the formula or type the value\n",
		},
		{
			name: "first sheet with an id column is read",
			sheets: []rawSheet{
				{"Notes", row(1, is("A1", "Read me"))},
				{"Staff", row(1, is("A1", "Login"), is("B1", "Shoe size")) + row(2, is("A2", "x"), n("B2", "44"))},
			},
			want:     "row 2: id=\"x\"\n",
			warnings: []string{`book.xlsx, sheet Staff, row 1, column Shoe size: unknown column "Shoe size" (column B) is ignored`},
		},
		{
			name:   "--sheet picks a sheet, ignoring case",
			sheets: []rawSheet{{"A", header + row(2, is("A2", "one"))}, {"B", header + row(2, is("A2", "two"))}},
			opts:   Options{Sheet: "b"},
			want:   "row 2: id=\"two\"\n",
		},
		{
			name:    "unknown --sheet lists the sheets",
			sheets:  []rawSheet{{"A", header}, {"B", header}},
			opts:    Options{Sheet: "People"},
			wantErr: `file "book.xlsx": there is no sheet "People"; the workbook has "A", "B"; give one of them with --sheet`,
		},
		{
			name:    "no sheet with an id column",
			sheets:  []rawSheet{{"A", row(1, is("A1", "Name"))}, {"B", ""}},
			wantErr: `file "book.xlsx", sheet "A": no sheet has an id column in row 1 (sheets: "A", "B"); add a column headed "id"`,
		},
		{
			name:    "header through an alias given twice",
			sheets:  []rawSheet{{"A", row(1, is("A1", "id"), is("B1", "Email"), is("C1", "Email Address"))}},
			wantErr: `file "book.xlsx", sheet "A": columns B "Email" and C "Email Address" both mean email; keep only one of them; headers found: "id", "Email", "Email Address"`,
		},
		{
			name:    "empty --sheet",
			sheets:  []rawSheet{{"A", ""}},
			opts:    Options{Sheet: "A"},
			wantErr: `no id column in row 1; add a column headed "id" (also accepted: "User ID", "UserID", "Login", "Username"), or choose another sheet with --sheet; headers found: none (row 1 is empty)`,
		},
		{
			name:   "blank rows are skipped, too-long cell is a problem",
			sheets: []rawSheet{{"A", header + row(2, is("A2", " ")) + row(3, is("A3", "u"), is("B3", strings.Repeat("x", 11)))}},
			opts:   Options{MaxCellLen: 10},
			want:   "row 3: id=\"u\"\n  problem: sheet A, row 3, column firstName: the cell has 11 characters, more than the limit of 10; shorten it\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := buildXLSX(t, tt.sheets, tt.sst, tt.date1904)
			recs, warns, err := ReadAll(p, tt.opts)
			if tt.wantErr != "" {
				var fe *FileError
				if err == nil || !errors.As(err, &fe) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want a *FileError containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got strings.Builder
			for _, r := range recs {
				got.WriteString(dumpRecord(r))
			}
			if got.String() != tt.want {
				t.Errorf("records:\n%s\nwant:\n%s", got.String(), tt.want)
			}
			if len(warns) != len(tt.warnings) {
				t.Fatalf("warnings = %v, want %v", warns, tt.warnings)
			}
			for i, w := range tt.warnings {
				if !strings.Contains(warns[i].Error(), w) || warns[i].Severity != SeverityWarning {
					t.Errorf("warning %d = %q, want it to contain %q", i, warns[i].Error(), w)
				}
			}
		})
	}
}

// TestReadXLSXExcelize reads a workbook written by excelize (styles, shared
// strings, a real date cell) to make sure nothing depends on the minimal
// hand-written layout.
func TestReadXLSXExcelize(t *testing.T) {
	f := excelize.NewFile()
	defer f.Close()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(f.SetSheetRow("Sheet1", "A1", &[]any{"id", "First Name", "NMLS Expiration Date", "accountEnabled", "Org"}))
	must(f.SetSheetRow("Sheet1", "A2", &[]any{"0042", "Zoë", 45658, true, 12}))
	style, err := f.NewStyle(&excelize.Style{NumFmt: 14})
	must(err)
	must(f.SetCellStyle("Sheet1", "C2", "C2", style))
	p := filepath.Join(t.TempDir(), "ex.xlsx")
	must(f.SaveAs(p))
	recs, warns, err := ReadAll(p, Options{})
	must(err)
	if len(warns) != 0 || len(recs) != 1 {
		t.Fatalf("recs=%d warnings=%v", len(recs), warns)
	}
	want := "row 2: id=\"0042\" firstName=\"Zoë\" nmlsExpirationDate=\"2025-01-01\" orgId=\"12\" accountEnabled=\"true\"\n"
	if got := dumpRecord(recs[0]); got != want {
		t.Errorf("got %s want %s", got, want)
	}
}

func TestOpenRefuses(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	zipOf := func(files map[string][]byte) []byte {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for name, b := range files {
			w, _ := zw.Create(name)
			_, _ = w.Write(b)
		}
		_ = zw.Close()
		return buf.Bytes()
	}
	good := buildXLSX(t, []rawSheet{{"A", row(1, is("A1", "id"))}}, nil, false)
	goodBytes, _ := os.ReadFile(good)
	// A bomb declares a huge part; checkZip must refuse it from the
	// headers alone, before anything is inflated.
	bombZip := func(size uint64) []byte {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for _, name := range []string{"[Content_Types].xml", "xl/workbook.xml"} {
			w, _ := zw.Create(name)
			_, _ = w.Write([]byte("<x/>"))
		}
		w, err := zw.CreateRaw(&zip.FileHeader{Name: "xl/worksheets/sheet1.xml", Method: zip.Deflate, CompressedSize64: 1024, UncompressedSize64: size})
		if err != nil {
			t.Fatal(err)
		}
		_, _ = w.Write(make([]byte, 1024))
		_ = zw.Close()
		return buf.Bytes()
	}
	tests := []struct {
		name, path string
		opts       Options
		want       string
	}{
		{"missing", filepath.Join(dir, "nope.csv"), Options{}, "the file does not exist"},
		{"folder", dir, Options{}, "this is a folder"},
		{"empty", write("empty.csv", nil), Options{}, "the file is empty"},
		{"too big", write("big.csv", []byte("id\nu1\n")), Options{MaxFileSize: 3}, "more than the limit of 3 bytes"},
		{"xls", write("old.xls", []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0}), Options{}, "Excel 97-2003"},
		{"binary", write("pic.png", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00")), Options{}, "not a spreadsheet"},
		{"docx", write("doc.xlsx", zipOf(map[string][]byte{"[Content_Types].xml": nil, "word/document.xml": nil})), Options{}, "not an Excel workbook"},
		{"truncated", write("cut.xlsx", goodBytes[:len(goodBytes)/2]), Options{}, "not a readable zip archive"},
		{"zip bomb ratio", write("bomb.xlsx", bombZip(512<<20)), Options{}, "compressed 524288 times (a zip bomb?)"},
		{"zip bomb size", write("bomb2.xlsx", bombZip(3<<30)), Options{}, "unpacks to more than 1024.0 MiB (a zip bomb?)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Open(tt.path, tt.opts)
			var fe *FileError
			if !errors.As(err, &fe) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Open = %v, want a *FileError containing %q", err, tt.want)
			}
			if fe.File != filepath.Base(tt.path) {
				t.Errorf("File = %q, want %q", fe.File, filepath.Base(tt.path))
			}
		})
	}
}
