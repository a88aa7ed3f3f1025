package cli

import (
	"bufio"
	"context"
	"fmt"
	"path/filepath"

	"github.com/spf13/pflag"

	"github.com/encimport/encimport/internal/job"
	"github.com/encimport/encimport/plan"
)

// validateOptions are the options of `encimport validate FILE`: offline, no
// network; every row read and checked.
type validateOptions struct {
	*base
	in   inputOptions
	file string
}

func (o *validateOptions) spec() spec {
	return spec{
		use:   "validate FILE",
		short: "offline: read and check every row, no network",
		long: `Read every row of FILE (.xlsx or .csv) and check it offline, with no call to
Encompass: each problem is printed with its sheet, row and column, good rows
are reported valid, and a per-row report is written. What only the server
knows (users, organizations, personas) is checked by 'encimport plan'.`,
		example: `encimport validate people.xlsx
encimport validate people.xlsx --sheet "New hires" --report checked.xlsx
encimport validate hr.csv --action update --company-defaults org,persona`,
		fileExt: []string{"xlsx", "csv"},
	}
}

func (o *validateOptions) flags(fs *pflag.FlagSet) {
	o.in.flags(fs)
	logFlags(fs, o.base)
}

func (o *validateOptions) args(files []string) error {
	if err := o.in.check(); err != nil {
		return err
	}
	if err := oneFile("validate", files); err != nil {
		return err
	}
	o.file = files[0]
	return nil
}

// run prints every row's problems as the row is read, then one line of
// counts; the job writes the report row by row.
func (o *validateOptions) run(ctx context.Context) error {
	cfg, err := o.resolve(o.in.config, &o.in, nil)
	if err != nil {
		return err
	}
	cfg.Input = o.file
	out := bufio.NewWriter(o.IO.Out)
	defer out.Flush()
	name := filepath.Base(o.file) // a csv's sheet: named once
	res, err := job.Validate(ctx, cfg, o.env(), func(r plan.Row) {
		for _, pr := range r.Problems {
			if pr.File == "" {
				pr.File = name // each line names the file, as the file's warnings do
			}
			fmt.Fprintln(out, pr.Error())
		}
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%s: %d %s, %d valid, %d invalid\n", o.file, res.Rows, plural(res.Rows, "row", "rows"), res.Rows-res.Invalid, res.Invalid)
	if err := out.Flush(); err != nil {
		return err
	}
	o.printFiles("", res.Report, job.Pages{})
	if res.Invalid > 0 {
		return errRowProblems
	}
	return nil
}
