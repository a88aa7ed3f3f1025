package importer

import (
	"unicode/utf8"
)

// Default limits (Options fields left zero take these).
const (
	DefaultMaxFileSize = 200 << 20 // 200 MiB
	DefaultMaxRows     = 1_000_000
	DefaultMaxCellLen  = 32_767 // Excel's own limit on a cell
	// MaxColumns is the number of columns read; columns past it are
	// ignored with a warning, so a 20,000-column sheet reads in bounded time.
	MaxColumns = 1000
	// MaxHeaderLen bounds a header cell, in characters: a longer one
	// cannot be a column name, and the file is refused.
	MaxHeaderLen = 1000
	// MaxEchoLen bounds, in characters, every value (header, cell, sheet
	// name) a message quotes; longer values are cut and end in "…".
	MaxEchoLen = 200
)

// Clip returns s cut to MaxEchoLen characters, ending in "…" when it was
// cut: how messages quote a value from the file.
func Clip(s string) string { return clipN(s, MaxEchoLen) }

// clipN cuts s to n characters, ending in "…" when it was cut.
func clipN(s string, n int) string {
	if len(s) <= n {
		return s // never more characters than bytes
	}
	i := 0
	for k := 0; k < n && i < len(s); k++ {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	if i >= len(s) {
		return s
	}
	return s[:i] + "…"
}

// Options tune Open.
type Options struct {
	Sheet       string // --sheet; "" = first sheet with an id column
	MaxFileSize int64  // bytes; default DefaultMaxFileSize
	MaxRows     int    // data rows (of all sheets read); default DefaultMaxRows
	MaxCellLen  int    // characters; default DefaultMaxCellLen
	// AllSheets (--all-sheets) reads every sheet with an id column, in the
	// workbook's order, instead of the first one; Sheet must be empty.
	// Ignored for CSV.
	AllSheets bool
	// IncludeHidden (--include-hidden) reads the rows hidden in Excel (by
	// hand or by a filter) too; without it they are skipped with a warning
	// naming them. Ignored for CSV.
	IncludeHidden bool
	// KeepCells keeps each row's cells as the file has them in
	// Record.Cells (parallel to Reader.Headers), for writing rows back
	// (the re-upload file of failed rows). Off by default: plan and apply
	// hold every row, and the cells would double their memory.
	KeepCells bool
	// NoDigest skips the SHA-256 of a CSV file (Reader.Digest is then ""):
	// `validate` streams rows and names no plan, and hashing 200 MB cost it
	// half a second of CPU. (An xlsx is read whole; its digest is free.)
	NoDigest bool
}

func (o Options) withDefaults() Options {
	if o.MaxFileSize <= 0 {
		o.MaxFileSize = DefaultMaxFileSize
	}
	if o.MaxRows <= 0 {
		o.MaxRows = DefaultMaxRows
	}
	if o.MaxCellLen <= 0 {
		o.MaxCellLen = DefaultMaxCellLen
	}
	return o
}

// Format is the detected file format.
type Format int

// Formats.
const (
	FormatCSV Format = iota + 1
	FormatXLSX
)

// String returns "csv" or "xlsx".
func (f Format) String() string {
	switch f {
	case FormatCSV:
		return "csv"
	case FormatXLSX:
		return "xlsx"
	}
	return "unknown"
}
