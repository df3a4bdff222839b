PREFIX  ?= /usr/local
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X bosun/internal/cli.version=$(VERSION)
GO      ?= go

.PHONY: build install demo test test-deps lint bench screenshots clean

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o bin/bosun .

install: build
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 bin/bosun $(DESTDIR)$(PREFIX)/bin/bosun

# The TUI on an in-process simulated foundation.
demo: build
	./bin/bosun --demo

# gofmt, vet, staticcheck (pinned in tools/go.mod), then every test with the
# race detector. test-deps installs what the real-sshd tests need when it can.
test: test-deps lint
	$(GO) test -race -count=1 -timeout 20m ./...

test-deps:
	@./scripts/test-deps.sh

lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet ./...
	$(GO) tool -modfile=tools/go.mod staticcheck ./...

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

screenshots: build
	./scripts/screenshots.sh

clean:
	rm -rf bin
