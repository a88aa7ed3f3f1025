package importer

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/encimport/encimport/encompass"
)

// hrow is a row hidden in Excel (hidden is the attribute's text).
func hrow(r int, hidden string, cells ...string) string {
	return strings.Replace(row(r, cells...), ">", ` hidden="`+hidden+`">`, 1)
}

func TestSheetsAndHiddenRows(t *testing.T) {
	people := rawSheet{"People", row(1, is("A1", "id"), is("B1", "firstName")) + row(2, is("A2", "p1"), is("B2", "Ann"))}
	notes := rawSheet{"Notes", row(1, is("A1", "Read me"))}
	contractors := rawSheet{"Contractors", row(1, is("A1", "firstName"), is("B1", "User ID"), is("C1", "Shoe size")) +
		row(2, is("A2", "Cy"), is("B2", "c1")) + row(4, is("A4", "Di"), is("B4", "c2"))}
	leavers := rawSheet{"Leavers", row(1, is("A1", "Login")) + row(3, is("A3", "l1"))}
	empty := rawSheet{"Empty", row(1, is("A1", "id"))}
	dupHeader := rawSheet{"Dup", row(1, is("A1", "id"), is("B1", "email"), is("C1", "E-mail")) + row(2, is("A2", "d1"))}
	hidden := rawSheet{"People", row(1, is("A1", "id")) +
		row(2, is("A2", "v2")) +
		hrow(3, "1", is("A3", "h3")) +
		hrow(4, "true", is("A4", "h4")) +
		hrow(5, "1", is("A5", "h5")) +
		hrow(6, "0", is("A6", "v6")) +
		hrow(7, "1", is("A7", " ")) + // blank: not counted
		hrow(8, "yes", is("A8", "v8"))} // not an xsd:boolean: not hidden (as excelize reads it)
	var many strings.Builder
	many.WriteString(row(1, is("A1", "id")))
	for r := 2; r <= 26; r++ {
		many.WriteString(hrow(r, "1", is("A"+strconv.Itoa(r), "h")))
	}
	tests := []struct {
		name     string
		sheets   []rawSheet
		opts     Options
		want     string   // records, dumped with their sheet
		warnings []string // substrings, in order
		wantErr  string   // Open or Next error
		sheetsRd []string // Reader.Sheets at the end
		hidden   int
	}{
		{name: "other sheets with an id column are named",
			sheets:   []rawSheet{notes, people, contractors, leavers},
			want:     "People row 2: id=\"p1\" firstName=\"Ann\"\n",
			warnings: []string{`book.xlsx, sheet People: only this sheet is read; the sheets "Contractors", "Leavers" also have an id column and are not read; read every such sheet with --all-sheets, or another one with --sheet`},
			sheetsRd: []string{"People"}},
		{name: "one other sheet",
			sheets:   []rawSheet{people, notes, leavers},
			want:     "People row 2: id=\"p1\" firstName=\"Ann\"\n",
			warnings: []string{`the sheet "Leavers" also has an id column and is not read; read every such sheet with --all-sheets, or that one with --sheet`},
			sheetsRd: []string{"People"}},
		{name: "--sheet: the choice is the user's, no warning",
			sheets: []rawSheet{people, contractors}, opts: Options{Sheet: "contractors"},
			want:     "Contractors row 2: id=\"c1\" firstName=\"Cy\"\nContractors row 4: id=\"c2\" firstName=\"Di\"\n",
			warnings: []string{`sheet Contractors, row 1, column Shoe size: unknown column "Shoe size"`},
			sheetsRd: []string{"Contractors"}},
		{name: "all sheets, in order, each with its own headers",
			sheets: []rawSheet{notes, people, contractors, empty, leavers}, opts: Options{AllSheets: true},
			want: "People row 2: id=\"p1\" firstName=\"Ann\"\n" +
				"Contractors row 2: id=\"c1\" firstName=\"Cy\"\nContractors row 4: id=\"c2\" firstName=\"Di\"\n" +
				"Leavers row 3: id=\"l1\"\n",
			warnings: []string{`sheet Contractors, row 1, column Shoe size: unknown column "Shoe size" (column C) is ignored`},
			sheetsRd: []string{"People", "Contractors", "Empty", "Leavers"}},
		{name: "all sheets: a bad header row in a later sheet fails there",
			sheets: []rawSheet{people, dupHeader}, opts: Options{AllSheets: true},
			want:    "People row 2: id=\"p1\" firstName=\"Ann\"\n",
			wantErr: `file "book.xlsx", sheet "Dup": columns B "email" and C "E-mail" both mean email`},
		{name: "--sheet with --all-sheets",
			sheets: []rawSheet{people}, opts: Options{AllSheets: true, Sheet: "People"},
			wantErr: `a sheet (--sheet "People") and all sheets (--all-sheets) were both asked for; give only one of them`},
		{name: "hidden rows are skipped and named",
			sheets:   []rawSheet{hidden},
			want:     "People row 2: id=\"v2\"\nPeople row 6: id=\"v6\"\nPeople row 8: id=\"v8\"\n",
			warnings: []string{`book.xlsx, sheet People: 3 rows are hidden in Excel (by a filter or by hand) and were skipped: rows 3, 4, 5; show them and check them, or read hidden rows with --include-hidden`},
			sheetsRd: []string{"People"}, hidden: 3},
		{name: "hidden rows read with IncludeHidden",
			sheets: []rawSheet{hidden}, opts: Options{IncludeHidden: true},
			want:     "People row 2: id=\"v2\"\nPeople row 3: id=\"h3\"\nPeople row 4: id=\"h4\"\nPeople row 5: id=\"h5\"\nPeople row 6: id=\"v6\"\nPeople row 8: id=\"v8\"\n",
			sheetsRd: []string{"People"}},
		{name: "one hidden row; a hidden header row is still the header",
			sheets:   []rawSheet{{"S", hrow(1, "1", is("A1", "id")) + hrow(2, "1", is("A2", "x")) + row(3, is("A3", "y"))}},
			want:     "S row 3: id=\"y\"\n",
			warnings: []string{`book.xlsx, sheet S, row 2: 1 row is hidden in Excel (by a filter or by hand) and was skipped: row 2; show it and check it, or read hidden rows with --include-hidden`},
			sheetsRd: []string{"S"}, hidden: 1},
		{name: "many hidden rows: the first 20 listed",
			sheets:   []rawSheet{{"S", many.String()}},
			warnings: []string{`25 rows are hidden in Excel (by a filter or by hand) and were skipped: rows 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, … (25 in all)`},
			sheetsRd: []string{"S"}, hidden: 25},
		{name: "hidden rows in every sheet read",
			sheets: []rawSheet{hidden, {"More", row(1, is("A1", "id")) + hrow(9, "1", is("A9", "m9")) + row(10, is("A10", "m10"))}}, opts: Options{AllSheets: true},
			want:     "People row 2: id=\"v2\"\nPeople row 6: id=\"v6\"\nPeople row 8: id=\"v8\"\nMore row 10: id=\"m10\"\n",
			warnings: []string{`sheet People: 3 rows are hidden`, `sheet More, row 9: 1 row is hidden in Excel (by a filter or by hand) and was skipped: row 9`},
			sheetsRd: []string{"People", "More"}, hidden: 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := buildXLSX(t, tt.sheets, nil, false)
			r, err := Open(p, tt.opts)
			var got strings.Builder
			if err == nil {
				for {
					rec, nerr := r.Next()
					if nerr != nil {
						if nerr != io.EOF {
							err = nerr
						}
						break
					}
					got.WriteString(rec.Sheet + " " + dumpRecord(rec))
				}
			}
			if tt.wantErr != "" {
				var fe *FileError
				if !errors.As(err, &fe) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want a *FileError containing %q", err, tt.wantErr)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if got.String() != tt.want {
				t.Errorf("records:\n%s\nwant:\n%s", got.String(), tt.want)
			}
			if r == nil {
				return
			}
			defer r.Close()
			warns := r.Warnings()
			if len(warns) != len(tt.warnings) {
				t.Fatalf("warnings = %v, want %q", warns, tt.warnings)
			}
			for i, w := range tt.warnings {
				if !strings.Contains(warns[i].Error(), w) || warns[i].Severity != SeverityWarning {
					t.Errorf("warning %d = %q, want it to contain %q", i, warns[i].Error(), w)
				}
			}
			if tt.wantErr == "" && strings.Join(r.Sheets(), "|") != strings.Join(tt.sheetsRd, "|") {
				t.Errorf("Sheets() = %q, want %q", r.Sheets(), tt.sheetsRd)
			}
			if r.HiddenRowsSkipped() != tt.hidden {
				t.Errorf("HiddenRowsSkipped() = %d, want %d", r.HiddenRowsSkipped(), tt.hidden)
			}
			// The reference reader (excelize) reads the same.
			if tt.wantErr == "" && tt.want != "" {
				compareWithReference(t, p, tt.opts, true)
			}
		})
	}
}

