"""Scoring of records against gold annotations, as corpus/gold/GUIDE.md describes.

Per field, predictions are matched one-to-one to gold items (greedy, in gold order); precision, recall and F1
are micro-averaged over documents. Text comparisons fold case, diacritics (đ→d) and punctuation.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from pipeline.core.textutil import fold_words, token_set_ratio

FIELDS = ("targets", "deadlines", "assignments", "who_by_when")
SCAN_GROUP, TEXT_TOTAL = "scan", "text"  # split.tsv's group of scanned documents; the total over all the others
META_FIELDS = ("number", "doc_type", "issued_date", "place", "issuer", "signer_name", "signer_title")


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, tp: int, n_pred: int, n_gold: int) -> None:
        self.tp += tp
        self.fp += n_pred - tp
        self.fn += n_gold - tp

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def _score(c: Counts, value: float) -> float | None:
    """A rounded score; None for a field with no items at all (neither gold nor predicted): nothing was measured."""
    return round(value, 4) if c.tp + c.fp + c.fn else None


def _fmt(v: float | None, width: int) -> str:
    return f"{v:>{width}.3f}" if v is not None else f"{'—':>{width}}"


@dataclass
class Report:
    fields: dict[str, Counts] = field(default_factory=lambda: {k: Counts() for k in FIELDS})
    meta_right: dict[str, int] = field(default_factory=lambda: {k: 0 for k in META_FIELDS})
    meta_total: int = 0
    documents: list[dict[str, Any]] = field(default_factory=list)
    halves: dict[str, "Report"] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "documents": len(self.documents),
            "fields": {k: {"precision": _score(c, c.precision), "recall": _score(c, c.recall), "f1": _score(c, c.f1),
                           "tp": c.tp, "fp": c.fp, "fn": c.fn} for k, c in self.fields.items()},
            "metadata_accuracy": {k: round(v / self.meta_total, 4) if self.meta_total else None
                                  for k, v in self.meta_right.items()},
            "per_document": self.documents,
            **({"halves": {k: {kk: vv for kk, vv in r.as_dict().items() if kk != "per_document"}
                           for k, r in self.halves.items()}} if self.halves else {}),
        }


def _num_eq(a, b) -> bool:
    return a is not None and b is not None and abs(float(a) - float(b)) < 1e-6


def _target_match(g: dict, p: dict) -> bool:
    pwords = set(fold_words((p.get("metric") or "") + " " + p.get("text", "")))
    gwords = fold_words(g.get("metric") or "")
    share = sum(w in pwords for w in gwords) / len(gwords) if gwords else 1.0
    if g.get("value") is None:
        return share >= 0.7
    if not _num_eq(g["value"], p.get("value")):
        return False
    if g.get("value_max") is not None and not _num_eq(g["value_max"], p.get("value_max")):
        return False
    gu, pu = " ".join(fold_words(g.get("unit") or "")), " ".join(fold_words(p.get("unit") or ""))
    if gu or pu:
        ptext = " ".join(fold_words(p.get("text", "")))
        if not (gu and pu and (gu in pu or pu in gu)) and not (gu and f" {gu} " in f" {ptext} "):
            if not (g.get("unit") and p.get("unit") and g["unit"].strip() in p["unit"]):
                return False
    return share >= 0.5


def _deadline_key(d: dict) -> tuple:
    return (d.get("due"), d.get("precision"), d.get("recurrence") if d.get("precision") == "recurring" else None)


def _deadline_match(g: tuple, p: tuple) -> bool:
    if g[1] == "recurring" or p[1] == "recurring":
        return g[1] == p[1] and g[2] == p[2]
    return g[0] == p[0] and g[1] == p[1]


def _assign_match(g: dict, p: dict) -> bool:
    if g["role"] != p["role"]:
        return False
    a, b = " ".join(fold_words(g["unit"])), " ".join(fold_words(p["name"]))
    return bool(a and b) and (a in b or b in a or token_set_ratio(g["unit"], p["name"]) >= 0.85)


def _pair_match(g: tuple, p: tuple) -> bool:
    """(deadline key, lead unit) pairs: the deadline as deadlines match, the unit as assignments do."""
    return _deadline_match(g[0], p[0]) and _assign_match({"unit": g[1], "role": "lead"}, {"name": p[1], "role": "lead"})


def record_pairs(record: dict) -> list[tuple]:
    """The distinct (deadline, lead unit) pairs of a record: each deadline with the lead units of every task whose
    ``deadline_ids`` hold it, or of the deadline's own ``task_id``."""
    tasks = {k["id"]: k for k in record["tasks"]}
    owners: dict[str, set[str]] = {}
    for k in record["tasks"]:
        for d in k.get("deadline_ids") or []:
            owners.setdefault(d, set()).add(k["id"])
    pairs: dict[tuple, tuple] = {}
    for d in record["deadlines"]:
        ids = owners.get(d["id"], set()) | ({d["task_id"]} if d.get("task_id") else set())
        for tid in sorted(ids):
            for u in (tasks[tid]["units"] if tid in tasks else []):
                if u["role"] == "lead":
                    pairs.setdefault((_deadline_key(d), " ".join(fold_words(u["name"]))), (_deadline_key(d), u["name"]))
    return list(pairs.values())


