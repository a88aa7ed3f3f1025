// Package importer reads the people spreadsheet (CSV or XLSX) row by row the
// way a person sees it in Excel, and normalises every cell (docs/product.md "The
// spreadsheet").
//
// Map of the package:
//   - record.go: the shared contract (Column, Record, Problem).
//   - options.go: Options, the limits (MaxColumns, MaxEchoLen, …), Clip and
//     Format.
//   - fileerror.go: FileError and ErrNoDataRows.
//   - headers.go: header matching (ParseHeader, aliases) and the header row
//     (Reader.setHeaders, column letters).
//   - normalize.go: cell normalisers (normalizeCell, ParseBool, ParseDate).
//   - control.go: control characters in cells (one scan of the bytes).
//   - forms.go: phone numbers and dates in the forms people write.
//   - reader.go: Open, Reader, Read/ReadAll (Result, with the file's
//     digest), format detection.
//   - csv.go: the CSV source (delimiter sniffing, BOM/UTF-16/Windows-1252).
//   - xlsx.go: the XLSX source: the file read whole once (its digest taken
//     from those bytes), the sheet chosen, date serials.
//   - xlsx_book.go: the archive opened once in memory; zip-bomb checks; the
//     workbook, its relationships and the shared strings read directly.
//   - xlsx_rows.go: a worksheet's rows and the shared-string table, read
//     with the scanner of xlsx_scan.go (tags) and xlsx_text.go (text).
//   - The tests keep excelize as the reference reader (xlsx_ref_test.go):
//     the same workbooks read through it must give the same records.
//
// Options the command line maps to flags (docs/product.md "The spreadsheet",
// issue 12 item 6: nothing in the input is ignored silently):
//   - Sheet (--sheet): the sheet to read; without it, the first sheet with
//     an id column, and a warning names the other sheets that have one.
//   - AllSheets (--all-sheets): read every sheet with an id column, in the
//     workbook's order; each sheet has its own header row, Record.Sheet
//     tells them apart, Reader.Sheets lists them. Not with Sheet.
//   - IncludeHidden (--include-hidden): read the rows Excel hides (<row
//     hidden="1">: hidden by hand, by a filter or a collapsed outline).
//     Without it they are skipped, and a warning per sheet says how many and
//     which (the first 20 row numbers); Reader.HiddenRowsSkipped counts them.
//     A hidden row 1 is still the header row.
//   - A file with headers but no data row is not an error for Next (it
//     returns io.EOF): after it, Reader.NoDataRows (Result.NoDataRows for
//     Read) is a *FileError wrapping ErrNoDataRows that says so (and, when
//     every row was hidden, that they were), for the caller to stop on.
//   - MaxFileSize, MaxRows (all sheets together), MaxCellLen: limits.
//
// Decisions worth knowing:
//   - Reader.Digest is the SHA-256 of the bytes parsed, not of a second
//     read: an XLSX file is read whole (at most Options.MaxFileSize), a CSV
//     file hashed as it streams (known once the last row is read).
//   - A CSV file that is not valid UTF-8 anywhere yet holds no valid UTF-8
//     multi-byte sequence is decoded as Windows-1252 (what Excel's "CSV
//     (Comma delimited)" writes) with a file warning; a file mixing valid
//     UTF-8 with invalid bytes is read as UTF-8 and each broken cell is a
//     problem on its row.
//   - Row numbers count records as Excel shows them: a blank CSV line is a
//     row, a quoted cell spanning lines is one row; XLSX rows use the sheet's
//     own row index.
//   - XLSX cells are read raw (not through display formats). A numeric raw
//     value in a date column is an Excel date serial (1900 or 1904 system).
//     A raw number written in exponent form or with a ".0" tail (as some
//     generators do) is written back as a plain integer when it is integral,
//     so an id never reads as 1E+05.
//   - A C0 control character (NUL, ESC, …) inside a cell is a problem
//     naming the file, sheet, row and column, wherever the cell is in the
//     file (control.go): tab and line breaks are allowed only in the
//     free-text columns (title, comments, emailSignature), tab in the
//     names. Only a file whose start is mostly control characters is
//     refused as binary; a stray NUL is a problem in its cell.
//   - Forgiving, never guessing (forms.go): phones in any unambiguous North
//     American form ((303) 555-0100, 303.555.0100, 3035550100 as a number
//     cell, +1 303 555 0100, 303-555-0107 x22 / ext 22 / #22) are read into
//     the API's ###-###-####[ ext]; dates as Dec 31, 2027, 31-Dec-2027,
//     2027/12/31, and with a time of 0:00 (dropped; another time is a
//     problem); a list cell without ';' is split on ','. What stays
//     ambiguous is a problem whose message shows an accepted form. An id
//     starting with = + - @ is a warning on its row, not an error.
//   - Every value a message quotes (a header, a cell, a sheet name) is cut
//     to MaxEchoLen characters with "…" (Clip), so no file can flood the
//     output; a header cell longer than MaxHeaderLen characters cannot be
//     a column name and the file is refused, naming the sheet and column.
package importer
