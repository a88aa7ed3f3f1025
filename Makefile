GO ?= go
PKGS := ./...

.PHONY: all build test vet fmt-check demo bench fuzz clean

all: build

# The commit encimport --version names when the go command records none
# (GOFLAGS=-buildvcs=false, a git worktree); "+dirty" with uncommitted changes.
COMMIT := $(shell git rev-parse HEAD 2>/dev/null)$(shell git diff --quiet HEAD 2>/dev/null || echo +dirty)

build:
	$(GO) build -ldflags "-X github.com/encimport/encimport/internal/cli.buildCommit=$(COMMIT)" -o bin/ ./cmd/...

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet $(PKGS)

test: fmt-check vet
	$(GO) test -race -count=1 -timeout 15m $(PKGS)

demo: build
	./scripts/demo.sh

# bench: quick Go micro-benchmarks (one iteration each), then the driver that
# measures encimport against the API's bounds and rewrites BENCHMARKS.md.
bench:
	$(GO) test -run '^$$' -bench . -benchtime 1x -benchmem ./importer/... ./planner/...
	$(GO) run ./cmd/encbench -out BENCHMARKS.md

# fuzz runs every Fuzz target of the repository for FUZZTIME each; a
# crasher is written to the package's testdata/fuzz/ and replayed by make test.
FUZZTIME ?= 30s
# Minimizing a new interesting xlsx input (a zip of a few KB) re-runs it thousands of
# times and stalls the run for minutes; a short bound keeps the time on fuzzing.
FUZZMINIMIZETIME ?= 2s
fuzz:
	@set -e; for f in $$(grep -l '^func Fuzz' $$(find . -name '*_test.go' -not -path './.git/*')); do \
	  dir=./$$(dirname $$f); \
	  for fn in $$(sed -n 's/^func \(Fuzz[A-Za-z0-9_]*\)(.*/\1/p' $$f); do \
	    echo "== $$fn in $$dir for $(FUZZTIME)"; \
	    $(GO) test -run '^$$' -fuzz "^$$fn$$" -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZETIME) $$dir; \
	  done; \
	done

clean:
	rm -rf bin
