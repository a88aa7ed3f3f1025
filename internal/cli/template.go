package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/pflag"

	"github.com/encimport/encimport/internal/atomicfile"
	"github.com/encimport/encimport/templates"
)

// templateOptions are the options of `encimport template`: the blank
// spreadsheet, as xlsx or csv. The format is the -o file's extension; an
// existing file is kept unless --force.
type templateOptions struct {
	*base
	format string // --format xlsx|csv; "" from -o's extension (default xlsx)
	out    string // -o FILE; "-" for standard output
	force  bool   // --force: replace an existing file
}

func (o *templateOptions) spec() spec {
	return spec{
		use:   "template",
		short: "write the blank spreadsheet to fill in (.xlsx or .csv)",
		long: `Write the blank spreadsheet encimport reads: every column with a note on what
it takes, drop-downs where the values are known. An existing file is kept
(it may be a filled-in template) unless --force.`,
		example: `encimport template                       # encimport-template.xlsx
encimport template -o people.xlsx
encimport template -o people.csv --force
encimport template --format csv -o - | head -1   # the header row`,
	}
}

func (o *templateOptions) flags(fs *pflag.FlagSet) {
	fs.StringVarP(&o.out, "output", "o", "", "output `FILE`, .xlsx or .csv (default encimport-template.<format>; - for standard output)")
	fs.StringVar(&o.format, "format", "", "`FORMAT` xlsx or csv (default: the -o file's extension, else xlsx)")
	fs.BoolVar(&o.force, "force", false, "replace the -o file if it exists")
}

func (o *templateOptions) args(files []string) error {
	if len(files) > 0 {
		return usagef("template takes no file argument; use -o FILE")
	}
	if o.format != "" && o.format != "xlsx" && o.format != "csv" {
		return usagef("--format %q: use xlsx or csv", o.format)
	}
	if o.out == "" || o.out == "-" {
		if o.format == "" {
			o.format = "xlsx"
		}
		if o.out == "" {
			o.out = "encimport-template." + o.format
		}
		return nil
	}
	ext := strings.TrimPrefix(strings.ToLower(filepath.Ext(o.out)), ".")
	switch {
	case ext != "xlsx" && ext != "csv":
		return usagef("-o %s: name the template .xlsx or .csv (its format is the extension)", o.out)
	case o.format != "" && o.format != ext:
		return usagef("-o %s is a .%s file but --format is %s; drop --format (the extension decides) or rename the file", o.out, ext, o.format)
	}
	o.format = ext
	return nil
}

func (o *templateOptions) run(context.Context) error {
	write := templates.WriteXLSX
	if o.format == "csv" {
		write = templates.WriteCSV
	}
	if o.out == "-" {
		return write(o.IO.Out)
	}
	if !o.force {
		if _, err := os.Lstat(o.out); err == nil {
			return fmt.Errorf("%s exists (it may be a filled-in template) and was left as it is; give --force to replace it, or another -o FILE", o.out)
		} else if !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	if err := atomicfile.Write(o.out, 0o600, write); err != nil {
		return err
	}
	fmt.Fprintf(o.IO.Err, "Template: %s\n", o.out)
	return nil
}
