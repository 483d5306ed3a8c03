#!/usr/bin/env python3
"""Trains the pixel-level manipulation detector behind the `anomaly.map`
check and exports it to ONNX (models/anomaly/MODEL_CARD.md).

    docscreen synth --out models/anomaly/data/train --count 900 --seed 6001 \
        --digital-fraction 1.0 --genuine-fraction 0.3
    docscreen synth --out models/anomaly/data/val --count 200 --seed 6002 \
        --digital-fraction 1.0 --genuine-fraction 0.3
    python models/anomaly/train.py --train models/anomaly/data/train \
        --val models/anomaly/data/val --out models/anomaly/anomaly.onnx

What it learns: which 16x16-pixel cells of a scan were edited in the file
after scanning (retyped, spliced from another file, cloned), from the
generator's ground truth (`medium: digital`, the forged regions grown by the
edit's margin). Genuine scans, counterfeits and forgeries made on paper
before the scan are all "unedited" everywhere: they carry no pixel-level
trace, and the model must not fire on content it has never seen.

The network is fully convolutional on the grey scan at its own resolution
(no resampling: that would erase the JPEG grid and the noise it looks at):
[1, 1, H, W] grey in [0, 1] -> [1, 1, ceil(H/16), ceil(W/16)] logits.
Patches are cut on the 8-pixel JPEG grid and augmented only by flips and
quarter turns of 64-pixel patches, which keep that grid.

Seeded; patches are cached per data folder (`patches.npz`) so a rerun
skips the decoding.
"""
from __future__ import annotations

import argparse
import hashlib
import inspect
import json
import random
import time
import warnings
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image, ImageDraw

PATCH = 64
CELL = 16


# ---------------------------------------------------------------- model


