#!/usr/bin/env python3
"""Evaluate diacritic restoration (pipeline/restore.py) on (garbled, true) pairs built from clean text.

Pairs:
  stripped-heldout  the lm/ files held out from training (scripts/train_lm.py: SHA-1 of path mod 20 == 0),
                    diacritics stripped (đ→d): word accuracy
  stripped-seeds    the clean seeds 000, 001, 003, 004 (in the training data: an in-sample figure), stripped
  ocr-heldout       pages of the held-out files rendered with PIL (DejaVu Serif) and OCR'd with
                    `tesseract -l eng`: word error rate before and after restoration
  002-reference     the hand-corrected lines of seed 002 (tests/data/restore/002_reference.txt): WER
                    before and after restoration

    .venv/bin/python bench/restore_eval.py [--json] [--shared ../shared] [--ocr-pages 8] [--no-ocr]

WER is the word-level Levenshtein distance over tokens (\\w+ runs and %/‰ signs, case-sensitive) divided by
the number of reference tokens.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unicodedata
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "scripts"))

from pipeline.lang.restore import restore_text, tokenize  # noqa: E402
from train_lm import TRAIN_SEEDS, heldout_files  # noqa: E402

REFERENCE_002 = REPO / "tests" / "data" / "restore" / "002_reference.txt"
SEED_002 = "002_17a354e4a6196df4.txt"
_EVAL_TOKEN = re.compile(r"[^\W_]+|[%‰]")
_LETTER = re.compile(r"[^\W\d_]")
FONT_CANDIDATES = ("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf",
                   "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def strip_diacritics(text: str) -> str:
    text = text.replace("đ", "d").replace("Đ", "D")
    text = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFC", "".join(c for c in text if not unicodedata.combining(c)))


def eval_tokens(text: str) -> list[str]:
    return _EVAL_TOKEN.findall(unicodedata.normalize("NFC", text))


def edit_distance(ref: list[str], hyp: list[str]) -> int:
    prev = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        cur = [i] + [0] * len(hyp)
        for j, h in enumerate(hyp, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (r != h))
        prev = cur
    return prev[-1]


def word_accuracy(truth: str, restored: str) -> tuple[int, int]:
    """Words (tokens with letters) restored exactly; stripping keeps tokenisation, so tokens align."""
    a = [t for _, _, t in tokenize(truth)]
    b = [t for _, _, t in tokenize(restored)]
    if len(a) != len(b):
        raise AssertionError("restoration changed the tokenisation")
    pairs = [(x, y) for x, y in zip(a, b) if _LETTER.search(x)]
    return sum(x == y for x, y in pairs), len(pairs)


def read(p: Path) -> str:
    return unicodedata.normalize("NFC", p.read_text(encoding="utf-8", errors="replace"))


def eval_stripped(files: list[Path]) -> dict:
    ok = total = tokens = 0
    seconds = 0.0
    for p in files:
        truth = read(p)
        t0 = time.perf_counter()
        res = restore_text(strip_diacritics(truth))
        seconds += time.perf_counter() - t0
        k, n = word_accuracy(truth, res.text)
        ok += k
        total += n
        tokens += res.tokens
    return {"files": len(files), "words": total, "word_accuracy": round(ok / total, 4) if total else None,
            "tokens_per_second": round(tokens / seconds) if seconds else None}


# ---------------------------------------------------------------------------------------------------------
# Latin OCR pairs

def _pages(files: list[Path], n_pages: int, lines_per_page: int = 30) -> list[str]:
    """Deterministic page-sized chunks of the held-out files: lines with Vietnamese text, wrapped at 85."""
    pages: list[str] = []
    per_file = max(1, -(-n_pages // max(1, len(files))))
    for p in files:
        lines = []
        for raw in read(p).splitlines():
            line = " ".join(raw.split())
            if len(line) < 20 or not _LETTER.search(line):
                continue
            while len(line) > 85:
                cut = line.rfind(" ", 0, 85)
                cut = cut if cut > 20 else 85
                lines.append(line[:cut])
                line = line[cut:].strip()
            lines.append(line)
        start = len(lines) // 5          # skip the gazette header
        for k in range(per_file):
            chunk = lines[start + k * lines_per_page: start + (k + 1) * lines_per_page]
            if len(chunk) >= 10:
                pages.append("\n".join(chunk))
        if len(pages) >= n_pages:
            break
    return pages[:n_pages]


def _ocr_page(args: tuple[str, str]) -> str:
    text, font_path = args
    from PIL import Image, ImageDraw, ImageFilter, ImageFont

    font = ImageFont.truetype(font_path, 40)          # ~12 pt at 250 dpi
    lines = text.split("\n")
    line_h = 62
    img = Image.new("L", (2300, 160 + line_h * len(lines)), 255)
    draw = ImageDraw.Draw(img)
    for i, line in enumerate(lines):
        draw.text((100, 80 + i * line_h), line, font=font, fill=0)
    img = img.filter(ImageFilter.GaussianBlur(0.8))
    with tempfile.TemporaryDirectory() as tmp:
        png = os.path.join(tmp, "page.png")
        img.save(png, dpi=(250, 250))
        out = subprocess.run(["tesseract", png, "stdout", "-l", "eng", "--psm", "6"], capture_output=True,
                             timeout=300)
    return out.stdout.decode("utf-8", errors="replace")


def eval_ocr(files: list[Path], n_pages: int) -> dict:
    if shutil.which("tesseract") is None:
        return {"skipped": "tesseract not installed"}
    font = next((f for f in FONT_CANDIDATES if Path(f).exists()), None)
    if font is None:
        return {"skipped": "no DejaVu font (apt-get install fonts-dejavu-core)"}
    pages = _pages(files, n_pages)
    with ProcessPoolExecutor(max_workers=min(2, os.cpu_count() or 1)) as pool:
        ocred = list(pool.map(_ocr_page, [(p, font) for p in pages]))
    before = after = ref_total = 0
    for truth, garbled in zip(pages, ocred):
        ref = eval_tokens(truth)
        ref_total += len(ref)
        before += edit_distance(ref, eval_tokens(garbled))
        after += edit_distance(ref, eval_tokens(restore_text(garbled).text))
    return {"pages": len(pages), "ref_words": ref_total, "wer_before": round(before / ref_total, 4),
            "wer_after": round(after / ref_total, 4)}


# ---------------------------------------------------------------------------------------------------------
# seed 002 reference

def load_reference(path: Path = REFERENCE_002) -> dict[int, str]:
    ref: dict[int, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        num, _, text = line.partition("\t")
        ref[int(num)] = text
    return ref


def eval_002(shared: Path) -> dict:
    src = shared / "corpus" / SEED_002
    if not src.exists():
        return {"skipped": f"{src} missing"}
    garbled = src.read_text(encoding="utf-8")
    restored = restore_text(garbled).text
    g_lines, r_lines = garbled.split("\n"), restored.split("\n")
    assert len(g_lines) == len(r_lines), "restoration changed the line structure"
    before = after = total = 0
    worst = []
    for num, truth in load_reference().items():
        ref = eval_tokens(truth)
        total += len(ref)
        before += edit_distance(ref, eval_tokens(g_lines[num - 1]))
        d = edit_distance(ref, eval_tokens(r_lines[num - 1]))
        after += d
        if d:
            worst.append((d, num, r_lines[num - 1]))
    worst.sort(reverse=True)
    return {"lines": len(load_reference()), "ref_words": total, "wer_before": round(before / total, 4),
            "wer_after": round(after / total, 4), "worst_lines": [f"{n}: {t}" for _, n, t in worst[:5]]}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", type=Path, default=REPO.parent / "shared")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    ap.add_argument("--ocr-pages", type=int, default=8)
    ap.add_argument("--no-ocr", action="store_true", help="skip the render+tesseract pairs")
    args = ap.parse_args(argv)
    if not (args.shared / "lm").is_dir():
        print(f"{args.shared}/lm not found: pass --shared", file=sys.stderr)
        return 2
    held = heldout_files(args.shared)
    seeds = sorted(p for p in (args.shared / "corpus").glob("*.txt") if p.name.startswith(TRAIN_SEEDS))
    seed000 = [p for p in seeds if p.name.startswith("000_")]
    result = {
        "stripped_heldout": eval_stripped(held),
        "stripped_seed_000": eval_stripped(seed000),
        "stripped_seeds_in_training": eval_stripped(seeds),
        "reference_002": eval_002(args.shared),
        "ocr_heldout": {"skipped": "--no-ocr"} if args.no_ocr else eval_ocr(held, args.ocr_pages),
    }
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return 0
    s = result["stripped_heldout"]
    print(f"stripped, held-out lm files ({s['files']} files, {s['words']} words): "
          f"word accuracy {s['word_accuracy']:.2%}")
    s = result["stripped_seed_000"]
    print(f"stripped, seed 000 ({s['words']} words; seed is in the LM training data): "
          f"word accuracy {s['word_accuracy']:.2%}")
    s = result["stripped_seeds_in_training"]
    print(f"stripped, seeds 000/001/003/004 ({s['words']} words; in training): word accuracy {s['word_accuracy']:.2%}")
    r = result["reference_002"]
    if "skipped" in r:
        print(f"002 reference: skipped ({r['skipped']})")
    else:
        print(f"002 hand reference ({r['lines']} lines, {r['ref_words']} words): "
              f"WER {r['wer_before']:.3f} -> {r['wer_after']:.3f}")
    o = result["ocr_heldout"]
    if "skipped" in o:
        print(f"Latin-OCR pairs: skipped ({o['skipped']})")
    else:
        print(f"Latin-OCR pairs, held-out pages ({o['pages']} pages, {o['ref_words']} words, tesseract -l eng): "
              f"WER {o['wer_before']:.3f} -> {o['wer_after']:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
