#!/usr/bin/env python3
"""Synthetic printed-data (VIZ) text lines for the VIZ recogniser
(models/viz_ocr/README.md): field values as documents print them (names
with diacritics, dates in every format, document numbers, codes, places,
authorities), in every font family the machine has, weights, sizes, ink
and paper, guilloche, blur, noise and JPEG, cut in the Rust cropper's
geometry (crates/ocr/src/viz.rs): a 32-px-high crop in which the text band
is about 18 px high around row 16, at the print's own aspect ratio.

The recogniser reads upper case: lower-case print is labelled with its
capital (the cross-check with the MRZ compares capitals), so the classes
are digits, A-Z, the accented capitals of Latin scripts, punctuation and
space.

    python models/viz_ocr/render.py --n 40 --sheet /tmp/viz.png

Shares the appearance model (paper, ink, light, blur, noise, JPEG) and the
real-crop loading with models/mrz_ocr/render.py.
"""
from __future__ import annotations

import importlib.util
import math
import os
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

HERE = Path(__file__).resolve().parent


def _load_mrz_render():
    spec = importlib.util.spec_from_file_location("mrz_render", HERE.parent / "mrz_ocr" / "render.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


_mrz = _load_mrz_render()
sample_rng = _mrz.sample_rng
real_split_of = _mrz.real_split_of

ACCENTED = "ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÐÑÒÓÔÕÖØÙÚÛÜÝÞŒŠŽ"
CHARSET = "<0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ" + ACCENTED + " .,/-'():"
CHAR_INDEX = {ch: i + 1 for i, ch in enumerate(CHARSET)}  # 0 = CTC blank

CROP_H = 32
CROP_BAND = 18.0  # text band (cap height of capitals) in the crop
CROP_MID = 16.0

# (family, file). Every family weighs the same, its files share it.
FONTS = [
    ("ocrb", "OCRB.otf"), ("ocrb", "OCRBS.otf"), ("ocrb", "OCRBL.otf"),
    ("dejavu-sans", "DejaVuSans.ttf"), ("dejavu-sans", "DejaVuSans-Bold.ttf"),
    ("dejavu-sans", "DejaVuSans-Oblique.ttf"), ("dejavu-sans", "DejaVuSans-ExtraLight.ttf"),
    ("dejavu-condensed", "DejaVuSansCondensed.ttf"), ("dejavu-condensed", "DejaVuSansCondensed-Bold.ttf"),
    ("dejavu-mono", "DejaVuSansMono.ttf"), ("dejavu-mono", "DejaVuSansMono-Bold.ttf"),
    ("dejavu-serif", "DejaVuSerif.ttf"), ("dejavu-serif", "DejaVuSerif-Bold.ttf"),
    ("dejavu-serif", "DejaVuSerifCondensed.ttf"), ("dejavu-serif", "DejaVuSerif-Italic.ttf"),
    ("liberation-sans", "LiberationSans-Regular.ttf"), ("liberation-sans", "LiberationSans-Bold.ttf"),
    ("liberation-sans", "LiberationSans-Italic.ttf"),
    ("liberation-serif", "LiberationSerif-Regular.ttf"), ("liberation-serif", "LiberationSerif-Bold.ttf"),
    ("liberation-mono", "LiberationMono-Regular.ttf"), ("liberation-mono", "LiberationMono-Bold.ttf"),
    ("free-sans", "FreeSans.ttf"), ("free-sans", "FreeSansBold.ttf"), ("free-sans", "FreeSansOblique.ttf"),
    ("free-serif", "FreeSerif.ttf"), ("free-serif", "FreeSerifBold.ttf"), ("free-serif", "FreeSerifItalic.ttf"),
    ("free-mono", "FreeMono.ttf"), ("free-mono", "FreeMonoBold.ttf"),
    ("nimbus-sans", "NimbusSans-Regular.otf"), ("nimbus-sans", "NimbusSans-Bold.otf"),
    ("nimbus-sans", "NimbusSans-Italic.otf"),
    ("nimbus-narrow", "NimbusSansNarrow-Regular.otf"), ("nimbus-narrow", "NimbusSansNarrow-Bold.otf"),
    ("nimbus-roman", "NimbusRoman-Regular.otf"), ("nimbus-roman", "NimbusRoman-Bold.otf"),
    ("nimbus-roman", "NimbusRoman-Italic.otf"),
    ("nimbus-mono", "NimbusMonoPS-Regular.otf"), ("nimbus-mono", "NimbusMonoPS-Bold.otf"),
    ("c059", "C059-Roman.otf"), ("c059", "C059-Bold.otf"), ("c059", "C059-Italic.otf"),
    ("bookman", "URWBookman-Light.otf"), ("bookman", "URWBookman-Demi.otf"),
    # Held out of training: the validation's unseen families.
    ("p052", "P052-Roman.otf"), ("p052", "P052-Bold.otf"), ("p052", "P052-Italic.otf"),
    ("urw-gothic", "URWGothic-Book.otf"), ("urw-gothic", "URWGothic-Demi.otf"),
]
HELD_OUT = {"p052", "urw-gothic"}
SYSTEM_FONT_DIRS = [HERE / "fonts", Path("/usr/share/fonts")]

# Source cap height (scan pixels): ~1.6-3.5 mm print at 150-600 dpi.
C_MIN, C_MAX = 7.0, 48.0


def res_bin(c_src: float) -> str:
    return "low" if c_src < 14.0 else "high"


# ---------------------------------------------------------------- text

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
VOWELS = "AEIOUY"
CONSONANTS = "BCDFGHJKLMNPRSTVWZ"
# Accented letters by how often names carry them.
NAME_ACCENTS = "ÉÈÖÜÄÅØÆÇÑÁÍÓÚÃÕÂÊÎÔÛËÏŠŽÝÀÐÞŒÌÒÙ"
MONTHS = {
    "en": ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"],
    "fr": ["JAN", "FÉV", "MARS", "AVR", "MAI", "JUIN", "JUIL", "AOÛT", "SEPT", "OCT", "NOV", "DÉC"],
    "de": ["JAN", "FEB", "MÄR", "APR", "MAI", "JUN", "JUL", "AUG", "SEP", "OKT", "NOV", "DEZ"],
    "es": ["ENE", "FEB", "MAR", "ABR", "MAY", "JUN", "JUL", "AGO", "SEP", "OCT", "NOV", "DIC"],
    "full": ["JANUARY", "FEBRUARY", "MARCH", "APRIL", "MAY", "JUNE", "JULY", "AUGUST", "SEPTEMBER",
             "OCTOBER", "NOVEMBER", "DECEMBER"],
}
WORDS = ["MINISTRY", "OF", "INTERIOR", "PREFECTURE", "POLICE", "CITY", "HALL", "REGISTRY", "OFFICE", "EMBASSY",
         "CONSULATE", "GENERAL", "DEPARTMENT", "STATE", "CIVIL", "AFFAIRS", "FOREIGN", "BUREAU", "SAINT", "NORTH",
         "PORT", "NEW", "RIVER", "VILLE", "STADT", "AMT", "DE", "DU", "LA", "DER", "DAYS", "MULT", "CM"]
CODES = ["UTO", "D", "DEU", "FRA", "NLD", "ESP", "ITA", "BEL", "AUT", "CHE", "GBR", "USA", "XXA", "BRD", "SYL",
         "ARC", "POL", "SWE", "NOR", "DNK", "FIN", "PRT", "GRC", "IRL"]
NATIONALITIES = ["UTOPIAN", "UTOPIENNE", "GERMAN", "DEUTSCH", "FRANÇAISE", "DUTCH", "NEDERLANDSE", "ESPAÑOLA",
                 "ITALIANA", "BELGE", "SYLDAVIAN", "BORDURIAN", "BRITISH CITIZEN"]


def _pick(rng, seq):
    return seq[int(rng.integers(len(seq)))]


def _word(rng, lo=2, hi=9):
    n = int(rng.integers(lo, hi + 1))
    out = []
    v = rng.random() < 0.4
    for _ in range(n):
        out.append(_pick(rng, VOWELS if v else CONSONANTS))
        v = not v if rng.random() < 0.8 else v
    if rng.random() < 0.35:
        i = int(rng.integers(n))
        out[i] = _pick(rng, NAME_ACCENTS)
    return "".join(out)


def _case(rng, s):
    """Upper case mostly; title or lower case sometimes (the label stays
    upper case: the model reads capitals)."""
    r = rng.random()
    if r < 0.7:
        return s
    if r < 0.95:
        return " ".join(w[:1] + w[1:].lower() for w in s.split(" "))
    return s.lower()


def _name(rng):
    parts = [_word(rng) for _ in range(int(rng.integers(1, 4)))]
    s = " ".join(parts)
    if rng.random() < 0.1:
        s = s.replace(" ", "-", 1)
    if rng.random() < 0.05:
        s = _pick(rng, ["D'", "O'", "MC", "VAN ", "DE ", "VON "]) + s
    return _case(rng, s)


def _date(rng):
    y = int(rng.integers(1925, 2040))
    m = int(rng.integers(1, 13))
    d = int(rng.integers(1, 29))
    yy = f"{y % 100:02d}"
    r = rng.random()
    if r < 0.04:
        return _pick(rng, ["XX XX XXXX", "XX.XX.XXXX", "XXXX-XX-XX", "-- --- ----"])
    style = int(rng.integers(9))
    lang = _pick(rng, ["en", "fr", "de", "es", "full"])
    mon = MONTHS[lang][m - 1]
    sep = _pick(rng, [" ", " ", "  ", "-", "."])
    if style == 0:
        return f"{d:02d} {mon} {y}"
    if style == 1:
        other = MONTHS[_pick(rng, ["fr", "de", "es"])][m - 1]
        slash = _pick(rng, ["/", " / "])
        return f"{d:02d} {MONTHS['en'][m - 1]}{slash}{other} {_pick(rng, [yy, str(y)])}"
    if style == 2:
        return f"{d:02d}.{m:02d}.{y}"
    if style == 3:
        return f"{d:02d}/{m:02d}/{_pick(rng, [yy, str(y)])}"
    if style == 4:
        return f"{y}-{m:02d}-{d:02d}"
    if style == 5:
        return f"{d:02d}{sep}{m:02d}{sep}{y}"
    if style == 6:
        return _case(rng, f"{d} {mon} {y}")
    if style == 7:
        return f"{d:02d}{mon}{yy}"
    return f"{m:02d}/{d:02d}/{y}"


def _docnum(rng):
    r = rng.random()
    digits = "0123456789"
    if r < 0.4:
        return "".join(_pick(rng, LETTERS) for _ in range(2)) + "".join(_pick(rng, digits) for _ in range(7))
    if r < 0.7:
        return "".join(_pick(rng, LETTERS + digits) for _ in range(int(rng.integers(6, 12))))
    if r < 0.85:
        return " ".join("".join(_pick(rng, digits) for _ in range(int(rng.integers(2, 5)))) for _ in range(3))
    return "".join(_pick(rng, digits) for _ in range(int(rng.integers(6, 13))))


def _field(rng):
    r = rng.random()
    if r < 0.26:
        return _name(rng)
    if r < 0.32:
        return f"{_name(rng)}, {_name(rng)}"
    if r < 0.55:
        return _date(rng)
    if r < 0.66:
        return _docnum(rng)
    if r < 0.72:
        return _pick(rng, CODES)
    if r < 0.76:
        return _pick(rng, NATIONALITIES) if rng.random() < 0.7 else _case(rng, _pick(rng, NATIONALITIES))
    if r < 0.81:
        return _pick(rng, ["F", "M", "X", "F/F", "M/M", "F / W", "M/H", "F/V", "<"])
    if r < 0.88:  # place of birth, authority
        ws = [_pick(rng, WORDS) if rng.random() < 0.5 else _word(rng, 3, 8) for _ in range(int(rng.integers(1, 5)))]
        s = " ".join(ws)
        if rng.random() < 0.25:
            s += f" ({_pick(rng, CODES)})"
        return _case(rng, s)
    if r < 0.92:  # heights, durations, entries
        return _pick(rng, [f"{int(rng.integers(140, 205))} cm", f"1.{int(rng.integers(40, 99))} m",
                           f"{_pick(rng, [15, 30, 60, 90])} DAYS", "MULT", "1", "2"])
    # anything: the model reads what is printed, not what is likely
    n = int(rng.integers(1, 26))
    pool = CHARSET.replace("<", "") if rng.random() < 0.8 else CHARSET
    s = "".join(_pick(rng, pool) for _ in range(n)).strip()
    return s or "A"


def label_of(text):
    """The class string of a printed text: capitals, single spaces."""
    up = text.upper()
    out = " ".join(up.split())
    assert all(ch in CHAR_INDEX for ch in out), out
    return out


# ---------------------------------------------------------------- fonts


def find_fonts(fonts_dir=None, split="train"):
    """[(family, file name, path, weight)]: training fonts (split 'train'),
    or all of them with the held-out families (split 'val')."""
    dirs = [Path(fonts_dir)] if fonts_dir else SYSTEM_FONT_DIRS
    index = {}
    for d in dirs:
        if d.is_dir():
            for root, _, files in os.walk(d):
                for f in files:
                    index.setdefault(f, os.path.join(root, f))
    chosen = [(fam, name) for fam, name in FONTS if split != "train" or fam not in HELD_OUT]
    per_family = {}
    for fam, _ in chosen:
        per_family[fam] = per_family.get(fam, 0) + 1
    found = [(fam, name, index[name], 1.0 / per_family[fam]) for fam, name in chosen if name in index]
    missing = [name for _, name in chosen if name not in index]
    if missing:
        print(f"viz render: fonts not found (skipped): {', '.join(missing)}", file=sys.stderr)
    if not found:
        raise SystemExit(f"no fonts found in {[str(d) for d in dirs]}")
    return found


class FontBank:
    def __init__(self, fonts):
        self.fonts = fonts
        w = np.array([f[3] for f in fonts])
        self.p = w / w.sum()
        self.cache = {}
        self.cap_ratio = {}
        for _, _, path, _ in fonts:
            f = ImageFont.truetype(path, 200)
            _, t, _, b = f.getbbox("H", anchor="ls")
            self.cap_ratio[path] = (b - t) / 200.0

    def pick(self, rng):
        return self.fonts[int(rng.choice(len(self.fonts), p=self.p))]

    def font(self, path, cap):
        size = max(6, int(round(cap / self.cap_ratio[path])))
        key = (path, size)
        f = self.cache.get(key)
        if f is None:
            if len(self.cache) > 600:
                self.cache.clear()
            f = self.cache[key] = ImageFont.truetype(path, size)
        return f


# ---------------------------------------------------------------- renderer

HI_CAP = 40.0  # cap height of the high-resolution drawing


class Renderer:
    def __init__(self, fonts_dir=None, real_dir=None, real_share=0.3, real_split="train"):
        self.bank = FontBank(find_fonts(fonts_dir, "train" if real_split == "train" else "val"))
        self.real = []
        self.real_share = real_share
        if real_dir:
            self.real = load_real(real_dir, real_split)

    def sample(self, rng):
        """(uint8 [32, W], label, meta)."""
        if self.real and rng.random() < self.real_share:
            path, text = self.real[int(rng.integers(len(self.real)))]
            return _mrz._load_crop(path), text, {"family": "real", "font": "real", "c_src": 0.0,
                                                 "res": "real", "format": "real"}
        text = _field(rng)
        img, meta = self.render(rng, text)
        return img, label_of(text), meta

    def render(self, rng, text):
        fam, fname, fpath, _ = self.bank.pick(rng)
        font = self.bank.font(fpath, HI_CAP)
        cap = HI_CAP
        # Layout at high resolution, ink coverage 0..255; baseline at y0.
        tracking = rng.uniform(0.0, 0.25) * cap if rng.random() < 0.25 else 0.0
        x0, y0 = int(cap), int(2.2 * cap)
        w_est = int(font.getlength(text) + tracking * len(text) + 2 * cap) + 8
        h = int(3.6 * cap)
        im = Image.new("L", (w_est, h), 0)
        dr = ImageDraw.Draw(im)
        if tracking == 0.0:
            dr.text((x0, y0), text, font=font, fill=255, anchor="ls")
        else:
            x = float(x0)
            for ch in text:
                dr.text((x, y0), ch, font=font, fill=255, anchor="ls")
                x += font.getlength(ch) + tracking
        a = np.asarray(im)
        cols = np.nonzero(a.max(0) > 8)[0]
        if len(cols) == 0:  # only spaces
            cols = np.array([x0, x0 + 1])
        ink_l, ink_r = int(cols[0]), int(cols[-1]) + 1
        # Neighbours: a label or another line above / below (partly in the crop).
        if rng.random() < 0.3:
            lab_font = self.bank.font(self.bank.pick(rng)[2], cap * rng.uniform(0.4, 0.8))
            dy = -cap * rng.uniform(1.35, 1.9) if rng.random() < 0.7 else cap * rng.uniform(1.5, 2.0)
            lab = _case(rng, " ".join(_pick(rng, WORDS) for _ in range(int(rng.integers(1, 4)))))
            dr.text((x0 + rng.uniform(-0.5, 0.5) * cap, y0 + dy), lab, font=lab_font, fill=int(rng.integers(120, 256)),
                    anchor="ls")
        r = rng.random()
        if r < 0.12:
            im = im.filter(ImageFilter.MaxFilter(3))
        elif r < 0.2 and "Light" not in fname and "ExtraLight" not in fname:
            im = im.filter(ImageFilter.MinFilter(3))
        # Crop frame: the band [y0 - cap, y0] maps to rows around CROP_MID.
        band = rng.uniform(14.0, 23.0)  # the cropper's band estimate varies
        s = band / cap  # crop px per hi px (vertical)
        sx = s * rng.uniform(0.85, 1.15)
        mid_jit = rng.uniform(-2.5, 2.5)
        pad_l, pad_r = rng.uniform(0.3, 1.5) * cap, rng.uniform(0.3, 1.5) * cap
        width = max(32, int(math.ceil((ink_r - ink_l + pad_l + pad_r) * sx / 4.0)) * 4)
        theta = rng.normal(0, 0.6) * np.pi / 180
        shear = rng.uniform(-0.1, 0.1) if rng.random() < 0.2 else 0.0
        # Source (scan) resolution: cap c_src px; render at c_src, then crop.
        c_src = float(np.exp(rng.uniform(np.log(C_MIN), np.log(C_MAX))))
        k = c_src / cap  # scan px per hi px
        sw, sh = max(8, int(math.ceil(im.width * k))), max(8, int(math.ceil(im.height * k)))
        scan_cov = im.resize((sw, sh), Image.BOX if k < 1 else Image.BILINEAR)
        gamma = rng.uniform(0.7, 1.4)
        cov = np.asarray(scan_cov, dtype=np.float32) / 255.0
        cov = np.clip(cov, 0, 1) ** gamma
        scan = _mrz.Renderer._appearance(None, rng, cov, c_src)
        # crop (col, row) -> hi px -> scan px
        cx_hi = ink_l - pad_l
        cy_hi = y0 - cap / 2.0
        c, sn = math.cos(theta), math.sin(theta)
        m_hi = np.array([
            [c / sx, -sn / s + shear / s, cx_hi - (-sn / s + shear / s) * (CROP_MID + mid_jit)],
            [sn / sx, c / s, cy_hi - (c / s) * (CROP_MID + mid_jit)],
            [0, 0, 1.0]])
        to_scan = np.array([[k, 0, 0.5 * k - 0.5], [0, k, 0.5 * k - 0.5], [0, 0, 1.0]])
        out = self._crop(scan, to_scan @ m_hi, width, sx / k, s / k)
        meta = {"family": fam, "font": fname, "c_src": round(c_src, 2), "res": res_bin(c_src), "format": "viz"}
        return out, meta

    @staticmethod
    def _crop(scan, crop_to_scan, width, sx, sy):
        """Area-averaged affine crop (box-reduce towards the crop's scale,
        then bilinear), like the Rust cropper."""
        w, h = scan.size
        rx, ry = min(1.0, sx), min(1.0, sy)
        m = crop_to_scan
        if rx < 0.95 or ry < 0.95:
            nw, nh = max(1, int(round(w * rx))), max(1, int(round(h * ry)))
            scan = scan.resize((nw, nh), Image.BOX)
            kx, ky = nw / w, nh / h
            m = np.array([[kx, 0, 0.5 * kx - 0.5], [0, ky, 0.5 * ky - 0.5], [0, 0, 1.0]]) @ m
        fill = int(np.median(np.asarray(scan)))
        out = _mrz._warp(scan, m, (width, CROP_H), resample=Image.BILINEAR, fill=fill)
        return np.asarray(out, dtype=np.uint8)


def load_real(real_dir, split="all"):
    """[(png path, label)] from real_dir/labels.tsv, labels in CHARSET."""
    p = Path(real_dir) / "labels.tsv"
    if not p.is_file():
        print(f"viz render: no {p}; training on synthetic lines only", file=sys.stderr)
        return []
    out = []
    for line in p.read_text().splitlines():
        if "\t" not in line:
            continue
        name, text = line.split("\t", 1)
        text = " ".join(text.upper().split())
        if not text or any(ch not in CHAR_INDEX for ch in text):
            continue
        if split != "all" and real_split_of(name) != split:
            continue
        path = Path(real_dir) / name
        if path.is_file():
            out.append((str(path), text))
    print(f"viz render: {len(out)} real crops ({split}) from {p}", file=sys.stderr)
    return out


_load_crop = _mrz._load_crop


def main():
    import argparse

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--fonts-dir")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--n", type=int, default=40)
    ap.add_argument("--split", default="train")
    ap.add_argument("--sheet", help="write a contact sheet PNG")
    ap.add_argument("--bench", action="store_true")
    args = ap.parse_args()
    r = Renderer(args.fonts_dir, real_split=args.split)
    t0 = time.perf_counter()
    samples = [r.sample(sample_rng(args.seed, 9, i)) for i in range(args.n)]
    dt = time.perf_counter() - t0
    print(f"{args.n} samples: {1000 * dt / args.n:.2f} ms/sample")
    if args.sheet:
        _mrz.contact_sheet(samples, args.sheet)
        print("wrote", args.sheet)


if __name__ == "__main__":
    main()
