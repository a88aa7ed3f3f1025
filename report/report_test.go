package report

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/encimport/encimport/importer"
	"github.com/encimport/encimport/internal/golden"
	"github.com/encimport/encimport/plan"
	"github.com/xuri/excelize/v2"
)

// sampleRows covers every status and every character that needs care:
// formula triggers, quotes, commas, line breaks, non-ASCII.
func sampleRows() []Row {
	return []Row{
		{Sheet: "People", Row: 2, ID: "jdoe", Action: "create", Status: "created", HTTPStatus: 201, CorrelationID: "c-1", Attempts: 1, DurationMS: 12,
			Review: Review{FirstName: "Jane", LastName: "Doe", Email: "jane@example.com", NewOrganization: "Administration/Retail", Steps: "create"}},
		{Sheet: "People", Row: 3, ID: "asmith", Action: "update", Status: "updated", HTTPStatus: 204, CorrelationID: "c-2", Attempts: 3, DurationMS: 1500,
			Review: Review{FirstName: "=1+2", LastName: "Smith, Jr.", Email: "a@example.com", Organization: "Administration/Retail", NewOrganization: "Administration/Wholesale", Steps: "update + move"}},
		{Sheet: "People", Row: 4, ID: "bjones", Action: "move", Status: "moved", HTTPStatus: 204, Attempts: 1, DurationMS: 40},
		{Sheet: "People", Row: 5, ID: "=HYPERLINK(\"http://x\")", Action: "create", Status: "invalid", Message: "column id: the user id \"=HYPERLINK(\"http://x\")\" contains \"; remove it"},
		{Sheet: "People", Row: 6, ID: "cwu", Action: "create", Status: "failed", HTTPStatus: 400, ErrorCode: "EBS-404", Message: "Bad Request: phone: use ###-###-####, e.g. 303-555-0100", CorrelationID: "c-3", Attempts: 1, DurationMS: 8},
		{Sheet: "People", Row: 7, ID: "+plus", Action: "upsert", Status: "unchanged"},
		{Sheet: "People", Row: 8, ID: "-minus", Action: "disable", Status: "skipped", Message: "run interrupted; rerun to finish"},
		{Sheet: "People", Row: 9, ID: "@at", Action: "enable", Status: "enabled", HTTPStatus: 200, Attempts: 2, DurationMS: 300},
		{Sheet: "People", Row: 10, ID: "\ttab", Action: "disable", Status: "disabled", Message: "\rcarriage, \"quoted\"\nsecond line", Attempts: 1},
		{Sheet: "Personnes", Row: 11, ID: "zoë", Action: "create", Status: "planned", Message: "Prénom trop long, 64 caractères au plus"},
	}
}

func TestWriteGolden(t *testing.T) {
	for _, ext := range []string{".csv", ".jsonl"} {
		t.Run(ext, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "report"+ext)
			if err := Write(path, sampleRows()); err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			golden.Check(t, "report"+ext, got)
		})
	}
}

