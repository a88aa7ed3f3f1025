package importer

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// checkRead reads path and checks the invariants every input must keep:
// no panic, errors are *FileError, rows increase, problems name a column.
func checkRead(t *testing.T, path string) {
	recs, warns, err := ReadAll(path, Options{MaxRows: 1000})
	var fe *FileError
	if err != nil && !errors.As(err, &fe) {
		t.Fatalf("error is not a *FileError: %T %v", err, err)
	}
	// Every message is bounded, whatever the file holds (a FileError may
	// list 20 headers).
	if err != nil {
		checkBounded(t, "error", err.Error(), 21*MaxEchoLen)
	}
	for _, w := range warns {
		checkBounded(t, "warning", w.Error(), 0)
	}
	last := 1
	for _, r := range recs {
		if r.Row <= last {
			t.Fatalf("row %d after row %d", r.Row, last)
		}
		last = r.Row
		// No value holds a control character its column may not hold.
		for _, c := range Columns() {
			if i := findControl(c, r.Get(c)); i >= 0 {
				t.Fatalf("row %d, column %s holds %q", r.Row, c, r.Get(c))
			}
		}
		for _, p := range r.Problems {
			checkBounded(t, "problem", p.Error(), 0)
			if _, ok := ParseHeader(p.Column); !ok || p.Message == "" {
				t.Fatalf("problem without a canonical column or message: %+v", p)
			}
		}
	}
}

func FuzzReadCSV(f *testing.F) {
	files, _ := filepath.Glob("testdata/csv/*.csv")
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("id;email\n\"a\";b\n"))
	// Long values: a header over MaxHeaderLen, an unknown header and cells
	// just under it (messages must quote them clipped).
	f.Add([]byte("id," + strings.Repeat("H", MaxHeaderLen+1) + "\nu1,x\n"))
	f.Add([]byte("id," + strings.Repeat("U", MaxHeaderLen) + ",action\nu1,x," + strings.Repeat("a", 900) + "\n"))
	// Control characters in cells, early and after the first 8 KiB.
	f.Add([]byte("id,firstName,comments\nhz.nu\x00lid,An\x00n,\"a\tb\r\nc\"\n" + strings.Repeat("u,v,w\n", 1500) + "x\x1b,y\x07,z\x00\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(t.TempDir(), "in.csv")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		checkRead(t, p)
	})
}

func FuzzReadXLSX(f *testing.F) {
	p := buildXLSX(f, []rawSheet{{"People", row(1, is("A1", "id"), is("B1", "nmlsExpirationDate"), is("C1", "apiUser")) +
		row(2, is("A2", "u1"), n("B2", "45658"), `<c r="C2" t="b"><v>1</v></c>`) +
		row(5, `<c r="A5" t="s"><v>0</v></c>`, `<c r="B5" t="e"><v>#N/A</v></c>`)}}, []string{"shared"}, false)
	b, err := os.ReadFile(p)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	// A header cell over MaxHeaderLen and a long sheet name.
	long := buildXLSX(f, []rawSheet{{strings.Repeat("S", 300), row(1, is("A1", "id"), is("B1", strings.Repeat("H", MaxHeaderLen+1))) + row(2, is("A2", "u1"))}}, nil, false)
	if b, err := os.ReadFile(long); err == nil {
		f.Add(b)
	}
	// Control characters through _xHHHH_ escapes, inline and shared.
	ctl := buildXLSX(f, []rawSheet{{"People", row(1, is("A1", "id"), is("B1", "firstName")) +
		row(2, is("A2", "u_x0000_1"), `<c r="B2" t="s"><v>0</v></c>`)}}, []string{"An_x0007_n"}, false)
	if b, err := os.ReadFile(ctl); err == nil {
		f.Add(b)
	}
	// Hidden rows (by hand, by a filter) and several sheets with an id column.
	hid := buildXLSX(f, []rawSheet{
		{"People", row(1, is("A1", "id")) + row(2, is("A2", "v")) + `<row r="3" hidden="1"><c r="A3" t="inlineStr"><is><t>h</t></is></c></row>` + `<row r="4" hidden="true" spans="1:1"/>`},
		{"More", row(1, is("A1", "User ID")) + `<row r="2" hidden="0"><c r="A2" t="inlineStr"><is><t>m</t></is></c></row>`}}, nil, false)
	if b, err := os.ReadFile(hid); err == nil {
		f.Add(b)
	}
	// A workbook as excelize writes it (shared strings, styles, dates).
	ex := excelize.NewFile()
	_ = ex.SetSheetRow("Sheet1", "A1", &[]any{"id", "First Name", "NMLS Expiration Date", "accountEnabled"})
	_ = ex.SetSheetRow("Sheet1", "A3", &[]any{"0042", "Zoë & <Co>", 45658, true})
	if buf, err := ex.WriteToBuffer(); err == nil {
		f.Add(buf.Bytes())
	}
	_ = ex.Close()
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(t.TempDir(), "in.xlsx")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		checkRead(t, p)
		// Where both the reader and excelize read the workbook, they read
		// the same records.
		compareWithReference(t, p, Options{MaxRows: 1000}, false)
		compareWithReference(t, p, Options{MaxRows: 1000, AllSheets: true, IncludeHidden: true}, false)
	})
}

func FuzzNormalizeCell(f *testing.F) {
	for _, s := range []string{"", " x ", "<clear>", "yes", "2025-01-05", "1/2/25", "31.12.2025", "ca;tx", "read only", "#N/A", "a\nb", "\u00a0\u200b", "\xff"} {
		for c := Column(0); c < NumColumns; c += 5 {
			f.Add(int(c), s)
		}
	}
	f.Fuzz(func(t *testing.T, col int, raw string) {
		if col < 0 {
			col = -col
		}
		c := Column(col % int(NumColumns))
		v, clr, p := normalize(c, raw)
		if p != "" {
			if v != "" || clr {
				t.Fatalf("problem %q with value %q clear %v", p, v, clr)
			}
			return
		}
		if clr {
			if v != "" || !strings.EqualFold(trimCell(raw), ClearToken) {
				t.Fatalf("clear from %q with value %q", raw, v)
			}
			return
		}
		if c != ColPassword && trimCell(v) != v {
			t.Fatalf("value %q not trimmed", v)
		}
		if isBoolColumn(c) && v != "" && v != "true" && v != "false" {
			t.Fatalf("boolean %q", v)
		}
		// Normalising a normalised value changes nothing.
		v2, clr2, p2 := normalize(c, v)
		if v2 != v || clr2 || p2 != "" {
			t.Fatalf("not idempotent: %q -> %q -> %q (%v, %q)", raw, v, v2, clr2, p2)
		}
	})
}
