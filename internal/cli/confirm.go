package cli

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/encimport/encimport/internal/job"
	"github.com/encimport/encimport/plan"
)

// errDeclined is apply's answer "no" at its question: nothing was written.
var errDeclined = errors.New("apply canceled at the question: nothing was written")

// confirmLines is how much of the printed plan the question shows in full;
// a longer plan is shown up to its summary.
const confirmLines = 30

// asks reports whether apply asks before writing: only when a person can
// answer (standard input and standard error are terminals), never with
// --yes, and never for a reviewed plan (--plan: the review was the
// question, as terraform apply of a saved plan).
func (o *applyOptions) asks() bool { return !o.yes && o.planFile == "" && o.canAsk() }

// canAsk reports whether a person can answer a question: standard input
// and standard error are terminals.
func (b *base) canAsk() bool { return b.IO.IsTerminal && b.IO.InTerminal && b.IO.In != nil }

// confirm is job.Env.Planned for a run that asks (apply, revert --apply):
// the plan (its summary when it is long) on standard error, then the
// question; anything but y or yes ends the run before its first write.
func (b *base) confirm(ctx context.Context, verbose bool) func(*plan.Plan, *job.Session) error {
	return func(p *plan.Plan, _ *job.Session) error {
		s := p.Summary()
		if s.Create+s.Update+s.Move+s.Disable+s.Enable == 0 {
			return nil // nothing to write: nothing to ask
		}
		var buf bytes.Buffer
		if err := plan.WritePlanWith(&buf, p, plan.RenderOptions{Verbose: verbose}); err != nil {
			return err
		}
		w := b.IO.Err
		lines := strings.SplitAfter(strings.TrimRight(buf.String(), "\n"), "\n")
		if len(lines) <= confirmLines {
			fmt.Fprintln(w, strings.Join(lines, ""))
		} else {
			head := lines
			for i, l := range lines {
				if strings.TrimSpace(l) == "" {
					head = lines[:i]
					break
				}
			}
			fmt.Fprint(w, strings.Join(head, ""))
			fmt.Fprintf(w, "  … %d more lines: 'encimport plan' (or apply --dry-run) prints every change\n", len(lines)-len(head))
		}
		where := "Encompass"
		if p.Target != nil {
			where = p.Target.String()
		}
		fmt.Fprintf(w, "\nApply these changes to %s? Only y or yes goes on: ", where)
		answer, err := readLine(ctx, b.IO.In)
		if err != nil {
			if ctx.Err() != nil {
				fmt.Fprintln(w)
				return ctx.Err()
			}
			if !errors.Is(err, io.EOF) {
				return err
			}
		}
		switch strings.ToLower(strings.TrimSpace(answer)) {
		case "y", "yes":
			return nil
		}
		return errDeclined
	}
}

// readLine reads one line from r, or returns when ctx is done (Ctrl-C at
// the question); the reading goroutine then ends with the process.
func readLine(ctx context.Context, r io.Reader) (string, error) {
	type line struct {
		s   string
		err error
	}
	ch := make(chan line, 1)
	go func() {
		s, err := bufio.NewReader(r).ReadString('\n')
		ch <- line{s, err}
	}()
	select {
	case l := <-ch:
		return l.s, l.err
	case <-ctx.Done():
		return "", ctx.Err()
	}
}
