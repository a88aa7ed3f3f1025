package importer

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
)

// Bounds on unzipping an .xlsx, checked from the archive's directory
// before anything is inflated.
const (
	xlsxUnzipLimit = 1 << 30 // 1 GiB of XML in all
	// A part this large and compressed more than xlsxMaxRatio times is a
	// zip bomb, not a spreadsheet.
	xlsxRatioMinSize = 64 << 20
	xlsxMaxRatio     = 200
	// xlsxMetaLimit bounds the small XML parts decoded whole (the
	// workbook and its relationships).
	xlsxMetaLimit = 16 << 20
)

// maxSharedStrings bounds the memory the shared-string table may take.
const maxSharedStrings = 256 << 20

// xlsxBook is an opened workbook as the reader needs it: its sheets in
// order, its date system, and each sheet's rows. zipBook reads the parts
// itself; the tests put excelize behind this interface as the reference.
type xlsxBook interface {
	sheetNames() []string
	date1904() bool
	// rows opens the rows of a sheet.
	rows(sheet string) (xlsxRows, error)
	close() error
}

// xlsxRows yields the rows of one sheet: cells as text (column i at index
// i; the slice may be reused by the next call) and the sheet's own row
// number. io.EOF at the end; other errors are the raw cause.
type xlsxRows interface {
	next() (cells []string, row int, err error)
	// dropPast says cells past this many columns are not read (only
	// whether one holds a value matters).
	dropPast(cols int)
	close() error
}

// zipBook reads a workbook straight from its archive: the workbook part
// and its relationships for the sheets, the shared strings once, then
// each sheet part streamed through the scanner.
type zipBook struct {
	files   map[string]*zip.File
	sheets  []string
	parts   map[string]*zip.File // sheet name → its part (absent if missing)
	is1904  bool
	sst     []string
	maxText int // the longest cell text accepted, in bytes
}

