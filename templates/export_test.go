package templates

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/encimport/encimport/importer"
)

func sampleRow(i int) Row {
	var r Row
	for c := range r {
		r[c] = fmt.Sprintf("v%d-%d", i, c)
	}
	r[importer.ColAction], r[importer.ColPassword] = "", ""
	r[importer.ColID] = fmt.Sprintf("%05d", i)
	r[importer.ColNMLSExpirationDate] = "2027-12-31"
	return r
}

// liveAfter writes n rows to a workbook and returns the live heap (after a
// collection) with the rows written, before the workbook is closed.
func liveAfter(t *testing.T, n int) uint64 {
	t.Helper()
	runtime.GC()
	var a, b runtime.MemStats
	runtime.ReadMemStats(&a)
	sw, err := NewSheetWriter(io.Discard, FormatXLSX)
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if err := sw.Write(sampleRow(i)); err != nil {
			t.Fatal(err)
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&b)
	if err := sw.Close(); err != nil {
		t.Fatal(err)
	}
	if b.HeapAlloc < a.HeapAlloc {
		return 0
	}
	return b.HeapAlloc - a.HeapAlloc
}

// The workbook's memory does not grow with its rows: excelize's stream
// keeps at most its 16 MB chunk of sheet XML, then spills to a temporary
// file; the archive is written straight to the writer.
func TestSheetWriterMemoryIsBounded(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("writes 50,000 rows, a memory measurement: run without -race and -short")
	}
	small, large := liveAfter(t, 10_000), liveAfter(t, 40_000)
	t.Logf("live heap with 10,000 rows %.1f MB, with 40,000 rows %.1f MB", float64(small)/(1<<20), float64(large)/(1<<20))
	if large > 40<<20 || large > small+8<<20 {
		t.Errorf("the heap grows with the rows: %d MB for 10,000, %d MB for 40,000", small>>20, large>>20)
	}
}

func TestSheetWriterFormats(t *testing.T) {
	for _, format := range []string{FormatXLSX, FormatCSV, FormatJSONL} {
		var b bytes.Buffer
		sw, err := NewSheetWriter(&b, format)
		if err != nil {
			t.Fatal(err)
		}
		for i := range 3 {
			if err := sw.Write(sampleRow(i)); err != nil {
				t.Fatal(err)
			}
		}
		if err := sw.Close(); err != nil {
			t.Fatal(err)
		}
		switch format {
		case FormatJSONL:
			lines := strings.Split(strings.TrimSpace(b.String()), "\n")
			var m map[string]string
			if len(lines) != 3 || json.Unmarshal([]byte(lines[0]), &m) != nil || m["id"] != "00000" || m["password"] != "" {
				t.Errorf("jsonl %q", lines)
			}
		case FormatCSV:
			if !strings.HasPrefix(b.String(), "action,id,firstName") || strings.Count(b.String(), "\n") != 4 {
				t.Errorf("csv %q", b.String())
			}
		case FormatXLSX:
			f, err := excelize.OpenReader(&b)
			if err != nil {
				t.Fatal(err)
			}
			rows, _ := f.GetRows("Users")
			if f.GetActiveSheetIndex() != 0 || len(rows) != 4 || rows[0][1] != "id" || rows[1][1] != "00000" || rows[1][importer.ColNMLSExpirationDate] != "2027-12-31" {
				t.Errorf("xlsx rows %q", rows)
			}
			f.Close()
		}
	}
}
