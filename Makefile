# One obvious command each: `make run` (set up, build, start the service and
# its web page on the embedded defaults) and `make test` (the whole test
# suite; what CI runs). `make sample` is the batch job on the sample scans.
.PHONY: run sample test setup build lint bench fuzz clean

CARGO ?= cargo
export CARGO_TERM_COLOR ?= never
# Incremental caches add about 1 GB to a fresh build of the tests; CI builds
# once from scratch, so they only cost disk there.
export CARGO_INCREMENTAL ?= 0

setup:
	@bash scripts/setup.sh

build: setup
	$(CARGO) build --release --locked -p docscreen-cli

# The service and the officers' page on http://127.0.0.1:8080/ with the
# embedded defaults and the shipped templates; the first start prints an admin
# key to paste into the page. Data (cases, keys, audit, scans) under
# target/docscreen-data. Ctrl-C stops it gracefully.
ADDR ?= 127.0.0.1:8080
DATA ?= target/docscreen-data
run: build
	./target/release/docscreen serve --addr $(ADDR) --data $(DATA) $(if $(wildcard testdata/templates),--templates testdata/templates)

# The batch job: screen the shipped sample scans (synthetic genuine documents
# and forgeries) into a JSON Lines report, then show one altered MRZ's report.
sample: build
	./target/release/docscreen batch testdata/synth_sample --out target/sample-report.jsonl --no-resume --date 2026-01-01
	./target/release/docscreen screen testdata/synth_sample/000006.jpg --date 2026-01-01

lint: setup
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings

test: lint
	$(CARGO) test --workspace --all-targets --locked
	$(CARGO) test --workspace --doc --locked

bench: setup
	$(CARGO) bench -p docscreen-benches

# Needs cargo-fuzz and a nightly toolchain (see fuzz/README.md).
fuzz:
	cd fuzz && $(CARGO) +nightly fuzz run mrz_parse -- -max_total_time=600

clean:
	$(CARGO) clean
