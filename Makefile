# The till's build. `make run` and `make test` work on a fresh Debian machine:
# `deps` installs what is missing (apt packages for a cgo Fyne build, Go
# modules) and does nothing when everything is there.

SHELL := /bin/bash
export PATH := $(PATH):/usr/local/go/bin:$(HOME)/go/bin
GO ?= go

# The smallest set of Debian packages that builds Fyne's GLFW driver and
# karalabe/hid (measured on Debian 12): compiler, pkg-config, GL and X11 headers.
APT_BUILD := gcc libc6-dev pkg-config libgl1-mesa-dev libx11-dev libxcursor-dev \
	libxrandr-dev libxinerama-dev libxi-dev libxxf86vm-dev
# Looking at the real window: a virtual X server and a screenshot tool.
APT_LOOK := xvfb imagemagick
# Playing a shift on it: keystrokes (xdotool) and the database read back (sqlite3).
APT_SHIFT := $(APT_LOOK) xdotool sqlite3

# Tool versions for `make lint`, pinned so a lint run means the same thing
# on every machine.
GOFUMPT := mvdan.cc/gofumpt@v0.12.0
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
GOVULNCHECK := golang.org/x/vuln/cmd/govulncheck@v1.9.0
FYNE_TOOL := fyne.io/tools/cmd/fyne@v1.7.4

BIN := bin/till
DEMO_DB ?= $(HOME)/.local/share/till-demo/till.db

.PHONY: deps deps-apt deps-go build run test soak bench fuzz lint package look shift clean

deps: deps-apt deps-go

# apt-get only when a package is missing, so a ready machine needs no root.
deps-apt:
	@missing=$$(for p in $(APT_BUILD); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing: $$missing"; \
		sudo=; [ "$$(id -u)" = 0 ] || sudo=sudo; \
		$$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq $$missing; \
	fi

deps-go:
	@command -v $(GO) >/dev/null || { echo "Go 1.26 is needed: install it to /usr/local/go (see README)"; exit 1; }
	@$(GO) mod download

build: deps
	$(GO) build -o $(BIN) ./cmd/till

run: build
	./$(BIN) -demo -db $(DEMO_DB)

# Every test, headless. The race detector runs on the packages whose tests
# exercise concurrency and build without cgo-heavy dependencies.
test: deps
	$(GO) vet ./...
	$(GO) test -count=1 $$($(GO) list ./... | grep -v '/chain$$')
	$(GO) test -count=1 -short ./chain/
	$(GO) test -count=1 -race ./policy/... ./desk/... ./device/scan/... ./device/shtrih/...

# The chain's soak (3 tills x 1,000 sales, the centre stopped and started
# at random) and the 1,000-event catch-up: minutes, so not in make test.
soak: deps
	$(GO) test -count=1 -v -timeout 20m -run 'TestSoak|TestCatchUpThousand|TestTillSigkilledWhileSelling' ./chain/

# Benchmarks compare against a baseline measured in the same run: read the
# ratios, not the absolute numbers.
bench: deps
	$(GO) test -run '^$$' -bench . -benchmem ./...

# Long fuzzing stays out of CI (the seeds run in make test): every Fuzz*
# target for FUZZTIME, JOBS at a time.  make fuzz FUZZTIME=10m JOBS=2
FUZZTIME ?= 1m
JOBS ?= 1
fuzz: deps
	FUZZTIME=$(FUZZTIME) JOBS=$(JOBS) scripts/fuzz.sh ./...

lint: deps
	@out=$$($(GO) run $(GOFUMPT) -l .); if [ -n "$$out" ]; then echo "gofumpt: not formatted:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...
	@# govulncheck needs its database on vuln.go.dev; a build machine that only
	@# reaches the module proxy says so and skips it instead of failing lint.
	@if getent hosts vuln.go.dev >/dev/null; then $(GO) run $(GOVULNCHECK) ./...; \
	else echo "lint: vuln.go.dev unreachable from here, govulncheck skipped"; fi

# fyne package bumps the build number in FyneApp.toml; put it back, and move
# the archive it writes into bin/, so the tree stays clean.
package: build
	cp FyneApp.toml FyneApp.toml.orig
	$(GO) run $(FYNE_TOOL) package --os linux --executable $(BIN) || { mv FyneApp.toml.orig FyneApp.toml; exit 1; }
	mv FyneApp.toml.orig FyneApp.toml
	mv Till.tar.xz bin/
	@echo "package: bin/Till.tar.xz"

# A real window under Xvfb and a screenshot in docs/, to see what a person sees.
look: build
	@missing=$$(for p in $(APT_LOOK); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then sudo=; [ "$$(id -u)" = 0 ] || sudo=sudo; $$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq $$missing; fi
	./scripts/look.sh $(BIN) docs/login.png

# A keyboard-only shift on the real binary under Xvfb (scripts/shift.sh):
# sign in, sell, pay cash with change and by card, return, X report, with
# screenshots in $(SHIFT_OUT); then the database and the emulated register
# must add up. Needs a display server (Xvfb), so it is not part of make test.
SHIFT_OUT ?= bin/shift
shift: build
	@missing=$$(for p in $(APT_SHIFT); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then sudo=; [ "$$(id -u)" = 0 ] || sudo=sudo; $$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq $$missing; fi
	./scripts/shift.sh $(BIN) $(SHIFT_OUT)

clean:
	rm -rf bin