func TestSafeCell(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"plain", "plain"},
		{"=SUM(A1:A9)", "'=SUM(A1:A9)"},
		{"+1", "'+1"},
		{"-1", "'-1"},
		{"@cmd", "'@cmd"},
		{"\tx", "'\tx"},
		{"\rx", "'\rx"},
		{"a=b", "a=b"},
		{" =x", " =x"},
		{"'already", "'already"},
	}
	for _, tt := range tests {
		if got := SafeCell(tt.in); got != tt.want {
			t.Errorf("SafeCell(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestJSONLIsRaw(t *testing.T) {
	rows := sampleRows()
	path := filepath.Join(t.TempDir(), "report.jsonl")
	if err := Write(path, rows); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	if len(lines) != len(rows) {
		t.Fatalf("%d lines, want %d", len(lines), len(rows))
	}
	for i, line := range lines {
		var r Row
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		if r != rows[i] {
			t.Errorf("line %d round-trips to %+v, want %+v", i+1, r, rows[i])
		}
	}
}

func TestWriteXLSX(t *testing.T) {
	rows := sampleRows()
	path := filepath.Join(t.TempDir(), "report.XLSX")
	if err := Write(path, rows); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); strings.Join(got, ",") != SheetName+","+DetailsSheet+","+SummarySheet {
		t.Fatalf("sheets %v, want [%s %s %s]", got, SheetName, DetailsSheet, SummarySheet)
	}
	if f.GetActiveSheetIndex() != 0 {
		t.Errorf("the workbook opens on sheet %d, want the people sheet", f.GetActiveSheetIndex())
	}
	cellText := func(v any) string {
		switch v := v.(type) {
		case nil:
			return ""
		case string:
			return v
		}
		return fmt.Sprint(v)
	}
	check := func(sheet string, header []string, cells func(Row) []any) {
		t.Helper()
		got, err := f.GetRows(sheet)
		if err != nil {
			t.Fatal(err)
		}
		want := [][]string{header}
		for _, r := range rows {
			var rec []string
			for _, c := range cells(r) {
				rec = append(rec, cellText(c))
			}
			for len(rec) > 0 && rec[len(rec)-1] == "" { // GetRows drops trailing empty cells
				rec = rec[:len(rec)-1]
			}
			want = append(want, rec)
		}
		if len(got) != len(want) {
			t.Fatalf("%s: %d rows, want %d", sheet, len(got), len(want))
		}
		for i := range want {
			if strings.Join(got[i], "|") != strings.Join(want[i], "|") {
				t.Errorf("%s row %d = %q, want %q", sheet, i+1, got[i], want[i])
			}
		}
	}
	check(SheetName, PeopleHeader, peopleCells)
	check(DetailsSheet, TechnicalHeader, detailCells)

	// The people view: names, email and the organization change beside
	// every step the row took; no technical column.
	for _, h := range []string{"http_status", "correlation_id", "attempts", "duration_ms"} {
		for _, ph := range PeopleHeader {
			if strings.EqualFold(ph, h) {
				t.Errorf("the people sheet has the technical column %q", h)
			}
		}
	}
	if v, _ := f.GetCellValue(SheetName, "E3"); v != "updated + moved" {
		t.Errorf("status of a patched and moved row = %q, want every step", v)
	}
	if v, _ := f.GetCellValue(SheetName, "G3"); v != "Administration/Wholesale" {
		t.Errorf("new organization = %q", v)
	}
	// Text is text: no Excel-safe prefix, and never a formula.
	for _, c := range []struct{ sheet, cell, want string }{
		{SheetName, "B3", "=1+2"}, {SheetName, "I5", `=HYPERLINK("http://x")`}, {DetailsSheet, "C5", `=HYPERLINK("http://x")`}, {DetailsSheet, "C7", "+plus"},
	} {
		if v, _ := f.GetCellValue(c.sheet, c.cell); v != c.want {
			t.Errorf("%s!%s = %q, want %q", c.sheet, c.cell, v, c.want)
		}
		if fm, _ := f.GetCellFormula(c.sheet, c.cell); fm != "" {
			t.Errorf("%s!%s has formula %q", c.sheet, c.cell, fm)
		}
	}
	// Numbers are numbers.
	for _, c := range []string{SheetName + "!A2", DetailsSheet + "!B2", DetailsSheet + "!F2"} {
		sheet, cell, _ := strings.Cut(c, "!")
		if typ, _ := f.GetCellType(sheet, cell); typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset {
			t.Errorf("%s type %v, want number", c, typ)
		}
	}
	// Autofilter over every row, header frozen, messages wrapped.
	xml := zipMember(t, path, "xl/worksheets/sheet1.xml")
	if !strings.Contains(xml, `<autoFilter ref="$A$1:$K$11"`) {
		t.Errorf("people sheet has no autofilter over A1:K11")
	}
	if !strings.Contains(zipMember(t, path, "xl/worksheets/sheet2.xml"), `<autoFilter ref="$A$1:$K$11"`) {
		t.Errorf("details sheet has no autofilter over A1:K11")
	}
	for _, sheet := range []string{SheetName, DetailsSheet} {
		panes, err := f.GetPanes(sheet)
		if err != nil {
			t.Fatal(err)
		}
		if !panes.Freeze || panes.YSplit != 1 || panes.TopLeftCell != "A2" {
			t.Errorf("%s panes %+v, want the header row frozen", sheet, panes)
		}
	}
	styleOf := func(sheet, cell string) *excelize.Style {
		t.Helper()
		id, err := f.GetCellStyle(sheet, cell)
		if err != nil {
			t.Fatal(err)
		}
		st, err := f.GetStyle(id)
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	fillOf := func(sheet, cell string) string {
		st := styleOf(sheet, cell)
		if len(st.Fill.Color) == 0 {
			return ""
		}
		c := strings.ToUpper(st.Fill.Color[0])
		if len(c) == 8 { // ARGB
			c = c[2:]
		}
		return c
	}
	if st := styleOf(SheetName, "H6"); st.Alignment == nil || !st.Alignment.WrapText {
		t.Errorf("people message cell not wrapped: %+v", st.Alignment)
	}
	if st := styleOf(DetailsSheet, "H6"); st.Alignment == nil || !st.Alignment.WrapText {
		t.Errorf("details message cell not wrapped: %+v", st.Alignment)
	}
	if got := fillOf(SheetName, "A1"); got != HeaderFill {
		t.Errorf("header fill %q, want %q", got, HeaderFill)
	}
	for i, r := range rows {
		for _, col := range []string{"A", "E", "K"} {
			cell := col + strconv.Itoa(i+2)
			for _, sheet := range []string{SheetName, DetailsSheet} {
				if got, want := fillOf(sheet, cell), StatusFills[r.Status]; got != want {
					t.Errorf("%s!%s (status %s) fill %q, want %q", sheet, cell, r.Status, got, want)
				}
			}
		}
	}
	if w, _ := f.GetColWidth(SheetName, "H"); w < 40 {
		t.Errorf("message column width %v, want a wide column", w)
	}
	// The summary counts rows by status, by action and by steps taken.
	sum, _ := f.GetRows(SummarySheet)
	text := fmt.Sprint(sum)
	for _, want := range []string{"[Rows 10]", "[created 1]", "[failed 1]", "[create 4]", "[updated + moved 1]"} {
		if !strings.Contains(text, want) {
			t.Errorf("summary %v lacks %s", sum, want)
		}
	}
	// Every status has its own colour.
	seen := map[string]plan.Status{}
	for st, c := range StatusFills {
		if other, dup := seen[c]; dup {
			t.Errorf("statuses %s and %s share fill %s", st, other, c)
		}
		seen[c] = st
	}
}

func zipMember(t *testing.T, path, name string) string {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	for _, f := range zr.File {
		if f.Name == name {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			defer rc.Close()
			b, _ := io.ReadAll(rc)
			return string(b)
		}
	}
	t.Fatalf("%s has no %s", path, name)
	return ""
}

func TestTook(t *testing.T) {
	for _, tc := range []struct {
		status plan.Status
		steps  string
		want   string
	}{
		{"updated", "update + move", "updated + moved"},
		{"created", "create", "created"},
		{"disabled", "disable", "disabled"},
		{"failed", "update + move", "failed"},
		{"unchanged", "", "unchanged"},
		{"created", "", "created"},
	} {
		if got := (Row{Status: tc.status, Review: Review{Steps: tc.steps}}).Took(); got != tc.want {
			t.Errorf("Took(%s, %q) = %q, want %q", tc.status, tc.steps, got, tc.want)
		}
	}
}

func TestWriteUnknownExtension(t *testing.T) {
	path := filepath.Join(t.TempDir(), "report.txt")
	err := Write(path, sampleRows())
	if err == nil || !strings.Contains(err.Error(), ".csv, .xlsx or .jsonl") || !strings.Contains(err.Error(), path) {
		t.Fatalf("err = %v, want one naming the file and the known formats", err)
	}
	if _, statErr := os.Stat(path); !os.IsNotExist(statErr) {
		t.Errorf("a file was created for an unknown format")
	}
}

func TestWriteIsAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "r.csv")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Write(path, sampleRows()[:1]); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Fatalf("directory holds %v, want only r.csv (no temporary file left)", names)
	}
	got, _ := os.ReadFile(path)
	if !strings.HasPrefix(string(got), strings.Join(Header, ",")) {
		t.Errorf("report not replaced: %q", got)
	}
	if err := Write(filepath.Join(dir, "missing", "r.csv"), nil); err == nil {
		t.Error("writing into a missing directory succeeded")
	}
}

