package job

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/encimport/encimport/importer"
	"github.com/encimport/encimport/internal/sandbox"
	"github.com/encimport/encimport/plan"
)

// Organizations of the default world under Retail (1): Retail, West Region,
// Denver, Phoenix, East Region, Boston.
var retailOrgs = []string{sandbox.OrgRetail, sandbox.OrgWestRegion, sandbox.OrgDenverBranch, sandbox.OrgPhoenixBranch,
	sandbox.OrgEastRegion, sandbox.OrgBostonBranch}

// syncSandbox serves the default world in the dialect; cfg runs against it
// as admin, with a state directory and a report in a temporary directory.
func syncSandbox(t *testing.T, dialect string) (*sandbox.Running, Config, context.Context) {
	t.Helper()
	run, err := sandbox.Start(sandbox.Options{Dialect: dialect})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(run.Close)
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return run, Config{
		Target: Target{APIURL: run.URL, InstanceID: sandbox.DefaultInstanceID, ClientID: sandbox.DefaultClientID,
			ClientSecret: sandbox.DefaultClientSecret, Username: sandbox.BuiltinAdminID, Password: sandbox.DefaultPassword},
		StateDir: filepath.Join(dir, "state"),
		Input:    filepath.Join(dir, "hr.csv"),
		Report:   filepath.Join(dir, "report.csv"),
		Planner:  plan.Options{DefaultAction: "upsert", MoveBatchSize: 100},
	}, ctx
}

// hrFeed writes the HR feed: the enabled users of the default world in orgs
// (all organizations when nil), but those of leave.
func hrFeed(t *testing.T, path string, orgs []string, leave ...string) []string {
	t.Helper()
	var ids []string
	for _, u := range sandbox.DefaultWorld().Users {
		if (orgs == nil || slices.Contains(orgs, u.Organization.EntityID)) && *u.AccountEnabled && !slices.Contains(leave, u.ID) {
			ids = append(ids, u.ID)
		}
	}
	if err := os.WriteFile(path, []byte("id\n"+strings.Join(ids, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return ids
}

func enabled(t *testing.T, run *sandbox.Running, id string) bool {
	t.Helper()
	u, ok := run.Server.User(id)
	if !ok {
		t.Fatalf("no user %s", id)
	}
	return u.AccountEnabled == nil || *u.AccountEnabled
}

func writes(run *sandbox.Running) int64 {
	st := run.Server.Stats()
	return st.Creates + st.Patches + st.Moves
}

// A feed of Retail missing three people disables exactly those three, in
// rows of their own; the protected user, the API user of Denver and every
// user outside Retail are untouched; a rerun changes nothing.
func TestSyncDisablesLeaversAndRerunsUnchanged(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dialect string) {
		run, cfg, ctx := syncSandbox(t, dialect)
		leavers := []string{"lo.jchen", "lp.phoenix", "lo.spatel"}
		hrFeed(t, cfg.Input, retailOrgs, append([]string{"lo.west", "api.pricing"}, leavers...)...)
		cfg.Planner.Sync = &plan.SyncOptions{Scopes: []string{"Retail"}, Protect: []string{"LO.WEST"}}
		res, err := Apply(ctx, cfg, Env{})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range res.Run.Rows {
			if r.Sheet == plan.SheetNotInFile {
				got = append(got, r.ID)
				if r.Status != plan.StatusDisabled || r.Action != "disable" || !strings.Contains(r.Message, "not in the file (") || !strings.Contains(r.Message, "Branch (id ") {
					t.Errorf("%s: %s %s", r.ID, r.Status, r.Message)
				}
			} else if r.Status != plan.StatusUnchanged {
				t.Errorf("file row %d (%s): %s %s", r.Row, r.ID, r.Status, r.Message)
			}
		}
		slices.Sort(got)
		if want := []string{"lo.jchen", "lo.spatel", "lp.phoenix"}; !slices.Equal(got, want) {
			t.Fatalf("disabled %v, want %v", got, want)
		}
		if st := run.Server.Stats(); st.Patches != 3 || st.Creates != 0 || st.Moves != 0 {
			t.Errorf("writes: %+v", st)
		}
		for _, u := range run.Server.Users() {
			want := u.ID != "lo.former" && !slices.Contains(leavers, u.ID)
			if enabled(t, run, u.ID) != want {
				t.Errorf("%s: enabled %v, want %v", u.ID, !want, want)
			}
		}
		ls := map[string]string{}
		for _, l := range res.Plan.Sync.LeftAlone {
			ls[l.ID] = l.Reason
		}
		if len(ls) != 2 || !strings.Contains(ls["lo.west"], "protect") || !strings.Contains(ls["api.pricing"], "API user") {
			t.Errorf("left alone %v", ls)
		}

		run.Server.ResetStats()
		res, err = Apply(ctx, cfg, Env{})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range res.Run.Rows {
			if r.Status != plan.StatusUnchanged || r.Sheet == plan.SheetNotInFile {
				t.Errorf("rerun: %s row %d %s: %s", r.Sheet, r.Row, r.ID, r.Status)
			}
		}
		if n := writes(run); n != 0 {
			t.Errorf("rerun wrote %d times", n)
		}
	})
}

// The whole company as the scope: the caller, the super administrator and
// both API users are never disabled, though the feed names none of them.
func TestSyncNeverDisablesTheCallerSuperAdministratorsOrAPIUsers(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dialect string) {
		run, cfg, ctx := syncSandbox(t, dialect)
		exempt := []string{"admin", "it.admin", "api.partner", "api.pricing"}
		hrFeed(t, cfg.Input, nil, append([]string{"uw.retail", "lo.east", "ae.wholesale2"}, exempt...)...)
		cfg.Planner.Sync = &plan.SyncOptions{Scopes: []string{sandbox.OrgAdministration}}
		res, err := Apply(ctx, cfg, Env{})
		if err != nil {
			t.Fatal(err)
		}
		if s := res.Plan.Sync; s.Disable != 3 || len(s.LeftAlone) != 4 {
			t.Errorf("sync %+v", s)
		}
		for _, id := range exempt {
			if !enabled(t, run, id) {
				t.Errorf("%s was disabled", id)
			}
		}
		for _, id := range []string{"uw.retail", "lo.east", "ae.wholesale2"} {
			if enabled(t, run, id) {
				t.Errorf("%s is still enabled", id)
			}
		}
	})
}

