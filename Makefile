GO ?= go
PKGS := ./...

.PHONY: all build test vet fmt-check demo bench fuzz clean

all: build

build:
	$(GO) build -o bin/ ./cmd/...

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

clean:
	rm -rf bin
