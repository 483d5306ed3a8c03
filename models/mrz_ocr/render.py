#!/usr/bin/env python3
"""Synthetic MRZ text-line crops for the line recogniser (CTC).

Each sample is a grey uint8 image 32 x W (W a multiple of 4) and its text,
cut from a simulated scan in the geometry of the Rust line cropper
(crates/ocr/src/crop.rs, models/mrz_ocr/README.md):

  * source cap height c (height of capitals and digits in scan pixels)
    8..60 px, i.e. 150..600 dpi and phone-like low resolutions;
  * crop scales vertically by sy = cap/c with cap 15..21 (nominal 18),
    horizontally by sx = 0.5..0.72 x sy (nominal 0.6), the middle of the
    cap band at row 16 +- 2.5, 0.5..1.5 c of paper before the first and
    after the last ink, width rounded up to a multiple of 4;
  * neighbouring MRZ lines 1.7..2.0 c above / below in about half of the
    samples, so that their slivers appear at the top and bottom rows.

A sample is rendered with antialiased glyphs (cached per font and size) at
a high resolution (cap >= 24 px), composed on a fixed pitch, optionally
rotated, box-reduced to the scan resolution, given paper, ink, lighting,
blur, noise and JPEG at the scan resolution, then resampled into the crop.
Everything is drawn from a numpy Generator: same seed, same sample.

Only numpy and Pillow. `python render.py --sheet /tmp/sheet.png` writes a
contact sheet; `--bench` times the renderer.
"""
from __future__ import annotations

import io
import math
import os
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

CHARSET = "<0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
CHAR_INDEX = {ch: i + 1 for i, ch in enumerate(CHARSET)}  # 0 = CTC blank

CROP_H = 32
CROP_CAP = 18.0
CROP_MID = 16.0
CROP_SQUEEZE = 0.6

HERE = Path(__file__).resolve().parent

# (family, file name, weight). OCR-B about 65 %, the rest spread over
# monospace and sans faces so that the model reads shapes, not one font.
FONTS = [
    ("ocrb", "OCRB.otf", 0.53),
    ("ocrb", "OCRBS.otf", 0.06),
    ("ocrb", "OCRBL.otf", 0.06),  # oblique
    ("dejavu-mono", "DejaVuSansMono.ttf", 0.04),
    ("dejavu-mono", "DejaVuSansMono-Bold.ttf", 0.02),
    ("liberation-mono", "LiberationMono-Regular.ttf", 0.04),
    ("liberation-mono", "LiberationMono-Bold.ttf", 0.02),
    ("freemono", "FreeMono.ttf", 0.02),
    ("freemono", "FreeMonoBold.ttf", 0.02),
    ("nimbus-mono", "NimbusMonoPS-Regular.otf", 0.03),
    ("nimbus-mono", "NimbusMonoPS-Bold.otf", 0.03),
    ("dejavu-sans", "DejaVuSans.ttf", 0.03),
    ("dejavu-sans", "DejaVuSans-Bold.ttf", 0.01),
    ("liberation-sans", "LiberationSans-Regular.ttf", 0.03),
    ("liberation-sans", "LiberationSans-Bold.ttf", 0.01),
    ("nimbus-sans", "NimbusSans-Regular.otf", 0.02),
    ("nimbus-sans", "NimbusSans-Bold.otf", 0.01),
]
# Thin faces that an erosion would break up.
THIN = {"FreeMono.ttf", "NimbusMonoPS-Regular.otf", "OCRBL.otf"}

SYSTEM_FONT_DIRS = [HERE / "fonts", Path("/usr/share/fonts")]

# Source cap height range (scan pixels) and the split for the metrics.
C_MIN, C_MAX = 8.0, 60.0
LOW_RES_BELOW = 16.0  # cap < 16 px ~ below 180 dpi for a 2.2 mm cap
HI_CAP = 24  # minimum cap height of the high-resolution render


def res_bin(c_src: float) -> str:
    return "low" if c_src < LOW_RES_BELOW else "high"


# ---------------------------------------------------------------- text

STATES = (
    "UTO D<< GBR FRA USA CAN NLD BEL ITA ESP PRT CHE AUT POL CZE SVK HUN ROU "
    "BGR GRC SWE NOR FIN DNK ISL IRL LUX EST LVA LTU SVN HRV SRB UKR RUS TUR "
    "CHN JPN KOR IND PAK BRA ARG MEX AUS NZL ZAF NGA EGY MAR DZA TUN ISR SAU "
    "ARE IRN IRQ SYR AFG VNM THA PHL IDN MYS SGP GBD GBN GBO GBP GBS UNO UNA "
    "XXA XXB XXC XXX EUE RKS MDA BLR GEO ARM AZE KAZ UZB LBN JOR KEN ETH GHA"
).split()
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
DIGITS = "0123456789"
ALNUM = DIGITS + LETTERS
VOWELS = "AEIOUY"
CONSONANTS = "BCDFGHJKLMNPQRSTVWXZ"


