// Package templates writes the empty people spreadsheet users fill in: the
// canonical headers (importer.Columns) with notes, drop-downs and an
// Instructions sheet. `encimport template` serves it.
package templates

import (
	"encoding/csv"
	"fmt"
	"io"

	"github.com/encimport/encimport/importer"
	"github.com/xuri/excelize/v2"
)

// help is each column's rule, shown as a note on its header and on the
// Instructions sheet.
var help = [importer.NumColumns]string{
	"create, update, move, disable, enable or upsert; empty means the --action default (upsert).",
	"Required. The Encompass user id: 1-16 characters, not starting with '.', none of \\ / : * ? \" < >. Compared without regard to case.",
	"Required on create. At most 64 characters, one line.",
	"Optional. At most 64 characters, one line.",
	"Required on create. At most 64 characters, one line.",
	"Optional (Jr., III). At most 64 characters, one line.",
	"Required on create. An address such as name@example.com, at most 64 characters.",
	"Required on create unless apiUser or isSsoOnly is true; at most 50 characters; taken exactly as written. Sent for existing users only with --reset-passwords.",
	"Job title; at most 64 characters.",
	"303-555-0100, optionally followed by a space and an extension.",
	"303-555-0100, optionally followed by a space and an extension.",
	"303-555-0100, optionally followed by a space and an extension.",
	"Employee id from HR.",
	"NMLS originator id.",
	"NMLS expiration date: yyyy-MM-dd, an Excel date, m/d/yyyy or d.m.yyyy; four-digit years.",
	"CHUM id.",
	"Loan folder, e.g. My Pipeline. Required on create unless the company has a default.",
	"Persona names or ids separated by ';' (Loan Officer;Underwriter). The full set. Required on create unless the company has a default.",
	"Group names or ids separated by ';'.",
	"State codes switched on, separated by ';' (CO;AZ).",
	"Organization: an id, a path such as Administration/Retail/West Region/Denver Branch, or a unique name. Required on create; the target of a move.",
	"Optional for move: the organization the user is in now (taken from the server when empty).",
	"true/false, yes/no, y/n or 1/0. Only on create.",
	"OAuth client id; required when apiUser is true; at most 100 characters.",
	"true/false; may be true only when apiUser is true.",
	"true/false; may be true only when no password is given.",
	"true/false: the user must change the password at the next login.",
	"Disabled, ReadOnly or ReadWrite.",
	"ReadOnly or ReadWrite.",
	"true/false; false disables the account.",
	"true/false; false locks the user out.",
	"Consumer Connect site id.",
	"Free text.",
	"Free text appended to the user's emails.",
}

// WriteCSV writes the template's header row as CSV UTF-8.
func WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	hs := make([]string, importer.NumColumns)
	for i, c := range importer.Columns() {
		hs[i] = c.String()
	}
	if err := cw.Write(hs); err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}

// WriteXLSX writes the template workbook: a Users sheet with the frozen
// header row, a note on each header, drop-downs for action, the yes/no
// columns and the loan-access columns, and an Instructions sheet.
func WriteXLSX(w io.Writer) error {
	f := excelize.NewFile()
	defer f.Close()
	const sheet = "Users"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	text, err := f.NewStyle(&excelize.Style{NumFmt: 49}) // "@": keep ids like 00123 as typed
	if err != nil {
		return err
	}
	last, _ := excelize.ColumnNumberToName(int(importer.NumColumns))
	if err := f.SetColStyle(sheet, "A:"+last, text); err != nil {
		return err
	}
	for i, c := range importer.Columns() {
		cell, _ := excelize.CoordinatesToCellName(i+1, 1)
		if err := f.SetCellStr(sheet, cell, c.String()); err != nil {
			return err
		}
		col, _ := excelize.ColumnNumberToName(i + 1)
		if err := f.SetColWidth(sheet, col, col, 18); err != nil {
			return err
		}
	}
	if err := addNotesAndDropDowns(f, sheet); err != nil {
		return err
	}
	if err := f.SetCellStyle(sheet, "A1", last+"1", bold); err != nil {
		return err
	}
	if err := f.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	if err := addInstructions(f); err != nil {
		return err
	}
	f.SetActiveSheet(0)
	_, err = f.WriteTo(w)
	return err
}

// dropDown is the list a column's cells may choose from (nil: free text).
func dropDown(c importer.Column) []string {
	switch c {
	case importer.ColAction:
		return []string{"create", "update", "move", "disable", "enable", "upsert"}
	case importer.ColAPIUser, importer.ColAllowImpersonation, importer.ColIsSSOOnly, importer.ColRequirePasswordChange, importer.ColAccountEnabled, importer.ColLoginEnabled:
		return []string{"true", "false"}
	case importer.ColPeerLoanAccess:
		return []string{"Disabled", "ReadOnly", "ReadWrite"}
	case importer.ColSubordinateLoanAccess:
		return []string{"ReadOnly", "ReadWrite"}
	}
	return nil
}

// addNotesAndDropDowns puts each column's rule as a note on its header
// (row 1) and the drop-downs on the data rows of sheet. The export calls it
// before it streams the rows.
func addNotesAndDropDowns(f *excelize.File, sheet string) error {
	for i, c := range importer.Columns() {
		cell, _ := excelize.CoordinatesToCellName(i+1, 1)
		if err := f.AddComment(sheet, excelize.Comment{Cell: cell, Author: "encimport", Paragraph: []excelize.RichTextRun{{Text: help[c]}}}); err != nil {
			return err
		}
		list := dropDown(c)
		if list == nil {
			continue
		}
		col, _ := excelize.ColumnNumberToName(i + 1)
		dv := excelize.NewDataValidation(true)
		dv.SetSqref(fmt.Sprintf("%s2:%s%d", col, col, excelize.TotalRows))
		if err := dv.SetDropList(list); err != nil {
			return err
		}
		if err := f.AddDataValidation(sheet, dv); err != nil {
			return err
		}
	}
	return nil
}

// addInstructions adds the Instructions sheet: the general rules, then
// every column's.
func addInstructions(f *excelize.File) error {
	const ins = "Instructions"
	if _, err := f.NewSheet(ins); err != nil {
		return err
	}
	rows := [][]any{
		{"encimport template: one row per user on the Users sheet; row 1 holds the headers."},
		{"Only the id column is required as a column; delete columns you do not need. Headers ignore case, spaces, _ - and ."},
		{"An empty cell leaves the value as it is. The text <clear> removes a value. Lists are separated by ';'."},
		{"Every cell but password is trimmed of spaces; a password is taken exactly as written."},
		{},
		{"column", "rule"},
	}
	for _, c := range importer.Columns() {
		rows = append(rows, []any{c.String(), help[c]})
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow(ins, cell, &r); err != nil {
			return err
		}
	}
	if err := f.SetColWidth(ins, "A", "A", 24); err != nil {
		return err
	}
	if err := f.SetColWidth(ins, "B", "B", 120); err != nil {
		return err
	}
	return nil
}
