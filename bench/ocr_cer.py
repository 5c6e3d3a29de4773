"""Character error rate of chithi's OCR on synthetic scans of the clean seeds, and header-block errors on the
real scans, each against bare `tesseract -l vie`.

    .venv/bin/python bench/ocr_cer.py [--seeds 000,001,003,004] [--lines 26] [--no-real]

Synthetic scans: the first lines of each seed (Markdown marks dropped) set in DejaVu Serif at 300 dpi, skewed
~1°, blurred, with Gaussian noise and a red seal stamped over the text (multiplied, as ink is). CER is the edit
distance between the OCR text and the ground truth, whitespace collapsed, over the ground-truth length.
Real scans: the header lines in tests/data/ocr/headers.json (read by eye) are aligned as substrings of the text
of page 1; the sum of their edit distances is the header-block error count.

"chithi" is what `chithi text` prints: the OCR stage's page text after normalization, whose last step corrects
the marks of OCR'd words with the language model (pipeline.restore.correct_accents).  "ocr" is the OCR stage's
page text before that (what `chithi text --raw` prints), shown so the two steps can be told apart.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"
SCANS = ROOT.parent / "shared" / "samples" / "scans"


def edit_distance(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def substring_distance(needle: str, hay: str) -> int:
    """Smallest edit distance between ``needle`` and any substring of ``hay`` (semi-global alignment)."""
    prev = [0] * (len(hay) + 1)
    for i, cn in enumerate(needle, 1):
        cur = [i]
        for j, ch in enumerate(hay, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (cn != ch)))
        prev = cur
    return min(prev)


def squash(s: str) -> str:
    import unicodedata

    return " ".join(unicodedata.normalize("NFC", s).split())


def seed_lines(seed: str, n: int) -> list[str]:
    path = next((ROOT / "corpus").glob(f"{seed}_*.txt"))
    out = []
    for para in path.read_text(encoding="utf-8").split("\n"):
        para = re.sub(r"^#+\s*|\*\*|__", "", para).strip()
        if para:
            out.extend(textwrap.wrap(para, 62))
        if len(out) >= n:
            break
    return out[:n]


def synthetic_scan(lines: list[str], rng: random.Random):
    from PIL import Image, ImageDraw, ImageFont

    im = Image.new("RGB", (2480, 3508), "white")
    d = ImageDraw.Draw(im)
    f = ImageFont.truetype(FONT, 42)
    for i, s in enumerate(lines):
        d.text((230, 220 + 110 * i), s, font=f, fill=(20, 20, 20))
    return degrade(im, rng, seal_at=(1700, 220 + 110 * min(6, len(lines) - 1)))


def degrade(im, rng: random.Random, seal_at: tuple[int, int] | None = None):
    """A clean page image (RGB, 300 dpi) made to look scanned: a red seal multiplied over it (at ``seal_at``;
    None: no seal), skew of up to 1.2°, a slight blur and Gaussian noise."""
    import numpy as np
    from PIL import Image, ImageFilter

    im = im.convert("RGB")
    if seal_at is not None:
        im = _stamp(im, *seal_at)
    im = im.rotate(rng.uniform(-1.2, 1.2), resample=Image.BICUBIC, fillcolor="white")
    im = im.filter(ImageFilter.GaussianBlur(0.8))
    a = np.asarray(im, dtype=np.int16)
    a = a + np.random.default_rng(rng.randrange(1 << 30)).normal(0, 10, a.shape[:2])[..., None].astype(np.int16)
    return Image.fromarray(np.clip(a, 0, 255).astype(np.uint8), "RGB")


def _stamp(im, cx: int, cy: int):
    from PIL import Image, ImageChops, ImageDraw, ImageFont

    seal = Image.new("RGB", im.size, "white")
    sd = ImageDraw.Draw(seal)
    sd.ellipse((cx - 230, cy - 230, cx + 230, cy + 230), outline=(215, 35, 45), width=16)
    sd.ellipse((cx - 170, cy - 170, cx + 170, cy + 170), outline=(215, 35, 45), width=6)
    sd.text((cx - 150, cy - 30), "ỦY BAN NHÂN DÂN", font=ImageFont.truetype(FONT, 36), fill=(220, 40, 50))
    return ImageChops.multiply(im, seal)


def bare_tesseract(png: Path) -> str:
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    return subprocess.run(["tesseract", str(png), "stdout", "-l", "vie"], env=env, capture_output=True,
                          check=True).stdout.decode("utf-8")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", default="000,001,003,004")
    ap.add_argument("--lines", type=int, default=26)
    ap.add_argument("--no-real", action="store_true")
    a = ap.parse_args()
    from dataclasses import replace

    from pipeline.readers import ingest
    from pipeline.normalize import normalize
    from pipeline.ocr import ocr

    def read_first_page(path: Path) -> tuple[str, str]:
        """(OCR stage text, `chithi text` text) of page 1."""
        doc = ingest(path)
        doc = ocr(replace(doc, pages=doc.pages[:1]))
        return squash(doc.pages[0].text), squash(normalize(doc).text)

    rng = random.Random(4)
    tot_e = tot_n = tot_b = tot_r = 0
    with tempfile.TemporaryDirectory() as tmp:
        for seed in a.seeds.split(","):
            gt = squash(" ".join(seed_lines(seed, a.lines)))
            png = Path(tmp) / f"{seed}.png"
            synthetic_scan(seed_lines(seed, a.lines), rng).save(png)
            raw, ours = read_first_page(png)
            bare = squash(bare_tesseract(png))
            e, b, r = edit_distance(ours, gt), edit_distance(bare, gt), edit_distance(raw, gt)
            tot_e, tot_b, tot_r, tot_n = tot_e + e, tot_b + b, tot_r + r, tot_n + len(gt)
            print(f"seed {seed}: {len(gt)} chars  CER chithi {100 * e / len(gt):.2f}% (ocr {100 * r / len(gt):.2f}%)"
                  f"  bare {100 * b / len(gt):.2f}%")
        print(f"synthetic scans: CER chithi {100 * tot_e / tot_n:.2f}% (ocr {100 * tot_r / tot_n:.2f}%)  "
              f"bare tesseract {100 * tot_b / tot_n:.2f}%")
        if a.no_real or not SCANS.exists():
            return 0
        exp = json.loads((ROOT / "tests" / "data" / "ocr" / "headers.json").read_text(encoding="utf-8"))
        from pipeline.ocr.render import render_page

        te = tb = tn = tr = 0
        for name, e in exp.items():
            if not name.endswith(".pdf") or not (SCANS / name).exists():
                continue
            img, _scale = render_page((str(SCANS / name), 0))
            png = Path(tmp) / "real.png"
            img.save(png)     # bare Tesseract reads the very pixels chithi renders
            del img
            raw, ours = read_first_page(SCANS / name)
            bare = squash(bare_tesseract(png))
            lines = [squash(x) for x in e["left"] + e["right"]]
            eo = sum(substring_distance(x, ours) for x in lines)
            er = sum(substring_distance(x, raw) for x in lines)
            eb = sum(substring_distance(x, bare) for x in lines)
            n = sum(len(x) for x in lines)
            te, tb, tr, tn = te + eo, tb + eb, tr + er, tn + n
            print(f"{name}: header {n} chars, errors chithi {eo} (ocr {er}), bare {eb}")
        print(f"real scans, header blocks: {tn} chars, errors chithi {te} ({100 * te / tn:.1f}%; ocr {tr}), "
              f"bare tesseract {tb} ({100 * tb / tn:.1f}%)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
