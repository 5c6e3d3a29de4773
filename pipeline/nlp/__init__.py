"""Rule-based extraction of targets, deadlines, responsible units and cited documents, as a spaCy pipeline.

The pipeline (built once per process by :func:`get_nlp`) is a blank ``vi`` Language with an explicitly configured
syllable tokenizer (no pyvi word segmentation: numbers, dates and codes such as ``01/CT-UBND`` stay whole tokens)
and four custom components, each a ``match then annotate`` step over ``doc.text`` whose patterns are compiled from
``pipeline/data/extraction.yaml`` and whose results land in ``doc.spans`` (for inspection) and
``doc.user_data["chithi"]`` (the values):

- ``chithi_references``  cited documents ("Chỉ thị số 19/CT-TTg ngày 16/7/2021 của Thủ tướng Chính phủ")
- ``chithi_deadlines``   due dates, periods and recurring duties
- ``chithi_targets``     numbers with unit, comparator and metric; named indicator lists
- ``chithi_tasks``       tasks (list items and assigning sentences) with their units and roles

One module per component (``references``, ``deadlines``, ``targets``, ``tasks``), with the language data in
``data`` and the shared context in ``context``.

Matching runs on a folded copy of the text of the same length (lowercase, no diacritics, đ→d), so every match
position indexes the original text; values are always copied from the original.
"""
from __future__ import annotations

import re
from dataclasses import replace
from functools import lru_cache
from typing import Any

from pipeline.nlp.context import Ctx
from pipeline.nlp.data import compiled
from pipeline.nlp.deadlines import _deadlines
from pipeline.nlp.fields import _fields
from pipeline.nlp.grounds import grounds_spans
from pipeline.nlp.numbers import NUM, parse_number
from pipeline.nlp.references import _references
from pipeline.nlp.targets import _targets, once
from pipeline.nlp.tables import _tables
from pipeline.nlp.tasks import _tasks, inherit_leads
from pipeline.core.document import Document
from pipeline.core.limits import check_chars
from pipeline.core.textutil import fold, fold_keep_len
from pipeline.nlp.ocrnames import correct_units
from pipeline.nlp.results import Extraction

__all__ = ["Extraction", "extract", "get_nlp", "run_extraction", "parse_number"]

_TOKEN_MATCH = re.compile(rf"^(?:{NUM})(?:[%‰])?$|^\d+(?:[/.-]\d+)+$|^[\wĐđ]+(?:[/\-][\wĐđ.]+)+$")


# (name, function, runs once per body range): the sentence components read the body and each annex in turn;
# the block components read the blocks of those ranges.
COMPONENTS = (("chithi_references", _references), ("chithi_deadlines", _deadlines), ("chithi_targets", _targets),
              ("chithi_tasks", _tasks), ("chithi_tables", _tables), ("chithi_fields", _fields))
_PER_RANGE = {"chithi_deadlines", "chithi_targets"}


def _import_spacy():
    """``import spacy`` without its command line: spaCy's ``__init__`` imports ``spacy.cli`` only to re-export
    ``spacy.info``, and that import (weasel, typer, requests, httpx, jinja2: a quarter of a second) is most of what a
    short ``chithi extract`` waits for. Two placeholder modules stand in while spaCy loads and are removed after, so a
    later ``import spacy.cli`` gets the real one; should spaCy ever need more of its CLI at import, it is imported
    as usual."""
    import sys
    import types

    if "spacy" in sys.modules or "spacy.cli" in sys.modules:
        import spacy
        return spacy
    cli, info = types.ModuleType("spacy.cli"), types.ModuleType("spacy.cli.info")
    cli.__path__ = []  # a package, so that "spacy.cli.info" can stand under it

    def spacy_info(*args, **kwargs):  # spacy.info(): the real one, imported when called
        from spacy.cli.info import info as real
        return real(*args, **kwargs)

    info.info = spacy_info
    sys.modules["spacy.cli"], sys.modules["spacy.cli.info"] = cli, info
    try:
        import spacy
    except ImportError:  # spaCy wants more of its CLI than info: import it whole
        for name in [n for n in sys.modules if n == "spacy" or n.startswith("spacy.")]:
            del sys.modules[name]
        import spacy
    finally:
        for name in ("spacy.cli.info", "spacy.cli"):
            if sys.modules.get(name) in (cli, info):
                del sys.modules[name]
        if getattr(sys.modules.get("spacy"), "cli", None) is cli:
            delattr(sys.modules["spacy"], "cli")
    return spacy


