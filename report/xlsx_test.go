package report

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/encimport/encimport/plan"
)

// TestXLSXLarge writes a report of many rows, with text XML must escape
// or leave out, and reads it back with excelize: every cell as written.
func TestXLSXLarge(t *testing.T) {
	odd := []string{"a & b < c > d", ` lead`, "trail\t", "line\nbreak", "cr\rhere", "bell\x07 nul\x00 esc\x1b",
		"bad \xff utf8", "nonchar \uFFFE\uFFFF", "zoë 東京 😀", `"quoted" 'single'`, "=1+2", "]]>", ""}
	clean := func(s string) string { // what XML (and Excel) keeps of s
		return strings.Map(func(r rune) rune {
			if (r < 0x20 && r != '\t' && r != '\n' && r != '\r') || r == 0xFFFE || r == 0xFFFF || r == 0xFFFD {
				return -1
			}
			return r
		}, strings.ToValidUTF8(s, ""))
	}
	statuses := plan.Statuses
	rows := make([]Row, 20_000)
	for i := range rows {
		rows[i] = Row{Sheet: "People", Row: i + 2, ID: fmt.Sprintf("user%06d", i), Action: "upsert", Status: statuses[i%len(statuses)],
			Message: odd[i%len(odd)], CorrelationID: odd[(i+3)%len(odd)], Attempts: i % 4, DurationMS: int64(i * 7),
			Review: Review{FirstName: odd[(i+5)%len(odd)], LastName: fmt.Sprint("Last", i), Email: fmt.Sprintf("user%d@example.com", i),
				Organization: "Administration/Retail", Steps: "update"}}
		if i%3 == 0 {
			rows[i].HTTPStatus = 200 + i%5
		}
	}
	rows[7].Message = strings.Repeat("x", maxCellChars+10)
	path := filepath.Join(t.TempDir(), "large.xlsx")
	if err := Write(path, rows); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, s := range []struct {
		sheet string
		cells func(Row) []any
	}{{SheetName, peopleCells}, {DetailsSheet, detailCells}} {
		got, err := f.GetRows(s.sheet)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(rows)+1 {
			t.Fatalf("%s: %d rows, want %d", s.sheet, len(got), len(rows)+1)
		}
		bad := 0
		for i, r := range rows {
			var want []string
			for _, c := range s.cells(r) {
				switch c := c.(type) {
				case nil:
					want = append(want, "")
				case string:
					if len(c) > maxCellChars {
						c = c[:maxCellChars]
					}
					want = append(want, clean(c))
				default:
					want = append(want, fmt.Sprint(c))
				}
			}
			for len(want) > 0 && want[len(want)-1] == "" {
				want = want[:len(want)-1]
			}
			if g := got[i+1]; strings.Join(g, "\x00|") != strings.Join(want, "\x00|") && bad < 5 {
				bad++
				t.Errorf("%s row %d = %q, want %q", s.sheet, i+2, g, want)
			}
		}
	}
	last := strconv.Itoa(len(rows) + 1)
	if !strings.Contains(zipMember(t, path, "xl/worksheets/sheet2.xml"), `<autoFilter ref="$A$1:$K$`+last+`"`) {
		t.Errorf("details sheet has no autofilter over every row")
	}
	if typ, _ := f.GetCellType(DetailsSheet, "J"+last); typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset {
		t.Errorf("attempts cell type %v, want a number", typ)
	}
	sum, _ := f.GetRows(SummarySheet)
	if fmt.Sprint(sum[0]) != "[Rows "+strconv.Itoa(len(rows))+"]" {
		t.Errorf("summary starts %v", sum[0])
	}
}
