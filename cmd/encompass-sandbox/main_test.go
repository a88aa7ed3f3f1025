package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/encimport/encimport/internal/sandbox"
)

func TestParseFlags(t *testing.T) {
	cases := []struct {
		name    string
		args    []string
		wantErr string // substring; "" = ok
		check   func(c config) bool
	}{
		{"defaults", nil, "", func(c config) bool {
			return c.addr == "127.0.0.1:18443" && c.opts.Latency == 50*time.Millisecond && c.opts.ConcurrencyLimit == 30 &&
				c.opts.TokenTTL == 30*time.Minute && c.opts.Seed == 7 && c.opts.FailRate == 0 && c.opts.StatePath == "" &&
				c.opts.Dialect == sandbox.DialectVendor && c.opts.MaxResponseBytes == 6<<20
		}},
		{"legacy dialect and a size cap", []string{"--dialect", "legacy", "--max-response-bytes", "4096"}, "", func(c config) bool {
			return c.opts.Dialect == sandbox.DialectLegacy && c.opts.MaxResponseBytes == 4096
		}},
		{"unknown dialect", []string{"--dialect", "v1"}, "--dialect", nil},
		{"size cap must be positive", []string{"--max-response-bytes", "0"}, "--max-response-bytes", nil},
		{"all flags", []string{"--addr", "localhost:9000", "--state", "w.json", "--latency", "0", "--concurrency-limit", "5",
			"--token-ttl", "1m", "--fail-rate", "0.1", "--drop-after-commit-rate", "0.05", "--seed", "9", "--log-format", "json"}, "", func(c config) bool {
			return c.addr == "localhost:9000" && c.opts.StatePath == "w.json" && c.opts.Latency == 0 && c.opts.ConcurrencyLimit == 5 &&
				c.opts.TokenTTL == time.Minute && c.opts.FailRate == 0.1 && c.opts.DropAfterCommitRate == 0.05 && c.opts.Seed == 9 && c.logFormat == "json"
		}},
		{"ipv6 loopback", []string{"--addr", "[::1]:18443"}, "", nil},
		{"all interfaces refused", []string{"--addr", ":18443"}, "not a loopback", nil},
		{"remote refused", []string{"--addr", "0.0.0.0:18443"}, "--allow-remote", nil},
		{"remote allowed", []string{"--addr", "0.0.0.0:18443", "--allow-remote"}, "", nil},
		{"bad addr", []string{"--addr", "18443"}, "127.0.0.1:18443", nil},
		{"fail rate range", []string{"--fail-rate", "1.5"}, "--fail-rate", nil},
		{"drop rate range", []string{"--drop-after-commit-rate", "-1"}, "--drop-after-commit-rate", nil},
		{"limit", []string{"--concurrency-limit", "0"}, "--concurrency-limit", nil},
		{"log format", []string{"--log-format", "xml"}, "--log-format", nil},
		{"stray argument", []string{"serve"}, "unexpected argument", nil},
		{"unknown flag", []string{"--password", "x"}, "not defined", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := parseFlags(tc.args, io.Discard)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("err %v", err)
				}
				if tc.check != nil && !tc.check(c) {
					t.Errorf("config %+v", c)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("err %v, want one containing %q", err, tc.wantErr)
			}
		})
	}
	if _, err := parseFlags([]string{"--help"}, io.Discard); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("--help: %v", err)
	}
}

func TestRunServesAndShutsDown(t *testing.T) {
	cfg, err := parseFlags([]string{"--addr", "127.0.0.1:0", "--latency", "0", "--state", filepath.Join(t.TempDir(), "w.json")}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var logs bytes.Buffer
	urls := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- run(ctx, cfg, &syncWriter{w: &logs}, func(u string) { urls <- u }) }()
	var base string
	select {
	case base = <-urls:
	case err := <-done:
		t.Fatalf("run ended early: %v", err)
	}
	resp, err := http.PostForm(base+"/oauth2/v1/token", url.Values{
		"grant_type": {"client_credentials"}, "instance_id": {"BE11111111"},
		"client_id": {"sandbox-client"}, "client_secret": {"sandbox-secret"},
	})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("token: %d", resp.StatusCode)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("run: %v", err)
	}
	out := logs.String()
	if !strings.Contains(out, base) || strings.Contains(out, "sandbox-secret") {
		t.Errorf("log must name the URL and never the secret:\n%s", out)
	}
}

// syncWriter lets the server's goroutines log into a buffer the test reads.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}
