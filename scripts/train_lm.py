#!/usr/bin/env python3
"""Train the syllable trigram language model used by pipeline/restore.py.

Training data: ../shared/lm/**/*.txt (clean legal texts) and the clean seeds 000, 001, 003, 004 of
../shared/corpus.  Seed 002 (the Latin-OCR'd one) is never used: it is the evaluation document.  A
deterministic ~5% of the lm/ files (by SHA-1 of their path relative to lm/) is held out for evaluation
(bench/restore_eval.py reads the same split through `heldout_files`).

    .venv/bin/python scripts/train_lm.py [--shared ../shared] [--out pipeline/models/syllable_lm.bin.gz]

Model: stupid backoff (Brants et al. 2007) over lowercased syllables, "<num>" for numbers and "<s>" at
sentence starts; bigrams and trigrams seen fewer than --min-bigram / --min-trigram times are pruned.
"""
from __future__ import annotations

import argparse
import hashlib
import math
import sys
import time
import unicodedata
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pipeline.lang.restore import BOS, MODEL_PATH, NUM, SPECIALS, UNK, lm_units, write_model  # noqa: E402

TRAIN_SEEDS = ("000_", "001_", "003_", "004_")
EVAL_SEED = "002_"
HOLDOUT_MOD = 20          # 1 in 20 lm/ files held out


def is_heldout(rel: str) -> bool:
    return int(hashlib.sha1(rel.encode("utf-8")).hexdigest(), 16) % HOLDOUT_MOD == 0


def lm_files(shared: Path) -> list[Path]:
    return sorted((shared / "lm").rglob("*.txt"))


def heldout_files(shared: Path) -> list[Path]:
    root = shared / "lm"
    return [p for p in lm_files(shared) if is_heldout(p.relative_to(root).as_posix())]


def training_files(shared: Path) -> list[Path]:
    root = shared / "lm"
    files = [p for p in lm_files(shared) if not is_heldout(p.relative_to(root).as_posix())]
    seeds = sorted(p for p in (shared / "corpus").glob("*.txt") if p.name.startswith(TRAIN_SEEDS))
    assert not any(p.name.startswith(EVAL_SEED) for p in seeds)
    return files + seeds


def read(p: Path) -> str:
    return unicodedata.normalize("NFC", p.read_text(encoding="utf-8", errors="replace"))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", type=Path, default=REPO.parent / "shared")
    ap.add_argument("--out", type=Path, default=MODEL_PATH)
    ap.add_argument("--min-word", type=int, default=2)
    ap.add_argument("--min-bigram", type=int, default=2)
    ap.add_argument("--min-trigram", type=int, default=2)
    ap.add_argument("--unk-count", type=int, default=20)
    ap.add_argument("--backoff", type=float, default=0.4)
    args = ap.parse_args(argv)
    t0 = time.time()
    files = training_files(args.shared)
    if not files:
        print(f"no training files under {args.shared}", file=sys.stderr)
        return 1
    segments: list[list[str]] = []
    for p in files:
        segments.extend(lm_units(read(p)))
    words = Counter(w for seg in segments for w in seg)
    vocab = list(SPECIALS) + sorted(
        (w for w, c in words.items() if c >= args.min_word and w.isalpha() and len(w) <= 14 and w not in SPECIALS),
        key=lambda w: (-words[w], w))
    ids = {w: i for i, w in enumerate(vocab)}
    ids["<num>"] = NUM
    V = len(vocab)
    uni = Counter()
    bi = Counter()
    tri = Counter()
    n_tokens = 0
    for seg in segments:
        seq = [BOS, BOS] + [ids.get(w, UNK) for w in seg]
        n_tokens += len(seg)
        uni[BOS] += 1
        for k in range(2, len(seq)):
            a, b, c = seq[k - 2], seq[k - 1], seq[k]
            uni[c] += 1
            if c == UNK or b == UNK:
                continue        # no n-grams through unknown words: keeping a token must not be cheap
            bi[b * V + c] += 1
            if a != UNK:
                tri[(a * V + b) * V + c] += 1
    ctx1 = Counter()   # count of b as a context
    for key, c in bi.items():
        ctx1[key // V] += c
    ctx2 = Counter()   # count of (a, b) as a context
    for key, c in tri.items():
        ctx2[key // V] += c
    bigrams = {(k // V, k % V): math.log(c / ctx1[k // V]) for k, c in bi.items() if c >= args.min_bigram}
    trigrams = {(k // (V * V), (k // V) % V, k % V): math.log(c / ctx2[k // V])
                for k, c in tri.items() if c >= args.min_trigram}
    counts = [uni.get(i, 0) for i in range(V)]
    counts[BOS] = 0
    counts[UNK] = args.unk_count     # an unknown word is as likely as a rare syllable
    meta = {"files": len(files), "tokens": n_tokens, "min_word": args.min_word, "min_bigram": args.min_bigram,
            "min_trigram": args.min_trigram, "heldout_mod": HOLDOUT_MOD}
    write_model(args.out, vocab, counts, bigrams, trigrams, math.log(args.backoff), meta)
    size = args.out.stat().st_size
    print(f"trained on {len(files)} files, {n_tokens} tokens; vocab {V}, bigrams {len(bigrams)}, "
          f"trigrams {len(trigrams)}; wrote {args.out} ({size / 1e6:.2f} MB) in {time.time() - t0:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