def gold_pairs(gold: dict) -> list[tuple]:
    pairs: dict[tuple, tuple] = {}
    for d in gold["deadlines"]:
        for u in d.get("units") or []:
            pairs.setdefault((_deadline_key(d), " ".join(fold_words(u))), (_deadline_key(d), u))
    return list(pairs.values())


def _greedy(gold: list, pred: list, match: Callable[[Any, Any], bool]) -> tuple[int, list, list]:
    """Gold and predicted items paired one to one, as many pairs as possible (the guide's scoring): a maximum
    bipartite matching by augmenting paths, trying gold in order and each gold's candidates in predicted order, so a
    prediction first taken by one gold item moves to another when that lets both be matched."""
    cands = [[i for i, p in enumerate(pred) if match(g, p)] for g in gold]
    owner: dict[int, int] = {}  # predicted index → gold index

    def augment(gi: int, seen: set[int]) -> bool:
        for i in cands[gi]:
            if i in seen:
                continue
            seen.add(i)
            if i not in owner or augment(owner[i], seen):
                owner[i] = gi
                return True
        return False

    matched = {gi for gi in range(len(gold)) if augment(gi, set())}
    missed = [g for gi, g in enumerate(gold) if gi not in matched]
    extra = [p for i, p in enumerate(pred) if i not in owner]
    return len(matched), missed, extra


def _meta_value(record: dict, name: str):
    md = record["metadata"]
    if name == "signer_name":
        return (md.get("signer") or {}).get("name")
    if name == "signer_title":
        return (md.get("signer") or {}).get("title")
    v = md.get(name)
    return v.get("value") if isinstance(v, dict) else v


def _meta_ok(name: str, gold, pred) -> bool:
    if gold is None or pred is None:
        return gold is None and pred is None
    if name == "number":
        return "".join(gold.split()) == "".join(pred.split())
    if name in ("issuer", "place", "signer_title"):
        return token_set_ratio(gold, pred) >= 0.9
    return " ".join(fold_words(str(gold))) == " ".join(fold_words(str(pred)))


def score(gold: dict, record: dict, report: Report) -> dict[str, Any]:
    doc: dict[str, Any] = {"source": gold["source"]}
    tp, missed, extra = _greedy(gold["targets"], record["targets"], _target_match)
    report.fields["targets"].add(tp, len(record["targets"]), len(gold["targets"]))
    doc["targets"] = {"tp": tp, "missed": missed, "extra": [p["text"] for p in extra]}
    gd = list(dict.fromkeys(_deadline_key(d) for d in gold["deadlines"]))
    pd = list(dict.fromkeys(_deadline_key(d) for d in record["deadlines"]))
    tp, missed, extra = _greedy(gd, pd, _deadline_match)
    report.fields["deadlines"].add(tp, len(pd), len(gd))
    doc["deadlines"] = {"tp": tp, "missed": missed, "extra": extra}
    units = list({(" ".join(fold_words(u["name"])), u["role"]): {"name": u["name"], "role": u["role"]}
                  for k in record["tasks"] for u in k["units"]}.values())
    ga = list({(a["unit"], a["role"]): a for a in gold["assignments"]}.values())
    tp, missed, extra = _greedy(ga, units, _assign_match)
    report.fields["assignments"].add(tp, len(units), len(ga))
    doc["assignments"] = {"tp": tp, "missed": missed, "extra": extra}
    if any("units" in d for d in gold["deadlines"]):  # gold that says who meets each deadline (realdev's guide)
        gp, pp = gold_pairs(gold), record_pairs(record)
        tp, missed, extra = _greedy(gp, pp, _pair_match)
        report.fields["who_by_when"].add(tp, len(pp), len(gp))
        doc["who_by_when"] = {"tp": tp, "missed": missed, "extra": extra}
    report.meta_total += 1
    wrong = {}
    for name in META_FIELDS:
        g, p = gold["metadata"].get(name), _meta_value(record, name)
        if _meta_ok(name, g, p):
            report.meta_right[name] += 1
        else:
            wrong[name] = {"gold": g, "pred": p}
    doc["metadata_wrong"] = wrong
    report.documents.append(doc)
    return doc


