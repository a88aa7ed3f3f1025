package report

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/encimport/encimport/importer"
	"github.com/encimport/encimport/plan"
)

func TestWriteErrorsCSV(t *testing.T) {
	dir := t.TempDir()
	input := filepath.Join(dir, "people.csv")
	in := "User ID,First Name,Password,Email Address,Favourite\n" +
		"ok.one,Ann,Secr3t!,ann@example.com,red\n" +
		"bad.two,=1+2,Secr3t!,not-an-email,blue\n" +
		"fail.three,Cy,Secr3t!,cy@example.com,\n"
	if err := os.WriteFile(input, []byte(in), 0o600); err != nil {
		t.Fatal(err)
	}
	rows := []Row{
		{Sheet: "people.csv", Row: 2, ID: "ok.one", Status: plan.StatusCreated},
		{Sheet: "people.csv", Row: 3, ID: "bad.two", Status: plan.StatusInvalid, Message: "email: \"not-an-email\" is not an email address"},
		{Sheet: "people.csv", Row: 4, ID: "fail.three", Status: plan.StatusFailed, Message: "Bad Request: persona refused"},
	}
	if !NeedsErrorsFile(rows) || NeedsErrorsFile(rows[:1]) {
		t.Fatal("NeedsErrorsFile")
	}
	path, n, err := WriteErrors("", ErrorsInput{Path: input}, rows)
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 || !strings.HasPrefix(path, filepath.Join(dir, "people-errors-")) || filepath.Ext(path) != ".csv" {
		t.Fatalf("wrote %d rows to %s", n, path)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"User ID", "First Name", "Password", "Email Address", "Favourite", "error"},
		{"bad.two", "=1+2", "", "not-an-email", "blue", `email: "not-an-email" is not an email address; ` + PasswordLeftOut},
		{"fail.three", "Cy", "", "cy@example.com", "", "Bad Request: persona refused; " + PasswordLeftOut},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("errors file\n got %q\nwant %q", got, want)
	}
	if b, _ := os.ReadFile(path); strings.Contains(string(b), "Secr3t!") {
		t.Error("the errors file holds a password")
	}

	// Fixed and written again: its own error column is reused, not doubled.
	again, _, err := WriteErrors(filepath.Join(dir, "again.csv"), ErrorsInput{Path: path}, []Row{{Sheet: filepath.Base(path), Row: 2, Status: plan.StatusFailed, Message: "still"}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(again)
	if lines := strings.Split(string(b), "\n"); lines[0] != "User ID,First Name,Password,Email Address,Favourite,error" || !strings.HasSuffix(lines[1], ",still") {
		t.Errorf("again: %q", b)
	}

	// Nothing to fix: no file.
	if p, n, err := WriteErrors("", ErrorsInput{Path: input}, rows[:1]); p != "" || n != 0 || err != nil {
		t.Errorf("no rows to fix: %q %d %v", p, n, err)
	}
	// The input changed since the run: refused.
	if _, _, err := WriteErrors(filepath.Join(dir, "x.csv"), ErrorsInput{Path: input, SHA256: "00"}, rows); err == nil || !strings.Contains(err.Error(), "changed") {
		t.Errorf("changed input: %v", err)
	}
	if _, _, err := WriteErrors(filepath.Join(dir, "x.txt"), ErrorsInput{Path: input}, rows); err == nil {
		t.Error("unknown extension accepted")
	}
}

func TestWriteErrorsXLSX(t *testing.T) {
	dir := t.TempDir()
	input := filepath.Join(dir, "people.xlsx")
	f := excelize.NewFile()
	_ = f.SetSheetName("Sheet1", "Staff")
	for i, row := range [][]any{
		{"id", "firstName", "password", "nmlsExpirationDate", "employeeId"},
		{"good", "Gil", "pw1", nil, 1},
		{"bad", "Bea", "pw2", 46387, 42},
	} {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Staff", cell, &row); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.SaveAs(input); err != nil {
		t.Fatal(err)
	}
	f.Close()
	res, err := importer.Read(input, importer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	rows := []Row{{Sheet: "Staff", Row: 2, Status: plan.StatusCreated}, {Sheet: "Staff", Row: 3, Status: plan.StatusFailed, Message: "409 Conflict"}}
	path, n, err := WriteErrors("", ErrorsInput{Path: input, Sheet: "Staff", SHA256: res.SHA256}, rows)
	if err != nil {
		t.Fatal(err)
	}
	if n != 1 || filepath.Ext(path) != ".xlsx" {
		t.Fatalf("%d rows to %s", n, path)
	}
	out, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	got, _ := out.GetRows("Staff")
	want := [][]string{{"id", "firstName", "password", "nmlsExpirationDate", "employeeId", "error"}, {"bad", "Bea", "", "2026-12-31", "42", "409 Conflict; " + PasswordLeftOut}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("errors workbook\n got %q\nwant %q", got, want)
	}
	// It reads back as input: the same row, no warning for the error column.
	back, err := importer.Read(path, importer.Options{})
	if err != nil || len(back.Records) != 1 || back.Records[0].Get(importer.ColID) != "bad" || len(back.Warnings) != 0 {
		t.Errorf("read back: %v %+v %v", err, back.Records, back.Warnings)
	}
	if DefaultErrorsPath("/in/people.XLSX", importer.FormatXLSX, time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)) != "/in/people-errors-20250102-030405.xlsx" {
		t.Error("DefaultErrorsPath")
	}
}
