#!/usr/bin/env bash
# Leave-one-model-out check of template identification: every scan of a
# generated set is screened with its own model's template removed, so it
# is a document of an unknown model. None may be identified as another
# model, nor reported as resembling one (template.layout "looks like the
# model"): an unknown design is never forced onto a known one.
#
#   cargo build --release -p docscreen-cli
#   target/release/docscreen synth --out /tmp/h1212c --count 240 --seed 1212
#   bash scripts/leave_one_out.sh /tmp/h1212c /tmp/loo
#
# Prints each offending scan and a summary; exits 1 when there is one.
set -euo pipefail

set_dir=${1:?usage: leave_one_out.sh GENERATED_SET_DIR OUT_DIR}
out=${2:?usage: leave_one_out.sh GENERATED_SET_DIR OUT_DIR}
root=$(cd "$(dirname "$0")/.." && pwd)
docscreen=${DOCSCREEN:-$root/target/release/docscreen}
templates=$root/testdata/templates
mkdir -p "$out"

for model in $(ls "$templates"); do
  # The registry without this model.
  reg=$out/templates_without_$model
  rm -rf "$reg"
  mkdir -p "$reg"
  for other in $(ls "$templates"); do
    [ "$other" != "$model" ] && ln -s "$templates/$other" "$reg/$other"
  done
  # This model's scans (the generator's ground truth names the model).
  mapfile -t files < <(python3 - "$set_dir" "$model" <<'PY'
import glob, json, os, sys
d, model = sys.argv[1], sys.argv[2]
for f in sorted(glob.glob(os.path.join(d, "*.json"))):
    try:
        t = json.load(open(f))
    except (OSError, ValueError):
        continue
    if isinstance(t, dict) and t.get("template") == model and "file" in t:
        print(os.path.join(d, t["file"]))
PY
)
  [ ${#files[@]} -eq 0 ] && continue
  rm -f "$out/$model.jsonl"
  "$docscreen" batch "${files[@]}" --out "$out/$model.jsonl" --templates "$reg" \
    --date 2026-01-01 --jobs 2 >/dev/null 2>&1
done

python3 - "$out" <<'PY'
import glob, json, sys
scans = bad = 0
for f in sorted(glob.glob(sys.argv[1] + "/*.jsonl")):
    for line in open(f):
        r = json.loads(line)
        scans += 1
        doc = r.get("document") or {}
        layout = next((c for c in r.get("checks", []) if c["id"] == "template.layout"), None)
        if doc.get("template"):
            bad += 1
            print(f"IDENTIFIED {r['path']} as {doc['template']}")
        elif layout and "looks like the model" in layout["message"]:
            bad += 1
            print(f"RESEMBLED  {r['path']}: {layout['message'][:100]}")
print(f"{scans} scans screened without their own model: {bad} forced onto another")
sys.exit(1 if bad else 0)
PY