// TestAutofilterHiddenRows: rows an Excel filter hides are written as
// hidden rows; a workbook written by excelize with an autofilter.
func TestAutofilterHiddenRows(t *testing.T) {
	f := excelize.NewFile()
	defer f.Close()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(f.SetSheetRow("Sheet1", "A1", &[]any{"id", "action", "orgId"}))
	must(f.SetSheetRow("Sheet1", "A2", &[]any{"keep1", "update", "Retail"}))
	must(f.SetSheetRow("Sheet1", "A3", &[]any{"gone", "disable", "Wholesale"}))
	must(f.SetSheetRow("Sheet1", "A4", &[]any{"keep2", "update", "Retail"}))
	must(f.AutoFilter("Sheet1", "A1:C4", []excelize.AutoFilterOptions{{Column: "C", Expression: "x == Retail"}}))
	must(f.SetRowVisible("Sheet1", 3, false))
	p := filepath.Join(t.TempDir(), "filtered.xlsx")
	must(f.SaveAs(p))

	res, err := Read(p, Options{})
	must(err)
	if len(res.Records) != 2 || res.Records[0].Get(ColID) != "keep1" || res.Records[1].Get(ColID) != "keep2" {
		t.Fatalf("records: %v", res.Records)
	}
	if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0].Error(), "row 3") || res.HiddenRowsSkipped != 1 {
		t.Fatalf("warnings = %v, hidden = %d", res.Warnings, res.HiddenRowsSkipped)
	}
	res, err = Read(p, Options{IncludeHidden: true})
	must(err)
	if len(res.Records) != 3 || res.Records[1].Get(ColAction) != string(encompass.ActionDisable) || len(res.Warnings) != 0 {
		t.Fatalf("with IncludeHidden: %d records, warnings %v", len(res.Records), res.Warnings)
	}
	compareWithReference(t, p, Options{}, true)
}

