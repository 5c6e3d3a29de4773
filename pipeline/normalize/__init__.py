"""Stage 3 — normalize: one clean text for the extractor, with an exact offset map back to the ingested text.

- invisible characters (zero-width, soft hyphen, BOM) dropped; NBSP and other spaces → ' '; NFC kept;
- Markdown emphasis and heading marks dropped (`**`, `__`, leading `#`);
- trailing spaces dropped; hard-wrapped lines inside a paragraph joined with a space;
- text OCR'd without Vietnamese data, or typed without diacritics, restored (pipeline.restore);
- on pages OCR'd with Vietnamese data, words glued together split ("ANTỈNHLÂMĐÒNG" → "AN TỈNH LÂM ĐÒNG";
  pipeline.restore.split_glued) and wrong or missing marks corrected by the language model
  ("CÔNG AN TĨNH LÂM ĐÔNG" → "CÔNG AN TỈNH LÂM ĐỒNG"; pipeline.restore.correct_accents); the offset map
  follows, and the raw text keeps what Tesseract read.
Pages stay separated by form feeds.
"""
from __future__ import annotations

import re
from array import array
from dataclasses import replace

from pipeline.core.document import Document, OffsetText, Restoration, compose
from pipeline.lang.legacy import restorable
from pipeline.core.textutil import DROP_CONTROLS

_DROP = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None) | DROP_CONTROLS  # and controls (textutil)
_SPACES = re.compile(r"[\u00a0\u2000-\u200a\u202f\u205f\u3000\t]")
_MARKUP = re.compile(r"\*\*|__|^#{1,6} +", re.M)
_ITEM_START = re.compile(r"^\s*(?:[-+•*–]|\d+(?:\.\d+)*[.)/]|[a-zđ][)/]|[IVXLC]+[./]|\(\d+\)|[A-ZĐ]\.)\s")
_SENT_END = re.compile(r"[.;:!?”\"/]\s*$")


def _clean_line_chars(raw: str, base: int, out: OffsetText) -> None:
    """Append one raw line with invisible chars removed, odd spaces made plain and markup dropped."""
    kill = set()
    for m in _MARKUP.finditer(raw):
        kill.update(range(m.start(), m.end()))
    for i, ch in enumerate(raw):
        if i in kill or ord(ch) in _DROP:
            continue
        out.keep(" " if _SPACES.match(ch) else ch, base + i)


def _should_join(line: str, nxt: str, width: int) -> bool:
    s, n = line.strip(), nxt.strip()
    if not s or not n or width < 40:
        return False
    if len(s) < 0.7 * width or _SENT_END.search(s) or _ITEM_START.match(nxt):
        return False
    letters = [c for c in n if c.isalpha()]
    if letters and all(c.isupper() for c in letters):
        return False
    return True


def _broken_paragraph(line: str, nxt: str) -> bool:
    """'... đạt tiêu chuẩn môi' + blank line + 'trường; ...': a sentence split by a stray paragraph break."""
    s, n = line.strip(), nxt.lstrip()
    return bool(s and n and n[0].islower() and not _SENT_END.search(s) and not _ITEM_START.match(nxt)
                and len(s) > 40)


def normalize_text(raw: str, laid_out: list[bool] | None = None) -> tuple[str, array]:
    """``laid_out[i]``: page i's lines are blocks already (pipeline.blocks): clean characters, join nothing."""
    out = OffsetText()
    pos = 0
    for pi, page in enumerate(raw.split("\f")):
        if pi:
            out.keep("\f", pos - 1)
        lines = page.split("\n")
        if laid_out and pi < len(laid_out) and laid_out[pi]:
            for li, line in enumerate(lines):
                _clean_line_chars(line.rstrip(), pos, out)
                pos += len(line) + 1
                if li + 1 < len(lines):
                    out.keep("\n", pos - 1)
            continue
        width = max((len(x.strip()) for x in lines), default=0)
        # typical wrap width: the 80th percentile line length, robust to a few long lines
        lens = sorted(len(x.strip()) for x in lines if x.strip())
        if lens:
            width = lens[int(len(lens) * 0.8) - 1 if len(lens) > 1 else 0]
        lpos = pos
        skip = False
        for li, line in enumerate(lines):
            if skip:  # the blank line inside a broken sentence, already replaced by a space
                skip = False
                lpos += len(line) + 1
                continue
            stripped = line.rstrip()
            _clean_line_chars(stripped, lpos, out)
            if li + 1 < len(lines):
                nl = lpos + len(line)
                if li + 2 < len(lines) and not lines[li + 1].strip() and _broken_paragraph(line, lines[li + 2]):
                    out.keep(" ", nl)
                    skip = True
                else:
                    out.keep(" " if _should_join(line, lines[li + 1], width) else "\n", nl)
            lpos += len(line) + 1
        pos += len(page) + 1
    text, offsets = out.finish(len(raw))
    return text, offsets


def preload_models() -> None:
    """Load the language model and confusion table OCR'd pages are corrected with (cached per process), e.g. while
    a core idles on the last pages of a scan."""
    from pipeline.lang.restore import load_confusions, load_model

    try:
        load_model()
        load_confusions()
    except Exception:  # noqa: BLE001 - normalize reports a missing or broken model itself
        pass


