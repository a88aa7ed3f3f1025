package planner_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/encimport/encimport/importer"
	"github.com/encimport/encimport/internal/bench"
	"github.com/encimport/encimport/plan"
	"github.com/encimport/encimport/planner"
)

// BenchmarkCheckFile reads and checks the bench driver's 100,000-row csv
// (or xlsx) file the way `encimport validate` does.
func BenchmarkCheckFile(b *testing.B) {
	for _, ext := range []string{"csv", "xlsx"} {
		b.Run(ext, func(b *testing.B) {
			dir := filepath.Join(os.TempDir(), "encimport-bench-checkfile")
			ensure := bench.EnsureCSV
			if ext == "xlsx" {
				ensure = bench.EnsureXLSX
			}
			size := 100_000
			if n, err := strconv.Atoi(os.Getenv("CHECKFILE_ROWS")); err == nil && n > 0 {
				size = n // e.g. CHECKFILE_ROWS=1000000 as in the bench driver
			}
			path, err := ensure(dir, size)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			rows := 0
			for b.Loop() {
				rows = 0
				_, err := planner.CheckFile(context.Background(), path, importer.Options{MaxFileSize: 1 << 30}, plan.Options{}, func(r plan.Row) error {
					rows++
					if r.Status != plan.StatusPlanned {
						b.Fatalf("row %d: %+v", r.Row, r.Problems)
					}
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

// BenchmarkCheckFileSerial is CheckFile on one goroutine (the reference the
// two-goroutine pipeline of CheckFile must beat).
func BenchmarkCheckFileSerial(b *testing.B) {
	path, err := bench.EnsureCSV(filepath.Join(os.TempDir(), "encimport-bench-checkfile"), 100_000)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		r, err := importer.Open(path, importer.Options{})
		if err != nil {
			b.Fatal(err)
		}
		c := planner.NewChecker(plan.Options{})
		var rec importer.Record
		for {
			if err := r.NextInto(&rec); err == io.EOF {
				break
			} else if err != nil {
				b.Fatal(err)
			}
			if row := c.Row(&rec); row.Status != plan.StatusPlanned {
				b.Fatalf("row %d: %+v", row.Row, row.Problems)
			}
		}
		r.Close()
	}
	b.ReportMetric(100_000*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// TestCheckFileMatchesOfflinePlan reads files of several sizes (across the
// pipeline's batches) with CheckFile and compares every row and warning
// with OfflinePlan over ReadAll.
func TestCheckFileMatchesOfflinePlan(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []int{0, 1, 255, 256, 257, 1100} {
		var b strings.Builder
		b.WriteString("action,id,firstName,lastName,email,phone,licenses,shoe size,orgId\n")
		for i := 0; i < n; i++ {
			switch i % 7 {
			case 0:
				fmt.Fprintf(&b, "create,u%d,Ann,Able,ann%d@example.com,303-555-0100,CO;az,42,Denver\n", i, i)
			case 1:
				fmt.Fprintf(&b, "update,U%d,,,not-an-email,12345,XX,,\n", i-1) // duplicate of the row above
			case 2:
				b.WriteString("\n") // blank line: rows keep Excel's numbers
				fmt.Fprintf(&b, "move,u%d,,,,,,,\n", i)
			case 3:
				fmt.Fprintf(&b, "delete,u%d,<clear>,,,,,,\n", i)
			default:
				fmt.Fprintf(&b, ",u%d,Bo,Baker,bo%d@example.com,,,,\n", i, i)
			}
		}
		path := filepath.Join(dir, fmt.Sprintf("people%d.csv", n))
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		opts := plan.Options{DefaultAction: "update", DefaultOrg: true}
		recs, wantWarn, err := importer.ReadAll(path, importer.Options{})
		if err != nil {
			t.Fatal(err)
		}
		want := planner.OfflinePlan(recs, plan.Input{}, opts)
		var got []plan.Row
		warns, err := planner.CheckFile(context.Background(), path, importer.Options{}, opts, func(r plan.Row) error {
			got = append(got, r)
			return nil
		})
		if err != nil {
			t.Fatalf("%d rows: %v", n, err)
		}
		if len(got) != len(want.Rows) || (n > 0 && !reflect.DeepEqual(got, want.Rows)) {
			t.Fatalf("%d rows: CheckFile gave %d rows, OfflinePlan %d; first difference:\n%s", n, len(got), len(want.Rows), firstDiff(got, want.Rows))
		}
		if !reflect.DeepEqual(warns, wantWarn) || len(warns) != 1 {
			t.Errorf("%d rows: warnings %+v, want %+v (one: the unknown column)", n, warns, wantWarn)
		}
		invalid := 0
		for _, r := range got {
			if r.Status == plan.StatusInvalid {
				invalid++
			}
		}
		if n >= 7 && (invalid == 0 || invalid == len(got)) {
			t.Errorf("%d rows: %d invalid: the file should mix valid and invalid rows", n, invalid)
		}
	}
}

func firstDiff(a, b []plan.Row) string {
	for i := range min(len(a), len(b)) {
		if !reflect.DeepEqual(a[i], b[i]) {
			return fmt.Sprintf("row %d:\n got %+v\nwant %+v", i, a[i], b[i])
		}
	}
	return "(lengths differ)"
}

// TestCheckFileStops checks that CheckFile returns fn's error, ctx's
// error and the reader's file-level error, and stops reading.
func TestCheckFileStops(t *testing.T) {
	var b strings.Builder
	b.WriteString("id\n")
	for i := range 5000 {
		fmt.Fprintf(&b, "u%d\n", i)
	}
	path := filepath.Join(t.TempDir(), "p.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	stop := errors.New("stop")
	calls := 0
	_, err := planner.CheckFile(context.Background(), path, importer.Options{}, plan.Options{}, func(plan.Row) error {
		calls++
		if calls == 300 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || calls != 300 {
		t.Errorf("fn error: %v after %d calls", err, calls)
	}

	ctx, cancel := context.WithCancel(context.Background())
	calls = 0
	_, err = planner.CheckFile(ctx, path, importer.Options{}, plan.Options{}, func(plan.Row) error {
		if calls++; calls == 10 {
			cancel()
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) || calls > 512 {
		t.Errorf("cancel: %v after %d calls", err, calls)
	}

	calls = 0
	_, err = planner.CheckFile(context.Background(), path, importer.Options{MaxRows: 1000}, plan.Options{}, func(plan.Row) error {
		calls++
		return nil
	})
	var fe *importer.FileError
	if !errors.As(err, &fe) || !strings.Contains(err.Error(), "more than 1000 data rows") || calls != 1000 {
		t.Errorf("too many rows: %v after %d calls", err, calls)
	}

	if _, err := planner.CheckFile(context.Background(), filepath.Join(t.TempDir(), "none.csv"), importer.Options{}, plan.Options{}, nil); !errors.As(err, &fe) {
		t.Errorf("missing file: %v", err)
	}
}

// TestCheckFileForgivingForms: the forms an HR person writes (issue 17)
// pass the offline rules once read; the row keeps the value sent.
func TestCheckFileForgivingForms(t *testing.T) {
	p := filepath.Join(t.TempDir(), "hr.csv")
	body := "action,id,firstName,lastName,email,password,workingFolder,phone,cellPhone,nmlsExpirationDate,licenses,personas,orgId\n" +
		"create,hr1,Ann,Lee,ann@example.com,Welcome#2025,My Pipeline,(303) 555-0100,303-555-0107 x22,\"Dec 31, 2027\",\"CO, AZ\",\"Loan Officer, Underwriter\",Retail > West Region\n" +
		"create,@eve3,Eve,Lee,eve@example.com,Welcome#2025,My Pipeline,+1 303 555 0104,720 555 0199,12/31/2027 0:00,CO,Loan Officer,West Region/Denver Branch\n"
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	var rows []plan.Row
	if _, err := planner.CheckFile(context.Background(), p, importer.Options{}, plan.Options{}, func(r plan.Row) error {
		rows = append(rows, r)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 {
		t.Fatalf("%d rows", len(rows))
	}
	for _, r := range rows {
		if r.Status == plan.StatusInvalid {
			t.Errorf("row %d invalid: %v", r.Row, r.Problems)
		}
	}
	if len(rows[1].Problems) != 1 || rows[1].Problems[0].Severity != importer.SeverityWarning || rows[1].Problems[0].Column != "id" {
		t.Errorf("row 3 problems: %v, want one warning on the id", rows[1].Problems)
	}
}
