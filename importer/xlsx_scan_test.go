package importer

import (
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"
)

// scanSheet reads every row of raw sheet XML with the fast scanner and
// dumps them as `N:[a|b|c]` lines.
func scanSheet(data string, sst []string) (string, error) {
	rows := newSheetRows(strings.NewReader(data), sst, 1<<20)
	var b strings.Builder
	for {
		cells, n, err := rows.next()
		if err == io.EOF {
			return b.String(), nil
		}
		if err != nil {
			return b.String(), err
		}
		fmt.Fprintf(&b, "%d:[%s]\n", n, strings.Join(cells, "|"))
	}
}

func sheetXML(data string) string {
	return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" +
		`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1"/><sheetData>` +
		data + `</sheetData><pageMargins left="0.7"/></worksheet>`
}

func TestSheetScanner(t *testing.T) {
	sst := []string{"zero", "one", "two"}
	tests := []struct {
		name, xml string
		want      string
		wantErr   string
	}{
		{"numbers and shared strings",
			sheetXML(`<row r="1"><c r="A1" t="s"><v>1</v></c><c r="B1"><v>1E+05</v></c><c r="C1" s="3"><v>00123</v></c></row>`),
			"1:[one|1E+05|00123]\n", ""},
		{"entities and character references",
			sheetXML(`<row r="2"><c r="A2" t="inlineStr"><is><t>a &amp; b &lt;c&gt; &quot;d&quot; &apos;e&apos;&#10;&#x41;&#65;</t></is></c></row>`),
			"2:[a & b <c> \"d\" 'e'\nAA]\n", ""},
		{"inline string with xml:space and CDATA",
			sheetXML(`<row r="1"><c r="A1" t="inlineStr"><is><t xml:space="preserve">  pad  </t></is></c><c r="B1" t="str"><v><![CDATA[<x&y>]]></v></c></row>`),
			"1:[  pad  |<x&y>]\n", ""},
		{"rich text runs, phonetic runs left out",
			sheetXML(`<row r="1"><c r="A1" t="inlineStr"><is><r><rPr><b/></rPr><t>Bold</t></r><r><t xml:space="preserve"> face</t></r><rPh sb="0" eb="1"><t>ボ</t></rPh><phoneticPr fontId="1"/></is></c></row>`),
			"1:[Bold face]\n", ""},
		{"missing r attributes are positional",
			sheetXML(`<row><c t="inlineStr"><is><t>a</t></is></c><c><v>2</v></c></row><row><c r="C2"><v>3</v></c><c><v>4</v></c></row>`),
			"1:[a|2]\n2:[||3|4]\n", ""},
		{"namespace prefixes",
			`<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheetData><x:row r="1"><x:c r="A1" x:t="s"><x:v>2</x:v></x:c></x:row></x:sheetData></x:worksheet>`,
			"1:[two]\n", ""},
		{"self-closing cells and rows, empty rows",
			sheetXML(`<row r="1"><c r="A1" s="1"/><c r="B1"><v>x</v></c></row><row r="2"/><row r="3" spans="1:2"></row>`),
			"1:[|x]\n2:[]\n3:[]\n", ""},
		{"huge row numbers, sparse rows",
			sheetXML(`<row r="5"><c r="B5"><v>1</v></c></row><row r="1048576"><c r="XFD1048576"><v>z</v></c></row>`),
			"5:[|1]\n1048576:[" + strings.Repeat("|", 16383) + "z]\n", ""},
		{"formula cells, booleans, errors, comments",
			sheetXML(`<row r="1"><!-- c --><c r="A1" t="b"><v>1</v></c><c r="B1" t="e"><f>NA()</f><v>#N/A</v></c><c r="C1" t="str"><f>A1</f><v></v></c><c r="D1"><f>1+1</f><v>2</v></c></row>`),
			"1:[1|#N/A||2]\n", ""},
		{"line ends normalised, _x000D_ escapes decoded",
			sheetXML("<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>a\r\nb\rc_x000D_d_x005F_x0041_</t></is></c></row>"),
			"1:[a\nb\nc\rd_x0041_]\n", ""},
		{"no sheetData", `<worksheet/>`, "", ""},
		{"self-closing sheetData", `<worksheet><sheetData/></worksheet>`, "", ""},
		{"shared string out of range", sheetXML(`<row r="1"><c r="A1" t="s"><v>7</v></c></row>`), "", "refers to shared string \"7\" but the workbook has 3"},
		{"rows out of order", sheetXML(`<row r="3"/><row r="2"/>`), "3:[]\n", "row 2 comes after row 3"},
		{"row past Excel's last", sheetXML(`<row r="1048577"/>`), "", "past Excel's last row"},
		{"bad row number", sheetXML(`<row r="x"/>`), "", `the row number "x" is not a number`},
		{"cells out of order", sheetXML(`<row r="1"><c r="B1"><v>1</v></c><c r="A1"><v>2</v></c></row>`), "", "cells must be in order"},
		{"bad cell reference", sheetXML(`<row r="1"><c r="1A"><v>1</v></c></row>`), "", `bad cell reference "1A"`},
		{"unknown cell type", sheetXML(`<row r="1"><c r="A1" t="zz"><v>1</v></c></row>`), "", `unknown type "zz"`},
		{"unknown entity", sheetXML(`<row r="1"><c r="A1" t="str"><v>&nbsp;</v></c></row>`), "", "unknown entity &nbsp;"},
		{"bad character reference", sheetXML(`<row r="1"><c r="A1" t="str"><v>&#0;</v></c></row>`), "", "bad character reference &#0;"},
		{"truncated", sheetXML(`<row r="1"><c r="A1"><v>1</v></c></row>`)[:150], "", "truncated"},
		{"element inside a value", sheetXML(`<row r="1"><c r="A1"><v>1<b/></v></c></row>`), "", "unexpected <b> inside"},
		{"invalid UTF-8", sheetXML("<row r=\"1\"><c r=\"A1\" t=\"str\"><v>\xff</v></c></row>"), "", "not valid UTF-8"},
		{"DOCTYPE refused", `<!DOCTYPE x [<!ENTITY a "b">]><worksheet/>`, "", "DOCTYPE"},
		{"UTF-16 declaration refused", `<?xml version="1.0" encoding="UTF-16"?><worksheet/>`, "", `"UTF-16" encoding`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := scanSheet(tt.xml, sst)
			if got != tt.want {
				t.Errorf("rows:\n%s\nwant:\n%s", got, tt.want)
			}
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("error %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("error = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

// TestSheetScannerSmallReads feeds the scanner one byte at a time so every
// tag, entity, CDATA section and "\r\n" straddles a buffer refill.
func TestSheetScannerSmallReads(t *testing.T) {
	data := sheetXML("<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>a&amp;b\r\nc</t></is></c><!-- x --><c r=\"B1\" t=\"str\"><v><![CDATA[q]]]></v></c></row>")
	rows := newSheetRows(io.MultiReader(iotestOneByte(data)), nil, 1<<20)
	rows.x.buf = make([]byte, 4) // grows as needed
	cells, n, err := rows.next()
	if err != nil || n != 1 || !reflect.DeepEqual(cells, []string{"a&b\nc", "q]"}) {
		t.Fatalf("got %q %d %v", cells, n, err)
	}
}

type oneByteReader struct{ s string }

func (r *oneByteReader) Read(p []byte) (int, error) {
	if r.s == "" {
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	p[0] = r.s[0]
	r.s = r.s[1:]
	return 1, nil
}

func iotestOneByte(s string) io.Reader { return &oneByteReader{s} }

func TestReadSharedStrings(t *testing.T) {
	x := `<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="4" uniqueCount="4">` +
		`<si><t>plain</t></si><si><r><t>ri</t></r><r><rPr/><t>ch</t></r><rPh><t>ph</t></rPh></si><si><t/></si><si><t xml:space="preserve"> a&amp;b_x0009_</t></si></sst>`
	got, err := readSharedStrings(strings.NewReader(x), 1<<20, 1<<20)
	want := []string{"plain", "rich", "", " a&b\t"}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q, %v; want %q", got, err, want)
	}
	if _, err := readSharedStrings(strings.NewReader(x), 1<<20, 40); err == nil || !strings.Contains(err.Error(), "shared strings take more than 40 bytes") {
		t.Fatalf("limit: %v", err)
	}
}

// TestXLSXSheetErrorsAreFileErrors checks a damaged sheet part surfaces as a
// *FileError naming the file, sheet and row.
func TestXLSXSheetErrorsAreFileErrors(t *testing.T) {
	p := buildXLSX(t, []rawSheet{{"People", row(1, is("A1", "id")) + row(2, is("A2", "a")) + `<row r="3"><c r="A3" t="inlineStr"><is><t>&bogus;</t></is></c></row>`}}, nil, false)
	r, err := Open(p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if rec, err := r.Next(); err != nil || rec.Get(ColID) != "a" {
		t.Fatalf("row 2: %v %v", rec, err)
	}
	_, err = r.Next()
	var fe *FileError
	if !errors.As(err, &fe) || !strings.Contains(err.Error(), `file "book.xlsx", sheet "People": the sheet cannot be read (row 3: unknown entity &bogus;)`) {
		t.Fatalf("err = %v", err)
	}
}

func FuzzSheetScanner(f *testing.F) {
	f.Add(sheetXML(`<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="inlineStr"><is><r><t>a&amp;</t></r></is></c></row><row><c><v>1</v></c></row>`))
	f.Add(sheetXML("<row r=\"2\"><c r=\"C2\" t=\"str\"><v><![CDATA[x]]>\r\n&#x41;</v></c></row>"))
	f.Add(`<x:sheetData><x:row/><!-- --><?pi?></x:sheetData>`)
	f.Fuzz(func(t *testing.T, data string) {
		rows := newSheetRows(strings.NewReader(data), []string{"s"}, 1<<16)
		last := 0
		for i := 0; i < 10000; i++ {
			cells, n, err := rows.next()
			if err != nil {
				return
			}
			if n <= last || n > maxSheetRows {
				t.Fatalf("row %d after %d", n, last)
			}
			last = n
			if len(cells) > maxSheetColumns {
				t.Fatalf("%d cells", len(cells))
			}
		}
	})
}
