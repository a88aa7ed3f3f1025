package importer

import (
	"errors"
	"fmt"
	"os"
	"strings"
)

// FileError is a fatal, file-level error: the file cannot be read as a
// spreadsheet of users. It names the file (and sheet), lists the headers
// found when they matter, and says what to do.
type FileError struct {
	File, Sheet string
	Headers     []string
	Msg         string
	Err         error // a sentinel the error wraps (ErrNoDataRows), or nil
}

// Unwrap returns the sentinel the error wraps, if any.
func (e *FileError) Unwrap() error { return e.Err }

// ErrNoDataRows is wrapped by the *FileError Reader.NoDataRows returns: the
// file has headers but no data row (blank and skipped hidden rows aside).
var ErrNoDataRows = errors.New("no data rows")

// Error formats the error as `file "F", sheet "S": msg; headers found: ...`.
func (e *FileError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "file %q", e.File)
	if e.Sheet != "" {
		fmt.Fprintf(&b, ", sheet %q", Clip(e.Sheet))
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	if e.Headers != nil {
		b.WriteString("; headers found: ")
		if len(e.Headers) == 0 {
			b.WriteString("none (row 1 is empty)")
		}
		for i, h := range e.Headers {
			if i > 0 {
				b.WriteString(", ")
			}
			if i == 20 {
				fmt.Fprintf(&b, "… (%d in all)", len(e.Headers))
				break
			}
			fmt.Fprintf(&b, "%q", Clip(h))
		}
	}
	return b.String()
}

func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func sizeText(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}
