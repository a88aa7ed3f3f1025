package importer

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/encimport/encimport/internal/golden"
)

// dump renders everything a reader yields, for golden files.
func dump(path string, opts Options) string {
	var b strings.Builder
	r, err := Open(path, opts)
	if err != nil {
		fmt.Fprintf(&b, "open error: %v\n", err)
		var fe *FileError
		if !errors.As(err, &fe) {
			b.WriteString("(not a *FileError)\n")
		}
		return b.String()
	}
	defer r.Close()
	fmt.Fprintf(&b, "format=%s sheet=%q headers=%q\n", r.format, r.sheet, r.Headers())
	for {
		rec, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			fmt.Fprintf(&b, "next error: %v\n", err)
			break
		}
		b.WriteString(dumpRecord(rec))
	}
	for _, w := range r.Warnings() {
		fmt.Fprintf(&b, "warning: %s\n", w.Error())
	}
	return b.String()
}

func dumpRecord(rec *Record) string {
	var b strings.Builder
	fmt.Fprintf(&b, "row %d:", rec.Row)
	for _, c := range Columns() {
		switch {
		case rec.IsClear(c):
			fmt.Fprintf(&b, " %s=<clear>", c)
		case rec.Get(c) != "":
			fmt.Fprintf(&b, " %s=%q", c, rec.Get(c))
		}
	}
	b.WriteString("\n")
	for _, p := range rec.Problems {
		fmt.Fprintf(&b, "  problem: %s\n", p.Error())
	}
	return b.String()
}

// TestGoldenCSV reads every testdata/csv/*.csv and compares what the reader
// yields with testdata/csv/*.golden (go test -run Golden -update rewrites them).
func TestGoldenCSV(t *testing.T) {
	files, err := filepath.Glob("testdata/csv/*.csv")
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			name := strings.TrimSuffix(strings.TrimPrefix(filepath.ToSlash(f), "testdata/"), ".csv") + ".golden"
			golden.Check(t, name, []byte(dump(f, Options{})))
		})
	}
}
