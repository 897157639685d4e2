# The two commands: `make run` starts the whole platform on embedded
# defaults; `make test` runs every test against real services.
.DEFAULT_GOAL := help
GO        ?= go
FUZZTIME  ?= 30s
TEMPORAL  := bin/temporal
# Temporal's determinism analyzer, pinned; `go run` keeps it out of go.mod.
WORKFLOWCHECK := go.temporal.io/sdk/contrib/tools/workflowcheck@v0.6.0

.PHONY: help run test build bench fuzz lint clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

run: $(TEMPORAL) build ## start everything: Temporal dev server + UI, SQLite, worker, api, demo data
	./bin/fanfare dev

test: $(TEMPORAL) ## every test, against real PostgreSQL, Redis and Temporal
	./scripts/services.sh
	$(GO) test -race -count=1 -timeout 20m ./...

build: ## build bin/fanfare
	$(GO) build -o bin/fanfare ./cmd/fanfare

# The pinned Temporal CLI (server 1.29.1, UI 2.42.1) lives in its own module
# so its dependencies never touch ours. The first build takes ~10 minutes.
$(TEMPORAL): tools/go.mod tools/go.sum
	$(GO) -C tools build -o ../$(TEMPORAL) github.com/temporalio/cli/cmd/temporal

bench: $(TEMPORAL) ## benchmarks; prints BENCH lines (see BENCHMARKS.md)
	./scripts/services.sh
	./bench/run.sh

FUZZ_PKGS := ./api/ ./internal/realtime/ ./internal/notify/

fuzz: ## run each fuzz target for FUZZTIME
	@for pkg in $(FUZZ_PKGS); do \
		for target in $$($(GO) test -list 'Fuzz.*' $$pkg | grep ^Fuzz); do \
			$(GO) test $$pkg -run '^$$' -fuzz "^$$target$$" -fuzztime $(FUZZTIME) || exit 1; \
		done; \
	done

lint: ## gofmt, go vet and the determinism check of the workflows
	@test -z "$$(gofmt -l .)" || { gofmt -l .; exit 1; }
	$(GO) vet ./...
	$(GO) run $(WORKFLOWCHECK) ./workflows/...

clean: ## remove build outputs (keeps .data/)
	rm -rf bin/