def _read_split(folder: Path) -> dict[str, str]:
    """``split.tsv`` (columns id, half) beside the gold: which half (tune / check) each document is in."""
    for f in (folder / "split.tsv", folder.parent / "split.tsv"):
        if f.is_file():
            rows = [ln.split("\t") for ln in f.read_text(encoding="utf-8").splitlines()[1:] if ln.strip()]
            return {r[0].strip(): r[1].strip() for r in rows if len(r) >= 2}
    return {}


def evaluate(gold_dir: str | Path, docs_dir: str | Path | None = None,
             extract: Callable[[Path], dict] | None = None) -> Report:
    """Score the documents the gold files in ``gold_dir`` name. ``gold_dir`` may also be a set's folder holding
    ``gold/`` and ``docs/`` (as corpus/realdev); a ``split.tsv`` there adds a report per half, and one ('text')
    over every document outside the 'scan' group."""
    from pipeline.core.errors import InputMissingError

    gold_dir = Path(gold_dir)
    if (gold_dir / "gold").is_dir() and not any(gold_dir.glob("*.json")):
        if docs_dir is None and (gold_dir / "docs").is_dir():
            docs_dir = gold_dir / "docs"
        gold_dir = gold_dir / "gold"
    if not gold_dir.is_dir():
        raise InputMissingError(f"{gold_dir}: not a directory of gold files", "give the folder with the *.json gold")
    docs_dir = Path(docs_dir) if docs_dir else gold_dir.parent
    files = sorted(p for p in gold_dir.glob("*.json"))
    if not files:
        raise InputMissingError(f"{gold_dir}: no *.json gold files", "check the folder")
    if extract is None:
        from pipeline.run import extract_record

        extract = lambda p: json.loads(extract_record(p).model_dump_json())  # noqa: E731
    report = Report()
    split = _read_split(gold_dir)
    for gf in files:
        gold = json.loads(gf.read_text(encoding="utf-8"))
        src = docs_dir / gold["source"]
        if not src.exists():
            raise InputMissingError(f"{src}: document named by {gf.name} not found", "pass DOCS_DIR")
        record = extract(src)
        score(gold, record, report)
        half = split.get(gf.stem)
        if half:
            score(gold, record, report.halves.setdefault(half, Report()))
            if half != SCAN_GROUP:  # the issue's targets are on the text documents: every group but the scans
                score(gold, record, report.halves.setdefault(TEXT_TOTAL, Report()))
    return report


def format_report(rep: Report) -> str:
    d = rep.as_dict()
    lines = [f"documents: {d['documents']}", "", f"{'field':<12} {'P':>6} {'R':>6} {'F1':>6}   tp  fp  fn"]
    for k, v in d["fields"].items():
        lines.append(f"{k:<12} {_fmt(v['precision'], 6)} {_fmt(v['recall'], 6)} {_fmt(v['f1'], 6)}  {v['tp']:>3} "
                     f"{v['fp']:>3} {v['fn']:>3}" + ("   (no items)" if v["f1"] is None else ""))
    lines.append("")
    lines.append("metadata accuracy: " + ", ".join(f"{k} {v:.2f}" for k, v in d["metadata_accuracy"].items()))
    if rep.halves:
        lines += ["", f"{'half':<6} {'docs':>4}  {'targets':>7} {'deadlines':>9} {'assignments':>11} {'who_by_when':>11}"
                      "  metadata (worst field)"]
        for name in sorted(rep.halves, key=lambda h: (h == TEXT_TOTAL, h != "tune", h)):
            h = rep.halves[name].as_dict()
            worst = min(h["metadata_accuracy"].items(), key=lambda kv: kv[1])
            f = h["fields"]
            lines.append(f"{name:<6} {h['documents']:>4}  {_fmt(f['targets']['f1'], 7)} {_fmt(f['deadlines']['f1'], 9)} "
                         f"{_fmt(f['assignments']['f1'], 11)} {_fmt(f['who_by_when']['f1'], 11)}  {worst[1]:.2f} ({worst[0]})")
    return "\n".join(lines)