def _pick(rng, s):
    return s[int(rng.integers(len(s)))]


def _rand_str(rng, alphabet, n):
    idx = rng.integers(0, len(alphabet), n)
    return "".join(alphabet[i] for i in idx)


def _name_word(rng):
    n = int(rng.integers(2, 12))
    if rng.random() < 0.5:  # uniform letters: no spelling prior
        return _rand_str(rng, LETTERS, n)
    out = []
    while len(out) < n:  # syllables
        if rng.random() < 0.8:
            out.append(_pick(rng, CONSONANTS))
        out.append(_pick(rng, VOWELS))
        if rng.random() < 0.3:
            out.append(_pick(rng, CONSONANTS))
    return "".join(out[:n])


def _names(rng, width):
    """SURNAME<PART<<GIVEN<NAMES<<<< truncated / filled to width."""
    sur = "<".join(_name_word(rng) for _ in range(1 + (rng.random() < 0.25) + (rng.random() < 0.05)))
    s = sur
    if rng.random() < 0.93:
        k = int(rng.choice([1, 1, 2, 2, 3, 4]))
        s += "<<" + "<".join(_name_word(rng) for _ in range(k))
    return _fill(s, width)


def _fill(s, width):
    return (s + "<" * width)[:width]


def _date(rng):
    if rng.random() < 0.02:
        return _pick(rng, ["<<<<<<", "0000<<", "00<<<<"]) if rng.random() < 0.5 else _rand_str(rng, DIGITS, 4) + "<<"
    return "%02d%02d%02d" % (rng.integers(0, 100), rng.integers(1, 13), rng.integers(1, 32))


def _cd(rng):
    return "<" if rng.random() < 0.03 else _pick(rng, DIGITS)


def _docnum(rng, n=9):
    r = rng.random()
    if r < 0.4:
        s = _rand_str(rng, DIGITS, n)
    elif r < 0.8:
        k = int(rng.integers(1, 4))
        s = _rand_str(rng, LETTERS, k) + _rand_str(rng, DIGITS, n - k)
    else:
        s = _rand_str(rng, ALNUM, n)
    if rng.random() < 0.15:
        s = s[: int(rng.integers(5, n))]
    return _fill(s, n)


def _optional(rng, n):
    r = rng.random()
    if r < 0.55:
        return "<" * n
    if r < 0.8:
        s = _rand_str(rng, ALNUM, int(rng.integers(1, n + 1)))
    else:
        s = _rand_str(rng, DIGITS, int(rng.integers(1, n + 1)))
    return _fill(s, n)


def _state(rng):
    return _rand_str(rng, LETTERS, 3) if rng.random() < 0.2 else _pick(rng, STATES)


def _sex(rng):
    return _pick(rng, "MMMFFF<X")


def _code(rng, first):
    second = _pick(rng, "<<<<<" + LETTERS)
    return first + second


def td1(rng):
    code = _pick(rng, ["I<", "ID", "AC", "IR", "A<", "C<", "IP", "I" + _pick(rng, LETTERS)])
    l1 = code + _state(rng) + _docnum(rng) + _cd(rng) + _optional(rng, 15)
    l2 = _date(rng) + _cd(rng) + _sex(rng) + _date(rng) + _cd(rng) + _state(rng) + _optional(rng, 11) + _cd(rng)
    l3 = _names(rng, 30)
    return [l1, l2, l3]


def td2(rng):
    code = _pick(rng, ["I<", "ID", "AC", "IR", "A<", "C<", "I" + _pick(rng, LETTERS)])
    l1 = code + _state(rng) + _names(rng, 31)
    l2 = (_docnum(rng) + _cd(rng) + _state(rng) + _date(rng) + _cd(rng) + _sex(rng)
          + _date(rng) + _cd(rng) + _optional(rng, 7) + _cd(rng))
    return [l1, l2]


def td3(rng):
    l1 = _code(rng, "P") + _state(rng) + _names(rng, 39)
    l2 = (_docnum(rng) + _cd(rng) + _state(rng) + _date(rng) + _cd(rng) + _sex(rng)
          + _date(rng) + _cd(rng) + _optional(rng, 14) + _cd(rng) + _cd(rng))
    return [l1, l2]


def mrva(rng):
    l1 = _code(rng, "V") + _state(rng) + _names(rng, 39)
    l2 = (_docnum(rng) + _cd(rng) + _state(rng) + _date(rng) + _cd(rng) + _sex(rng)
          + _date(rng) + _cd(rng) + _optional(rng, 16))
    return [l1, l2]


