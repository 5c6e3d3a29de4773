"""The extraction grammar's language data (pipeline/data/extraction.yaml), validated and compiled once."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from pydantic import BaseModel, ConfigDict

from pipeline.lang.lexicon import load_yaml
from pipeline.core.textutil import fold

class Roles(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lead_before: list[str]
    lead_after: list[str]
    support_before: list[str]
    direct_after: list[str]
    lead_heading: list[str] = []  # "Đối với Nhà đầu tư X: …": an item headed by a unit and a colon
    duty_heading: list[str] = []  # "Điều 17. Trách nhiệm của Thủ trưởng các đơn vị … được phân cấp" over its items


class Rules(BaseModel):
    model_config = ConfigDict(extra="forbid")
    measure_units: list[str]
    qualifier_units: list[str]
    number_words: dict[str, int]
    no_number_targets: dict[str, list[str]]
    comparators: dict[str, list[str]]
    comparator_suffixes: dict[str, list[str]]
    commitment_cues: list[str]
    not_target_cues: list[str]
    condition_cues: list[str] = []  # "những người … đạt trên 50%": a figure in a condition or a definition
    past_section_titles: list[str]
    number_blockers: list[str]
    metric_lead_ins: list[str]
    deadline_cues: list[str]
    year_deadline_cues: list[str]
    deadline_blockers: list[str]
    bare_deadline_cues: list[str] = []  # "đến 2/3 chiều cao": a cue after which a day needs "ngày" or a year
    as_of_cues: list[str] = []  # "tính đến ngày …": the date figures stand at, not a deadline
    validity_cues: list[str] = []  # "Quyết định này có hiệu lực … đến hết ngày …": a term of effect
    recurrence: dict[str, list[str]]
    recurrence_contexts: list[str]
    unit_heads: list[str]
    unit_stops: list[str]
    unit_false_heads: list[str]
    unit_stop_exceptions: list[str]
    unit_kinds: list[str]
    task_verbs: list[str]
    goal_anaphora: list[str] = []  # "Để đạt được mục tiêu này, đề nghị UBND tỉnh …": the goals just stated
    own_commitments: list[str] = []  # "Bộ Nội vụ sẽ tiến hành …": the issuer undertaking a task itself
    subject_asides: list[str] = []  # "theo chức năng, nhiệm vụ được giao" between a subject and its verb
    role_cues: Roles
    generic_units: list[str]
    grounds_openers: list[str] = []  # "Căn cứ Nghị định số …": a sentence of grounds (pipeline/nlp/grounds.py)
    citation_words: list[str] = []  # what a grounds sentence names: "nghị định", "kết luận", "điều", …
    clause_intros: list[str] = []  # "Trước ngày 20/12 hằng năm, UBND xã lập …": words opening a clause's preamble
    clause_time_intros: list[str] = []  # time preambles that may leave out their comma before the subject
    parent_bodies: list[str] = []  # "Cục X, Bộ Công an": after a comma, the body a unit belongs to (one name)


def _alt(phrases, word_end: bool = True, folded: bool = True) -> str:
    """Regex alternation of (folded) phrases, longest first, on word boundaries."""
    items = sorted({fold(p) if folded else p for p in phrases}, key=len, reverse=True)
    body = "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in items)
    return rf"(?<![\w])(?:{body})" + (r"(?![\w])" if word_end else "")


def _lalt(phrases, word_end: bool = True) -> str:
    """Regex alternation of lowercased phrases with their diacritics (matched against the lowercased text)."""
    return _alt([p.lower() for p in phrases], word_end=word_end, folded=False)


@dataclass(frozen=True)
class Compiled:
    rules: Rules
    unit: re.Pattern
    qualifier: re.Pattern
    number_word: re.Pattern
    no_number: list[tuple[str, re.Pattern]]
    cmp_before: list[tuple[str, re.Pattern]]
    cmp_suffix: list[tuple[str, re.Pattern]]
    commit: re.Pattern
    not_target: re.Pattern
    condition: re.Pattern
    past_section: re.Pattern
    blocker_tail: re.Pattern
    lead_in: re.Pattern
    dl_cue_tail: re.Pattern
    year_dl: re.Pattern
    dl_blocker: re.Pattern
    validity: re.Pattern
    as_of: re.Pattern
    bare_cue: re.Pattern
    recurrence: list[tuple[str, re.Pattern]]
    rec_context: re.Pattern
    unit_head: re.Pattern
    unit_stop: re.Pattern
    task_verb: re.Pattern
    unit_kind: re.Pattern
    lead_before_start: re.Pattern
    support_start: re.Pattern
    lead_after: re.Pattern
    support_before_tail: re.Pattern
    direct_after: re.Pattern
    generic: re.Pattern
    lead_heading: re.Pattern
    own_commitment: re.Pattern
    goal_anaphora: re.Pattern
    duty_heading: re.Pattern
    parent_body: re.Pattern | None = None


def _with_groups(heads: list[str]) -> list[str]:
    """The heads, and the groups of each ("Sở" → "các Sở", "Các Sở"; "Các cơ quan" → "các cơ quan")."""
    out = set(heads)
    for h in heads:
        if h[:1].isupper() and not h.lower().startswith("các "):
            out.update({"các " + h, "Các " + h})
        if h.startswith("Các "):
            out.add("c" + h[1:])
    return sorted(out)


@lru_cache(maxsize=1)
def compiled() -> Compiled:
    r: Rules = load_yaml("extraction.yaml", Rules)
    cmp_before = [(k, re.compile(_lalt(v) + r"\s*$")) for k, v in r.comparators.items()]
    unit_alt = "|".join(re.escape(u.lower()) for u in sorted(r.measure_units, key=len, reverse=True))
    return Compiled(
        rules=r,
        unit=re.compile(rf"\s*(?:{unit_alt})(?![\w])"),
        qualifier=re.compile(r"\s*" + _lalt(r.qualifier_units)),
        # a spelled-out number after a comparator; "còn một số tồn tại": "một số" is "some", not one
        number_word=re.compile(_lalt([p for v in ("at_least", "at_most", "approx") for p in r.comparators[v]])
                               + r"\s+(?P<w>" + _lalt(r.number_words) + r")(?!\s+(?:số|vài|cách|phần|lúc)(?![\w]))"),
        no_number=[(k, re.compile(_lalt(v))) for k, v in r.no_number_targets.items()],
        cmp_before=cmp_before,
        cmp_suffix=[(k, re.compile(r"\s*" + _lalt(v))) for k, v in r.comparator_suffixes.items()],
        commit=re.compile(_lalt(r.commitment_cues)),
        not_target=re.compile(_lalt(r.not_target_cues)),
        # "đối với * có": a '*' stands for up to six words ("Đối với thôn có dưới 100 cử tri")
        condition=re.compile("|".join(_lalt([p]).replace(r"\s+\*", r"(?:\s+\S+){1,6}?") for p in r.condition_cues)
                             or r"(?!x)x"),
        past_section=re.compile(_alt(r.past_section_titles)),
        blocker_tail=re.compile(_lalt(r.number_blockers) + r"\s*(?:thứ\s+|số\s+)?$"),
        lead_in=re.compile(r"(?:[\s,;:.\-–]*" + _lalt(r.metric_lead_ins + [p for k in ("decrease_by", "maintain")
                                                                            for p in r.comparators[k]]) + r")+[\s,:]*"),
        dl_cue_tail=re.compile(_alt(r.deadline_cues) + r"\s*$"),
        year_dl=re.compile(_alt(r.year_deadline_cues) + r"\s*(?P<y>(?:19|20)\d\d)(?!\d)"),
        dl_blocker=re.compile(_alt(r.deadline_blockers)),
        bare_cue=re.compile(_alt(r.bare_deadline_cues) + r"\s*$" if r.bare_deadline_cues else r"(?!x)x"),
        as_of=re.compile(_alt(r.as_of_cues) + r"\s*$" if r.as_of_cues else r"(?!x)x"),
        validity=re.compile(_alt(r.validity_cues) if r.validity_cues else r"(?!x)x"),
        recurrence=[(k, re.compile(_alt(v))) for k, v in r.recurrence.items()],
        rec_context=re.compile(_alt(r.recurrence_contexts)),
        unit_head=re.compile(r"(?!" + _alt(r.unit_false_heads, folded=False) + ")" + _alt(_with_groups(r.unit_heads),
                                                                                           folded=False)),
        unit_kind=re.compile(_alt(r.unit_kinds)),
        # "Ủy ban nhân dân tỉnh (thành phố) gửi …": an aside in brackets may stand between the unit and its verb
        # and so may a phrase of manner ("Các sở, ngành theo chức năng, nhiệm vụ được giao, tổ chức …")
        task_verb=re.compile(r"\s*(?:\([^()\n]{0,60}\)\s*)?"
                             + (r"(?:,?\s*" + _alt([p.lower() for p in r.subject_asides], folded=False)
                                + r"[^;:.\n]{0,100}?)?" if r.subject_asides else "")
                             + r",?\s*" + _alt([p.lower() for p in r.task_verbs], folded=False)),
        # a unit name ends at a verb of the task: the stop words and every task verb ("UBND tỉnh X khẩn trương")
        unit_stop=re.compile(r"(?!" + "|".join(r"(?<=\b" + re.escape(x.split()[0]) + r" )" + re.escape(" ".join(x.split()[1:]))
                                                for x in (e.lower() for e in r.unit_stop_exceptions) if " " in x)
                             + ")" + _alt([p.lower() for p in r.unit_stops + r.task_verbs], folded=False)),
        lead_before_start=re.compile(_alt([p.lower() for p in r.role_cues.lead_before], folded=False) + r"\s+(?:cho\s+)?"),
        support_start=re.compile(_alt([p.lower() for p in r.role_cues.support_before], folded=False) + r"\s*"),
        lead_after=re.compile(r"\s*,?\s*" + _alt(r.role_cues.lead_after)),  # used with .match(pos)
        support_before_tail=re.compile(_alt(r.role_cues.support_before) + r"\s*$"),
        direct_after=re.compile(_alt(r.role_cues.direct_after)),
        generic=re.compile(_alt(r.generic_units)),
        lead_heading=re.compile(_alt([p.lower() for p in r.role_cues.lead_heading] or ["(?!x)x"], folded=False)
                                + r"\s+"),
        goal_anaphora=re.compile(_alt(r.goal_anaphora or ["(?!x)x"])),
        own_commitment=re.compile(r"\s*" + _alt([p.lower() for p in r.own_commitments] or ["(?!x)x"], folded=False)),
        duty_heading=re.compile(_alt([p.lower() for p in r.role_cues.duty_heading] or ["(?!x)x"], folded=False)
                                + r"\s+"),
        parent_body=re.compile(_alt(r.parent_bodies, folded=False) + r"(?=\s+[A-ZĐÀ-Ỹ])") if r.parent_bodies else None,
    )
