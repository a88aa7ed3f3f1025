package plan

import (
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// SheetNotInFile is the sheet of the rows --sync adds: enabled users of the
// sync scope that the file does not name, planned disable.
const SheetNotInFile = "(not in file)"

// ErrSyncRefused says a --sync plan must not run: it would disable more
// users than its threshold, or the file looks truncated. Nothing is done.
var ErrSyncRefused = errors.New("sync refused")

// SyncOptions are the options of --sync (Options.Sync): the file is the
// source of truth for the users of the scope.
type SyncOptions struct {
	// Scopes are the organizations as given (paths, names or ids); each
	// means that organization and everything below it.
	Scopes []string `json:"scopes"`
	// Protect lists user ids sync never disables (--protect, --protect-file).
	Protect []string `json:"protect,omitempty"`
	// MaxDisable is the deletion threshold: "N" users or "N%" of the enabled
	// users in scope; "" is the default (DefaultMaxDisable).
	MaxDisable string `json:"maxDisable,omitempty"`
}

// The default deletion threshold: DefaultMaxDisablePercent of the enabled
// users in scope, at least MinDefaultMaxDisable and at most
// MaxDefaultMaxDisable users.
const (
	DefaultMaxDisablePercent = 10
	MinDefaultMaxDisable     = 3
	MaxDefaultMaxDisable     = 50
)

// MaxDisable is a parsed --max-disable: N users, or N percent.
type MaxDisable struct {
	N       float64
	Percent bool
	Set     bool // false: the default
}

// ParseMaxDisable parses --max-disable: "" (the default), a whole number of
// users ("5") or a percentage of the enabled users in scope ("15%").
func ParseMaxDisable(s string) (MaxDisable, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return MaxDisable{}, nil
	}
	if num, ok := strings.CutSuffix(s, "%"); ok {
		v, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
		if err != nil || v < 0 || v > 100 || math.IsNaN(v) {
			return MaxDisable{}, fmt.Errorf("--max-disable %q: give a number of users (5) or a percentage from 0%% to 100%% (15%%)", s)
		}
		return MaxDisable{N: v, Percent: true, Set: true}, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return MaxDisable{}, fmt.Errorf("--max-disable %q: give a number of users (5) or a percentage (15%%)", s)
	}
	return MaxDisable{N: float64(n), Set: true}, nil
}

// Limit is the most users sync may disable when enabled users are in scope,
// and the rule that gave it, for people to read.
func (m MaxDisable) Limit(enabled int) (int, string) {
	switch {
	case !m.Set:
		n := enabled * DefaultMaxDisablePercent / 100
		n = min(max(n, MinDefaultMaxDisable), MaxDefaultMaxDisable)
		return n, fmt.Sprintf("default %d%% of the %d enabled %s in scope, at least %d, at most %d",
			DefaultMaxDisablePercent, enabled, plural(enabled, "user", "users"), MinDefaultMaxDisable, MaxDefaultMaxDisable)
	case m.Percent:
		n := int(math.Floor(m.N * float64(enabled) / 100))
		return n, fmt.Sprintf("--max-disable %s%%: of the %d enabled %s in scope", strconv.FormatFloat(m.N, 'f', -1, 64), enabled, plural(enabled, "user", "users"))
	}
	return int(m.N), fmt.Sprintf("--max-disable %d", int(m.N))
}

// Sync is what --sync found (Plan.Sync): the scope, its counts, the users
// it left alone and, when the plan must not run, why.
type Sync struct {
	Scopes []string `json:"scopes"` // organization ids (Plan.OrgPaths names them)
	// Enabled counts the enabled users in scope; Managed those of them sync
	// may disable (not left alone); InFile those of Managed the file names.
	Enabled int `json:"enabled"`
	Managed int `json:"managed"`
	InFile  int `json:"inFile"`
	// Disable counts the rows sync added (sheet SheetNotInFile).
	Disable int `json:"disable"`
	// MaxDisable is the threshold, MaxDisableRule how it was reached.
	MaxDisable     int    `json:"maxDisable"`
	MaxDisableRule string `json:"maxDisableRule"`
	// LeftAlone are the enabled users in scope, not in the file, that sync
	// never disables, each with the reason.
	LeftAlone []LeftAlone `json:"leftAlone,omitempty"`
	// Refused, when not empty, says why the plan must not run.
	Refused string `json:"refused,omitempty"`
}

// LeftAlone is a user sync did not disable, and why.
type LeftAlone struct {
	ID     string `json:"id"`
	Name   string `json:"name,omitempty"`
	OrgID  string `json:"orgId,omitempty"`
	Reason string `json:"reason"`
}

// NotInFile is the user behind a row sync added: its name and organization.
type NotInFile struct {
	Name  string `json:"name,omitempty"`
	OrgID string `json:"orgId,omitempty"`
}

// Refusal returns an error wrapping ErrSyncRefused when the plan must not
// run, nil otherwise.
func (p *Plan) Refusal() error {
	if p == nil || p.Sync == nil || p.Sync.Refused == "" {
		return nil
	}
	return fmt.Errorf("%w: %s", ErrSyncRefused, p.Sync.Refused)
}

// FileRows is the number of rows read from the file: the rows sync added
// (Row.NotInFile) come after them.
func FileRows(rows []Row) int {
	for i := range rows {
		if rows[i].NotInFile != nil {
			return i
		}
	}
	return len(rows)
}

// describeNotInFile is Describe of a row sync added.
func (p *Plan) describeNotInFile(r *Row) string {
	return "disable: not in the file" + p.notInFileWho(r)
}

// notInFileWho is " (name, organization)" of a row sync added.
func (p *Plan) notInFileWho(r *Row) string {
	who := r.NotInFile.Name
	if r.NotInFile.OrgID != "" {
		if who != "" {
			who += ", "
		}
		who += p.orgLabel(r.NotInFile.OrgID)
	}
	if who == "" {
		return ""
	}
	return " (" + who + ")"
}

// writeSync prints the sync section of the plan: scope, counts, threshold,
// what was left alone and why, and the refusal.
func writeSync(w io.Writer, p *Plan) {
	s := p.Sync
	if s == nil {
		return
	}
	scopes := make([]string, len(s.Scopes))
	for i, id := range s.Scopes {
		scopes[i] = p.orgLabel(id)
	}
	fmt.Fprintf(w, "\nSync of %s and below: %d enabled %s in scope, %d managed by sync, %d of them in the file; %d not in the file to disable (threshold %d: %s)\n",
		strings.Join(scopes, ", "), s.Enabled, plural(s.Enabled, "user", "users"), s.Managed, s.InFile, s.Disable, s.MaxDisable, s.MaxDisableRule)
	for _, l := range s.LeftAlone {
		who := l.ID
		if l.Name != "" {
			who += " (" + l.Name + ")"
		}
		org := ""
		if l.OrgID != "" {
			org = " in " + p.orgLabel(l.OrgID)
		}
		fmt.Fprintf(w, "  = left alone %s%s: %s\n", who, org, l.Reason)
	}
	if s.Refused != "" {
		fmt.Fprintf(w, "\nREFUSED: %s\n", s.Refused)
	}
}
