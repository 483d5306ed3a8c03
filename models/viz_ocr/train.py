#!/usr/bin/env python3
"""Trains the VIZ (printed data) text-line recogniser: the MRZ recogniser's
training loop (models/mrz_ocr/train.py: seeded, resumable, ONNX export and
verification) run on this folder's renderer (render.py: the VIZ classes,
fonts and field values). Same options; outputs default to this folder.

    python models/viz_ocr/train.py --steps 3000 --batch 48 --workers 1 --hid 128 \
        --out models/viz_ocr/runs/cpu1 --export models/viz_ocr/viz_ocr.onnx
"""
import importlib.util
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import render  # noqa: E402,F401  (this folder's renderer: train.py's `import render` finds it)

spec = importlib.util.spec_from_file_location("mrz_train", HERE.parent / "mrz_ocr" / "train.py")
train = importlib.util.module_from_spec(spec)
spec.loader.exec_module(train)
train.HERE = HERE  # charset.txt, default --out and --export live here

if __name__ == "__main__":
    train.main()
