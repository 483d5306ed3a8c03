# One obvious command each: `make run` (set up, build, run the main job on the
# embedded defaults) and `make test` (the whole test suite; what CI runs).
.PHONY: run test setup build lint bench fuzz clean

CARGO ?= cargo
export CARGO_TERM_COLOR ?= never

setup:
	@bash scripts/setup.sh

build: setup
	$(CARGO) build --release --locked -p docscreen-cli

# The main job: screen the shipped sample scans (synthetic genuine documents
# and forgeries) into a JSON Lines report, then show one altered MRZ's report.
run: build
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