def mrvb(rng):
    l1 = _code(rng, "V") + _state(rng) + _names(rng, 31)
    l2 = (_docnum(rng) + _cd(rng) + _state(rng) + _date(rng) + _cd(rng) + _sex(rng)
          + _date(rng) + _cd(rng) + _optional(rng, 8))
    return [l1, l2]


def fr_id(rng):
    sur = _fill("<".join(_name_word(rng) for _ in range(1 + (rng.random() < 0.2))), 25)
    office = _rand_str(rng, DIGITS, 3) + _rand_str(rng, ALNUM, 3)
    l1 = "IDFRA" + sur + office
    given = _fill("<<".join(_name_word(rng) for _ in range(int(rng.integers(1, 4)))), 14)
    l2 = (_rand_str(rng, DIGITS, 4) + _rand_str(rng, DIGITS + "AB", 3) + _rand_str(rng, DIGITS, 5)
          + _cd(rng) + given + _date(rng) + _cd(rng) + _sex(rng) + _cd(rng))
    return [l1, l2]


def random_doc(rng):
    """Uniformly random characters: no language prior at all."""
    if rng.random() < 0.7:
        n = int(rng.choice([30, 36, 44]))
    else:
        n = int(rng.integers(5, 45))
    k = int(rng.integers(1, 4))
    lines = []
    for _ in range(k):
        s = _rand_str(rng, CHARSET, n)
        if rng.random() < 0.3:  # random filler runs
            a = int(rng.integers(0, n))
            b = min(n, a + int(rng.integers(2, 15)))
            s = s[:a] + "<" * (b - a) + s[b:]
        lines.append(s)
    return lines


FORMATS = [("td1", td1, 0.17), ("td2", td2, 0.08), ("td3", td3, 0.25), ("mrva", mrva, 0.06),
           ("mrvb", mrvb, 0.05), ("fr_id", fr_id, 0.09), ("random", random_doc, 0.30)]
for _name, _f, _w in FORMATS:
    for _l in _f(np.random.default_rng(0)):
        assert all(ch in CHAR_INDEX for ch in _l), (_name, _l)
    if _name != "random":
        _ls = _f(np.random.default_rng(1))
        assert len({len(x) for x in _ls}) == 1 and len(_ls[0]) in (30, 36, 44), (_name, _ls)


def make_document(rng):
    """(format, lines) of one MRZ."""
    w = np.array([f[2] for f in FORMATS])
    i = int(rng.choice(len(FORMATS), p=w / w.sum()))
    return FORMATS[i][0], FORMATS[i][1](rng)


# ---------------------------------------------------------------- fonts


def find_fonts(fonts_dir=None):
    """[(family, file name, path, weight)] for the fonts found by file name
    in fonts_dir (recursively), else in models/mrz_ocr/fonts and
    /usr/share/fonts."""
    dirs = [Path(fonts_dir)] if fonts_dir else SYSTEM_FONT_DIRS
    index = {}
    for d in dirs:
        if not d.is_dir():
            continue
        for root, _, files in os.walk(d):
            for f in files:
                index.setdefault(f, os.path.join(root, f))
    found = [(fam, name, index[name], w) for fam, name, w in FONTS if name in index]
    if not found:
        raise SystemExit(f"no MRZ fonts found in {[str(d) for d in dirs]} (run models/mrz_ocr/collect_fonts.sh)")
    missing = [name for _, name, _ in FONTS if name not in index]
    if missing:
        print(f"render: fonts not found (skipped): {', '.join(missing)}", file=sys.stderr)
    if not any(f[0] == "ocrb" for f in found):
        print("render: WARNING no OCR-B font: the model will not see real MRZ glyphs", file=sys.stderr)
    return found


class GlyphSet:
    """The charset rendered with one font at one pixel size: ink coverage
    bitmaps (uint8) cropped to their ink, with offsets from the pen
    position on the baseline."""

    def __init__(self, path, size):
        font = ImageFont.truetype(path, size)
        self.glyphs = {}
        for ch in CHARSET:
            l, t, r, b = font.getbbox(ch, anchor="ls")
            w, h = r - l + 4, b - t + 4
            im = Image.new("L", (w, h), 0)
            ImageDraw.Draw(im).text((2 - l, 2 - t), ch, font=font, fill=255, anchor="ls")
            a = np.asarray(im)
            rows = np.nonzero(a.max(1) > 8)[0]
            cols = np.nonzero(a.max(0) > 8)[0]
            if len(rows) == 0:
                raise ValueError(f"{path}: no ink for {ch!r}")
            a = a[rows[0]: rows[-1] + 1, cols[0]: cols[-1] + 1]
            # ink top-left relative to (pen x, baseline)
            self.glyphs[ch] = (np.ascontiguousarray(a), l - 2 + cols[0], t - 2 + rows[0])
        a, _, top = self.glyphs["H"]
        self.cap = float(-top)  # baseline to the top of H
        self._variants = {0: self.glyphs}

    def weight(self, k):
        """The glyphs dilated (k = 1) or eroded (k = -1) by a 3x3 rank filter."""
        v = self._variants.get(k)
        if v is None:
            flt = ImageFilter.MaxFilter(3) if k > 0 else ImageFilter.MinFilter(3)
            v = {}
            for ch, (a, ox, oy) in self.glyphs.items():
                im = Image.fromarray(np.pad(a, 1)).filter(flt)
                v[ch] = (np.asarray(im), ox - 1, oy - 1)
            self._variants[k] = v
        return v


