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

	"github.com/xuri/excelize/v2"
)

// xlsxRowsViaExcelize makes Open read sheet rows through excelize instead
// of the fast scanner (the differential tests compare both).
var xlsxRowsViaExcelize = false

// maxSharedStrings bounds the memory the shared-string table may take.
const maxSharedStrings = 256 << 20

// xlsxPackage gives direct, streaming access to the parts of an .xlsx
// archive that excelize located: the worksheets (by sheet name) and the
// shared strings.
type xlsxPackage struct {
	zr     *zip.ReadCloser
	files  map[string]*zip.File
	sheets map[string]string // sheet name → part name
	sst    string            // shared strings part ("" if none)
}

// openPackage opens the archive at path and resolves each sheet of f to
// its part through the workbook relationships. It fails when a part cannot
// be found; the caller then reads rows through excelize.
func openPackage(path string, f *excelize.File) (*xlsxPackage, error) {
	zr, err := zip.OpenReader(path)
	if err != nil {
		return nil, err
	}
	p := &xlsxPackage{zr: zr, files: map[string]*zip.File{}, sheets: map[string]string{}}
	for _, zf := range zr.File {
		p.files[strings.ReplaceAll(zf.Name, `\`, "/")] = zf
	}
	if err := p.resolve(f); err != nil {
		_ = zr.Close()
		return nil, err
	}
	return p, nil
}

type xmlRels struct {
	Rels []struct {
		ID     string `xml:"Id,attr"`
		Type   string `xml:"Type,attr"`
		Target string `xml:"Target,attr"`
	} `xml:"Relationship"`
}

func (p *xlsxPackage) readRels(name string) (*xmlRels, error) {
	zf := p.file(name)
	if zf == nil {
		return nil, fmt.Errorf("no part %s", name)
	}
	rc, err := zf.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	var rels xmlRels
	if err := xml.NewDecoder(io.LimitReader(rc, 16<<20)).Decode(&rels); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return &rels, nil
}

// file finds a part by name, ignoring case when there is no exact match.
func (p *xlsxPackage) file(name string) *zip.File {
	if zf, ok := p.files[name]; ok {
		return zf
	}
	for n, zf := range p.files {
		if strings.EqualFold(n, name) {
			return zf
		}
	}
	return nil
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

func (p *xlsxPackage) resolve(f *excelize.File) error {
	wbPath := "xl/workbook.xml"
	if rels, err := p.readRels("_rels/.rels"); err == nil {
		for _, r := range rels.Rels {
			if strings.HasSuffix(r.Type, "/officeDocument") {
				wbPath = target("", r.Target)
				break
			}
		}
	}
	dir := path.Dir(wbPath)
	if dir == "." {
		dir = ""
	}
	rels, err := p.readRels(strings.TrimPrefix(dir+"/_rels/"+path.Base(wbPath)+".rels", "/"))
	if err != nil {
		return err
	}
	if f.WorkBook == nil {
		return errors.New("the workbook part was not read")
	}
	byID := map[string]string{}
	for _, r := range rels.Rels {
		t := target(dir, r.Target)
		switch {
		case strings.HasSuffix(r.Type, "/worksheet"):
			byID[r.ID] = t
		case strings.HasSuffix(r.Type, "/sharedStrings"):
			p.sst = t
		}
	}
	// excelize reads xl/sharedStrings.xml whatever the relationships say.
	if p.file("xl/sharedStrings.xml") != nil {
		p.sst = "xl/sharedStrings.xml"
	}
	if p.sst != "" && p.file(p.sst) == nil {
		p.sst = ""
	}
	for _, s := range f.WorkBook.Sheets.Sheet {
		if t, ok := byID[s.ID]; ok && p.file(t) != nil {
			p.sheets[s.Name] = t
		}
	}
	return nil
}

// sharedStrings reads the shared-string table (nil when there is none).
func (p *xlsxPackage) sharedStrings(maxText int) ([]string, error) {
	if p.sst == "" {
		return nil, nil
	}
	rc, err := p.file(p.sst).Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return readSharedStrings(rc, maxText, maxSharedStrings)
}

// rows opens the rows of a sheet; ok is false when the sheet's part is
// unknown.
func (p *xlsxPackage) rows(sheet string, sst []string, maxText int) (*sheetRows, io.Closer, bool, error) {
	name, ok := p.sheets[sheet]
	if !ok {
		return nil, nil, false, nil
	}
	rc, err := p.file(name).Open()
	if err != nil {
		return nil, nil, true, err
	}
	return newSheetRows(rc, sst, maxText), rc, true, nil
}

func (p *xlsxPackage) close() error { return p.zr.Close() }

// fastSource streams the rows of one sheet with the scanner.
type fastSource struct {
	file, sheet string
	rows        *sheetRows
	part        io.Closer
	pkg         *xlsxPackage
	f           *excelize.File
	pending     bool // the last row read is to be returned again
	cells       []string
	row         int
}

func (s *fastSource) next() ([]string, int, error) {
	if s.pending {
		s.pending = false
		return s.cells, s.row, nil
	}
	cells, row, err := s.rows.next()
	if err != nil {
		if err == io.EOF {
			return nil, 0, io.EOF
		}
		return nil, 0, &FileError{File: s.file, Sheet: s.sheet, Msg: fmt.Sprintf("the sheet cannot be read (%v); open the workbook in Excel and save it again as .xlsx", err)}
	}
	s.cells, s.row = cells, row
	return cells, row, nil
}

func (s *fastSource) close() error {
	err := s.part.Close()
	if cerr := s.pkg.close(); err == nil {
		err = cerr
	}
	if cerr := s.f.Close(); err == nil {
		err = cerr
	}
	return err
}

// firstRowFast returns row 1 of a sheet read with the scanner (a copy).
func firstRowFast(p *xlsxPackage, sheet string, sst []string, maxText int) ([]string, bool, error) {
	rows, part, ok, err := p.rows(sheet, sst, maxText)
	if !ok || err != nil {
		return nil, ok, err
	}
	defer part.Close()
	cells, row, err := rows.next()
	if err == io.EOF || err == nil && row != 1 {
		return nil, true, nil
	}
	if err != nil {
		return nil, true, err
	}
	return append([]string(nil), cells...), true, nil
}

// openWorkbook opens the workbook with excelize. With stub set, large
// worksheet and shared-string parts (which the scanner streams straight
// from the archive) are replaced by empty ones first, so excelize does not
// inflate them into memory or temporary files; stubbed reports whether
// any part was replaced.
func openWorkbook(path string, stub bool) (f *excelize.File, stubbed bool, err error) {
	opts := excelize.Options{UnzipSizeLimit: xlsxUnzipLimit, UnzipXMLSizeLimit: xlsxUnzipXMLLimit}
	if !stub {
		f, err = excelize.OpenFile(path, opts)
		return f, false, err
	}
	zr, err := zip.OpenReader(path)
	if err != nil {
		return nil, false, err
	}
	defer zr.Close()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, zf := range zr.File {
		name := strings.ToLower(strings.ReplaceAll(zf.Name, `\`, "/"))
		big := zf.UncompressedSize64 > 1<<20
		switch {
		case big && strings.HasPrefix(name, "xl/worksheets/") && strings.HasSuffix(name, ".xml"):
			err = writeStub(zw, zf.Name, `<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData/></worksheet>`)
			stubbed = true
		case big && name == "xl/sharedstrings.xml":
			err = writeStub(zw, zf.Name, `<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"/>`)
			stubbed = true
		default:
			err = zw.Copy(zf)
		}
		if err != nil {
			return nil, false, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, false, err
	}
	if !stubbed {
		f, err = excelize.OpenFile(path, opts)
		return f, false, err
	}
	f, err = excelize.OpenReader(&buf, opts)
	if f != nil {
		f.Path = path
	}
	return f, true, err
}

func writeStub(zw *zip.Writer, name, body string) error {
	w, err := zw.Create(name)
	if err != nil {
		return err
	}
	_, err = io.WriteString(w, `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>`+body)
	return err
}
