"""Trainable weights back from an exported `MrzNet` ONNX file.

The exporter folds every BatchNorm into the convolution before it, so the
committed `.onnx` holds each conv's folded weight and bias. This script
rebuilds `MrzNet` (architecture read off the weight shapes), puts the
folded weights in, and sets each BatchNorm so that the network computes
exactly what the ONNX file computes, in evaluation mode and (up to the
batch's own statistics) in training mode too: running mean and variance
are the statistics of the BatchNorm's input over a batch of rendered lines,
its scale the standard deviation and its shift the folded bias plus the
mean. A fine-tuning run (`train.py --init`) then starts from the shipped
model instead of from scratch: the weights of the shipped runs were not
kept.

    python models/tools/onnx_to_pt.py models/mrz_ocr/mrz_ocr.onnx models/mrz_ocr/runs/from_onnx/model.pt \
        --fonts-dir models/mrz_ocr/fonts

Checks the rebuilt model against the ONNX file on rendered lines (onnxruntime)
and prints the largest difference of the log-probabilities.
"""

import argparse
import sys
from pathlib import Path

import numpy as np
import onnx
import torch
from onnx import numpy_helper

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "mrz_ocr"))

import render  # noqa: E402
import train  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("onnx")
    ap.add_argument("out")
    ap.add_argument("--fonts-dir", default=None)
    ap.add_argument("--lines", type=int, default=256, help="rendered lines for the BatchNorm statistics")
    ap.add_argument("--seed", type=int, default=424242)
    args = ap.parse_args()

    graph = onnx.load(args.onnx).graph
    inits = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
    # Conv nodes in graph order, with their weight and bias initialisers.
    convs = []
    for node in graph.node:
        if node.op_type == "Conv":
            w = inits[node.input[1]]
            b = inits[node.input[2]] if len(node.input) > 2 else None
            convs.append((w, b))
    conv2d = [c for c in convs if c[0].ndim == 4]
    conv1d = [c for c in convs if c[0].ndim == 3]
    chans = (conv2d[0][0].shape[0], conv2d[1][0].shape[0], conv2d[2][0].shape[0], conv2d[4][0].shape[0])
    hid = conv2d[5][0].shape[0]
    n1d = len(conv1d) - 1  # the last is the head
    model = train.MrzNet(chans, hid, n1d)
    model.eval()

    # Pairs (conv, batchnorm) in the same order as the ONNX convs.
    pairs = []
    mods = list(model.cnn)
    for i, m in enumerate(mods):
        if isinstance(m, torch.nn.Conv2d):
            pairs.append((m, mods[i + 1]))
    for block in model.seq:
        pairs.append((block[0], block[1]))
    assert len(pairs) == len(convs) - 1, (len(pairs), len(convs))
    with torch.no_grad():
        for (conv, bn), (w, b) in zip(pairs, convs[:-1]):
            conv.weight.copy_(torch.from_numpy(w.copy()))
            bn.weight.fill_(1.0)
            bn.bias.copy_(torch.from_numpy(b.copy()))
            bn.running_mean.zero_()
            bn.running_var.fill_(1.0 - bn.eps)
        hw, hb = convs[-1]
        model.head.weight.copy_(torch.from_numpy(hw.copy()))
        model.head.bias.copy_(torch.from_numpy(hb.copy()))

    r = render.Renderer(fonts_dir=args.fonts_dir)
    samples = [r.sample(render.sample_rng(args.seed, 0, 0, i)) for i in range(args.lines)]
    images = train.collate(samples)["image"].float() / 255.0

    # The statistics of each BatchNorm's input (the conv's output): the
    # network's function does not change when they are set, so one pass
    # records all of them.
    stats = {}

    def hook(bn):
        def f(_mod, inp, _out):
            x = inp[0]
            dims = [0, 2, 3] if x.dim() == 4 else [0, 2]
            stats[bn] = (x.mean(dim=dims), x.var(dim=dims, unbiased=False))
        return f

    handles = [bn.register_forward_hook(hook(bn)) for _, bn in pairs]
    with torch.no_grad():
        before = model(images)
    for h in handles:
        h.remove()
    with torch.no_grad():
        for _, bn in pairs:
            mu, var = stats[bn]
            var = var.clamp_min(1e-6)
            bn.running_mean.copy_(mu)
            bn.running_var.copy_(var)
            bn.weight.copy_(torch.sqrt(var + bn.eps))
            bn.bias.add_(mu)
        after = model(images)
    print(f"eval-mode change from the recalibration: {float((after - before).abs().max()):.2e}")

    import onnxruntime as ort

    sess = ort.InferenceSession(args.onnx, providers=["CPUExecutionProvider"])
    ref = sess.run(None, {sess.get_inputs()[0].name: images.numpy()})[0]
    diff = float(np.abs(ref - after.numpy()).max())
    print(f"largest log-probability difference to {args.onnx}: {diff:.2e}")
    if diff > 1e-3:
        sys.exit("the rebuilt model does not match the ONNX file")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    torch.save(model.state_dict(), out)
    print(f"wrote {out} (chans {chans}, hid {hid}, {n1d} 1-D blocks)")


if __name__ == "__main__":
    main()
