package e2e

import (
	"archive/zip"
	"bufio"
	"bytes"
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
func writeLyingBomb(t testing.TB, path string, n int) {
	t.Helper()
	writeBomb(t, path, 4096, sheetHead+rowXML(1, "id", "email"), strings.Repeat(" ", 1<<20), n>>20, sheetTail)
}

// writeBomb writes a workbook whose sheet part is head, chunk repeated n
// times, then tail. The part's deflate stream is built by concatenating
// separately compressed, flushed pieces (compressing the chunk once), so a
// gigabyte bomb takes milliseconds to make. declared is the uncompressed
// size written in the zip header; 0 means the true size.
func writeBomb(t testing.TB, path string, declared uint64, head, chunk string, n int, tail string) {
	t.Helper()
	piece := func(s string, final bool) []byte {
		var b bytes.Buffer
		fw, _ := flate.NewWriter(&b, flate.BestSpeed)
		io.WriteString(fw, s)
		if final {
			fw.Close()
		} else {
			fw.Flush()
		}
		return b.Bytes()
	}
	h, c, tl := piece(head, false), piece(chunk, false), piece(tail, true)
	crc := crc32.Update(0, crc32.IEEETable, []byte(head))
	for i := 0; i < n; i++ {
		crc = crc32.Update(crc, crc32.IEEETable, []byte(chunk))
	}
	crc = crc32.Update(crc, crc32.IEEETable, []byte(tail))
	size := uint64(len(head)) + uint64(n)*uint64(len(chunk)) + uint64(len(tail))
	if declared == 0 {
		declared = size
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for _, p := range xlsxParts {
		w, _ := zw.Create(p.name)
		io.WriteString(w, p.body)
	}
	w, err := zw.CreateRaw(&zip.FileHeader{
		Name: "xl/worksheets/sheet1.xml", Method: zip.Deflate, CRC32: crc,
		CompressedSize64: uint64(len(h)) + uint64(n)*uint64(len(c)) + uint64(len(tl)), UncompressedSize64: declared,
	})
	if err != nil {
		t.Fatal(err)
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	bw.Write(h)
	for i := 0; i < n; i++ {
		bw.Write(c)
	}
	bw.Write(tl)
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

// writeLyingXLSX writes a workbook whose sheet part (all of it written by
// sheet, including the worksheet element) is stored under a zip header
// that declares it declared bytes long, with the right CRC.
func writeLyingXLSX(t testing.TB, path string, declared uint64, sheet func(w io.Writer)) {
	t.Helper()
	var b bytes.Buffer
	sheet(&b)
	writeBomb(t, path, declared, b.String(), "", 0, "")
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