@lru_cache(maxsize=1)
def get_nlp():
    spacy = _import_spacy()
    from spacy.language import Language
    from spacy.tokenizer import Tokenizer
    from spacy.util import compile_infix_regex, compile_prefix_regex, compile_suffix_regex

    nlp = spacy.blank("vi", config={"nlp": {"tokenizer": {"use_pyvi": False}}})
    punct_pre = [r"[\"'“”‘’«»(\[{*#]", r"\.\.\.", r"[-–—•+]"]
    punct_suf = [r"[\"'“”‘’«»)\]},;:!?*]", r"\.\.\.", r"\.", r"%", r"‰"]
    nlp.tokenizer = Tokenizer(
        nlp.vocab,
        prefix_search=compile_prefix_regex(punct_pre).search,
        suffix_search=compile_suffix_regex(punct_suf).search,
        infix_finditer=compile_infix_regex([r"(?<=[^\d\s])[,;:](?=[^\s])", r"(?<=[\w])[–—](?=[\w])"]).finditer,
        token_match=_TOKEN_MATCH.match,
    )

    for name, fn in COMPONENTS:
        if not Language.has_factory(name):
            Language.component(name, func=_component(name, fn))
        nlp.add_pipe(name)
    return nlp


def _component(name: str, fn):
    def component(doc):
        ctx: Ctx = doc.user_data["chithi_ctx"]
        if name in _PER_RANGE:
            out = []
            for lo, hi in ctx.ranges:
                ctx.body_start, ctx.body_end = lo, hi
                out.extend(fn(ctx))
            ctx.body_start, ctx.body_end = ctx.ranges[0]
        else:
            out = fn(ctx)
        key = name.split("_", 1)[1]
        ctx.results[key] = out
        spans = []
        for item in out:
            sp = doc.char_span(item["start"], item["end"], label=key, alignment_mode="expand")
            if sp is not None:
                spans.append(sp)
        doc.spans[key] = spans
        return doc

    return component



def run_extraction(text: str, structure, blocks: tuple = ()) -> Extraction:
    nlp = get_nlp()
    year = None
    if structure is not None and structure.issued_date is not None:
        year = int(structure.issued_date.value[:4])
    lower = text.lower()
    ctx = Ctx(text=text, folded=fold_keep_len(text), lower=lower if len(lower) == len(text) else text,
              body_start=structure.body_start if structure else 0,
              body_end=structure.body_end if structure else len(text),
              year=year, paragraphs=structure.paragraphs if structure else [], results={}, blocked=[],
              blocks=blocks, sections=structure.sections if structure else [],
              issuer=fold(structure.issuer.value) if structure is not None and structure.issuer else None)
    if structure is not None and structure.issued_date is not None and len(structure.issued_date.value) == 10:
        ctx.issued = structure.issued_date.value
    ctx.ranges = ((ctx.body_start, ctx.body_end),)
    if structure is not None and structure.annex_start is not None:
        ctx.ranges += ((structure.annex_start, len(text)),)
    ctx.header_year = ctx.year
    ctx.blocked = grounds_spans(ctx)  # "Căn cứ Nghị định …: các bộ … hoàn thành …" is the cited document's
    if ctx.year is None:  # no issue date: the year of the first full date (a meeting's), else the latest named
        first = re.search(r"(?<![\d/])\d{1,2}\s*(?:/|-|\.|\s+thang\s+)\s*\d{1,2}\s*(?:/|-|\.|\s+nam\s+)\s*(20\d\d)(?!\d)",
                          ctx.folded[:2000])
        years = [int(y) for y in re.findall(r"(?<!\d)(20\d\d)(?!\d)", ctx.folded)]
        ctx.year = int(first.group(1)) if first else (max(years) if years else None)
    doc = nlp.make_doc(text)
    doc.user_data["chithi_ctx"] = ctx
    for _, proc in nlp.pipeline:
        doc = proc(doc)
    tasks = sorted(ctx.results["tasks"] + ctx.results["tables"] + ctx.results["fields"], key=lambda k: k["start"])
    for i, k in enumerate(tasks, 1):
        k["id"] = f"k{i}"
    inherit_leads(tasks)
    if not ctx.issued and structure is not None and structure.issued_date is not None:
        ctx.issued = _issued_at_least(structure.issued_date.value, ctx.results.get("references", []))
    # a due date before the document was issued belongs to an instruction it recounts, not to this one
    ctx.results["deadlines"] = sorted((d for d in ctx.results["deadlines"]
                                       if not (ctx.issued and d["due"] and d["due"] < ctx.issued)),
                                      key=lambda d: d["start"])
    # a target the plan states and its annex table repeats is one target (each range was read on its own)
    ctx.results["targets"] = once(sorted(ctx.results["targets"], key=lambda x: x["start"]))
    _link(tasks, ctx.results["targets"], "target_ids", "t")
    _link(tasks, ctx.results["deadlines"], "deadline_ids", "d")
    _goals_referred_to(ctx, tasks)
    for k in tasks:
        k.pop("scope_end", None)
        k.pop("heads", None)
    return Extraction.of(ctx.results["targets"], ctx.results["deadlines"], tasks, ctx.results["references"])