func TestDefaultPath(t *testing.T) {
	now := time.Date(2025, 3, 7, 9, 5, 1, 0, time.UTC)
	tests := []struct{ in, want string }{
		{"people.xlsx", "people-report-20250307-090501.csv"},
		{"/data/hr/People List.csv", "/data/hr/People List-report-20250307-090501.csv"},
		{"dir.v2/people", "dir.v2/people-report-20250307-090501.csv"},
	}
	for _, tt := range tests {
		if got := DefaultPath(tt.in, now); got != tt.want {
			t.Errorf("DefaultPath(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestWriteSummary(t *testing.T) {
	var buf bytes.Buffer
	s := Summary{
		Rows:     6,
		ByStatus: Count([]Row{{Status: "failed"}, {Status: "created"}, {Status: "created"}, {Status: "skipped"}, {Status: "unchanged"}, {Status: "weird"}}),
		Calls:    9, Retries: 3, TooMany429: 2, Reconciles: 1,
		Elapsed: 1234567 * time.Microsecond, Interrupted: true,
	}
	if err := WriteSummary(&buf, s); err != nil {
		t.Fatal(err)
	}
	want := "rows: 6 (created 2, unchanged 1, failed 1, skipped 1, weird 1)\n" +
		"api calls: 9, retries: 3, 429s: 2, reconciles: 1\n" +
		"elapsed: 1.235s\n" +
		"interrupted: rows not done are marked skipped (unknown when their call was sent and not answered); rerun to finish\n"
	if buf.String() != want {
		t.Errorf("summary:\n%s\nwant:\n%s", buf.String(), want)
	}
}

func TestWriterStreamsAndAppearsOnlyOnClose(t *testing.T) {
	for _, ext := range []string{".csv", ".jsonl", ".xlsx"} {
		t.Run(ext, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "r"+ext)
			w, err := Create(path)
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i < 3000; i++ {
				if err := w.Write(Row{Sheet: "S", Row: i + 2, ID: fmt.Sprintf("u%d", i), Action: "create", Status: "created", Attempts: 1}); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := os.Stat(path); !os.IsNotExist(err) {
				t.Fatalf("the report exists before Close: %v", err)
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			var n int
			switch ext {
			case ".xlsx":
				f, err := excelize.OpenFile(path)
				if err != nil {
					t.Fatal(err)
				}
				rows, _ := f.GetRows(SheetName)
				f.Close()
				n = len(rows)
			default:
				b, _ := os.ReadFile(path)
				n = strings.Count(string(b), "\n")
				if ext == ".jsonl" {
					n++ // no header line
				}
			}
			if n != 3001 {
				t.Errorf("%d lines with the header, want 3001", n)
			}
			if left, _ := filepath.Glob(filepath.Join(dir, ".*tmp*")); len(left) != 0 {
				t.Errorf("temporary files left: %v", left)
			}
		})
	}
	dir := t.TempDir()
	w, err := Create(filepath.Join(dir, "aborted.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	_ = w.Write(Row{ID: "x"})
	w.Abort()
	if left, _ := filepath.Glob(filepath.Join(dir, "*")); len(left) != 0 {
		t.Errorf("an aborted report left %v", left)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".*")); len(left) != 0 {
		t.Errorf("an aborted report left %v", left)
	}
	if _, err := Create(filepath.Join(t.TempDir(), "r.txt")); err == nil || !strings.Contains(err.Error(), ".csv, .xlsx or .jsonl") {
		t.Errorf("unknown extension: %v", err)
	}
}

func TestDefaultPathNeverReplacesAReport(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "people.xlsx")
	now := time.Date(2026, 12, 2, 0, 31, 58, 0, time.UTC)
	first := DefaultPath(in, now)
	if want := filepath.Join(dir, "people-report-20261202-003158.csv"); first != want {
		t.Fatalf("first %s, want %s", first, want)
	}
	if err := os.WriteFile(first, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if second := DefaultPath(in, now); second != filepath.Join(dir, "people-report-20261202-003158-2.csv") {
		t.Errorf("a run of the same second gets %s", second)
	}
	if e := DefaultErrorsPath(in, importer.FormatXLSX, now); e != filepath.Join(dir, "people-errors-20261202-003158.xlsx") {
		t.Errorf("errors path %s", e)
	}
}
