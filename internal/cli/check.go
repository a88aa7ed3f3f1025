package cli

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/spf13/pflag"

	"github.com/encimport/encimport/apiclient"
	"github.com/encimport/encimport/encompass"
	"github.com/encimport/encimport/internal/job"
	"github.com/encimport/encimport/planner"
)

// checkReport is what `encimport check` found, one line each.
type checkReport struct {
	lines   [][2]string
	verdict string
	ok      bool
}

func (r *checkReport) add(name, format string, args ...any) {
	r.lines = append(r.lines, [2]string{name, fmt.Sprintf(format, args...)})
}

func (r *checkReport) write(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, l := range r.lines {
		fmt.Fprintf(tw, "%s\t%s\n", l[0], l[1])
	}
	_ = tw.Flush()
	fmt.Fprintln(w, r.verdict)
}

// concurrencySeen keeps the gateway's concurrency headers of the last answer.
type concurrencySeen struct {
	mu               sync.Mutex
	limit, remaining string
}

func (s *concurrencySeen) observe(r *apiclient.Response) {
	l, rem := r.Header.Get(apiclient.HeaderConcurrencyLimit), r.Header.Get(apiclient.HeaderConcurrencyRemaining)
	if l == "" && rem == "" {
		return
	}
	s.mu.Lock()
	s.limit, s.remaining = l, rem
	s.mu.Unlock()
}

// checkOptions are the options of `encimport check`: a read-only probe of
// the configured instance.
type checkOptions struct {
	*base
	config configOptions
	conn   connOptions
}

func (o *checkOptions) spec() spec {
	return spec{
		use:   "check",
		short: "read-only probe: token, instance, the caller's rights and scope",
		long: `Check the connection before a run, with read calls only: get a token and ask
the token endpoint about it, read the calling user, its personas and rights,
and what a plan reads. Prints one line each and a verdict; exit 1 when
something would stop a run.`,
		example: `encimport check
encimport check --config prod.env
encimport check --sandbox
encimport check --config encimport.env --quiet && encimport apply people.csv --config encimport.env`,
	}
}

func (o *checkOptions) flags(fs *pflag.FlagSet) {
	configFlag(fs, &o.config)
	o.conn.flags(fs)
	logFlags(fs, o.base)
}

func (o *checkOptions) args(files []string) error {
	if len(files) > 0 {
		return usagef("check takes no file argument")
	}
	return nil
}

// run probes the token and what the token endpoint says of it, who the
// caller is and what it may do, and what the planner would read. It prints
// a short table and one verdict line; any failure is exit 1.
func (o *checkOptions) run(ctx context.Context) error {
	cfg, err := o.resolve(o.config, nil, &o.conn)
	if err != nil {
		return err
	}
	seen := &concurrencySeen{}
	env := o.env()
	env.Observe = seen.observe
	s, err := job.Connect(cfg, env)
	if err != nil {
		return err
	}
	defer s.Close()
	c := s.Client
	r := &checkReport{}
	r.add("API", "%s", c.BaseURL())
	fail := func(what string, err error) error {
		r.verdict = fmt.Sprintf("FAIL: %s: %v", what, err)
		r.write(o.IO.Out)
		return fmt.Errorf("check failed: %s: %w", what, err)
	}
	info, err := c.Introspect(ctx)
	switch {
	case err != nil:
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fail("getting or inspecting a token", err)
	case info == nil:
		r.add("Token", "issued (the server does not describe its tokens)")
	case !info.Active:
		return fail("the token", fmt.Errorf("the token endpoint says the new token is not active"))
	default:
		exp := "no expiry given"
		if info.Exp > 0 {
			exp = "expires " + time.Unix(info.Exp, 0).UTC().Format("2006-01-02 15:04 MST")
		}
		r.add("Token", "active, %s, %s", cmp.Or(info.IdentityType, "identity type not given"), exp)
		r.add("Instance", "%s", cmp.Or(info.InstanceID, "(not given)"))
		if want := cfg.Target.InstanceID; !cfg.Target.Sandbox && want != "" && info.InstanceID != "" && !strings.EqualFold(want, info.InstanceID) {
			return fail("the instance", fmt.Errorf("the token is for instance %s, but ENCOMPASS_INSTANCE_ID is %s", info.InstanceID, want))
		}
	}
	w, err := planner.FetchFor(ctx, c, func(string) bool { return false }) // counts and rights: no user whole
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fail("reading what a plan needs", err)
	}
	name := strings.TrimSpace(w.Caller.FirstName + " " + w.Caller.LastName)
	r.add("Caller", "%s (%s)", w.Caller.ID, cmp.Or(name, "no name"))
	acc := w.CallerAccess()
	r.add("Personas", "%s", cmp.Or(strings.Join(acc.Personas, ", "), "none"))
	if acc.CanManage {
		r.add("Rights", "may manage users (%s)", acc.Why)
	} else {
		r.add("Rights", "may NOT manage users: %s", acc.Why)
	}
	r.add("Scope", "%s and below: %d of %d organizations", acc.Scope, acc.ScopeOrgs, acc.AllOrgs)
	r.add("Organizations", "%d", acc.AllOrgs)
	r.add("Personas (all)", "%d", len(w.Personas))
	usable := 0
	for _, f := range w.LoanFolders {
		if f.FolderType != encompass.FolderTypeTrash {
			usable++
		}
	}
	r.add("Loan folders", "%d (%d usable as working folders)", len(w.LoanFolders), usable)
	r.add("Users", "%d visible to the caller (%d read calls in all)", len(w.Users), w.Reads.Total())
	seen.mu.Lock()
	if seen.limit != "" || seen.remaining != "" {
		r.add("Concurrency", "limit %s, %s free at the last answer", cmp.Or(seen.limit, "?"), cmp.Or(seen.remaining, "?"))
	} else {
		r.add("Concurrency", "no X-Concurrency-Limit headers seen")
	}
	seen.mu.Unlock()
	if !acc.CanManage {
		r.verdict = fmt.Sprintf("FAIL: %s may not manage users; run encimport as an administrator", w.Caller.ID)
		r.write(o.IO.Out)
		return fmt.Errorf("check failed: the calling user %q may not manage users", w.Caller.ID)
	}
	r.verdict = fmt.Sprintf("OK: %s may manage users in %s and below.", w.Caller.ID, acc.Scope)
	r.ok = true
	r.write(o.IO.Out)
	return nil
}