class FontBank:
    def __init__(self, fonts):
        self.fonts = fonts
        w = np.array([f[3] for f in fonts])
        self.p = w / w.sum()
        self.cap_ratio = {}
        self.cache = {}
        for _, _, path, _ in fonts:
            self.cap_ratio[path] = GlyphSet(path, 200).cap / 200.0

    def pick(self, rng):
        return self.fonts[int(rng.choice(len(self.fonts), p=self.p))]

    def glyphs(self, path, cap):
        size = max(6, int(round(cap / self.cap_ratio[path])))
        key = (path, size)
        gs = self.cache.get(key)
        if gs is None:
            if len(self.cache) > 1500:
                self.cache.clear()
            gs = self.cache[key] = GlyphSet(path, size)
        return gs


# ---------------------------------------------------------------- geometry


def _affine(m):
    """3x3 from a 2x3."""
    return np.vstack([np.asarray(m, dtype=np.float64), [0.0, 0.0, 1.0]])


def _translate(tx, ty):
    return _affine([[1, 0, tx], [0, 1, ty]])


def _scale(sx, sy):
    return _affine([[sx, 0, 0], [0, sy, 0]])


def _rotate(theta):
    c, s = math.cos(theta), math.sin(theta)
    return _affine([[c, -s, 0], [s, c, 0]])


def _warp(img, m_out_to_in, size, resample=Image.BILINEAR, fill=0):
    """PIL affine warp; m maps output pixel centres (integer coordinates)
    to input pixel centres (integer coordinates)."""
    a = m_out_to_in
    # PIL: in + 0.5 = A (out + 0.5 - 0.5) + t + 0.5
    c = a[0, 2] - 0.5 * (a[0, 0] + a[0, 1]) + 0.5
    f = a[1, 2] - 0.5 * (a[1, 0] + a[1, 1]) + 0.5
    return img.transform(size, Image.AFFINE, (a[0, 0], a[0, 1], c, a[1, 0], a[1, 1], f),
                         resample=resample, fillcolor=fill)


def _bbox(m, pts):
    p = (m @ np.vstack([np.asarray(pts, dtype=np.float64).T, np.ones(len(pts))]))[:2]
    return p[0].min(), p[1].min(), p[0].max(), p[1].max()


# ---------------------------------------------------------------- appearance