func TestNoDataRows(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name string
		path string
		opts Options
		want string // substring of NoDataRows; "" = nil
	}{
		{"header only", write("h.csv", "id,email\n"), Options{}, `file "h.csv": the file has no data rows: row 1 holds the headers and no row below it has a value; add one row per user below the headers`},
		{"blank rows only", write("b.csv", "id,email\n,\n , \n\n"), Options{}, "the file has no data rows"},
		{"a data row", write("d.csv", "id\nu1\n"), Options{}, ""},
		{"xlsx header only", buildXLSX(t, []rawSheet{{"People", row(1, is("A1", "id"))}}, nil, false), Options{}, `file "book.xlsx", sheet "People": the sheet has no data rows`},
		{"xlsx all rows hidden", buildXLSX(t, []rawSheet{{"People", row(1, is("A1", "id")) + hrow(2, "1", is("A2", "a")) + hrow(3, "1", is("A3", "b"))}}, nil, false), Options{},
			`the sheet has no visible data rows: the 2 rows with values are all hidden in Excel and were skipped; show them (clear the filter, or unhide the rows), or read them with --include-hidden`},
		{"xlsx hidden rows read", buildXLSX(t, []rawSheet{{"People", row(1, is("A1", "id")) + hrow(2, "1", is("A2", "a"))}}, nil, false), Options{IncludeHidden: true}, ""},
		{"xlsx all sheets empty", buildXLSX(t, []rawSheet{{"A", row(1, is("A1", "id"))}, {"B", row(1, is("A1", "id"))}}, nil, false), Options{AllSheets: true}, `the sheets "A", "B" have no data rows`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Open(tt.path, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			if r.NoDataRows() != nil {
				t.Fatal("NoDataRows before the end of the file")
			}
			n := 0
			for {
				if _, err := r.Next(); err == io.EOF {
					break
				} else if err != nil {
					t.Fatal(err)
				}
				n++
			}
			if r.rows != n {
				t.Errorf("DataRows() = %d, read %d", r.rows, n)
			}
			err = r.NoDataRows()
			if tt.want == "" {
				if err != nil {
					t.Fatalf("NoDataRows() = %v", err)
				}
				return
			}
			var fe *FileError
			if !errors.Is(err, ErrNoDataRows) || !errors.As(err, &fe) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("NoDataRows() = %v, want a *FileError wrapping ErrNoDataRows containing %q", err, tt.want)
			}
			res, rerr := Read(tt.path, tt.opts)
			if rerr != nil || !errors.Is(res.NoDataRows, ErrNoDataRows) {
				t.Fatalf("Read: err %v, NoDataRows %v", rerr, res.NoDataRows)
			}
		})
	}
}

func TestAllSheetsCSV(t *testing.T) {
	p := filepath.Join(t.TempDir(), "people.csv")
	if err := os.WriteFile(p, []byte("id\nu1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := Read(p, Options{AllSheets: true, IncludeHidden: true})
	if err != nil || len(res.Records) != 1 || len(res.Warnings) != 0 || res.NoDataRows != nil {
		t.Fatalf("Read = %+v, %v", res, err)
	}
}
