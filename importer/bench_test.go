package importer

import (
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

const benchRows = 100_000

var benchHeaders = []string{"action", "id", "firstName", "middleName", "lastName", "email", "title", "phone",
	"cellPhone", "employeeId", "nmlsOriginatorId", "nmlsExpirationDate", "personas", "licenses", "orgId",
	"apiUser", "accountEnabled", "peerLoanAccess", "workingFolder", "comments"}

func benchRow(i int) []any {
	return []any{"upsert", fmt.Sprintf("user%06d", i), fmt.Sprintf("First%d", i), "Q", fmt.Sprintf("Last%d", i),
		fmt.Sprintf("user%06d@example.com", i), "Loan Officer", "303-555-0100", "720-555-0100", i, 100000 + i,
		45658 + i%365, "Loan Officer;Underwriter", "CO;AZ", "Administration/Retail/West Region/Denver Branch",
		"no", "yes", "ReadOnly", "My Pipeline", fmt.Sprintf("imported row %d", i)}
}

// benchFile writes the 100,000-row, 20-column file once per process run
// into a cache under the temp dir.
func benchFile(b *testing.B, ext string) string {
	b.Helper()
	dir := filepath.Join(os.TempDir(), "encimport-bench-v1")
	p := filepath.Join(dir, "people100k."+ext)
	if _, err := os.Stat(p); err == nil {
		return p
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	tmp := filepath.Join(dir, "tmp-people100k."+ext)
	var err error
	if ext == "csv" {
		err = writeBenchCSV(tmp)
	} else {
		err = writeBenchXLSX(tmp)
	}
	if err != nil {
		b.Fatal(err)
	}
	if err := os.Rename(tmp, p); err != nil {
		b.Fatal(err)
	}
	return p
}

func writeBenchCSV(p string) error {
	f, err := os.Create(p)
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	_ = w.Write(benchHeaders)
	rec := make([]string, len(benchHeaders))
	for i := 0; i < benchRows; i++ {
		for j, v := range benchRow(i) {
			rec[j] = fmt.Sprint(v)
		}
		rec[11] = "2025-01-01"
		_ = w.Write(rec)
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	return f.Close()
}

func writeBenchXLSX(p string) error {
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		return err
	}
	hs := make([]any, len(benchHeaders))
	for i, h := range benchHeaders {
		hs[i] = h
	}
	if err := sw.SetRow("A1", hs); err != nil {
		return err
	}
	for i := 0; i < benchRows; i++ {
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := sw.SetRow(cell, benchRow(i)); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	return f.SaveAs(p)
}

func benchRead(b *testing.B, ext string) {
	p := benchFile(b, ext)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r, err := Open(p, Options{})
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for {
			rec, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			if len(rec.Problems) > 0 {
				b.Fatalf("row %d: %v", rec.Row, rec.Problems)
			}
			n++
		}
		_ = r.Close()
		if n != benchRows {
			b.Fatalf("read %d rows, want %d", n, benchRows)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(benchRows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	if st, err := os.ReadFile("/proc/self/status"); err == nil {
		for _, l := range strings.Split(string(st), "\n") {
			var kb float64
			if _, err := fmt.Sscanf(l, "VmHWM: %f kB", &kb); err == nil {
				b.ReportMetric(kb/1024, "peakRSS-MB")
			}
		}
	}
}

// BenchmarkReadXLSX100k reads a 100,000-row, 20-column workbook (target:
// under 4 s, under 150 MB peak). peakRSS-MB is the process high-water mark.
func BenchmarkReadXLSX100k(b *testing.B) { benchRead(b, "xlsx") }

// BenchmarkReadCSV100k reads the same data as CSV (target: under 1 s).
func BenchmarkReadCSV100k(b *testing.B) { benchRead(b, "csv") }
