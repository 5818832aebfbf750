# mirror — build, test and benchmark entry points. `make setup` then `make test` is what CI runs.
SHELL := /bin/bash
SWIFT ?= swift
# Release builds target the building machine's CPU (AVX2/AVX-512/FMA where present): the binary is
# meant to run where it was built. Set MIRROR_CPU=haswell (AVX2+FMA: Intel Haswell, AMD Zen and later; Swift 6.3 -target-cpu
# rejects the level name x86-64-v3 itself) or MIRROR_CPU=x86-64 (SSE2) for a portable one; see Docs/ENGINES.md.
MIRROR_CPU ?= native
RELEASE_FLAGS := -c release -Xswiftc -target-cpu -Xswiftc $(MIRROR_CPU)
DEB_PACKAGES := libopenblas-dev libturbojpeg0-dev libpng-dev libhdf5-dev pkg-config

.PHONY: setup deps build test check-full bench clean

## setup: install the Debian packages that are missing, then build the release binary.
setup: deps build

deps:
	@missing=""; for p in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	else echo "Debian packages present: $(DEB_PACKAGES)"; fi

## build: release binary at $$(swift build -c release --show-bin-path)/mirror
build:
	$(SWIFT) build $(RELEASE_FLAGS) --product mirror
	@echo "built $$($(SWIFT) build $(RELEASE_FLAGS) --show-bin-path)/mirror"

## test: the whole unit + end-to-end suite (debug build, a few minutes on 2 cores).
test:
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

## check-full: full-size parity checks (slow), on the release build.
check-full:
	MIRROR_FULL_CHECKS=1 $(SWIFT) test $(RELEASE_FLAGS)

## bench: benchmarks on the release build; see Docs/BENCHMARKS.md.
bench: build
	$$($(SWIFT) build $(RELEASE_FLAGS) --show-bin-path)/mirror bench --backend all

clean:
	rm -rf .build
