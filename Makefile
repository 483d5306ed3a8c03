# One obvious command each: `make run` (set up, build, run the main job on the
# embedded defaults) and `make test` (the whole test suite; what CI runs).
.PHONY: run test setup build lint bench fuzz clean

CARGO ?= cargo
export CARGO_TERM_COLOR ?= never

setup:
	@bash scripts/setup.sh

build: setup
	$(CARGO) build --release --locked -p docscreen-cli

# The main job: screen the shipped sample MRZs (ICAO specimens, a synthetic
# French ID card, an altered and an OCR-damaged MRZ) with `docscreen mrz`.
run: build
	./target/release/docscreen mrz testdata/mrz/samples.txt --repair

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