def cbr(i, o, k, s):
    return [nn.Conv2d(i, o, k, stride=s, padding=k // 2, bias=False), nn.BatchNorm2d(o), nn.ReLU(inplace=True)]


def srm_kernels() -> torch.Tensor:
    """Three fixed high-pass filters of steganalysis' rich models (SRM):
    the 5x5 "KV" kernel and the second-order horizontal and vertical
    residuals. They hand the network the noise residual the edits disturb,
    instead of making it learn high-pass filters from few examples."""
    kv = torch.tensor([[-1, 2, -2, 2, -1], [2, -6, 8, -6, 2], [-2, 8, -12, 8, -2],
                       [2, -6, 8, -6, 2], [-1, 2, -2, 2, -1]], dtype=torch.float32) / 12.0
    h2 = torch.zeros(5, 5)
    h2[2, 1:4] = torch.tensor([1.0, -2.0, 1.0]) / 2.0
    v2 = h2.t().clone()
    return torch.stack([kv, h2, v2])[:, None]


class AnomalyNet(nn.Module):
    """Grey [N, 1, H, W] in [0, 1] -> edit logits [N, 1, H/16, W/16].

    The grey image and its three SRM residuals (x 20, about unit scale for
    scan noise), then four stride-2 and one stride-1 convolution blocks:
    about 350 multiply-adds per input pixel; receptive field about 100
    pixels, enough to see a seam and the texture on both sides of it."""

    def __init__(self):
        super().__init__()
        self.register_buffer("srm", srm_kernels())
        self.body = nn.Sequential(
            *cbr(4, 8, 5, 2),
            *cbr(8, 16, 3, 2),
            *cbr(16, 32, 3, 2),
            *cbr(32, 32, 3, 2),
            *cbr(32, 32, 3, 1),
            nn.Conv2d(32, 1, 1),
        )

    def forward(self, x):
        r = F.conv2d(x, self.srm, padding=2) * 20.0
        return self.body(torch.cat([x - 0.5, r], dim=1))


# ---------------------------------------------------------------- data


def grey(path: Path) -> np.ndarray:
    img = Image.open(path).convert("RGB")
    a = np.asarray(img, dtype=np.float32)
    # Rec. 601 luma, as the Rust side computes it.
    return ((a[..., 0] * 0.299 + a[..., 1] * 0.587 + a[..., 2] * 0.114) / 255.0).astype(np.float32)


def apply_h(h, x, y):
    w = h[6] * x + h[7] * y + h[8]
    return ((h[0] * x + h[1] * y + h[2]) / w, (h[3] * x + h[4] * y + h[5]) / w)


def edit_mask(truth: dict, shape) -> np.ndarray:
    """1 where the scan file was edited (digital forgeries), else 0."""
    hgt, wid = shape
    m = Image.new("L", (wid, hgt), 0)
    if truth.get("medium") != "digital":
        return np.zeros(shape, np.float32)
    edit = (truth.get("details") or {}).get("digital") or {}
    margin = float(edit.get("margin_mm", 0.0))
    sw, sh = truth["size_mm"]
    d = ImageDraw.Draw(m)
    for r in truth["regions"]:
        if r["role"] != "forged":
            continue
        x, y, w, h = r["rect_mm"]
        x0, y0 = max(0.0, x - margin), max(0.0, y - margin)
        x1, y1 = min(sw, x + w + margin), min(sh, y + h + margin)
        quad = [apply_h(truth["mm_to_px"], u, v) for u, v in ((x0, y0), (x1, y0), (x1, y1), (x0, y1))]
        d.polygon(quad, fill=255)
    return np.asarray(m, np.float32) / 255.0


def paper_mask(truth: dict, shape) -> np.ndarray:
    """1 on the forged regions of a forgery made on paper (medium physical),
    except a counterfeit's (its region is the whole document)."""
    hgt, wid = shape
    m = Image.new("L", (wid, hgt), 0)
    if truth.get("medium") != "physical" or truth.get("kind") == "counterfeit":
        return np.zeros(shape, np.float32)
    d = ImageDraw.Draw(m)
    for r in truth["regions"]:
        x, y, w, h = r["rect_mm"]
        quad = [apply_h(truth["mm_to_px"], u, v) for u, v in ((x, y), (x + w, y), (x + w, y + h), (x, y + h))]
        d.polygon(quad, fill=255)
    return np.asarray(m, np.float32) / 255.0


def doc_mask(truth: dict, shape) -> np.ndarray:
    hgt, wid = shape
    m = Image.new("L", (wid, hgt), 0)
    ImageDraw.Draw(m).polygon([tuple(p) for p in truth["corners_px"]], fill=255)
    return np.asarray(m, np.float32) / 255.0


def scans(folder: Path):
    for j in sorted(folder.glob("[0-9]*.json")):
        t = json.loads(j.read_text())
        yield folder / t["file"], t


def cut_patches(folder: Path, per_scan_neg: int, per_scan_pos: int, seed: int, flat: bool = True):
    cache = folder / f"patches-n{per_scan_neg}-p{per_scan_pos}-s{seed}{'-flat' if flat else ''}.npz"
    if cache.exists():
        z = np.load(cache)
        return z["x"], z["y"]
    rng = random.Random(seed)
    xs, ys = [], []
    for img_path, t in scans(folder):
        g = grey(img_path)
        em = edit_mask(t, g.shape)
        dm = doc_mask(t, g.shape)
        hgt, wid = g.shape
        if hgt < PATCH or wid < PATCH:
            continue
        # Candidate origins on the 8-pixel grid.
        ox = list(range(0, wid - PATCH + 1, 8))
        oy = list(range(0, hgt - PATCH + 1, 8))
        pos, neg = [], []
        ey, ex = np.nonzero(em > 0.5)
        for _ in range(per_scan_pos * 4 if len(ex) else 0):
            k = rng.randrange(len(ex))
            x0 = min(max(0, (int(ex[k]) - rng.randrange(PATCH)) // 8 * 8), ox[-1])
            y0 = min(max(0, (int(ey[k]) - rng.randrange(PATCH)) // 8 * 8), oy[-1])
            if dm[y0:y0 + PATCH, x0:x0 + PATCH].mean() > 0.6:
                pos.append((x0, y0))
            if len(pos) >= per_scan_pos:
                break
        # Negatives, per_scan_neg // 3 each: anywhere on the document; where
        # there is ink (text, portraits, seals: what edits are made of); flat
        # areas off the paper's tone (with `flat`); and, up to the total, on
        # paper forgeries' regions (content changed before the scan: no
        # pixel trace, the hardest negatives there are).
        def clean(x0, y0, need=0.9):
            return dm[y0:y0 + PATCH, x0:x0 + PATCH].mean() > need and em[y0:y0 + PATCH, x0:x0 + PATCH].max() == 0
        third = per_scan_neg // 3
        for _ in range(third * 6):
            x0, y0 = rng.choice(ox), rng.choice(oy)
            if clean(x0, y0):
                neg.append((x0, y0))
            if len(neg) >= third:
                break
        cands = [(rng.choice(ox), rng.choice(oy)) for _ in range(third * 8)]
        cands = [c for c in cands if clean(*c)]
        cands.sort(key=lambda c: -float(g[c[1]:c[1] + PATCH, c[0]:c[0] + PATCH].std()))
        neg += cands[:third]
        if not flat:
            third_flat = 0
        else:
            third_flat = third
        # Flat areas off the paper's tone (portraits' shading, dark print):
        # as smooth as retyped content, but genuine.
        tone = float(np.median(g[dm > 0.5])) if (dm > 0.5).any() else 0.8
        flats = [(rng.choice(ox), rng.choice(oy)) for _ in range(third_flat * 12)]
        flats = [c for c in flats if clean(*c)
                and abs(float(g[c[1]:c[1] + PATCH, c[0]:c[0] + PATCH].mean()) - tone) > 0.12]
        flats.sort(key=lambda c: float(g[c[1]:c[1] + PATCH, c[0]:c[0] + PATCH].std()))
        neg += flats[:third_flat]
        if t.get("medium") == "physical":
            pm = paper_mask(t, g.shape)
            py_, px_ = np.nonzero(pm > 0.5)
            for _ in range(third * 4 if len(px_) else 0):
                k = rng.randrange(len(px_))
                x0 = min(max(0, (int(px_[k]) - rng.randrange(PATCH)) // 8 * 8), ox[-1])
                y0 = min(max(0, (int(py_[k]) - rng.randrange(PATCH)) // 8 * 8), oy[-1])
                if clean(x0, y0, 0.6):
                    neg.append((x0, y0))
                if len(neg) >= (4 if flat else 3) * third:
                    break
        for x0, y0 in pos + neg:
            p = g[y0:y0 + PATCH, x0:x0 + PATCH]
            lab = em[y0:y0 + PATCH, x0:x0 + PATCH].reshape(PATCH // CELL, CELL, PATCH // CELL, CELL).mean(axis=(1, 3))
            xs.append((p * 255).round().astype(np.uint8))
            ys.append(lab.astype(np.float32))
    x, y = np.stack(xs), np.stack(ys)
    np.savez_compressed(cache, x=x, y=y)
    return x, y


def augment(x, y, rng: np.random.Generator):
    k = int(rng.integers(4))
    if k:
        x, y = np.rot90(x, k, axes=(1, 2)), np.rot90(y, k, axes=(1, 2))
    if rng.random() < 0.5:
        x, y = x[:, :, ::-1], y[:, :, ::-1]
    return np.ascontiguousarray(x), np.ascontiguousarray(y)


# ---------------------------------------------------------------- scoring


def inside_distance(q, px, py):
    """Signed distance of points inside the convex quad q (positive inside)."""
    q = np.asarray(q, np.float64)
    area = sum(q[i, 0] * q[(i + 1) % 4, 1] - q[(i + 1) % 4, 0] * q[i, 1] for i in range(4))
    s = np.sign(area)
    d = np.full(px.shape, np.inf)
    for i in range(4):
        a, b = q[i], q[(i + 1) % 4]
        e = b - a
        d = np.minimum(d, s * (e[0] * (py - a[1]) - e[1] * (px - a[0])) / max(np.hypot(*e), 1e-6))
    return d


def scan_score(logits: np.ndarray, corners) -> float:
    """The check's scan score from the cell logits (mirrors
    crates/screen/src/anomaly_checks.rs): cells on the document at least 24
    px inside its outline, probabilities smoothed over their 3x3 finite
    neighbours, the mean of the top 3 minus the median."""
    mh, mw = logits.shape
    jj, ii = np.mgrid[0:mh, 0:mw]
    ok = inside_distance(corners, ii * CELL + CELL / 2, jj * CELL + CELL / 2) >= 24.0
    p = np.where(ok, 1.0 / (1.0 + np.exp(-logits)), np.nan)
    pad = np.pad(p, 1, constant_values=np.nan)
    stack = np.stack([pad[i:i + mh, j:j + mw] for i in range(3) for j in range(3)])
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        s = np.where(ok, np.nanmean(stack, axis=0), np.nan)
    v = np.sort(s[np.isfinite(s)])
    return float(max(0.0, v[-3:].mean() - v[len(v) // 2])) if v.size >= 3 else 0.0


def auc(neg, pos):
    if not neg or not pos:
        return float("nan")
    s = 0.0
    for a in pos:
        for b in neg:
            s += 1.0 if a > b else 0.5 if a == b else 0.0
    return s / (len(neg) * len(pos))


def evaluate_scans(model, folder: Path, limit: int):
    model.eval()
    per = {}
    with torch.no_grad():
        for n, (img_path, t) in enumerate(scans(folder)):
            if n >= limit:
                break
            g = grey(img_path)
            logits = model(torch.from_numpy(g)[None, None])[0, 0].numpy()
            kind = "genuine" if t["label"] == "genuine" else f"{t['kind']}/{t.get('medium')}"
            per.setdefault(kind, []).append(scan_score(logits, t["corners_px"]))
    gen = sorted(per.get("genuine", []))
    out = {k: (len(v), auc(gen, v)) for k, v in sorted(per.items()) if k != "genuine"}
    if gen:
        print("genuine scan scores: p50 %.3f p90 %.3f p98 %.3f max %.3f" % (
            gen[len(gen) // 2], gen[int(0.9 * (len(gen) - 1))], gen[int(0.98 * (len(gen) - 1))], gen[-1]))
    return out, len(gen)


# ---------------------------------------------------------------- export


def export_onnx(model, path: Path):
    model = model.cpu().eval()
    kw = dict(input_names=["image"], output_names=["logits"],
              dynamic_axes={"image": {2: "H", 3: "W"}, "logits": {2: "h", 3: "w"}},
              opset_version=17, do_constant_folding=True)
    params = inspect.signature(torch.onnx.export).parameters
    if "dynamo" in params:
        kw["dynamo"] = False
    if "external_data" in params:
        kw["external_data"] = False
    torch.onnx.export(model, (torch.rand(1, 1, 128, 192),), str(path), **kw)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    path.with_suffix(".onnx.sha256").write_text(digest + "\n")
    return digest


# ---------------------------------------------------------------- main


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--train", type=Path, nargs="+", required=True)
    ap.add_argument("--val", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--val-scans", type=int, default=200)
    ap.add_argument("--neg-per-scan", type=int, default=32, help="negative patches per scan (see cut_patches)")
    ap.add_argument("--no-flat-negatives", action="store_true", help="leave out the flat off-paper negatives (run r3)")
    ap.add_argument("--init", type=Path, help="start from these weights (a run's .pt)")
    ap.add_argument("--pos-weight", type=float, default=1.0,
                    help="weight of edited cells in the loss (1: calibrated probabilities)")
    a = ap.parse_args()

    torch.manual_seed(a.seed)
    torch.set_num_threads(a.threads)
    rng = np.random.default_rng(a.seed)
    t0 = time.time()
    parts = [cut_patches(f, per_scan_neg=a.neg_per_scan, per_scan_pos=24, seed=a.seed, flat=not a.no_flat_negatives) for f in a.train]
    x = np.concatenate([p[0] for p in parts])
    y = np.concatenate([p[1] for p in parts])
    print(f"train patches {len(x)} (edited cells {float((y > 0.5).mean()):.3f}) in {time.time() - t0:.0f} s", flush=True)

    model = AnomalyNet()
    if a.init:
        model.load_state_dict(torch.load(a.init))
    opt = torch.optim.AdamW(model.parameters(), lr=a.lr, weight_decay=1e-4)
    steps = a.epochs * (len(x) // a.batch)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=a.lr, total_steps=max(1, steps))
    pos_weight = torch.tensor(a.pos_weight)
    step = 0
    for ep in range(a.epochs):
        model.train()
        order = rng.permutation(len(x))
        tot = 0.0
        for b in range(len(x) // a.batch):
            idx = order[b * a.batch:(b + 1) * a.batch]
            xb, yb = augment(x[idx], y[idx], rng)
            xt = torch.from_numpy(xb.astype(np.float32) / 255.0)[:, None]
            yt = torch.from_numpy(yb)[:, None]
            out = model(xt)
            loss = F.binary_cross_entropy_with_logits(out, yt, pos_weight=pos_weight)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            step += 1
            tot += loss.item()
        print(f"epoch {ep + 1}/{a.epochs} loss {tot / max(1, len(x) // a.batch):.4f} ({time.time() - t0:.0f} s)", flush=True)

    a.out.parent.mkdir(parents=True, exist_ok=True)
    torch.save(model.state_dict(), a.out.with_suffix(".pt"))
    per, n_gen = evaluate_scans(model, a.val, a.val_scans)
    print(f"validation scans ({n_gen} genuine): scan-score AUC per kind/medium")
    for k, (n, v) in per.items():
        print(f"  {k}: n={n} AUC={v:.3f}")
    a.out.parent.mkdir(parents=True, exist_ok=True)
    digest = export_onnx(model, a.out)
    metrics = {"train": [str(f) for f in a.train], "val": str(a.val), "init": str(a.init) if a.init else None,
               "train_patches": int(len(x)), "epochs": a.epochs, "seed": a.seed, "lr": a.lr,
               "pos_weight": a.pos_weight, "neg_per_scan": a.neg_per_scan, "flat_negatives": not a.no_flat_negatives,
               "val_auc": {k: {"n": n, "auc": round(v, 4)} for k, (n, v) in per.items()},
               "val_genuine": n_gen, "sha256": digest, "seconds": round(time.time() - t0)}
    a.out.with_suffix(".metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    print(json.dumps(metrics, indent=2))


if __name__ == "__main__":
    main()