// openZipBook checks the archive in data and reads its workbook parts.
// Its errors are the user-facing message.
func openZipBook(data []byte, maxText int) (*zipBook, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, fmt.Errorf("the file starts like an .xlsx but is not a readable zip archive (%v); it may be truncated; open it in Excel and save it again as .xlsx", err)
	}
	if err := checkZip(zr); err != nil {
		return nil, err
	}
	b := &zipBook{files: map[string]*zip.File{}, parts: map[string]*zip.File{}, maxText: maxText}
	for _, zf := range zr.File {
		b.files[strings.ReplaceAll(zf.Name, `\`, "/")] = zf
	}
	sstPart, err := b.resolve()
	if err != nil {
		return nil, fmt.Errorf("cannot read the workbook (%v); open it in Excel and save it again as .xlsx", err)
	}
	if sstPart != nil {
		rc, err := sstPart.Open()
		if err == nil {
			b.sst, err = readSharedStrings(rc, maxText, maxSharedStrings)
			_ = rc.Close()
		}
		if err != nil {
			return nil, fmt.Errorf("cannot read the shared strings (%v); open the workbook in Excel and save it again as .xlsx", err)
		}
	}
	return b, nil
}

// checkZip refuses archives that are not workbooks, and zip bombs, from
// the archive's directory alone. (archive/zip then refuses a part that
// inflates past the size its header declares.)
func checkZip(zr *zip.Reader) error {
	var total uint64
	hasTypes, hasWorkbook := false, false
	for _, zf := range zr.File {
		name := strings.ToLower(strings.ReplaceAll(zf.Name, `\`, "/"))
		switch name {
		case "[content_types].xml":
			hasTypes = true
		case "xl/workbook.xml", "xl/workbook2.xml":
			hasWorkbook = true
		}
		total += zf.UncompressedSize64
		if total > xlsxUnzipLimit {
			return fmt.Errorf("the archive unpacks to more than %s (a zip bomb?); it is refused; save the data as CSV or split it", sizeText(xlsxUnzipLimit))
		}
		if zf.UncompressedSize64 > xlsxRatioMinSize && zf.CompressedSize64 > 0 && zf.UncompressedSize64/zf.CompressedSize64 > xlsxMaxRatio {
			return fmt.Errorf("the part %q is compressed %d times (a zip bomb?); it is refused; save the data again from Excel", Clip(zf.Name), zf.UncompressedSize64/zf.CompressedSize64)
		}
	}
	if !hasTypes || !hasWorkbook {
		return errors.New("this is a zip archive but not an Excel workbook (.docx, .ods or another format?); save the people list as .xlsx or CSV UTF-8")
	}
	return nil
}

// file finds a part by name, ignoring case when there is no exact match.
func (b *zipBook) file(name string) *zip.File {
	if zf, ok := b.files[name]; ok {
		return zf
	}
	for n, zf := range b.files {
		if strings.EqualFold(n, name) {
			return zf
		}
	}
	return nil
}

// decodePart decodes a small XML part (at most xlsxMetaLimit bytes).
func (b *zipBook) decodePart(name string, v any) error {
	zf := b.file(name)
	if zf == nil {
		return fmt.Errorf("no part %s", name)
	}
	rc, err := zf.Open()
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	defer rc.Close()
	if err := xml.NewDecoder(io.LimitReader(rc, xlsxMetaLimit)).Decode(v); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

type xmlRels struct {
	Rels []struct {
		ID     string `xml:"Id,attr"`
		Type   string `xml:"Type,attr"`
		Target string `xml:"Target,attr"`
	} `xml:"Relationship"`
}

// xmlWorkbook is what the reader needs of the workbook part. Attributes
// match by local name, so strict OOXML's namespaces read too.
type xmlWorkbook struct {
	Pr *struct {
		Date1904 bool `xml:"date1904,attr"`
	} `xml:"workbookPr"`
	Sheets []struct {
		Name string `xml:"name,attr"`
		ID   string `xml:"id,attr"`
	} `xml:"sheets>sheet"`
}

// target resolves a relationship target against the directory of the part
// holding the relationships.
func target(dir, t string) string {
	t = strings.ReplaceAll(t, `\`, "/")
	if strings.HasPrefix(t, "/") {
		return strings.TrimPrefix(path.Clean(t), "/")
	}
	return strings.TrimPrefix(path.Clean(dir+"/"+t), "/")
}

// resolve reads the workbook part (found as excelize finds it, through
// _rels/.rels) for the sheets and the date system, and the workbook's
// relationships for each sheet's part. It returns the shared-strings part
// (nil when there is none).
func (b *zipBook) resolve() (*zip.File, error) {
	wbPath := "xl/workbook.xml"
	var top xmlRels
	if b.decodePart("_rels/.rels", &top) == nil {
		for _, r := range top.Rels {
			if strings.HasSuffix(r.Type, "/officeDocument") {
				wbPath = target("", r.Target)
				break
			}
		}
	}
	var wb xmlWorkbook
	if err := b.decodePart(wbPath, &wb); err != nil {
		return nil, err
	}
	b.is1904 = wb.Pr != nil && wb.Pr.Date1904
	dir := path.Dir(wbPath)
	if dir == "." {
		dir = ""
	}
	// Without relationships no sheet has a part (as in excelize).
	var rels xmlRels
	relsPath := strings.TrimPrefix(dir+"/_rels/"+path.Base(wbPath)+".rels", "/")
	if b.file(relsPath) != nil {
		if err := b.decodePart(relsPath, &rels); err != nil {
			return nil, err
		}
	}
	byID := map[string]string{}
	sst := ""
	for _, r := range rels.Rels {
		t := target(dir, r.Target)
		switch {
		case strings.HasSuffix(r.Type, "/worksheet"):
			byID[r.ID] = t
		case strings.HasSuffix(r.Type, "/sharedStrings"):
			sst = t
		}
	}
	// excelize reads xl/sharedStrings.xml whatever the relationships say.
	if b.file("xl/sharedStrings.xml") != nil {
		sst = "xl/sharedStrings.xml"
	}
	for _, s := range wb.Sheets {
		b.sheets = append(b.sheets, s.Name)
		if t := byID[s.ID]; t != "" && b.file(t) != nil {
			b.parts[s.Name] = b.file(t)
		}
	}
	if sst == "" {
		return nil, nil
	}
	return b.file(sst), nil
}

func (b *zipBook) sheetNames() []string { return b.sheets }
func (b *zipBook) date1904() bool       { return b.is1904 }
func (b *zipBook) close() error         { return nil }

func (b *zipBook) rows(sheet string) (xlsxRows, error) {
	zf, ok := b.parts[sheet]
	if !ok {
		return nil, fmt.Errorf("sheet %s does not exist", Clip(sheet)) // as excelize says
	}
	rc, err := zf.Open()
	if err != nil {
		return nil, err
	}
	return &zipRows{sheetRows: newSheetRows(rc, b.sst, b.maxText), part: rc}, nil
}

// zipRows is a sheet part streamed through the scanner.
type zipRows struct {
	*sheetRows
	part io.Closer
}

func (z *zipRows) dropPast(cols int) { z.limit = cols }
func (z *zipRows) close() error      { return z.part.Close() }