def _smooth_field(rng, h, w, scale):
    """Low-frequency field in about [-1, 1] (sum of a ramp and blobs),
    computed at 1/8 resolution and upsampled."""
    hs, ws = max(2, -(-h // 8)), max(2, -(-w // 8))
    yy = np.linspace(-1, 1, hs, dtype=np.float32)[:, None] * (h / max(h, w))
    xx = np.linspace(-1, 1, ws, dtype=np.float32)[None, :]
    a = rng.uniform(0, 2 * np.pi)
    f = np.cos(a) * xx + np.sin(a) * yy
    if rng.random() < 0.5:
        cx, cy = rng.uniform(-1, 1), rng.uniform(-0.5, 0.5)
        r = rng.uniform(0.3, 1.5) * scale
        f = f + np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (r * r)) * rng.choice([-1, 1])
    f = (f / max(1e-6, float(np.abs(f).max()))).astype(np.float32)
    return np.asarray(Image.fromarray(f).resize((w, h), Image.BILINEAR))


def _guilloche(rng, h, w, c):
    """Fine wavy line families (security background), values in [0, 1]."""
    yy = np.arange(h, dtype=np.float32)[:, None]
    xx = np.arange(w, dtype=np.float32)[None, :]
    out = np.zeros((h, w), np.float32)
    for _ in range(int(rng.integers(1, 3))):
        lam = rng.uniform(0.25, 1.2) * c  # line spacing
        phi = rng.uniform(0, np.pi)
        amp = rng.uniform(0, 1.5)
        per = rng.uniform(1.5, 8) * c
        ph = rng.uniform(0, 2 * np.pi)
        # cos(A(x) + B(y)), separably
        ax = 2 * np.pi * (xx * np.cos(phi) / lam + amp * np.sin(2 * np.pi * xx / per + ph))
        by = 2 * np.pi * yy * np.sin(phi) / lam
        g = 0.5 + 0.5 * (np.cos(by) * np.cos(ax) - np.sin(by) * np.sin(ax))
        width = rng.uniform(0.05, 0.25)
        out = np.maximum(out, np.clip((g - (1 - width)) / width, 0, 1))
    return out


# ---------------------------------------------------------------- renderer


class Renderer:
    def __init__(self, fonts_dir=None, real_dir=None, real_share=0.3, real_split="train"):
        self.bank = FontBank(find_fonts(fonts_dir))
        self.real = []
        self.real_share = real_share
        if real_dir:
            self.real = load_real(real_dir, real_split)

    # -- public

    def sample(self, rng):
        """(uint8 [32, W], text, meta)."""
        if self.real and rng.random() < self.real_share:
            path, text = self.real[int(rng.integers(len(self.real)))]
            return _load_crop(path), text, {"family": "real", "font": "real", "c_src": 0.0,
                                            "res": "real", "format": "real"}
        fmt, lines = make_document(rng)
        k = int(rng.integers(len(lines)))
        above = lines[k - 1] if k > 0 else None
        below = lines[k + 1] if k + 1 < len(lines) else None
        if above is None and rng.random() < 0.5:  # other MRZ-like text
            above = _rand_str(rng, CHARSET, len(lines[k]))
        if below is None and rng.random() < 0.3:
            below = _rand_str(rng, CHARSET, len(lines[k]))
        if rng.random() < 0.45:
            above = None
        if rng.random() < 0.45:
            below = None
        img, meta = self.render_line(rng, lines[k], above, below)
        meta["format"] = fmt
        return img, lines[k], meta

    # -- the line

    def render_line(self, rng, text, above=None, below=None):
        fam, fname, fpath, _ = self.bank.pick(rng)
        c_src = float(np.exp(rng.uniform(np.log(C_MIN), np.log(C_MAX))))
        f = min(3, max(1, math.ceil(HI_CAP / c_src)))
        gs = self.bank.glyphs(fpath, c_src * f)
        c_hi = gs.cap
        c_src = c_hi / f
        meta = {"family": fam, "font": fname, "c_src": round(c_src, 2), "res": res_bin(c_src)}

        # Layout in the text frame, high-resolution pixels: pen on the
        # baseline of the main line at y = 0, first cell starts at x = 0.
        r = rng.random()
        if r < 0.15:
            glyphs = gs.weight(1)
        elif r < 0.27 and fname not in THIN and c_hi >= 28:
            glyphs = gs.weight(-1)
        else:
            glyphs = gs.glyphs
        pitch = rng.uniform(1.0, 1.25) * c_hi
        # A few lines set proportionally (ink width + a gap), as a careless
        # forger's word processor would: the model must still read them.
        gap = rng.uniform(0.12, 0.4) * c_hi if rng.random() < 0.06 else None
        spacing = rng.uniform(1.45, 2.0) * c_hi
        placed = []  # (glyph, x, y) top-left of the ink
        first_ink, last_ink = None, None
        for li, (s, base) in enumerate([(text, 0.0), (above, -spacing), (below, spacing)]):
            if not s:
                continue
            shift = 0.0 if li == 0 else rng.normal(0, 0.05) * pitch
            wob_a = rng.uniform(0, 0.04) * c_hi if rng.random() < 0.5 else 0.0
            wob_p = rng.uniform(8, 30) * pitch
            wob_ph = rng.uniform(0, 2 * np.pi)
            jx = rng.normal(0, 0.02 * c_hi, len(s))
            jy = rng.normal(0, 0.012 * c_hi, len(s))
            pen = 0.0
            for i, ch in enumerate(s):
                a, ox, oy = glyphs[ch]
                if gap is None:
                    cx = (i + 0.5) * pitch + shift + jx[i]
                else:
                    cx = pen + a.shape[1] / 2.0 + shift
                    pen += a.shape[1] + gap
                x = cx - a.shape[1] / 2.0
                y = base + oy + jy[i] + wob_a * math.sin(2 * np.pi * cx / wob_p + wob_ph)
                placed.append((a, x, y))
                if li == 0:
                    first_ink = x if first_ink is None else min(first_ink, x)
                    last_ink = x + a.shape[1] if last_ink is None else max(last_ink, x + a.shape[1])

        # Crop geometry in the text frame, scan pixels (hi / f).
        cap_crop = rng.uniform(15.0, 21.0)
        sy = cap_crop / c_src
        sx = sy * rng.uniform(0.5, 0.72)
        pad_l = rng.uniform(0.5, 1.5) * c_src
        pad_r = rng.uniform(0.5, 1.5) * c_src
        mid_jit = rng.uniform(-2.5, 2.5)  # crop rows, + = text lower
        eps = float(np.clip(rng.normal(0, 0.15), -0.5, 0.5)) * np.pi / 180  # localiser angle error
        x0, x1 = first_ink / f, last_ink / f
        length = x1 - x0
        mid = (-c_hi / 2.0) / f  # cap band middle
        width = int(math.ceil((length + pad_l + pad_r) * sx / 4.0)) * 4
        width = max(width, 32)
        d = np.array([math.cos(eps), math.sin(eps)])
        n = np.array([-math.sin(eps), math.cos(eps)])
        centre = np.array([(x0 + x1) / 2.0, mid]) - n * (mid_jit / sy)
        start = centre - d * (length / 2.0)
        origin = start - d * pad_l
        # crop (col, row) -> text frame (scan px)
        k_crop = _affine([[d[0] / sx, n[0] / sy, origin[0] - n[0] * CROP_MID / sy],
                          [d[1] / sx, n[1] / sy, origin[1] - n[1] * CROP_MID / sy]])
        if rng.random() < 0.3:  # slant (perspective, skewed print head): x += k (y - mid)
            k = rng.uniform(-0.08, 0.08)
            k_crop = k_crop @ _translate(0, CROP_MID) @ _affine([[1, k * sx / sy, 0], [0, 1, 0]]) @ _translate(0, -CROP_MID)

        # Document rotation (the crop follows it, up to the error eps).
        theta = rng.uniform(-3, 3) * np.pi / 180 if rng.random() < 0.35 else 0.0
        pivot = np.array([(x0 + x1) / 2.0, mid]) * f
        rot = _translate(*pivot) @ _rotate(theta) @ _translate(*-pivot)  # text hi -> image hi
        corners = [(-0.5, -0.5), (width - 0.5, -0.5), (-0.5, CROP_H - 0.5), (width - 0.5, CROP_H - 0.5)]
        margin = max(4.0, 0.3 * c_src) * f
        ix0, iy0, ix1, iy1 = _bbox(rot @ _scale(f, f) @ k_crop, corners)
        ix0, iy0 = math.floor(ix0 - margin), math.floor(iy0 - margin)
        iw = int(math.ceil((ix1 + margin - ix0) / f)) * f
        ih = int(math.ceil((iy1 + margin - iy0) / f)) * f
        # Text canvas covering the image canvas (after undoing the rotation).
        inv_rot = np.linalg.inv(rot)
        tx0, ty0, tx1, ty1 = _bbox(inv_rot, [(ix0, iy0), (ix0 + iw, iy0), (ix0, iy0 + ih), (ix0 + iw, iy0 + ih)])
        tx0, ty0 = math.floor(tx0) - 1, math.floor(ty0) - 1
        tw, th = int(math.ceil(tx1 - tx0)) + 2, int(math.ceil(ty1 - ty0)) + 2

        ink = np.zeros((th, tw), np.uint8)
        for a, x, y in placed:
            xi, yi = int(round(x - tx0)), int(round(y - ty0))
            h, w = a.shape
            ax0, ay0 = max(0, -xi), max(0, -yi)
            ax1, ay1 = min(w, tw - xi), min(h, th - yi)
            if ax1 <= ax0 or ay1 <= ay0:
                continue
            dst = ink[yi + ay0: yi + ay1, xi + ax0: xi + ax1]
            np.maximum(dst, a[ay0:ay1, ax0:ax1], out=dst)
        im = Image.fromarray(ink)

        # Rotate into the image frame (hi), then reduce to the scan.
        m = _translate(tx0, ty0)  # text canvas px -> text hi
        if theta != 0.0:
            im = _warp(im, np.linalg.inv(m) @ inv_rot @ _translate(ix0, iy0), (iw, ih))
        else:
            im = _warp(im, np.linalg.inv(m) @ _translate(ix0, iy0), (iw, ih), resample=Image.NEAREST)
        if f > 1:
            im = im.reduce(f)
        gamma = rng.uniform(0.7, 1.4)
        if abs(gamma - 1) > 0.05:  # ink spread / thinning at the edges
            im = im.point([int(255 * (i / 255.0) ** gamma + 0.5) for i in range(256)])
        cov = np.asarray(im, dtype=np.float32) * (1.0 / 255.0)
        # scan px (integer centres) -> image hi canvas px: (s + 0.5) f - 0.5
        scan_to_canvas = _affine([[f, 0, 0.5 * f - 0.5], [0, f, 0.5 * f - 0.5]])

        scan = self._appearance(rng, cov, c_src)

        # Crop (col, row) -> scan pixel.
        crop_to_scan = np.linalg.inv(scan_to_canvas) @ _translate(-ix0, -iy0) @ rot @ _scale(f, f) @ k_crop
        out = self._crop(scan, crop_to_scan, width, sx, sy)
        if rng.random() < 0.04:  # the document's edge and what lies beyond it
            out = out.copy()
            left = rng.random() < 0.5
            if left:  # first ink at column pad_l sx
                cols = slice(0, max(1, int(pad_l * sx * rng.uniform(0.1, 0.7))))
            else:  # last ink at column (pad_l + length) sx
                ink_col = (pad_l + length) * sx
                cols = slice(min(width - 1, int(math.ceil(ink_col + (width - ink_col) * rng.uniform(0.3, 0.9)))), width)
            level = rng.uniform(10, 150)
            region = out[:, cols].astype(np.float32)
            out[:, cols] = np.clip(level + rng.normal(0, 4, region.shape), 0, 255).astype(np.uint8)
        return out, meta

    def _appearance(self, rng, cov, c):
        """Paper, ink, light, blur, noise, JPEG at the scan resolution; uint8."""
        h, w = cov.shape
        paper = rng.uniform(0.8, 1.0) if rng.random() < 0.6 else rng.uniform(0.93, 1.0)
        r = rng.random()
        if r < 0.1:  # low contrast
            ink_l = paper - rng.uniform(0.3, 0.5)
        elif r < 0.35:  # dark grey / blue (its luma)
            ink_l = rng.uniform(0.15, 0.4)
        else:  # black
            ink_l = rng.uniform(0.0, 0.15)
        contrast = float(np.clip(paper - ink_l, 0.05, 1.0))
        bg = np.full((h, w), paper, np.float32)
        if rng.random() < 0.5:  # gradient / tint variation
            bg += rng.uniform(-0.1, 0.1) * _smooth_field(rng, h, w, 1.0)
        if rng.random() < 0.25:  # faint rainbow print (luma of a hue sweep)
            xx = np.arange(w, dtype=np.float32)[None, :]
            bg -= rng.uniform(0.02, 0.1) * (0.5 + 0.5 * np.sin(2 * np.pi * xx / (rng.uniform(8, 40) * c) + rng.uniform(0, 6.3)))
        if rng.random() < 0.35:  # guilloche, fainter than the ink
            bg *= 1.0 - rng.uniform(0.04, min(0.3, 0.4 * contrast)) * _guilloche(rng, h, w, c)
        if rng.random() < 0.25:  # speckle
            nd = int(h * w * rng.uniform(0.0005, 0.005)) + 1
            ys, xs = rng.integers(0, h, nd), rng.integers(0, w, nd)
            bg[ys, xs] *= rng.uniform(0.3, 0.9, nd).astype(np.float32)
        ink_map = np.float32(ink_l)
        if rng.random() < 0.3:  # mottled toner / ribbon
            ink_map = ink_l + rng.uniform(0.02, 0.1) * _smooth_field(rng, h, w, 0.3)
        img = bg * (1.0 - cov) + ink_map * cov
        if rng.random() < 0.4:  # uneven illumination
            img *= 1.0 - rng.uniform(0.05, 0.3) * (0.5 + 0.5 * _smooth_field(rng, h, w, 0.7))
        if rng.random() < 0.07:  # partial glare
            yy = np.arange(h, dtype=np.float32)[:, None]
            xx = np.arange(w, dtype=np.float32)[None, :]
            cx, cy = rng.uniform(0, w), rng.uniform(0, h)
            rx, ry = rng.uniform(1, 6) * c, rng.uniform(0.5, 3) * c
            g = np.exp(-(((xx - cx) / rx) ** 2 + ((yy - cy) / ry) ** 2))
            img = img + (1.0 - img) * (rng.uniform(0.3, 0.6) * g)
        img = np.clip(img, 0.0, 1.0)
        im = Image.fromarray((img * 255.0 + 0.5).astype(np.uint8))
        if rng.random() < 0.6:
            sigma = rng.uniform(0.0, min(1.5, 0.12 * c))
            if sigma > 0.15:
                im = im.filter(ImageFilter.GaussianBlur(sigma))
        a = np.asarray(im, dtype=np.float32)
        if rng.random() < 0.1:  # motion blur
            ln = rng.uniform(1.0, min(4.0, 0.25 * c))
            ang = rng.uniform(0, np.pi)
            k = int(math.ceil(ln))
            acc = np.zeros_like(a)
            for i in range(k + 1):
                t = i / k - 0.5
                dx, dy = int(round(t * ln * math.cos(ang))), int(round(t * ln * math.sin(ang)))
                acc += np.roll(a, (dy, dx), axis=(0, 1))
            a = acc / (k + 1)
        if rng.random() < 0.7:
            sig = rng.uniform(0.0, min(12.0, 0.2 * 255 * contrast))
            a = a + sig * rng.standard_normal(a.shape, dtype=np.float32)
        im = Image.fromarray(np.clip(a + 0.5, 0, 255).astype(np.uint8))
        if rng.random() < 0.5:
            q = int(rng.integers(30 if c >= 12 else 50, 96))
            buf = io.BytesIO()
            im.save(buf, format="JPEG", quality=q)
            buf.seek(0)
            im = Image.open(buf)
            im.load()
        return im

    def _crop(self, scan, crop_to_scan, width, sx, sy):
        """Area-averaged affine crop (like crates/ocr/src/crop.rs): box-reduce
        the scan towards the crop's scale, then bilinear."""
        w, h = scan.size
        rx, ry = min(1.0, sx), min(1.0, sy)
        m = crop_to_scan
        if rx < 0.95 or ry < 0.95:
            nw, nh = max(1, int(round(w * rx))), max(1, int(round(h * ry)))
            scan = scan.resize((nw, nh), Image.BOX)
            kx, ky = nw / w, nh / h
            m = _affine([[kx, 0, 0.5 * kx - 0.5], [0, ky, 0.5 * ky - 0.5]]) @ m
        fill = int(np.median(np.asarray(scan)[:, -2:]))
        out = _warp(scan, m, (width, CROP_H), resample=Image.BILINEAR, fill=fill)
        return np.asarray(out, dtype=np.uint8)


# ---------------------------------------------------------------- real crops


def real_split_of(name):
    """'val' for a fixed tenth of the real crops (by a hash of the file
    name), 'train' for the rest."""
    import hashlib

    return "val" if hashlib.sha256(name.encode()).digest()[0] % 10 == 0 else "train"


def load_real(real_dir, split="all"):
    """[(png path, text)] from real_dir/labels.tsv (split: 'train', 'val' or
    'all'); [] when absent."""
    p = Path(real_dir) / "labels.tsv"
    if not p.is_file():
        print(f"render: no {p}; training on synthetic lines only", file=sys.stderr)
        return []
    out = []
    for line in p.read_text().splitlines():
        if not line.strip() or "\t" not in line:
            continue
        name, text = line.split("\t", 1)
        text = text.strip()
        if not text or any(ch not in CHAR_INDEX for ch in text):
            continue
        path = Path(real_dir) / name
        if split != "all" and real_split_of(name) != split:
            continue
        if path.is_file():
            out.append((str(path), text))
    print(f"render: {len(out)} real crops ({split}) from {p}", file=sys.stderr)
    return out


def _load_crop(path):
    im = Image.open(path).convert("L")
    if im.height != CROP_H:
        im = im.resize((max(4, round(im.width * CROP_H / im.height)), CROP_H), Image.BILINEAR)
    a = np.asarray(im, dtype=np.uint8)
    w = a.shape[1]
    w4 = max(32, -(-w // 4) * 4)
    if w4 != w:
        a = np.pad(a, ((0, 0), (0, w4 - w)), mode="edge")
    return a


# ---------------------------------------------------------------- seeding


def sample_rng(seed, stream, index, sub=0):
    """The generator for one sample: same (seed, stream, index, sub), same sample."""
    return np.random.default_rng(np.random.SeedSequence([int(seed), int(stream), int(index), int(sub)]))


def contact_sheet(samples, path, cols=2):
    pad = 4
    wmax = max(a.shape[1] for a, _, _ in samples)
    rows = -(-len(samples) // cols)
    sheet = Image.new("L", (cols * (wmax + pad), rows * (CROP_H + 14 + pad)), 128)
    draw = ImageDraw.Draw(sheet)
    for i, (a, text, meta) in enumerate(samples):
        x, y = (i % cols) * (wmax + pad), (i // cols) * (CROP_H + 14 + pad)
        sheet.paste(Image.fromarray(a), (x, y))
        draw.text((x, y + CROP_H + 1), f"{meta['font'][:10]} c={meta['c_src']} {text}", fill=255)
    sheet.save(path)


def main():
    import argparse

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--fonts-dir")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--n", type=int, default=50)
    ap.add_argument("--sheet", help="write a contact sheet PNG")
    ap.add_argument("--dir", help="write PNGs and labels.tsv here")
    ap.add_argument("--bench", action="store_true", help="time the renderer")
    args = ap.parse_args()
    r = Renderer(args.fonts_dir)
    t0 = time.perf_counter()
    samples = [r.sample(sample_rng(args.seed, 9, i)) for i in range(args.n)]
    dt = time.perf_counter() - t0
    if args.bench:
        t0 = time.perf_counter()
        for i in range(args.n):
            r.sample(sample_rng(args.seed, 9, args.n + i))
        dt2 = time.perf_counter() - t0
        print(f"{args.n} samples: {1000 * dt / args.n:.2f} ms/sample cold, {1000 * dt2 / args.n:.2f} ms/sample warm")
    if args.sheet:
        contact_sheet(samples, args.sheet)
        print("wrote", args.sheet)
    if args.dir:
        os.makedirs(args.dir, exist_ok=True)
        with open(os.path.join(args.dir, "labels.tsv"), "w") as fh:
            for i, (a, text, _) in enumerate(samples):
                Image.fromarray(a).save(os.path.join(args.dir, f"{i:05d}.png"))
                fh.write(f"{i:05d}.png\t{text}\n")


if __name__ == "__main__":
    main()
