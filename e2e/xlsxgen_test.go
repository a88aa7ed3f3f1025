package e2e

import (
	"archive/zip"
	"bufio"
	"compress/flate"
	"encoding/xml"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// Minimal workbook parts around one worksheet, so tests can write sheet XML
// of any size and shape (excelize refuses to write most hostile shapes).
var xlsxParts = []struct{ name, body string }{
	{"[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>`},
	{"_rels/.rels", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`},
	{"xl/workbook.xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="People" sheetId="1" r:id="rId1"/></sheets></workbook>`},
	{"xl/_rels/workbook.xml.rels", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`},
}

const (
	sheetHead = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`
	sheetTail = `</sheetData></worksheet>`
)

// writeRawXLSX writes a workbook whose one sheet ("People") is whatever
// sheet writes (between sheetHead and sheetTail unless raw is set).
func writeRawXLSX(t testing.TB, path string, raw bool, sheet func(w io.Writer)) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) { return flate.NewWriter(w, flate.BestSpeed) })
	for _, p := range xlsxParts {
		w, err := zw.Create(p.name)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, p.body)
	}
	w, err := zw.Create("xl/worksheets/sheet1.xml")
	if err != nil {
		t.Fatal(err)
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	if !raw {
		io.WriteString(bw, sheetHead)
	}
	sheet(bw)
	if !raw {
		io.WriteString(bw, sheetTail)
	}
	if err := bw.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// writeLyingBomb writes a workbook whose sheet part declares a tiny size
// but inflates to n bytes of XML whitespace (a zip bomb that defeats a check
// of the declared sizes).
func writeLyingBomb(t testing.TB, path string, n int64) {
	t.Helper()
	writeLyingXLSX(t, path, 4096, func(w io.Writer) {
		io.WriteString(w, sheetHead+rowXML(1, "id", "email"))
		chunk := strings.Repeat(" ", 1<<20)
		for written := int64(0); written < n; written += int64(len(chunk)) {
			io.WriteString(w, chunk)
		}
		io.WriteString(w, sheetTail)
	})
}

// writeLyingXLSX writes a workbook whose sheet part (all of it written by
// sheet, including the worksheet element) is stored under a zip header
// that declares it declared bytes long, with the right CRC.
func writeLyingXLSX(t testing.TB, path string, declared uint64, sheet func(w io.Writer)) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for _, p := range xlsxParts {
		w, _ := zw.Create(p.name)
		io.WriteString(w, p.body)
	}
	// Compress the real content, then store it under a header that lies.
	tmp, err := os.CreateTemp(t.TempDir(), "part")
	if err != nil {
		t.Fatal(err)
	}
	fw, _ := flate.NewWriter(tmp, flate.BestSpeed)
	crc := crc32.NewIEEE()
	bw := bufio.NewWriterSize(io.MultiWriter(fw, crc), 1<<20)
	sheet(bw)
	bw.Flush()
	fw.Close()
	size, _ := tmp.Seek(0, io.SeekCurrent)
	tmp.Seek(0, io.SeekStart)
	w, err := zw.CreateRaw(&zip.FileHeader{
		Name: "xl/worksheets/sheet1.xml", Method: zip.Deflate,
		CRC32: crc.Sum32(), CompressedSize64: uint64(size), UncompressedSize64: declared,
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(w, tmp); err != nil {
		t.Fatal(err)
	}
	tmp.Close()
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
}

// rowXML is a sheet row r of inline-string cells from column A on.
func rowXML(r int, cells ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<row r="%d">`, r)
	for i, c := range cells {
		name, _ := excelize.CoordinatesToCellName(i+1, r)
		b.WriteString(`<c r="` + name + `" t="inlineStr"><is><t>`)
		xml.EscapeText(&b, []byte(c))
		b.WriteString(`</t></is></c>`)
	}
	b.WriteString(`</row>`)
	return b.String()
}
