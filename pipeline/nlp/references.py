"""chithi_references: cited documents ('Chỉ thị số 19/CT-TTg ngày 16/7/2021 của Thủ tướng Chính phủ')."""
from __future__ import annotations

import re
from typing import Any

from pipeline.nlp.context import Ctx
from pipeline.nlp.numbers import _valid_day
from pipeline.lang.lexicon import lexicon
from pipeline.core.textutil import fold, squash

_REF = re.compile(
    r"(?<![\w])(?P<type>nghi quyet|chi thi|ke hoach|quyet dinh|thong tu lien tich|thong tu|nghi dinh|cong van|"
    r"ket luan|chuong trinh hanh dong|chuong trinh|huong dan|thong bao|luat|van ban|cong dien|to trinh|bao cao)"
    r"\s+(?:so\s*)?(?P<num>\d+[\w./\-]*[/\-][\w./\-]*\w)"
    r"(?:\s*,?\s*ngay\s*(?P<date>\d{1,2}\s*(?:/|\s*thang\s*)\s*\d{1,2}\s*(?:/|\s*nam\s*)\s*\d{4}))?"
    r"(?:\s+(?:cua|do)\s+(?P<issuer>[^,;.:()“”\"\n\f]{3,80}?)(?=\s+(?:ve|tai|thuc hien|trien khai|quy dinh|ban hanh|huong dan)\b|[,;.:()“”\"]|$))?")


def _references(ctx: Ctx) -> list[dict[str, Any]]:
    out = []
    codes = {fold(k): v for k, v in lexicon().doc_types.items()}
    for m in _REF.finditer(ctx.folded):
        t = ctx.text
        date = None
        if m.group("date"):
            nums = re.findall(r"\d+", m.group("date"))
            d, mo, y = (int(x) for x in nums[:3])
            if _valid_day(y, mo, d):
                date = f"{y:04d}-{mo:02d}-{d:02d}"
        typ = m.group("type")
        issuer = squash(t[m.start("issuer"):m.end("issuer")]) if m.group("issuer") else None
        out.append({"start": m.start(), "end": m.end(), "number": t[m.start("num"):m.end("num")],
                    "doc_type": codes.get(typ, typ.replace(" ", "_")), "date": date, "issuer": issuer})
        ctx.blocked.append((m.start(), m.end()))
    return out
