#!/usr/bin/env python3
"""Trains the MRZ text-line recogniser (CTC) on synthetic lines from
render.py and exports it to ONNX (models/mrz_ocr/README.md).

    python models/mrz_ocr/train.py --fonts-dir models/mrz_ocr/fonts

Seeded: the batch of step s is a function of (--seed, s) only, whatever the
number of workers, so a run killed and restarted with --resume sees the same
data. Validation lines come from --val-seed on a stream the training never
draws from. Needs torch, numpy and Pillow; onnx / onnxruntime are used when
importable (ONNX check, torch-vs-ONNX verification, CPU timing).
"""
from __future__ import annotations

import argparse
import hashlib
import inspect
import json
import os
import platform
import random
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import PIL
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import render  # noqa: E402

NUM_CLASSES = len(render.CHARSET) + 1  # + CTC blank (0)
STREAM_TRAIN, STREAM_VAL, STREAM_DEV = 0, 1, 2
CKPT = "ckpt.pt"


# ---------------------------------------------------------------- model


def _cbr(i, o, k=3, p=1):
    return [nn.Conv2d(i, o, k, padding=p, bias=False), nn.BatchNorm2d(o), nn.ReLU(inplace=True)]


class MrzNet(nn.Module):
    """[N, 1, 32, W] grey in [0, 1] -> [N, W/4, 38] CTC log-probabilities.

    Per-image contrast normalisation, a small CNN that takes the height
    32 -> 1 and the width W -> W/4, then residual 1-D convolutions along the
    line (receptive field about 4 characters: no language model) and a 1x1
    classifier."""

    def __init__(self, chans=(16, 32, 48, 64), hid=96, n1d=3):
        super().__init__()
        c0, c1, c2, c3 = chans
        layers = []
        layers += _cbr(1, c0) + [nn.MaxPool2d(2)]  # 16 x W/2
        layers += _cbr(c0, c1) + [nn.MaxPool2d(2)]  # 8 x W/4
        layers += _cbr(c1, c2) + _cbr(c2, c2) + [nn.MaxPool2d((2, 1))]  # 4 x W/4
        layers += _cbr(c2, c3)
        layers += [nn.Conv2d(c3, hid, (4, 1), bias=False), nn.BatchNorm2d(hid), nn.ReLU(inplace=True)]  # 1 x W/4
        self.cnn = nn.Sequential(*layers)
        self.seq = nn.ModuleList(
            nn.Sequential(nn.Conv1d(hid, hid, 3, padding=1, bias=False), nn.BatchNorm1d(hid), nn.ReLU(inplace=True))
            for _ in range(n1d))
        self.head = nn.Conv1d(hid, NUM_CLASSES, 1)

    @staticmethod
    def arch_of(state_dict):
        """(chans, hid, n1d) of a saved model, read off its weight shapes."""
        convs = [v.shape for k, v in state_dict.items() if k.startswith("cnn.") and k.endswith(".weight") and v.dim() == 4]
        chans = (convs[0][0], convs[1][0], convs[2][0], convs[4][0])
        n1d = len({k.split(".")[1] for k in state_dict if k.startswith("seq.")})
        return chans, convs[5][0], n1d

    @classmethod
    def from_state_dict(cls, state_dict):
        chans, hid, n1d = cls.arch_of(state_dict)
        model = cls(chans, hid, n1d)
        model.load_state_dict(state_dict)
        return model

    def logits(self, image):
        # Mean and variance over rows, then over columns: the same numbers,
        # but onnxruntime's single long ReduceMean loses ~1e-4 (relative)
        # on a page-white line.
        m = image.mean(dim=2, keepdim=True).mean(dim=3, keepdim=True)
        d = image - m
        v = (d * d).mean(dim=2, keepdim=True).mean(dim=3, keepdim=True)
        x = d / torch.sqrt(v + 1e-4)
        y = self.cnn(x).squeeze(2)  # [N, hid, T]
        for block in self.seq:
            y = y + block(y)
        return self.head(y).transpose(1, 2)  # [N, T, C]

    def forward(self, image):
        return F.log_softmax(self.logits(image).float(), dim=-1)


