package job

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/encimport/encimport/encompass"
	"github.com/encimport/encimport/internal/atomicfile"
	"github.com/encimport/encimport/planner"
	"github.com/encimport/encimport/runrec"
	"github.com/encimport/encimport/templates"
)

// ExportOptions say what Export writes and where.
type ExportOptions struct {
	// Out is the file to write; its extension (.xlsx, .csv, .jsonl) gives
	// the format unless Format does. "-" is standard output (Stdout).
	Out    string
	Format string
	Stdout io.Writer
	// Force lets Out replace an existing file (never an input of a
	// recorded run).
	Force bool

	Org             string // the organization to export (id, path or unique name) and below; "": the caller's
	Persona         string // only the users holding this persona (name or id)
	IncludeDisabled bool   // also the users whose account is disabled
}

// Exported is what Export wrote.
type Exported struct {
	Path    string // "" for standard output
	Format  string
	Users   int // rows written
	Skipped int // users read but filtered out (disabled, persona)
	Pages   int // user-list pages read
	Scope   string
}

// ExportFormat is the format of path by its extension ("" when unknown).
func ExportFormat(path string) string {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".xlsx":
		return templates.FormatXLSX
	case ".csv":
		return templates.FormatCSV
	case ".jsonl":
		return templates.FormatJSONL
	}
	return ""
}

// Export writes the users the caller can see (the caller's organization
// and below, or opts.Org's) as rows of the template, page by page: each
// page of users is written as it arrives and dropped, so memory does not
// grow with the number of users. Read-only: no lock. env.Progress is told
// the users written so far (total 0: unknown). The file appears whole when
// every page was written (a temporary file renamed), never in part.
func Export(ctx context.Context, cfg Config, env Env, opts ExportOptions) (*Exported, error) {
	format := opts.Format
	if format == "" {
		format = ExportFormat(opts.Out)
	}
	if opts.Out == "-" && format == "" {
		format = templates.FormatCSV
	}
	if format == "" {
		return nil, fmt.Errorf("%s: name the file .xlsx, .csv or .jsonl", opts.Out)
	}
	res := &Exported{Format: format}
	if opts.Out != "-" {
		if err := checkExportPath(cfg, opts.Out, opts.Force); err != nil {
			return res, err
		}
		res.Path = opts.Out
	} else if format == templates.FormatXLSX {
		return res, fmt.Errorf("a workbook cannot go to standard output; give -o FILE.xlsx or --format csv")
	}

	s, err := Connect(cfg, env)
	if err != nil {
		return res, err
	}
	defer s.Close()
	c := s.Client
	me, _, err := c.GetUser(ctx, "me")
	if err != nil {
		return res, readErr(ctx, "reading the calling user (users/me)", err)
	}
	orgs, _, err := c.Organizations(ctx)
	if err != nil {
		return res, readErr(ctx, "reading the organizations", err)
	}
	root, err := planner.OrgTree(orgs)
	if err != nil {
		return res, err
	}
	personas, _, err := c.Personas(ctx)
	if err != nil {
		return res, readErr(ctx, "reading personas", err)
	}
	exp := planner.NewExporter(root, personas)
	scope := encompass.RootOrgID
	if me.Organization != nil && me.Organization.EntityID != "" {
		scope = me.Organization.EntityID
	}
	if opts.Org != "" {
		if scope, _, err = exp.ResolveOrg(opts.Org); err != nil {
			return res, fmt.Errorf("--org: %w", err)
		}
	}
	res.Scope = exp.OrgPath(scope)
	persona := ""
	if opts.Persona != "" {
		p, err := exp.ResolvePersona(opts.Persona)
		if err != nil {
			return res, fmt.Errorf("--persona: %w", err)
		}
		persona = p.ID
	}

	var out io.Writer = opts.Stdout
	var tmp *atomicfile.File
	if opts.Out != "-" {
		if tmp, err = atomicfile.Create(opts.Out, 0o600); err != nil {
			return res, fmt.Errorf("%s: %w", opts.Out, err)
		}
		defer tmp.Abort() // a no-op once committed
		out = tmp
	}
	sw, err := templates.NewSheetWriter(out, format)
	if err != nil {
		return res, err
	}
	pages, err := c.ListUsers(ctx, scope, func(page []encompass.User) error {
		for i := range page {
			u := &page[i]
			if (!opts.IncludeDisabled && u.AccountEnabled != nil && !*u.AccountEnabled) || (persona != "" && !holds(u, persona)) {
				res.Skipped++
				continue
			}
			if err := sw.Write(exp.Row(u)); err != nil {
				return err
			}
		}
		if env.Progress != nil {
			env.Progress(sw.Rows(), 0)
		}
		return nil
	})
	res.Pages, res.Users = pages, sw.Rows()
	if err != nil {
		sw.Abort()
		return res, readErr(ctx, "listing users", err)
	}
	if err := sw.Close(); err != nil {
		return res, fmt.Errorf("writing %s: %w", opts.Out, err)
	}
	if tmp != nil {
		if !opts.Force {
			// Refused up front; refuse a file that appeared meanwhile too.
			if _, err := os.Lstat(opts.Out); err == nil {
				return res, fmt.Errorf("%s appeared while the users were read; not overwritten (--force replaces it)", opts.Out)
			}
		}
		if err := tmp.Commit(); err != nil {
			return res, fmt.Errorf("writing %s: %w", opts.Out, err)
		}
	}
	return res, nil
}

func holds(u *encompass.User, personaID string) bool {
	for _, p := range u.Personas {
		if p.EntityID == personaID {
			return true
		}
	}
	return false
}

func readErr(ctx context.Context, what string, err error) error {
	if ctx.Err() != nil {
		return ErrInterrupted
	}
	return fmt.Errorf("%s: %w", what, err)
}

// checkExportPath refuses to write over an existing file without force,
// and over an input of a recorded run (the file a run was made from, which
// a revert or a rerun reads) even with it.
func checkExportPath(cfg Config, path string, force bool) error {
	fi, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if fi.IsDir() {
		return fmt.Errorf("%s is a directory; give a file name", path)
	}
	if cfg.StateDir != "" {
		recs, _ := runrec.List(cfg.StateDir)
		for _, r := range recs {
			if r.Kind != runrec.KindApply {
				continue
			}
			if in, err := os.Stat(r.Input.Path); err == nil && os.SameFile(fi, in) {
				return fmt.Errorf("%s is the input of run %s; export to another file", path, r.ID)
			}
		}
	}
	if !force {
		return fmt.Errorf("%s exists; not overwritten (--force replaces it)", path)
	}
	return nil
}