// Refused plans change nothing: not one write reaches the server, and Plan
// is refused as Apply is (with its report, for review).
func TestSyncRefusedPlansWriteNothing(t *testing.T) {
	tests := []struct {
		name   string
		scope  string
		orgs   []string
		leave  []string
		empty  bool
		reason string
	}{
		// Phoenix has five people: a feed of two would disable 60% of it.
		{name: "60% of a branch", scope: "Phoenix Branch", orgs: []string{sandbox.OrgPhoenixBranch},
			leave: []string{"lo.kwhite", "lo.tnguyen", "uw.phoenix"}, reason: "fewer than half"},
		{name: "over the threshold", scope: "Retail", orgs: retailOrgs,
			leave: []string{"lo.jchen", "lp.phoenix", "lo.spatel", "uw.boston"}, reason: "more than the threshold of 3"},
		{name: "no data rows", scope: "Denver Branch", empty: true, reason: "no data rows"},
		{name: "truncated", scope: "Retail", orgs: []string{sandbox.OrgDenverBranch, sandbox.OrgPhoenixBranch}, reason: "fewer than half"},
	}
	forEachDialect(t, func(t *testing.T, dialect string) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				run, cfg, ctx := syncSandbox(t, dialect)
				if tt.empty {
					if err := os.WriteFile(cfg.Input, []byte("id,firstName\n"), 0o600); err != nil {
						t.Fatal(err)
					}
				} else {
					hrFeed(t, cfg.Input, tt.orgs, tt.leave...)
				}
				cfg.Planner.Sync = &plan.SyncOptions{Scopes: []string{tt.scope}}
				res, err := Apply(ctx, cfg, Env{})
				if !errors.Is(err, plan.ErrSyncRefused) || !strings.Contains(err.Error(), tt.reason) || !strings.Contains(err.Error(), "nothing was changed") {
					t.Fatalf("apply: %v", err)
				}
				if res.Run != nil {
					t.Error("the executor ran")
				}
				pl, err := Plan(ctx, cfg, Env{})
				// An empty file stops before any call, with no plan to show.
				if !errors.Is(err, plan.ErrSyncRefused) || pl == nil || (pl.Plan == nil || pl.Report == "") != tt.empty {
					t.Errorf("plan: %v, %+v", err, pl)
				}
				if tt.empty && errors.Is(err, importer.ErrNoDataRows) {
					t.Errorf("an empty feed with --sync wraps ErrNoDataRows (exit 3, not 1): %v", err)
				}
				if n := writes(run); n != 0 {
					t.Errorf("%d writes: %+v", n, run.Server.Stats())
				}
			})
		}
	})
}

// The threshold is lifted by --max-disable: the same four leavers go.
func TestSyncMaxDisableLiftsTheThreshold(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dialect string) {
		run, cfg, ctx := syncSandbox(t, dialect)
		hrFeed(t, cfg.Input, retailOrgs, "lo.jchen", "lp.phoenix", "lo.spatel", "uw.boston")
		cfg.Planner.Sync = &plan.SyncOptions{Scopes: []string{"Retail"}, MaxDisable: "4"}
		if _, err := Apply(ctx, cfg, Env{}); err != nil {
			t.Fatal(err)
		}
		if st := run.Server.Stats(); st.Patches != 4 {
			t.Errorf("%d patches, want 4", st.Patches)
		}
	})
}

func forEachDialect(t *testing.T, f func(t *testing.T, dialect string)) {
	for _, d := range sandbox.Dialects {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			f(t, d)
		})
	}
}
