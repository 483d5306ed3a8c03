#!/usr/bin/env python3
"""Writes testdata/bad/: files that the decoder must reject (or accept) with a
known outcome, listed in testdata/bad/manifest.tsv. Needs Pillow (pip install
pillow). Run from the repository root; the files are committed, so tests do
not need Python."""
import io, struct, zlib, os
from PIL import Image

out = "testdata/bad"
os.makedirs(out, exist_ok=True)
rows = []

def write(name, data, expected, why):
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)
    rows.append((name, expected, why))

def scan_image(w=320, h=200):
    img = Image.new("RGB", (w, h), (240, 238, 230))
    px = img.load()
    for y in range(h):
        for x in range(w):
            if (x // 8 + y // 8) % 2 == 0:
                px[x, y] = (30 + x % 200, 60, 120 + y % 100)
    return img

def jpeg(img, **kw):
    b = io.BytesIO(); img.save(b, "JPEG", quality=85, **kw); return b.getvalue()

good = jpeg(scan_image())
write("ok.jpg", good, "ok:1", "a plain JPEG")
write("empty.jpg", b"", "Empty", "zero bytes")
write("wrong_magic.jpg", b"this is a text file, not a scan\n", "UnknownFormat", "text with a .jpg name")
for frac in (0.3, 0.6, 0.95):
    write(f"truncated_{int(frac*100)}.jpg", good[: int(len(good) * frac)], "Truncated", f"JPEG cut at {int(frac*100)}% of its bytes")
write("truncated_header.jpg", good[:40], "Truncated|Corrupt", "JPEG cut inside its headers")

# A 60000 x 60000 PNG bomb: a valid header and a tiny zlib stream.
def chunk(t, d):
    return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)
ihdr = struct.pack(">IIBBBBB", 60000, 60000, 8, 2, 0, 0, 0)
bomb = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 100000, 9)) + chunk(b"IEND", b"")
write("bomb_60000.png", bomb, "Dimensions", "60000x60000 declared in a few hundred bytes")

# Huge EXIF: a 60 KB APP1 segment of junk after the SOI.
app1 = b"Exif\0\0" + os.urandom(0) + bytes((i * 7) % 256 for i in range(60000))
write("huge_exif.jpg", good[:2] + b"\xff\xe1" + struct.pack(">H", len(app1) + 2) + app1 + good[2:], "ok:1", "60 KB of junk EXIF: ignored, the image decodes")

cmyk = io.BytesIO(); scan_image().convert("CMYK").save(cmyk, "JPEG", quality=85)
write("cmyk.jpg", cmyk.getvalue(), "ok:1", "CMYK JPEG: converted to RGB")

g16 = io.BytesIO(); Image.new("I;16", (200, 120), 40000).save(g16, "PNG")
write("gray16.png", g16.getvalue(), "ok:1", "16-bit greyscale PNG: converted to 8-bit RGB")

frames = [scan_image(120, 80), scan_image(120, 80).transpose(Image.FLIP_LEFT_RIGHT)]
apng = io.BytesIO(); frames[0].save(apng, "PNG", save_all=True, append_images=frames[1:], duration=100, loop=0)
write("animated.png", apng.getvalue(), "Animated", "APNG: not a still scan")

tiff2 = io.BytesIO(); frames[0].save(tiff2, "TIFF", save_all=True, append_images=frames[1:])
write("two_pages.tiff", tiff2.getvalue(), "ok:2", "two-page TIFF: every page screened")
write("corrupt.tiff", b"II*\0" + struct.pack("<I", 8) + b"\xff\xff" + b"\x00" * 20, "Corrupt|Unsupported|Truncated", "TIFF with a broken directory")

rot = io.BytesIO()
exif = Image.Exif(); exif[0x0112] = 6
scan_image(160, 100).save(rot, "JPEG", quality=85, exif=exif)
write("exif_rotated.jpg", rot.getvalue(), "ok:1", "EXIF orientation 6: decoded upright (100x160)")

def pdf(objects, trailer_extra=b""):
    # Minimal PDF writer: objects numbered from 1; catalog is object 1.
    body = b"%PDF-1.4\n"
    offsets = []
    for i, o in enumerate(objects, 1):
        offsets.append(len(body))
        body += f"{i} 0 obj\n".encode() + o + b"\nendobj\n"
    xref = len(body)
    body += f"xref\n0 {len(objects)+1}\n0000000000 65535 f \n".encode()
    for off in offsets:
        body += f"{off:010d} 00000 n \n".encode()
    body += f"trailer\n<< /Size {len(objects)+1} /Root 1 0 R ".encode() + trailer_extra + f">>\nstartxref\n{xref}\n%%EOF\n".encode()
    return body

page_with_image = [
    b"<< /Type /Catalog /Pages 2 0 R >>",
    b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 320 200] /Resources << /XObject << /Im0 4 0 R >> >> /Contents 5 0 R >>",
    f"<< /Type /XObject /Subtype /Image /Width 320 /Height 200 /ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /DCTDecode /Length {len(good)} >>\nstream\n".encode() + good + b"\nendstream",
    b"<< /Length 30 >>\nstream\nq 320 0 0 200 0 0 cm /Im0 Do Q\nendstream",
]
write("scan.pdf", pdf(page_with_image), "ok:1", "PDF with one embedded JPEG page")
no_image = [
    b"<< /Type /Catalog /Pages 2 0 R >>",
    b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 320 200] /Contents 4 0 R >>",
    b"<< /Length 20 >>\nstream\nBT /F1 12 Tf ET\nendstream",
]
write("no_image.pdf", pdf(no_image), "NoImage", "PDF with text only")
enc = no_image + [b"<< /Filter /Standard /V 1 /R 2 /O (0123456789abcdef0123456789abcdef) /U (0123456789abcdef0123456789abcdef) /P -4 >>"]
write("encrypted.pdf", pdf(enc, b"/Encrypt 5 0 R /ID [<00112233445566778899aabbccddeeff> <00112233445566778899aabbccddeeff>] "), "Encrypted", "PDF with an /Encrypt dictionary")

with open(os.path.join(out, "manifest.tsv"), "w") as f:
    f.write("# file\texpected outcome (ok:PAGES, or DecodeError variants joined by |)\twhat it is\n")
    for r in rows:
        f.write("\t".join(r) + "\n")
print(f"wrote {len(rows)} files to {out}")
