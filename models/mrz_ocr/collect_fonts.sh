#!/usr/bin/env bash
# Copies the fonts render.py draws with from /usr/share/fonts (Debian/Ubuntu
# packages fonts-ocr-b, fonts-dejavu-core, fonts-liberation2,
# fonts-freefont-ttf, fonts-urw-base35) into models/mrz_ocr/fonts/
# (git-ignored), so that the folder can travel to a training machine
# without system fonts: train.py --fonts-dir models/mrz_ocr/fonts
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
src="${1:-/usr/share/fonts}"
dst="$here/fonts"
mkdir -p "$dst"
names=$(cd "$here" && python3 -c 'import ast,sys
tree = ast.parse(open("render.py").read())
for node in ast.walk(tree):
    if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "FONTS":
        for elt in node.value.elts:
            print(elt.elts[1].value)')
missing=0
for name in $names; do
  path=$(find "$src" -name "$name" -type f -print -quit 2>/dev/null || true)
  if [ -n "$path" ]; then
    cp -f "$path" "$dst/$name"
  else
    echo "missing: $name" >&2
    missing=$((missing + 1))
  fi
done
echo "$(ls "$dst" | wc -l) fonts in $dst ($missing missing)"
[ -f "$dst/OCRB.otf" ] || { echo "no OCRB.otf: install fonts-ocr-b" >&2; exit 1; }
