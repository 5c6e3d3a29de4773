"""The wild benchmark: every page of ../shared/wild (816 unlabeled pages saved from a legal-document website, see its
README) through `chithi extract`, reporting what needs no gold:

- failures: pages that raise (none expected);
- pages flagged ``not_a_directive``, and the share of pages without the national motto (real-estate listings, Q&A,
  news) that are flagged;
- among the directives kept: the share with a sane trích yếu (present, three words or more, no place-date line, no
  table bars or page breaks), with an issue date, with a number;
- the share of deadlines that sit in a task with a lead unit, over the documents that name a lead unit anywhere.

Usage: python bench/wild_bench.py [WILD_DIR] [--limit N] [--show N] [--out FILE.jsonl]
(``--show`` lists up to N pages per problem, ``--out`` writes one line per page: the figures the report counts).
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import time
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

_MOTTO = re.compile(r"cộng\W+h(?:òa|oà)\W+xã\W+hội\W+chủ\W+nghĩa\W+việt\W+nam|độc\W+lập\W+tự\W+do\W+hạnh\W+phúc", re.I)
# "Hà Nội, ngày 20 tháng 11 năm 2025": a place, a comma, a date (a cited "… số 12/QĐ-UBND ngày 10 tháng 11 năm 2025"
# in a trích yếu is no place-date line)
_PLACE_DATE = re.compile(r"[^\W\d]\s*,\s*ngày\s+\S{1,4}\s+tháng\s+\S{1,4}\s+năm\s+\d{4}|[^\W\d]\s*,\s*ngày\s+\d{1,2}/\d{1,2}/\d{4}",
                         re.I)


def subject_problem(subject: str | None) -> str | None:
    """Why a trích yếu is not sane, or None."""
    if not subject:
        return "missing"
    if "|" in subject or "\f" in subject:
        return "table bar or page break"
    if _PLACE_DATE.search(subject):
        return "place-date line"
    if len(subject.split()) < 3:
        return "under three words"
    return None


def page_figures(text: str, rec: dict) -> dict:
    """The figures of one page. A deadline's line 'names a unit' when a unit head of the lexicon opens a capitalised
    name in it (or its task has units): the document says who there, so the record should tie it to a lead."""
    from pipeline.nlp.data import compiled

    head = compiled().unit_head
    md = rec["metadata"]
    subj = (md.get("subject") or {}).get("value")
    tasks = {k["id"]: k for k in rec["tasks"]}
    names_lead = any(u["role"] == "lead" for k in rec["tasks"] for u in k["units"])
    led = named = named_led = 0
    unled = []
    for d in rec["deadlines"]:
        k = tasks.get(d.get("task_id") or "")
        is_led = k is not None and any(u["role"] == "lead" for u in k["units"])
        a = d["span"]["start"]
        ls, le = text.rfind("\n", 0, a) + 1, text.find("\n", a)
        line = text[ls:le if le != -1 else len(text)]
        says_who = bool(k and k["units"]) or any(line[m.start()].isupper() for m in head.finditer(line))
        led += is_led
        named += says_who
        named_led += says_who and is_led
        if says_who and not is_led:
            unled.append(line[:300])
    return {"not_directive": any(w["code"] == "not_a_directive" for w in rec["warnings"]),
            "subject": subj, "subject_problem": subject_problem(subj),
            "date": bool(md.get("issued_date")), "number": bool(md.get("number")),
            "deadlines": len(rec["deadlines"]), "deadlines_led": led, "names_lead": names_lead,
            "deadlines_named": named, "deadlines_named_led": named_led, "unled": unled}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("wild", nargs="?", type=Path, default=ROOT.parent / "shared" / "wild")
    ap.add_argument("--limit", type=int, default=0, help="only the first N pages")
    ap.add_argument("--show", type=int, default=0, help="list up to N pages per problem")
    ap.add_argument("--out", type=Path, help="write the figures of every page as JSON Lines")
    args = ap.parse_args()
    docs = args.wild / "docs" if (args.wild / "docs").is_dir() else args.wild
    pages = sorted(p for p in docs.iterdir() if p.is_file()) if docs.is_dir() else []
    if not pages:
        print(f"{docs}: no pages (../shared/wild is absent?)", file=sys.stderr)
        return 2
    if args.limit:
        pages = pages[:args.limit]

    from pipeline.core.errors import ChithiError
    from pipeline.run import process

    rows, failures = [], []
    t0 = time.perf_counter()
    for p in pages:
        motto = bool(_MOTTO.search(unicodedata.normalize("NFC", p.read_text(encoding="utf-8", errors="replace"))))
        try:
            doc, record = process(p)
            rec = json.loads(record.model_dump_json())
        except ChithiError as e:  # a clear error: counted, not a crash
            failures.append((p.name, f"{type(e).__name__}: {e}"))
            continue
        except Exception as e:  # noqa: BLE001 - the benchmark reports every failure
            failures.append((p.name, f"internal {type(e).__name__}: {e}"))
            continue
        rows.append({"page": p.name, "motto": motto, **page_figures(doc.text, rec)})
    dt = time.perf_counter() - t0
    if args.out:
        args.out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")

    def share(n: int, d: int) -> str:
        return f"{n}/{d} = {100 * n / d:.1f}%" if d else "—"

    kept = [r for r in rows if not r["not_directive"]]
    plain = [r for r in rows if not r["motto"]]
    sane = [r for r in kept if r["subject_problem"] is None]
    led_docs = [r for r in kept if r["names_lead"]]
    n_dl = sum(r["deadlines"] for r in led_docs)
    n_led = sum(r["deadlines_led"] for r in led_docs)
    print(f"pages: {len(pages)} ({len(pages) / dt:.1f}/s)")
    print(f"failures: {len(failures)}")
    print(f"flagged not_a_directive: {sum(r['not_directive'] for r in rows)}; of the pages without the national "
          f"motto: {share(sum(r['not_directive'] for r in plain), len(plain))}")
    print(f"directives kept: {len(kept)}")
    print(f"  trích yếu sane: {share(len(sane), len(kept))}")
    print(f"  with a date: {share(sum(r['date'] for r in kept), len(kept))}")
    print(f"  with a number: {share(sum(r['number'] for r in kept), len(kept))}")
    print(f"  deadlines in a task with a lead unit, of those whose line or task names a unit: "
          f"{share(sum(r['deadlines_named_led'] for r in kept), sum(r['deadlines_named'] for r in kept))}")
    print(f"  deadlines in a task with a lead unit, of all in documents that name a lead: {share(n_led, n_dl)}")
    if args.show:
        for name, err in failures[:args.show]:
            print(f"FAIL {name}: {err}")
        for r in [r for r in kept if r["subject_problem"]][:args.show]:
            print(f"SUBJECT {r['page']} ({r['subject_problem']}): {r['subject']!r}"[:300])
        for line in [x for r in kept for x in r["unled"]][:args.show]:
            print(f"UNLED {line!r}"[:300])
        for r in [r for r in plain if not r["not_directive"]][:args.show]:
            print(f"KEPT WITHOUT MOTTO {r['page']}: {r['subject']!r}"[:300])
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
