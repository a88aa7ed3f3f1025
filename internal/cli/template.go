package cli

import (
	"context"
	"flag"
	"fmt"

	"github.com/encimport/encimport/internal/atomicfile"
	"github.com/encimport/encimport/templates"
)

// templateOptions are the options of `encimport template`: the blank
// spreadsheet, as xlsx or csv.
type templateOptions struct {
	*base
	format string // --format xlsx|csv
	out    string // -o FILE; "-" for standard output
}

func (o *templateOptions) flags(fs *flag.FlagSet) {
	fs.StringVar(&o.format, "format", "xlsx", "xlsx or csv")
	fs.StringVar(&o.out, "o", "", "output `FILE` (default encimport-template.<format>; - for standard output)")
}

func (o *templateOptions) args(files []string) error {
	if len(files) > 0 {
		return usagef("template takes no file argument; use -o FILE")
	}
	if o.format != "xlsx" && o.format != "csv" {
		return usagef("--format %q: use xlsx or csv", o.format)
	}
	return nil
}

func (o *templateOptions) run(context.Context) error {
	out := o.out
	if out == "" {
		out = "encimport-template." + o.format
	}
	write := templates.WriteXLSX
	if o.format == "csv" {
		write = templates.WriteCSV
	}
	if out == "-" {
		return write(o.IO.Out)
	}
	if err := atomicfile.Write(out, 0o600, write); err != nil {
		return err
	}
	fmt.Fprintf(o.IO.Err, "Template: %s\n", out)
	return nil
}
