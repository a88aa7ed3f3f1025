package job

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/encimport/encimport/internal/atomicfile"
	"github.com/encimport/encimport/report"
)

// OutputError is an output of a run found unusable before the run starts:
// nothing was read from the server, nothing written. Usage says the command
// line names it wrongly (an output that is an input, a report format
// encimport does not write); otherwise the system refuses it (a folder
// that is not writable).
type OutputError struct {
	Usage bool
	Msg   string
}

func (e *OutputError) Error() string { return e.Msg + "; nothing was read or changed" }

// named is a file a run reads or writes, with how the user named it.
type named struct{ what, path string }

// checkOutputs checks, before a run makes any call, that every file it
// will write can be written and is none of the files it reads: the report
// (its format and folder), the plan (-o), the trace and the state
// directory (apply: the lock and the journal). reportPath is the report's
// path as the run will write it ("": none); input the file the run reads.
func checkOutputs(cfg Config, input, reportPath string, apply bool) error {
	inputs := []named{{"the input file", input}, {"the plan file (--plan)", cfg.PlanFile}, {"the sandbox world (--sandbox-state)", cfg.Target.SandboxState},
		{"the protect file (--protect-file)", cfg.ProtectFile}}
	var outputs []named
	if reportPath != "" {
		what := "the report (--report)"
		if cfg.Report == "" {
			what = "the report (by default beside the input)"
		}
		outputs = append(outputs, named{what, reportPath})
	}
	outputs = append(outputs, named{"the plan (-o)", cfg.PlanOut}, named{"the trace (--trace)", cfg.Target.Trace})
	if !cfg.NoReport {
		outputs = append(outputs, named{"the HTML page (--html)", cfg.HTML}, named{"the file of rows to fix (--errors)", cfg.Errors})
	}
	outputs = append(outputs, named{"the summary (--summary-json)", cfg.SummaryJSON})

	var seen []named
	for _, out := range outputs {
		if out.path == "" {
			continue
		}
		for _, in := range inputs {
			if in.path != "" && sameFile(out.path, in.path) {
				return &OutputError{Usage: true, Msg: fmt.Sprintf("%s %s is %s %s: writing it would replace it; give the output another name", out.what, out.path, in.what, in.path)}
			}
		}
		for _, o := range seen {
			if sameFile(out.path, o.path) {
				return &OutputError{Usage: true, Msg: fmt.Sprintf("%s %s is also %s; give each its own file", out.what, out.path, o.what)}
			}
		}
		seen = append(seen, out)
		if out.path == reportPath {
			if ext := strings.ToLower(filepath.Ext(out.path)); ext != report.ExtCSV && ext != report.ExtXLSX && ext != report.ExtJSONL && ext != report.ExtHTML {
				return &OutputError{Usage: true, Msg: fmt.Sprintf("%s %s: unknown format %q; name the report .csv, .xlsx, .jsonl or .html", out.what, out.path, ext)}
			}
		}
		if out.path == cfg.Errors {
			if ext := strings.ToLower(filepath.Ext(out.path)); ext != report.ExtCSV && ext != report.ExtXLSX {
				return &OutputError{Usage: true, Msg: fmt.Sprintf("%s %s: unknown format %q; name it .csv or .xlsx", out.what, out.path, ext)}
			}
		}
		if err := writable(out.path); err != nil {
			msg := fmt.Sprintf("%s %s cannot be written: %v", out.what, out.path, err)
			if out.path == reportPath && cfg.Report == "" {
				msg += "; give --report FILE in a folder you can write to"
			} else {
				msg += "; name a file in a folder you can write to"
			}
			return &OutputError{Msg: msg}
		}
	}
	if apply && cfg.StateDir != "" {
		if err := writableDir(cfg.StateDir); err != nil {
			return &OutputError{Msg: fmt.Sprintf("the state directory %s (the lock and the journal) cannot be used: %v; give --state-dir DIR (or ENCIMPORT_STATE_DIR) in a place you can write to", cfg.StateDir, err)}
		}
	}
	return nil
}

// writable checks that a file can be written at path the way atomicfile
// writes it (a temporary file beside it, renamed over it): path is not a
// folder, and a file can be made in its folder. The probe is removed.
func writable(path string) error {
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return errors.New("it is a folder")
	}
	f, err := atomicfile.Create(path, 0o600)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			return fmt.Errorf("%w in %s", pe.Err, filepath.Dir(path))
		}
		return err
	}
	f.Abort()
	return nil
}

// writableDir makes dir (0700) and checks a file can be made in it.
func writableDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".encimport-probe-*")
	if err != nil {
		return err
	}
	name := f.Name()
	_ = f.Close()
	return os.Remove(name)
}

// sameFile reports whether paths a and b name the same file: os.SameFile
// when both exist (hard links, links, another spelling), else the paths
// compared with every link in them resolved.
func sameFile(a, b string) bool {
	fa, errA := os.Stat(a)
	fb, errB := os.Stat(b)
	if errA == nil && errB == nil {
		return os.SameFile(fa, fb)
	}
	return resolvedPath(a) == resolvedPath(b)
}

// resolvedPath is path absolute, with its links resolved as far as it
// exists.
func resolvedPath(path string) string {
	abs := absPath(path)
	if r, err := filepath.EvalSymlinks(abs); err == nil {
		return r
	}
	dir, base := filepath.Split(abs)
	if r, err := filepath.EvalSymlinks(dir); err == nil {
		return filepath.Join(r, base)
	}
	return abs
}

func absPath(path string) string {
	if abs, err := filepath.Abs(path); err == nil {
		return abs
	}
	return filepath.Clean(path)
}
