package templates

import (
	"bytes"
	"os"
	"slices"
	"testing"

	"github.com/encimport/encimport/importer"
	"github.com/xuri/excelize/v2"
)

func canonical() []string {
	var hs []string
	for _, c := range importer.Columns() {
		hs = append(hs, c.String())
	}
	return hs
}

// TestCommittedTemplates checks that the committed files read back with the
// canonical headers and no warnings, and that the CSV is up to date.
func TestCommittedTemplates(t *testing.T) {
	for _, p := range []string{"encimport-template.xlsx", "encimport-template.csv"} {
		r, err := importer.Open(p, importer.Options{})
		if err != nil {
			t.Fatalf("%s: %v (regenerate with go run gen.go)", p, err)
		}
		if !slices.Equal(r.Headers(), canonical()) || len(r.Warnings()) != 0 {
			t.Errorf("%s: headers %q warnings %v", p, r.Headers(), r.Warnings())
		}
		_ = r.Close()
	}
	var c bytes.Buffer
	if err := WriteCSV(&c); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile("encimport-template.csv"); !bytes.Equal(b, c.Bytes()) {
		t.Error("encimport-template.csv is stale; run go run gen.go in templates/")
	}
}

func TestWriteXLSX(t *testing.T) {
	var b bytes.Buffer
	if err := WriteXLSX(&b); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&b)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); !slices.Equal(got, []string{"Users", "Instructions"}) {
		t.Fatalf("sheets %v", got)
	}
	rows, _ := f.GetRows("Users")
	if len(rows) != 1 || !slices.Equal(rows[0], canonical()) {
		t.Fatalf("Users rows %q", rows)
	}
	comments, _ := f.GetComments("Users")
	if len(comments) != int(importer.NumColumns) {
		t.Errorf("%d header notes, want %d", len(comments), importer.NumColumns)
	}
	dvs, _ := f.GetDataValidations("Users")
	if len(dvs) != 9 { // action, 6 yes/no columns, 2 loan-access columns
		t.Errorf("%d drop-downs, want 9", len(dvs))
	}
	panes, _ := f.GetPanes("Users")
	if !panes.Freeze || panes.YSplit != 1 {
		t.Errorf("header row not frozen: %+v", panes)
	}
	ins, _ := f.GetRows("Instructions")
	if len(ins) != 6+int(importer.NumColumns) || ins[6][0] != "action" {
		t.Errorf("Instructions has %d rows", len(ins))
	}
}
