package plan

import (
	"github.com/encimport/encimport/importer"
)

// Problems are the diagnostics of a row or a file (terraform's
// tfdiags.Diagnostics): errors make a row invalid, warnings do not. Every
// problem is kept; nothing stops at the first.
type Problems []importer.Problem

// HasErrors reports whether any problem is an error (not a warning).
func (ps Problems) HasErrors() bool {
	for _, p := range ps {
		if p.Severity == importer.SeverityError {
			return true
		}
	}
	return false
}

// Warnings returns the warnings alone.
func (ps Problems) Warnings() Problems {
	var ws Problems
	for _, p := range ps {
		if p.Severity == importer.SeverityWarning {
			ws = append(ws, p)
		}
	}
	return ws
}

// Messages formats each problem for a report's message: "column: message"
// (just the message for whole-row problems), warnings prefixed "warning: ".
func (ps Problems) Messages() []string {
	var out []string
	for _, pr := range ps {
		m := pr.Message
		if pr.Column != "" {
			m = pr.Column + ": " + m
		}
		if pr.Severity == importer.SeverityWarning {
			m = "warning: " + m
		}
		out = append(out, m)
	}
	return out
}
