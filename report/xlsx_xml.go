package report

// The XML of the xlsx report's parts: content types, styles, a sheet's
// start, and the cells.

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/encimport/encimport/plan"
)

func xlsxContentTypes() string {
	var b strings.Builder
	b.WriteString(xmlDecl + `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
		`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
		`<Default Extension="xml" ContentType="application/xml"/>` +
		`<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>` +
		`<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>` +
		`<Override PartName="/xl/theme/theme1.xml" ContentType="application/vnd.openxmlformats-officedocument.theme+xml"/>`)
	for i := 1; i <= 3; i++ {
		fmt.Fprintf(&b, `<Override PartName="/%s%d.xml" ContentType="%s"/>`, xlsxSheetPath, i, ctWorksheet)
	}
	b.WriteString(`</Types>`)
	return b.String()
}

// xlsxStyles is styles.xml: a regular and a bold font; no fill, the
// header's and each status's fill; the cell styles listed at xfHeader.
func xlsxStyles() string {
	var b strings.Builder
	b.WriteString(xmlDecl + `<styleSheet xmlns="` + nsMain + `">` +
		`<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>` +
		`<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>`)
	fills := []string{HeaderFill}
	fillOf := map[plan.Status]int{"": 0}
	for _, st := range plan.Statuses {
		if c, ok := StatusFills[st]; ok {
			fillOf[st] = 2 + len(fills)
			fills = append(fills, c)
		}
	}
	fmt.Fprintf(&b, `<fills count="%d"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>`, 2+len(fills))
	for _, c := range fills {
		fmt.Fprintf(&b, `<fill><patternFill patternType="solid"><fgColor rgb="FF%s"/></patternFill></fill>`, c)
	}
	b.WriteString(`</fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>` +
		`<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>`)
	fmt.Fprintf(&b, `<cellXfs count="%d"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>`, xfStatuses0+2*len(xlsxStatuses))
	b.WriteString(`<xf numFmtId="0" fontId="1" fillId="2" borderId="0" xfId="0" applyFont="1" applyFill="1" applyAlignment="1"><alignment vertical="top"/></xf>` +
		`<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>`)
	for _, st := range xlsxStatuses {
		for _, wrap := range []string{"", ` wrapText="1"`} {
			fmt.Fprintf(&b, `<xf numFmtId="0" fontId="0" fillId="%d" borderId="0" xfId="0" applyFill="1" applyAlignment="1"><alignment vertical="top"%s/></xf>`,
				fillOf[st], wrap)
		}
	}
	b.WriteString(`</cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>` +
		`<dxfs count="0"/><tableStyles count="0"/></styleSheet>`)
	return b.String()
}

// sheetStart is a streamed sheet's XML up to its first data row: the
// header row frozen, the column widths, the header.
func sheetStart(b []byte, selected bool, widths []float64, header []string) []byte {
	b = append(b, xmlDecl+`<worksheet xmlns="`+nsMain+`" xmlns:r="`+nsRel+`"><sheetViews><sheetView`...)
	if selected {
		b = append(b, ` tabSelected="1"`...)
	}
	b = append(b, ` workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>`+
		`<selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>`+
		`<sheetFormatPr defaultRowHeight="15"/><cols>`...)
	for i, w := range widths {
		b = fmt.Appendf(b, `<col min="%d" max="%d" width="%s" customWidth="1"/>`, i+1, i+1, strconv.FormatFloat(w, 'f', -1, 64))
	}
	b = append(b, `</cols><sheetData><row r="1">`...)
	hs := strconv.Itoa(xfHeader)
	for _, h := range header {
		b = appendStr(b, hs, h)
	}
	return append(b, `</row>`...)
}

// colName is the letters of 0-based column i (i < 26·27).
func colName(i int) string {
	if i < 26 {
		return string(rune('A' + i))
	}
	return string(rune('A'+i/26-1)) + string(rune('A'+i%26))
}

// appendCell appends the start of a cell with style s (a cellXfs id, ""
// for the default). Cells carry no reference: every row has all its cells,
// in order, and its number. The reference is optional (ECMA-376
// §18.3.1.4) and Excel, LibreOffice and Google Sheets place such cells in
// order; writing one on every cell made a 100,000-row report take 1.9×
// as long (most of it compressing the extra bytes), past twice the csv's.
func appendCell(b []byte, s string) []byte {
	if s == "" {
		return append(b, `<c`...)
	}
	return append(append(append(b, `<c s="`...), s...), '"')
}

// appendInt appends a number cell.
func appendInt(b []byte, s string, n int64) []byte {
	b = append(appendCell(b, s), `><v>`...)
	return append(strconv.AppendInt(b, n, 10), `</v></c>`...)
}

// appendStr appends a text cell: an inline string (never a formula, so no
// Excel-safe prefix), XML-escaped; an empty one keeps only its style.
func appendStr(b []byte, s, v string) []byte {
	b = appendCell(b, s)
	if v == "" {
		return append(b, `/>`...)
	}
	b = append(b, ` t="inlineStr"><is><t`...)
	switch v[0] {
	case ' ', '\t', '\n', '\r':
		b = append(b, ` xml:space="preserve"`...)
	default:
		switch v[len(v)-1] {
		case ' ', '\t', '\n', '\r':
			b = append(b, ` xml:space="preserve"`...)
		}
	}
	b = append(b, '>')
	return append(appendText(b, v), `</t></is></c>`...)
}

// appendText appends v as XML text: &, < and > escaped, a carriage
// return as a character reference (so it is read back), the characters
// XML (and so Excel) does not allow left out: control characters other
// than tab, line feed and carriage return, U+FFFE, U+FFFF and bytes that
// are not UTF-8. At most maxCellChars characters are kept.
func appendText(b []byte, v string) []byte {
	plain := len(v) <= maxCellChars
	if plain {
		for i := 0; i < len(v); i++ {
			if c := v[i]; c < 0x20 || c >= 0x80 || c == '&' || c == '<' || c == '>' {
				plain = false
				break
			}
		}
	}
	if plain {
		return append(b, v...)
	}
	n := 0
	for i := 0; i < len(v) && n < maxCellChars; {
		c := v[i]
		if c < utf8.RuneSelf {
			i++
			n++
			switch {
			case c == '&':
				b = append(b, "&amp;"...)
			case c == '<':
				b = append(b, "&lt;"...)
			case c == '>':
				b = append(b, "&gt;"...)
			case c == '\r':
				b = append(b, "&#xD;"...)
			case c >= 0x20 || c == '\t' || c == '\n':
				b = append(b, c)
			default:
				n--
			}
			continue
		}
		r, size := utf8.DecodeRuneInString(v[i:])
		if (r != utf8.RuneError || size > 1) && r != 0xFFFE && r != 0xFFFF {
			b = append(b, v[i:i+size]...)
			n++
		}
		i += size
	}
	return b
}