def _restore(text: str):
    from pipeline.lang.restore import restore_text

    return restore_text(text)


def _correct_ocr_pages(doc: Document, text: str) -> tuple[str, array | None, list[tuple[int, tuple[str, str]]]]:
    """On the pages Tesseract read (the text keeps one form-feed-separated part per page): glued words split
    ("ANTỈNHLÂMĐÒNG" → "AN TỈNH LÂM ĐÒNG"), then marks corrected.  Returns the text, its offsets into ``text``
    (None when no space was inserted) and the corrections as (page number, (read, corrected))."""
    if not any(p.method == "ocr" for p in doc.pages):
        return text, None, []
    from pipeline.lang.ocrwords import fix_cue_words
    from pipeline.lang.restore import correct_accents, split_glued

    parts = text.split("\f")
    if len(parts) != len(doc.pages):  # cannot happen: normalize_text keeps every page break
        return text, None, []
    out = OffsetText()
    fixed: list[tuple[int, tuple[str, str]]] = []
    base = 0
    for i, (page, part) in enumerate(zip(doc.pages, parts)):
        if i:
            out.keep("\f", base - 1)
        if page.method != "ocr":
            out.keep(part, base)
            base += len(part) + 1
            continue
        split = OffsetText()
        pos = 0
        for s, e, cuts in split_glued(part):
            split.keep(part[pos:s], base + pos)
            bounds = (s, *(s + c for c in cuts), e)
            for k, (a, b) in enumerate(zip(bounds, bounds[1:])):
                if k:
                    split.insert(" ", base + a)
                split.keep(part[a:b], base + a)
            fixed.append((page.number, (part[s:e], " ".join(part[a:b] for a, b in zip(bounds, bounds[1:])))))
            pos = e
        split.keep(part[pos:], base + pos)
        new, offs = split.finish(base + len(part))
        new, fixes = correct_accents(new)
        fixed.extend((page.number, (f.old, f.new)) for f in fixes)
        new, cues = fix_cue_words(new)  # same length: the offsets stand
        fixed.extend((page.number, pair) for pair in cues)
        out.extend(new, offs[:-1])
        base += len(part) + 1
    new_text, offsets = out.finish(len(text))
    return new_text, (offsets if len(new_text) != len(text) else None), fixed


def _map_blocks(doc: Document, text: str, offsets: array) -> tuple:
    """Every page's blocks with offsets into the normalized text; pages an ingester did not lay out (PDF text
    layers, OCR) get one block per line, classified like any other."""
    import bisect

    from pipeline.layout.blocks import classify

    to_raw = list(offsets)
    starts = doc.raw_page_starts()
    out = []
    for page, base in zip(doc.pages, starts):
        a = bisect.bisect_left(to_raw, base)
        b = bisect.bisect_left(to_raw, base + len(page.text))
        laid = [blk.shifted(lambda p, base=base: bisect.bisect_left(to_raw, base + p)) for blk in page.blocks]
        covered = [(x.start, x.end) for x in laid]
        pos = a
        for line in text[a:b].split("\n"):  # lines no block covers (all of them on pages not laid out)
            s = line.strip()
            start = pos + len(line) - len(line.lstrip())
            if s and not any(cs <= start < ce for cs, ce in covered):
                laid.append(classify(s, start, None, page.number))
            pos += len(line) + 1
        out.extend(sorted(laid, key=lambda x: x.start))
    return tuple(out)


def normalize(doc: Document, restore: bool = True) -> Document:
    text, offsets = normalize_text(doc.raw_text, [bool(p.blocks) for p in doc.pages])
    restoration = None
    fixed: list = []
    if restore and restorable(doc.encoding):  # Western single-byte text is not Vietnamese
        res = _restore(text)
        restoration = Restoration(tokens=res.tokens, changed=res.changed, paragraphs=res.paragraphs,
                                  paragraphs_restored=res.paragraphs_restored)
        if res.changed:
            offsets = compose(array("i", res.offsets), offsets)
            text = res.text
        corrected, inner, fixed = _correct_ocr_pages(doc, text)
        if inner is not None:
            offsets = compose(inner, offsets)
        text = corrected
    doc = replace(doc, text=text, text_to_raw=offsets, restoration=restoration,
                  blocks=_map_blocks(doc, text, offsets))
    if restore and fixed:
        pages = sorted({p for p, _ in fixed})
        doc = doc.with_warning(
            "ocr_corrected",
            f"{len(fixed)} OCR word(s) on page(s) {', '.join(map(str, pages))} corrected by the language model (wrong "
            f"marks, glued words): {', '.join(f'{a}→{b}' for _, (a, b) in fixed[:5])}{', ...' if len(fixed) > 5 else ''}"
            "; values read from them are marked restored", pages=pages)
    if restoration and restoration.changed:
        doc = doc.with_warning(
            "restored_text",
            f"diacritics restored in {restoration.paragraphs_restored} of {restoration.paragraphs} paragraphs "
            f"({restoration.changed} of {restoration.tokens} words changed); check values marked restored")
    return doc