def _issued_at_least(partial: str, references: list[dict[str, Any]]) -> str | None:
    """The earliest the document can have been issued when its day (or month) is unread ("2025", "2026-03"): not
    before the first day the header allows, nor before the latest document it cites (a document cites only earlier
    ones; dates the header rules out are misreads and left aside)."""
    floor = partial + ("-01" * (3 - partial.count("-") - 1))
    cited = [r["date"] for r in references if r.get("date") and floor <= r["date"] and r["date"][:len(partial)] == partial]
    return max([floor, *cited])


def _link(tasks, items, field_name: str, prefix: str) -> None:
    for i, it in enumerate(items, 1):
        it["id"] = f"{prefix}{i}"
        owner = None
        for k in tasks:
            if k["start"] <= it["start"] < k["end"] or (k.get("scope_end") and k["start"] <= it["start"] < k["scope_end"]):
                owner = k
        if owner is not None:
            it["task_id"] = owner["id"]
            owner.setdefault(field_name, []).append(it["id"])


def _goals_referred_to(ctx: Ctx, tasks: list[dict[str, Any]]) -> None:
    """'… để đạt được mục tiêu 20% … trong năm 2025 và 50% vào năm 2030 …' then 'Để thực hiện đạt được mục tiêu
    này, đề nghị UBND tỉnh …': a task that names the goals before it (extraction.yaml ``goal_anaphora``) owns the
    targets and deadlines of the paragraph before it that no task owns."""
    rx = compiled().goal_anaphora
    for k in tasks:
        if not rx.search(ctx.folded, k["start"], k["end"]):
            continue
        before = [p for p in ctx.paragraphs if p.end <= k["start"]]
        if not before:
            continue
        p = before[-1]
        for key, field_name in (("targets", "target_ids"), ("deadlines", "deadline_ids")):
            for it in ctx.results[key]:
                if p.start <= it["start"] < p.end and not it.get("task_id"):
                    it["task_id"] = k["id"]
                    k.setdefault(field_name, []).append(it["id"])


def extract(doc: Document) -> Document:
    """Stage 5 — extract: targets, deadlines, tasks and their responsible units, references (typed results in
    ``Document.extraction``)."""
    check_chars(doc.path, len(doc.text))  # OCR'd pages count too
    nlp = get_nlp()
    nlp.max_length = max(nlp.max_length, len(doc.text) + 1)  # our limit decides, never spaCy's E088
    ex = run_extraction(doc.text, doc.structure, doc.blocks)
    if any(p.method == "ocr" for p in doc.pages):  # unit names misread by OCR take their known spelling
        tasks, fixed = correct_units(ex.tasks, doc.text)
        if fixed:
            ex = replace(ex, tasks=tasks)
            doc = doc.with_warning(
                "ocr_unit_corrected",
                f"{len(fixed)} unit name(s) read by OCR corrected against known unit words and place names: "
                + "; ".join(f"'{a}' → '{b}'" for a, b in fixed[:5]) + ("; ..." if len(fixed) > 5 else "")
                + " (each unit's text keeps what was read)")
    return replace(doc, extraction=ex)
