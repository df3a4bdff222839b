PREFIX  ?= /usr/local
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)
GO      ?= go

.PHONY: build install demo test bench screenshots vet fmt clean

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o bin/bosun .

install: build
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 bin/bosun $(DESTDIR)$(PREFIX)/bin/bosun

# The TUI on an in-process simulated foundation.
demo: build
	./bin/bosun --demo

test:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet ./...
	$(GO) test -race -count=1 -timeout 20m ./...

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

screenshots: build
	./scripts/screenshots.sh

clean:
	rm -rf bin