# ---------------------------------------------------------------- data


def collate(samples, pad_to=32):
    """Pads to the widest (rounded up to pad_to) with each line's paper grey."""
    wmax = max(a.shape[1] for a, _, _ in samples)
    wmax = -(-wmax // pad_to) * pad_to
    imgs = np.empty((len(samples), 1, render.CROP_H, wmax), np.uint8)
    widths, lengths, targets, texts, metas = [], [], [], [], []
    for i, (a, text, meta) in enumerate(samples):
        w = a.shape[1]
        imgs[i, 0, :, :w] = a
        imgs[i, 0, :, w:] = np.uint8(np.percentile(a[:, -4:], 75))
        widths.append(w)
        lengths.append(len(text))
        targets.extend(render.CHAR_INDEX[ch] for ch in text)
        texts.append(text)
        metas.append(meta)
    return {
        "image": torch.from_numpy(imgs),
        "width": torch.tensor(widths, dtype=torch.long),
        "target": torch.tensor(targets, dtype=torch.long),
        "target_length": torch.tensor(lengths, dtype=torch.long),
        "text": texts,
        "meta": metas,
    }


class Batches(torch.utils.data.Dataset):
    """Item k = one whole batch, a function of (seed, stream, k) only.
    The renderer is made lazily in each worker."""

    def __init__(self, seed, stream, batch, n_items, fonts_dir=None, real_dir=None, real_share=0.0,
                 real_split="train", n_samples=None):
        self.seed, self.stream, self.batch, self.n_items = seed, stream, batch, n_items
        self.n_samples = n_samples  # last batch may be short (validation)
        self.kw = dict(fonts_dir=fonts_dir, real_dir=real_dir, real_share=real_share, real_split=real_split)
        self.r = None

    def __len__(self):
        return self.n_items

    def __getitem__(self, k):
        if self.r is None:
            self.r = render.Renderer(**self.kw)
        n = self.batch
        if self.n_samples is not None:
            n = min(self.batch, self.n_samples - k * self.batch)
        return collate([self.r.sample(render.sample_rng(self.seed, self.stream, k, i)) for i in range(n)])


class RealVal(torch.utils.data.Dataset):
    """The held-out tenth of --real-dir, in batches."""

    def __init__(self, items, batch):
        self.items, self.batch = items, batch

    def __len__(self):
        return -(-len(self.items) // self.batch)

    def __getitem__(self, k):
        out = []
        for path, text in self.items[k * self.batch:(k + 1) * self.batch]:
            out.append((render._load_crop(path), text, {"family": "real", "font": "real", "res": "real",
                                                         "format": "real", "c_src": 0.0}))
        return collate(out)


def worker_init(worker_id):
    info = torch.utils.data.get_worker_info()
    s = (info.seed if info is not None else worker_id) % (2 ** 32)
    np.random.seed(s)
    random.seed(s)
    torch.manual_seed(s)
    torch.set_num_threads(1)


def loader(ds, indices, workers, pin):
    kw = dict(batch_size=None, sampler=indices, num_workers=workers, pin_memory=pin, worker_init_fn=worker_init)
    if workers > 0:
        kw.update(prefetch_factor=4, persistent_workers=False)
    return torch.utils.data.DataLoader(ds, **kw)


# ---------------------------------------------------------------- metrics


def greedy_decode(logprobs, widths):
    """[N, T, C] -> strings (best path, repeats merged, blanks dropped)."""
    best = logprobs.argmax(-1).cpu().numpy()
    out = []
    for row, w in zip(best, widths.tolist() if torch.is_tensor(widths) else widths):
        t = row[: w // 4]
        keep = np.ones(len(t), bool)
        keep[1:] = t[1:] != t[:-1]
        out.append("".join(render.CHARSET[c - 1] for c in t[keep] if c != 0))
    return out


def edit_distance(a, b):
    if a == b:
        return 0
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
        prev = cur
    return prev[-1]


class Tally:
    def __init__(self):
        self.groups = defaultdict(lambda: [0, 0, 0, 0])  # edits, chars, exact, lines

    def add(self, pred, text, keys):
        e = edit_distance(pred, text)
        for k in keys:
            g = self.groups[k]
            g[0] += e
            g[1] += len(text)
            g[2] += int(e == 0)
            g[3] += 1

    def summary(self, prefix):
        out = {}
        for k, (e, n, x, lines) in sorted(self.groups.items()):
            if not k.startswith(prefix):
                continue
            out[k[len(prefix):]] = {"char_acc": round(1 - e / max(1, n), 6), "line_acc": round(x / max(1, lines), 6),
                                    "lines": lines, "chars": n, "char_errors": e}
        return out


@torch.no_grad()
def evaluate(model, batches, device, examples=0):
    model.eval()
    tally = Tally()
    bad = []
    for b in batches:
        x = b["image"].to(device, non_blocking=True).float().div_(255.0)
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=device.type == "cuda"):
            lp = model(x)
        for pred, text, meta in zip(greedy_decode(lp, b["width"]), b["text"], b["meta"]):
            tally.add(pred, text, ["all", "family/" + meta["family"], "res/" + meta["res"],
                                   "format/" + meta["format"], "font/" + meta["font"]])
            if pred != text and len(bad) < examples:
                bad.append({"truth": text, "pred": pred, **meta})
    model.train()
    return {"all": tally.summary("all")[""], "by_family": tally.summary("family/"), "by_res": tally.summary("res/"),
            "by_format": tally.summary("format/"), "by_font": tally.summary("font/"), "errors": bad}


# ---------------------------------------------------------------- export


def export_onnx(model, path):
    model = model.cpu().eval()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    kw = dict(input_names=["image"], output_names=["logprobs"],
              dynamic_axes={"image": {0: "N", 3: "W"}, "logprobs": {0: "N", 1: "T"}},
              opset_version=17, do_constant_folding=True)
    params = inspect.signature(torch.onnx.export).parameters
    if "dynamo" in params:
        kw["dynamo"] = False
    if "external_data" in params:
        kw["external_data"] = False
    import warnings

    def run():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(model, (torch.rand(2, 1, render.CROP_H, 128),), str(path), **kw)

    try:
        import onnx as _probe  # noqa: F401
    except ImportError:
        # Recent torch's TorchScript exporter loads the finished proto with
        # python onnx only to splice in onnxscript functions, which this
        # model has none of: skip that step.
        patched = False
        for mod in ("torch.onnx._internal.torchscript_exporter.onnx_proto_utils", "torch.onnx._internal.onnx_proto_utils"):
            try:
                m = __import__(mod, fromlist=["_add_onnxscript_fn"])
            except ImportError:
                continue
            if hasattr(m, "_add_onnxscript_fn"):
                m._add_onnxscript_fn = lambda model_bytes, custom_opsets: model_bytes
                patched = True
        print(f"export: python onnx not installed ({'patched torch around it' if patched else 'no patch found'})")
    run()
    info = {"path": str(path), "bytes": path.stat().st_size,
            "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}
    try:
        import onnx
    except ImportError:
        print("export: python onnx not installed; skipping onnx.checker")
    else:
        m = onnx.load(str(path))
        onnx.checker.check_model(m)
        ext = [t.name for t in m.graph.initializer if t.data_location == onnx.TensorProto.EXTERNAL]
        assert not ext, f"external data in the ONNX: {ext}"
        info["opset"] = [o.version for o in m.opset_import if o.domain in ("", "ai.onnx")][0]
        info["ir_version"] = m.ir_version
    return info


def verify_onnx(model, path, batches):
    """Compares the ONNX with the torch model (CPU, fp32) on validation lines
    and times one 32 x 704 line on one thread."""
    try:
        import onnxruntime as ort
    except ImportError:
        print("verify: python onnxruntime not installed; skipping the ONNX verification")
        return {"verified": False}
    model = model.cpu().eval()
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    sess = ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])
    assert [i.name for i in sess.get_inputs()] == ["image"], sess.get_inputs()
    assert [o.name for o in sess.get_outputs()] == ["logprobs"], sess.get_outputs()
    max_diff, max_pdiff, same, n = 0.0, 0.0, 0, 0
    inputs = []
    b = batches[0]
    for i in range(min(6, len(b["text"]))):  # single lines at their own widths
        w = int(b["width"][i])
        inputs.append(b["image"][i: i + 1, :, :, :w].float() / 255.0)
    inputs.append(b["image"][:4].float() / 255.0)  # a padded batch
    inputs.append(torch.rand(1, 1, render.CROP_H, 32))
    inputs.append(torch.ones(3, 1, render.CROP_H, 1200))
    with torch.no_grad():
        for x in inputs:
            ref = model(x).numpy()
            got = sess.run(["logprobs"], {"image": x.numpy()})[0]
            assert got.shape == ref.shape == (x.shape[0], x.shape[3] // 4, NUM_CLASSES), (got.shape, ref.shape)
            max_diff = max(max_diff, float(np.abs(got - ref).max()))
            max_pdiff = max(max_pdiff, float(np.abs(np.exp(got) - np.exp(ref)).max()))
            w = torch.full((x.shape[0],), x.shape[3], dtype=torch.long)
            pa, pb = greedy_decode(torch.from_numpy(ref), w), greedy_decode(torch.from_numpy(got), w)
            same += sum(p == q for p, q in zip(pa, pb))
            n += len(pa)
    x = np.random.default_rng(0).random((1, 1, render.CROP_H, 704), dtype=np.float32)
    for _ in range(10):
        sess.run(None, {"image": x})
    ts = []
    for _ in range(100):
        t0 = time.perf_counter()
        sess.run(None, {"image": x})
        ts.append(time.perf_counter() - t0)
    out = {"verified": True, "max_abs_diff_logprob": max_diff, "max_abs_diff_prob": max_pdiff,
           "decodes_equal": f"{same}/{n}",
           "ms_32x704_1thread_median": round(1000 * float(np.median(ts)), 3),
           "ms_32x704_1thread_p90": round(1000 * float(np.percentile(ts, 90)), 3),
           "onnxruntime": ort.__version__}
    assert max_diff < 1e-3 and max_pdiff < 1e-4 and same == n, f"ONNX differs from torch: {out}"
    return out


# ---------------------------------------------------------------- training


def set_seeds(seed):
    random.seed(seed)
    np.random.seed(seed % (2 ** 32))
    torch.manual_seed(seed)


def save_atomic(obj, path):
    tmp = str(path) + ".tmp"
    torch.save(obj, tmp)
    os.replace(tmp, path)


class Ema:
    """Exponential moving average of the weights and BN statistics (decay
    warms up so that short runs still get a useful average)."""

    def __init__(self, model, decay=0.999):
        self.decay = decay
        self.shadow = {k: v.detach().clone() for k, v in model.state_dict().items()}
        self.updates = 0

    @torch.no_grad()
    def update(self, model):
        self.updates += 1
        d = min(self.decay, (1 + self.updates) / (10 + self.updates))
        for k, v in model.state_dict().items():
            s = self.shadow[k]
            if v.dtype.is_floating_point:
                s.mul_(d).add_(v.detach(), alpha=1 - d)
            else:
                s.copy_(v)

    def state_dict(self):
        return {"shadow": self.shadow, "updates": self.updates, "decay": self.decay}

    def load_state_dict(self, st):
        self.shadow = {k: v.clone() for k, v in st["shadow"].items()}
        self.updates = st["updates"]
        self.decay = st["decay"]


def build_optim(model, args):
    decay, no_decay = [], []
    for p in model.parameters():
        (decay if p.dim() > 1 else no_decay).append(p)
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": args.wd}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=args.lr, betas=(0.9, 0.99))
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=args.steps, pct_start=args.warmup,
                                                div_factor=20.0, final_div_factor=500.0)
    return opt, sched


def materialise(ds, workers, pin=False):
    return list(loader(ds, list(range(len(ds))), workers, pin))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=str(HERE / "runs" / "latest"), help="run folder (checkpoints, metrics.json, log)")
    ap.add_argument("--steps", type=int, default=4000)
    ap.add_argument("--batch", type=int, default=192)
    ap.add_argument("--lr", type=float, default=3e-3, help="peak learning rate (OneCycle)")
    ap.add_argument("--wd", type=float, default=0.01)
    ap.add_argument("--warmup", type=float, default=0.08, help="share of the steps warming up")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--val-seed", type=int, default=1000003)
    ap.add_argument("--val-lines", type=int, default=5000)
    ap.add_argument("--dev-lines", type=int, default=1024, help="lines for the periodic check (another val stream)")
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--workers", type=int, default=max(1, min(16, os.cpu_count() or 1)))
    ap.add_argument("--fonts-dir", default=None, help="folder searched (recursively) for the font files by name")
    ap.add_argument("--real-dir", default=None, help="folder with labels.tsv and 32-px PNG crops from the Rust side")
    ap.add_argument("--real-share", type=float, default=0.3)
    ap.add_argument("--export", default=str(HERE / "mrz_ocr.onnx"))
    ap.add_argument("--resume", action="store_true", help="continue from --out/ckpt.pt when present")
    ap.add_argument("--ckpt-every", type=int, default=250)
    ap.add_argument("--eval-every", type=int, default=1000)
    ap.add_argument("--log-every", type=int, default=50)
    ap.add_argument("--chans", default=",".join(map(str, inspect.signature(MrzNet).parameters["chans"].default)),
                    help="channels of the four conv stages")
    ap.add_argument("--hid", type=int, default=inspect.signature(MrzNet).parameters["hid"].default,
                    help="channels along the line")
    ap.add_argument("--init", default=None,
                    help="start from these weights (a finished run's model.pt): a second, lower-rate run")
    ap.add_argument("--export-only", action="store_true",
                    help="load --out/model.pt, export it to --export and verify (no training)")
    args = ap.parse_args()

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.seed == args.val_seed:
        print("warning: --seed equals --val-seed (the streams still differ, but use another seed)")
    device = torch.device(args.device)
    set_seeds(args.seed)
    torch.backends.cudnn.benchmark = False
    if device.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
    logf = open(out / "train.log", "a")

    def log(msg):
        line = f"[{time.strftime('%H:%M:%S')}] {msg}"
        print(line, flush=True)
        logf.write(line + "\n")
        logf.flush()

    fonts = render.find_fonts(args.fonts_dir)
    log(f"torch {torch.__version__} on {device}; {len(fonts)} fonts; args {vars(args)}")
    charset_path = HERE / "charset.txt"
    if not charset_path.exists() or charset_path.read_text() != render.CHARSET:
        charset_path.write_text(render.CHARSET)

    model = MrzNet(tuple(int(c) for c in args.chans.split(",")), args.hid).to(device)
    if args.export_only:  # the architecture comes from the saved weights
        model = MrzNet.from_state_dict(torch.load(out / "model.pt", map_location="cpu"))
        some = materialise(Batches(args.val_seed, STREAM_VAL, 16, 1, args.fonts_dir, real_split="val"), 0)
        info = export_onnx(model, args.export)
        info.update(verify_onnx(model, args.export, some))
        Path(str(args.export) + ".sha256").write_text(info["sha256"] + "\n")
        log(f"onnx: {info}")
        print(f"sha256 {info['sha256']}  {args.export}")
        return
    if args.init:
        model.load_state_dict(torch.load(args.init, map_location=device))
        log(f"initialised from {args.init}")
    ema = Ema(model)
    opt, sched = build_optim(model, args)
    start, elapsed = 0, 0.0
    ck = out / CKPT
    if args.resume and ck.exists():
        st = torch.load(ck, map_location=device, weights_only=False)
        for k in ("steps", "batch", "seed", "lr"):
            if st["args"][k] != getattr(args, k):
                log(f"warning: resuming with --{k} {getattr(args, k)} (checkpoint has {st['args'][k]})")
        if MrzNet.arch_of(st["model"]) != MrzNet.arch_of(model.state_dict()):
            raise SystemExit(f"{ck} holds a {MrzNet.arch_of(st['model'])} model; pass its --chans / --hid")
        model.load_state_dict(st["model"])
        ema.load_state_dict(st["ema"])
        opt.load_state_dict(st["opt"])
        sched.load_state_dict(st["sched"])
        start, elapsed = st["step"], st["elapsed"]
        torch.set_rng_state(st["torch_rng"])
        log(f"resumed from {ck} at step {start}")
    elif ck.exists():
        log(f"note: {ck} exists; starting afresh (use --resume to continue)")
    log(f"model: {sum(p.numel() for p in model.parameters())} parameters")

    pin = device.type == "cuda"
    dev_ds = Batches(args.val_seed, STREAM_DEV, 256, -(-args.dev_lines // 256), args.fonts_dir, real_split="val",
                     n_samples=args.dev_lines)
    t0 = time.time()
    dev = materialise(dev_ds, args.workers)
    log(f"dev set: {args.dev_lines} lines in {time.time() - t0:.1f}s")

    def checkpoint(step):
        save_atomic({"model": model.state_dict(), "ema": ema.state_dict(), "opt": opt.state_dict(),
                     "sched": sched.state_dict(), "step": step, "elapsed": elapsed + time.time() - t_start,
                     "args": vars(args), "torch_rng": torch.get_rng_state()}, ck)

    train_ds = Batches(args.seed, STREAM_TRAIN, args.batch, args.steps, args.fonts_dir, args.real_dir,
                       args.real_share if args.real_dir else 0.0, "train")
    model.train()
    t_start = time.time()
    t_log, wait, seen = time.time(), 0.0, 0
    loss_avg = None
    step = start
    t_wait = time.time()
    for b in loader(train_ds, list(range(start, args.steps)), args.workers, pin):
        wait += time.time() - t_wait
        x = b["image"].to(device, non_blocking=True).float().div_(255.0)
        tgt = b["target"].to(device, non_blocking=True)
        tl = b["target_length"].to(device, non_blocking=True)
        il = (b["width"] // 4).to(device, non_blocking=True)
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=device.type == "cuda"):
            logits = model.logits(x)
        lp = F.log_softmax(logits.float(), dim=-1).transpose(0, 1)  # [T, N, C]
        loss = F.ctc_loss(lp, tgt, il, tl, blank=0, reduction="mean", zero_infinity=True)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        gn = torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        opt.step()
        sched.step()
        ema.update(model)
        step += 1
        seen += len(b["text"])
        lv = float(loss.detach()) if step % args.log_every == 0 or step == args.steps else None
        if lv is not None:
            loss_avg = lv if loss_avg is None else 0.7 * loss_avg + 0.3 * lv
            dt = time.time() - t_log
            eta = (args.steps - step) * dt / max(1, args.log_every)
            log(f"step {step}/{args.steps} loss {lv:.4f} (avg {loss_avg:.4f}) gnorm {float(gn):.2f} "
                f"lr {sched.get_last_lr()[0]:.2e} {seen / dt:.0f} lines/s data-wait {100 * wait / dt:.0f}% "
                f"eta {eta / 60:.1f} min")
            t_log, wait, seen = time.time(), 0.0, 0
        if step % args.eval_every == 0 and step < args.steps:
            r = evaluate(model, dev, device)["all"]
            log(f"step {step} dev char_acc {r['char_acc']:.5f} line_acc {r['line_acc']:.4f}")
        if step % args.ckpt_every == 0 or step == args.steps:
            checkpoint(step)
        t_wait = time.time()
    train_s = elapsed + time.time() - t_start
    log(f"training done: {step} steps in {train_s / 60:.1f} min (this session {(time.time() - t_start) / 60:.1f})")

    # Raw weights or their average, whichever reads the dev lines better.
    raw = {k: v.clone() for k, v in model.state_dict().items()}
    r_raw = evaluate(model, dev, device)["all"]
    model.load_state_dict(ema.shadow)
    r_ema = evaluate(model, dev, device)["all"]
    use_ema = r_ema["char_acc"] >= r_raw["char_acc"]
    if not use_ema:
        model.load_state_dict(raw)
    log(f"dev char_acc raw {r_raw['char_acc']:.5f} ema {r_ema['char_acc']:.5f}: using {'ema' if use_ema else 'raw'}")
    torch.save(model.state_dict(), out / "model.pt")

    t0 = time.time()
    val_ds = Batches(args.val_seed, STREAM_VAL, 250, -(-args.val_lines // 250), args.fonts_dir, real_split="val",
                     n_samples=args.val_lines)
    val = materialise(val_ds, args.workers)
    metrics = evaluate(model, val, device, examples=40)
    log(f"val ({args.val_lines} lines, seed {args.val_seed}, made in {time.time() - t0:.1f}s): "
        f"char_acc {metrics['all']['char_acc']:.5f} line_acc {metrics['all']['line_acc']:.4f}")
    for k in ("by_family", "by_res", "by_format"):
        log(f"  {k}: " + ", ".join(f"{g} {v['char_acc']:.4f}/{v['line_acc']:.3f}" for g, v in metrics[k].items()))
    if args.real_dir:
        held = render.load_real(args.real_dir, "val")
        if held:
            metrics["real_heldout"] = evaluate(model, materialise(RealVal(held, 250), 0), device, examples=20)
            log(f"real held-out ({len(held)} lines): char_acc {metrics['real_heldout']['all']['char_acc']:.5f}")

    metrics.update({
        "weights": "ema" if use_ema else "raw", "dev_raw": r_raw, "dev_ema": r_ema,
        "steps": step, "train_minutes": round(train_s / 60, 2), "args": vars(args),
        "command": " ".join([Path(sys.executable).name] + sys.argv),
        "versions": {"torch": torch.__version__, "numpy": np.__version__, "pillow": PIL.__version__,
                     "python": platform.python_version(),
                     "gpu": torch.cuda.get_device_name(0) if device.type == "cuda" else None},
        "fonts": [f[1] for f in fonts], "charset": render.CHARSET,
    })
    (out / "metrics.json").write_text(json.dumps(metrics, indent=1))

    try:
        onnx_info = export_onnx(model, args.export)
    except Exception as e:  # keep the run: model.pt can be exported elsewhere
        log(f"ONNX export FAILED ({type(e).__name__}: {e}); the weights are in {out / 'model.pt'}: "
            f"export them with  train.py --export-only --out {out}  where onnx is installed")
        raise SystemExit(2)
    log(f"exported {onnx_info['path']} ({onnx_info['bytes']} bytes)")
    onnx_info.update(verify_onnx(model, args.export, val))
    log(f"onnx: {onnx_info}")
    Path(str(args.export) + ".sha256").write_text(onnx_info["sha256"] + "\n")
    metrics["onnx"] = onnx_info
    (out / "metrics.json").write_text(json.dumps(metrics, indent=1))
    Path(args.export).with_suffix(".metrics.json").write_text(json.dumps(metrics, indent=1))
    log(f"wrote {out / 'metrics.json'}")
    print(f"sha256 {onnx_info['sha256']}  {args.export}")


if __name__ == "__main__":
    main()
