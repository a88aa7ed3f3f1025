// Command encompass-sandbox serves a local fake Encompass (internal/sandbox)
// for rehearsal runs of encimport. See internal/sandbox/README.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/encimport/encimport/internal/sandbox"
)

// config is the parsed command line.
type config struct {
	addr        string
	allowRemote bool
	logFormat   string
	opts        sandbox.Options
}

func main() {
	cfg, err := parseFlags(os.Args[1:], os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "encompass-sandbox:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cfg, os.Stderr, nil); err != nil {
		fmt.Fprintln(os.Stderr, "encompass-sandbox:", err)
		stop()
		os.Exit(1)
	}
}

// parseFlags reads the command line; usage errors are returned (and the
// usage printed to stderr).
func parseFlags(args []string, stderr io.Writer) (config, error) {
	var cfg config
	fs := flag.NewFlagSet("encompass-sandbox", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.addr, "addr", "127.0.0.1:18443", "listen `address` (loopback only unless --allow-remote)")
	fs.BoolVar(&cfg.allowRemote, "allow-remote", false, "allow a non-loopback --addr (the sandbox has known passwords)")
	fs.StringVar(&cfg.opts.StatePath, "state", "", "world state `file`: loaded if it exists, else the default world is written there; every change is persisted")
	fs.DurationVar(&cfg.opts.Latency, "latency", 50*time.Millisecond, "added to every API call while it holds a concurrency slot")
	fs.IntVar(&cfg.opts.ConcurrencyLimit, "concurrency-limit", sandbox.DefaultConcurrency, "API calls in flight at once, shared by all clients; past it, 429")
	fs.DurationVar(&cfg.opts.TokenTTL, "token-ttl", 30*time.Minute, "token life, extended on use, at most 24h after issue")
	fs.Float64Var(&cfg.opts.FailRate, "fail-rate", 0, "share (0..1) of API calls answered 500 or 503 before applying")
	fs.Float64Var(&cfg.opts.DropAfterCommitRate, "drop-after-commit-rate", 0, "share (0..1) of writes applied, then the connection closed with no answer")
	fs.Int64Var(&cfg.opts.Seed, "seed", 7, "seed of the fault randomness")
	fs.StringVar(&cfg.logFormat, "log-format", "text", "request log on stderr: text or json")
	fs.StringVar(&cfg.opts.Dialect, "dialect", sandbox.DialectVendor, "wire shapes: vendor (the vendor's documented shapes) or legacy (the sandbox's shapes before issue 10)")
	fs.IntVar(&cfg.opts.MaxResponseBytes, "max-response-bytes", sandbox.DefaultMaxResponseBytes, "a read whose answer is larger is answered 400 \"Response exceeds maximum size\", as the gateway does")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	switch {
	case fs.NArg() > 0:
		return cfg, fmt.Errorf("unexpected argument %q; all settings are flags (see --help)", fs.Arg(0))
	case cfg.opts.FailRate < 0 || cfg.opts.FailRate > 1:
		return cfg, fmt.Errorf("--fail-rate %v: give a share between 0 and 1", cfg.opts.FailRate)
	case cfg.opts.DropAfterCommitRate < 0 || cfg.opts.DropAfterCommitRate > 1:
		return cfg, fmt.Errorf("--drop-after-commit-rate %v: give a share between 0 and 1", cfg.opts.DropAfterCommitRate)
	case cfg.opts.ConcurrencyLimit < 1:
		return cfg, fmt.Errorf("--concurrency-limit %d: give at least 1", cfg.opts.ConcurrencyLimit)
	case cfg.opts.Latency < 0 || cfg.opts.TokenTTL <= 0:
		return cfg, errors.New("--latency must not be negative and --token-ttl must be positive")
	case cfg.logFormat != "text" && cfg.logFormat != "json":
		return cfg, fmt.Errorf("--log-format %q: use text or json", cfg.logFormat)
	case !slices.Contains(sandbox.Dialects, cfg.opts.Dialect):
		return cfg, fmt.Errorf("--dialect %q: use %s", cfg.opts.Dialect, strings.Join(sandbox.Dialects, " or "))
	case cfg.opts.MaxResponseBytes < 1:
		return cfg, fmt.Errorf("--max-response-bytes %d: give at least 1", cfg.opts.MaxResponseBytes)
	}
	if !cfg.allowRemote {
		if err := checkLoopback(cfg.addr); err != nil {
			return cfg, err
		}
	}
	return cfg, nil
}

// checkLoopback refuses an address that would listen beyond this machine.
func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("--addr %q: %v; write it as 127.0.0.1:18443", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("--addr %q is not a loopback address; the sandbox has known passwords, so give --allow-remote to listen there on purpose", addr)
}

// run serves the sandbox until ctx is done, then shuts down gracefully.
// ready, when set, is told the base URL once the listener is open.
func run(ctx context.Context, cfg config, stderr io.Writer, ready func(url string)) error {
	var h slog.Handler = slog.NewTextHandler(stderr, nil)
	if cfg.logFormat == "json" {
		h = slog.NewJSONHandler(stderr, nil)
	}
	log := slog.New(h)
	cfg.opts.Logger = log
	s, err := sandbox.New(cfg.opts)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.addr, err)
	}
	url := "http://" + ln.Addr().String()
	srv := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	log.Info("encompass-sandbox listening", "url", url, "state", cfg.opts.StatePath, "latency", cfg.opts.Latency,
		"dialect", cfg.opts.Dialect, "max_response_bytes", cfg.opts.MaxResponseBytes, "concurrency_limit", cfg.opts.ConcurrencyLimit, "fail_rate", cfg.opts.FailRate, "drop_after_commit_rate", cfg.opts.DropAfterCommitRate)
	if ready != nil {
		ready(url)
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := s.Flush(); err != nil {
		return fmt.Errorf("writing the state file: %w", err)
	}
	log.Info("encompass-sandbox stopped")
	return nil
}
