package importer

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// KeepCells keeps each row's cells as written, parallel to the headers; an
// "error" column (the re-upload file's) is ignored without a warning.
func TestKeepCellsAndTheErrorColumn(t *testing.T) {
	path := filepath.Join(t.TempDir(), "people.csv")
	in := "User ID,First Name,Phone,Favourite,error\n" +
		"jdoe,Jane,(303) 555-0100,blue,was wrong\n" +
		"asmith,Ann\n"
	if err := os.WriteFile(path, []byte(in), 0o600); err != nil {
		t.Fatal(err)
	}
	r, err := Open(path, Options{KeepCells: true})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	a, err := r.Next()
	if err != nil {
		t.Fatal(err)
	}
	b, err := r.Next()
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"jdoe", "Jane", "(303) 555-0100", "blue", "was wrong"}; !reflect.DeepEqual(a.Cells, want) {
		t.Errorf("cells %q, want %q", a.Cells, want)
	}
	if a.Get(ColPhone) != "303-555-0100" {
		t.Errorf("the value is still normalised: %q", a.Get(ColPhone))
	}
	if want := []string{"asmith", "Ann", "", "", ""}; !reflect.DeepEqual(b.Cells, want) {
		t.Errorf("short row cells %q, want %q", b.Cells, want)
	}
	for _, w := range r.Warnings() {
		if w.Column == "error" {
			t.Errorf("warned about the error column: %v", w)
		}
	}
	if len(r.Warnings()) != 1 {
		t.Errorf("warnings %v, want only the unknown column Favourite", r.Warnings())
	}

	r2, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r2.Close()
	if c, _ := r2.Next(); c.Cells != nil {
		t.Errorf("cells kept without KeepCells: %q", c.Cells)
	}
}
