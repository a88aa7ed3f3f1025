package job

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/encimport/encimport/apiclient"
	"github.com/encimport/encimport/internal/sandbox"
)

// Session is a client connected to the run's target.
type Session struct {
	Client *apiclient.Client
	close  func()
}

// ConcurrencyLimit is the client's adaptive bound on calls in flight right
// now (apiclient's pacer).
func (s *Session) ConcurrencyLimit() int { return s.Client.ConcurrencyLimit() }

// Close ends the session: it revokes the run's token (best effort: a token
// left alive expires on its own), stops the sandbox and closes the trace.
func (s *Session) Close() { s.close() }

// capWarning says once, on the first answer that advertises the server's
// concurrency cap (X-Concurrency-Limit-Limit), that the concurrency asked
// for is above it: the pacer never exceeds the cap, so the rest is unused.
// It then passes every answer on to observe (nil: none).
func capWarning(want int, log *slog.Logger, observe func(*apiclient.Response)) func(*apiclient.Response) {
	var warned atomic.Bool
	return func(r *apiclient.Response) {
		if r.ConcurrencyLimit > 0 && want > r.ConcurrencyLimit && !warned.Swap(true) {
			log.Warn(fmt.Sprintf("concurrency %d is above the %d calls in flight the server allows (X-Concurrency-Limit-Limit); at most %d are used",
				want, r.ConcurrencyLimit, r.ConcurrencyLimit), "concurrency", want, "server_limit", r.ConcurrencyLimit)
		}
		if observe != nil {
			observe(r)
		}
	}
}

// Connect returns a session with cfg.Target: an in-process sandbox, or the
// configured Encompass (refused when a credential is missing). It is the
// one place a run's client is made; the client paces every call
// (cfg.Concurrency, adapted to the server's cap, and cfg.Rate).
func Connect(cfg Config, env Env) (s *Session, err error) {
	t, log := cfg.Target, env.log()
	opts := []apiclient.Option{apiclient.WithConcurrency(cfg.concurrency()), apiclient.WithRate(cfg.Rate)}
	if cfg.Timeout > 0 {
		opts = append(opts, apiclient.WithTimeout(cfg.Timeout))
	}
	opts = append(opts, apiclient.WithObserver(capWarning(cfg.concurrency(), log, env.Observe)))
	closeTrace := func() {}
	if t.Trace != "" {
		f, err := os.OpenFile(t.Trace, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
		if err != nil {
			return nil, fmt.Errorf("--trace: %w", err)
		}
		opts = append(opts, apiclient.WithTrace(f))
		closeTrace = func() {
			if err := f.Close(); err != nil {
				log.Warn("closing the trace file", "file", t.Trace, "err", err)
			}
		}
	}
	defer func() {
		if err != nil {
			closeTrace()
		}
	}()
	session := func(c *apiclient.Client, release func()) *Session {
		return &Session{Client: c, close: func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := c.RevokeToken(ctx); err != nil {
				log.Debug("revoking the token", "err", err)
			}
			release()
			closeTrace()
		}}
	}
	if t.Sandbox {
		var run *sandbox.Running
		if run, err = sandbox.Start(sandbox.Options{StatePath: t.SandboxState}); err != nil {
			return nil, fmt.Errorf("starting the sandbox: %w", err)
		}
		opts = append(opts, sandbox.Login(sandbox.BuiltinAdminID))
		var c *apiclient.Client
		if c, err = apiclient.New(run.URL, opts...); err != nil {
			run.Close()
			return nil, err
		}
		log.Info("using the in-process sandbox", "url", run.URL)
		return session(c, run.Close), nil
	}
	var missing []string
	for _, m := range []struct{ name, v string }{
		{"ENCOMPASS_INSTANCE_ID", t.InstanceID}, {"ENCOMPASS_CLIENT_ID", t.ClientID}, {"ENCOMPASS_CLIENT_SECRET", t.ClientSecret},
	} {
		if m.v == "" {
			missing = append(missing, m.name)
		}
	}
	if t.Password != "" && t.Username == "" {
		missing = append(missing, "ENCOMPASS_USERNAME")
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("connection settings missing: %s; set them in the environment or the --config file (or use --sandbox)", strings.Join(missing, ", "))
	}
	if t.Password != "" {
		opts = append(opts, apiclient.WithUserLogin(t.InstanceID, t.Username, t.Password, t.ClientID, t.ClientSecret))
	} else {
		opts = append(opts, apiclient.WithClientCredentials(t.InstanceID, t.ClientID, t.ClientSecret))
	}
	c, err := apiclient.New(t.APIURL, opts...)
	if err != nil {
		return nil, err
	}
	return session(c, func() {}), nil
}
