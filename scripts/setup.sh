#!/usr/bin/env bash
# Installs what docscreen needs on a fresh Debian machine, idempotently.
# Called by `make run` and `make test`; safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'setup: %s\n' "$*" >&2; }

if ! command -v cargo >/dev/null 2>&1; then
  say "cargo not found: install the Rust toolchain (rustup, stable >= 1.95) first"
  exit 1
fi

# rustfmt and clippy are part of the test command.
if command -v rustup >/dev/null 2>&1; then
  for c in rustfmt clippy; do
    rustup component list --installed 2>/dev/null | grep -q "^$c" || rustup component add "$c" || say "could not add $c"
  done
fi
# Fonts for the synthetic document generator (crates/synth): OCR-B for the
# MRZ, and several free families for labels and data. Chromium for the web
# page's browser test (service/tests/browser.rs, headless, no network).
apt_packages=(fonts-ocr-b fonts-dejavu-core fonts-liberation2 fonts-freefont-ttf fonts-urw-base35 chromium)
missing=()
for p in "${apt_packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# ONNX Runtime for crates/inference (ort, load-dynamic): the shared library
# from the PyPI onnxruntime wheel (no binary downloads from anywhere else;
# see ../shared/NOTES.md). Pinned version; checked by a test running a model.
ORT_VERSION=1.31.1
ort_dir=third_party/onnxruntime
if [ ! -e "$ort_dir/libonnxruntime.so" ]; then
  say "fetching onnxruntime $ORT_VERSION (PyPI wheel) into $ort_dir"
  tmp=$(mktemp -d)
  python3 -m pip download --quiet --no-deps --only-binary=:all: --python-version 3.11 \
    --platform manylinux_2_28_x86_64 "onnxruntime==$ORT_VERSION" -d "$tmp"
  mkdir -p "$ort_dir"
  python3 - "$tmp" "$ort_dir" <<'PY'
import glob, os, shutil, sys, zipfile
tmp, out = sys.argv[1], sys.argv[2]
wheel = glob.glob(os.path.join(tmp, "onnxruntime-*.whl"))[0]
with zipfile.ZipFile(wheel) as z:
    for name in z.namelist():
        base = os.path.basename(name)
        if name.startswith("onnxruntime/capi/libonnxruntime.so"):
            with z.open(name) as src, open(os.path.join(out, base), "wb") as dst:
                shutil.copyfileobj(src, dst)
PY
  lib=$(ls "$ort_dir"/libonnxruntime.so.* | head -n 1)
  ln -sf "$(basename "$lib")" "$ort_dir/libonnxruntime.so"
  rm -rf "$tmp"
fi
say "ok"
