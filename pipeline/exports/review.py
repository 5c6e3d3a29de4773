"""The audit review page: one self-contained HTML file showing every extracted value in its source.

:func:`render_review` lays out, for one document,

- the normalized text (the one all spans index), page by page, with every extracted value wrapped in
  ``<mark data-kind="target|deadline|unit|metadata" data-id="t1|d1|k1-u1|meta-number" id="mark-...">``;
  overlapping values nest, and a value that crosses another one's end (or a page break) is split into parts that
  share its ``data-id`` (only the first part carries the ``id``), so the HTML is always well formed and the text of
  a value's parts joined is its ``text``;
- for pages with word boxes (OCR and PDF text layers), the page image, downscaled and embedded as a ``data:`` URI,
  with an SVG overlay of the boxes of the highlighted values;
- tables of the metadata, targets, deadlines and tasks with their units, each row linking to its highlight, the
  normalized values beside the source text;
- warnings where they apply (a badge on the row and on the mark) and as a list; and an audit footer.

- a decision cell on every reviewable row (:func:`pipeline.decisions.reviewable`): accept, reject, correct (with
  the corrected value) and a note, kept in the browser's localStorage and downloaded as JSON for
  ``chithi review --apply``; implausible years are flagged (:func:`implausible`).

The page is built from the Jinja2 templates ``pipeline/templates/review.html.j2`` (with ``review.css`` and
``review.js`` inlined): no network. The script flashes the highlight named by the URL hash (``#mark-t1``) on
load, on hash change and on clicks on row links, keeps each scan image beside the part of its page's text being
read, and handles the decisions.
"""
from __future__ import annotations

import base64
import html
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from pipeline.exports.templating import environment, render
from pipeline.lang.labels import doc_type_label, warning_label
from pipeline.ocr.render import render_view
from pipeline.store.decisions import reviewable
from schemas.record import SCHEMA_VERSION, DirectiveRecord

IMAGE_WIDTH = 1400          # embedded page images are downscaled to this width (px)
LOW_CONFIDENCE = 60.0       # same threshold as pipeline.assemble
KINDS = ("target", "deadline", "unit", "metadata")
KIND_LABELS = {"target": "Chỉ tiêu · target", "deadline": "Thời hạn · deadline", "unit": "Đơn vị · unit",
               "metadata": "Thông tin văn bản · metadata"}
META_LABELS = {"number": "Số ký hiệu", "doc_type": "Loại văn bản", "issued_date": "Ngày ban hành",
               "place": "Địa danh", "issuer": "Cơ quan ban hành", "subject": "Trích yếu", "signer": "Người ký"}
COMPARATORS = {"reach": "đạt", "at_least": "≥", "more_than": ">", "at_most": "≤", "increase_by": "tăng",
               "decrease_by": "giảm", "maintain": "duy trì", "approx": "≈"}
ROLES = {"lead": "chủ trì", "support": "phối hợp", "direct": "chỉ đạo"}
PRECISIONS = {"day": "ngày", "month": "tháng", "quarter": "quý", "half": "nửa năm", "year": "năm",
              "recurring": "định kỳ"}
RECURRENCES = {"weekly": "hằng tuần", "monthly": "hằng tháng", "quarterly": "hằng quý",
               "half_yearly": "6 tháng một lần", "yearly": "hằng năm", "periodic": "định kỳ"}
#: record-level warnings that belong to one metadata field
WARNING_FIELDS = {"inferred_issuer": "meta-issuer", "blank_number": "meta-number", "unsigned": "meta-signer",
                  "date_without_day": "meta-issued_date"}
BADGES = {"restored": "phục hồi dấu", "low_conf": "OCR thấp", "inferred": "suy luận", "blank": "trống",
          "mismatch": "lệch vị trí", "warning": "cảnh báo", "implausible": "năm bất thường"}


@dataclass
class Item:
    """One highlighted value."""

    kind: str
    id: str                      # data-id
    start: int
    end: int
    text: str
    page: int
    bbox: dict | None = None
    confidence: float | None = None
    badges: list[str] = field(default_factory=list)
    label: str = ""              # short description for tooltips
    placed: bool = True          # False when the span could not be found in the text

    @property
    def marked(self) -> bool:
        """True when the value is highlighted (it has a place in the text, and a length)."""
        return self.placed and self.end > self.start

    @property
    def anchor(self) -> str:
        return f"mark-{self.id}"


def _esc(s: Any) -> str:
    return html.escape("" if s is None else str(s), quote=True)


def _num(v: float | None) -> str:
    if v is None:
        return ""
    s = f"{v:,.4f}".rstrip("0").rstrip(".")
    return s.replace(",", "\u202f").replace(".", ",")  # Vietnamese style: 1 234,5


# -- collecting the values ------------------------------------------------------------------------------------

def _place(item: Item, text: str) -> Item:
    """Check the span against the text; when it does not hold the value's text, look for the text nearby."""
    if 0 <= item.start <= item.end <= len(text) and text[item.start:item.end] == item.text:
        return item
    if item.text:
        cands = []
        i = text.find(item.text)
        while i >= 0 and len(cands) < 50:
            cands.append(i)
            i = text.find(item.text, i + 1)
        if cands:
            best = min(cands, key=lambda c: abs(c - item.start))
            item.start, item.end = best, best + len(item.text)
            item.badges.append("mismatch")
            return item
    item.placed = False
    item.badges.append("mismatch")
    return item


def collect(record: DirectiveRecord, text: str) -> list[Item]:
    items: list[Item] = []

    def add(kind: str, id_: str, v, label: str = "") -> Item:
        sp = v.span
        it = Item(kind, id_, sp.start, sp.end, v.text, sp.page,
                  bbox=sp.bbox.model_dump() if sp.bbox is not None else None, confidence=sp.confidence,
                  label=label)
        if getattr(v, "restored", False):
            it.badges.append("restored")
        if getattr(v, "inferred", False):
            it.badges.append("inferred")
        if sp.confidence is not None and sp.confidence < LOW_CONFIDENCE:
            it.badges.append("low_conf")
        items.append(_place(it, text))
        return it

    md = record.metadata
    for name in ("number", "doc_type", "issued_date", "place", "issuer", "subject"):
        v = getattr(md, name)
        if v is not None:
            add("metadata", f"meta-{name}", v, f"{META_LABELS[name]}: {v.value}")
    if md.signer is not None:
        add("metadata", "meta-signer", md.signer, f"Người ký: {md.signer.name or '(chưa ký)'}")
    for i, r in enumerate(md.recipients, 1):
        add("metadata", f"meta-recipient-{i}", r, f"Nơi nhận: {r.name}")
    for i, r in enumerate(md.references, 1):
        add("metadata", f"meta-ref-{i}", r, f"Văn bản dẫn chiếu: {r.number or r.doc_type or ''}")
    for t in record.targets:
        add("target", t.id, t, f"{t.id}: {_target_value(t)}")
    for d in record.deadlines:
        add("deadline", d.id, d, f"{d.id}: {_deadline_value(d)}")
    for k in record.tasks:
        for i, u in enumerate(k.units, 1):
            add("unit", f"{k.id}-u{i}", u, f"{k.id}-u{i}: {u.name} ({ROLES.get(u.role, u.role)})")
    # warnings of the record that point at a value
    by_id = {it.id: it for it in items}
    for w in record.warnings:
        if w.code in WARNING_FIELDS and WARNING_FIELDS[w.code] in by_id:
            it = by_id[WARNING_FIELDS[w.code]]
            if "warning" not in it.badges:
                it.badges.append("warning")
        elif w.span is not None and w.code != "low_ocr_confidence":
            for it in items:
                if it.start < w.span.end and w.span.start < it.end and "warning" not in it.badges:
                    it.badges.append("warning")
    return items


def _target_value(t) -> str:
    parts = []
    if t.comparator:
        parts.append(COMPARATORS.get(t.comparator, t.comparator))
    if t.value is not None:
        v = _num(t.value) + (f"–{_num(t.value_max)}" if t.value_max is not None else "")
        parts.append(v + (t.unit if t.unit in ("%", "‰") else f" {t.unit}" if t.unit else ""))
    elif t.unit:
        parts.append(t.unit)
    return " ".join(parts) or "—"


def _deadline_value(d) -> str:
    s = d.due or "—"
    extra = PRECISIONS.get(d.precision, d.precision)
    if d.recurrence:
        extra += ", " + RECURRENCES.get(d.recurrence, d.recurrence)
    return f"{s} ({extra})"


# -- the marked-up text ------------------------------------------------------------------------------------------

def _page_ranges(text: str) -> list[tuple[int, int]]:
    out, pos = [], 0
    for part in text.split("\f"):
        out.append((pos, pos + len(part)))
        pos += len(part) + 1
    return out


def _mark_open(it: Item, part: int) -> str:
    attrs = [f'class="hl k-{it.kind}"', f'data-kind="{it.kind}"', f'data-id="{_esc(it.id)}"']
    if part == 1:
        attrs.append(f'id="{_esc(it.anchor)}"')
    else:
        attrs.append(f'data-part="{part}"')
    if it.badges:
        attrs.append(f'data-warn="{_esc(" · ".join(BADGES[b] for b in it.badges))}"')
    if it.confidence is not None:
        attrs.append(f'data-conf="{it.confidence:g}"')
    attrs.append(f'title="{_esc(it.label)}"')
    return f"<mark {' '.join(attrs)}>"


def mark_up(text: str, start: int, end: int, items: Iterable[Item], anchors: dict[int, list[str]],
            parts: dict[str, int]) -> str:
    """HTML of ``text[start:end]`` with the items (clipped to the range) as properly nested marks.

    An item that ends while an item opened after it is still open is closed with it and reopened as a new part.
    ``parts`` counts the parts emitted per item id across calls (pages)."""
    spans = [(max(it.start, start), min(it.end, end), it) for it in items
             if it.placed and it.start < end and it.end > start and it.end > it.start]
    opens: dict[int, list[tuple[int, int, Item]]] = {}
    for s in spans:
        opens.setdefault(s[0], []).append(s)
    cuts = sorted({start, end, *(s[0] for s in spans), *(s[1] for s in spans),
                   *(a for a in anchors if start <= a < end)})
    order = {k: i for i, k in enumerate(("metadata", "target", "deadline", "unit"))}
    out: list[str] = []
    stack: list[tuple[int, int, Item]] = []   # open marks, outermost first
    tag_at: dict[str, int] = {}               # item id -> index in out of its open part's tag
    for i, pos in enumerate(cuts):
        # close what ends here (and whatever was opened inside it), remembering the ones to reopen
        reopen: list[tuple[int, int, Item]] = []
        low = next((j for j, s in enumerate(stack) if s[1] <= pos), None)
        if low is not None:
            for s in reversed(stack[low:]):
                out.append("</mark>")
                if s[1] > pos:
                    reopen.append(s)
                elif s[2].end <= pos:  # the value's last part: it carries the id label
                    k = tag_at[s[2].id]
                    out[k] = out[k].replace("<mark ", '<mark data-end="1" ', 1)
            del stack[low:]
        for a in anchors.get(pos, ()) if pos < end else ():
            out.append(f'<span class="anchor" id="{_esc(a)}"></span>')
        if pos >= end:
            break
        new = reopen + opens.get(pos, [])
        new.sort(key=lambda s: (-s[1], order.get(s[2].kind, 9), s[2].id))
        for s in new:
            parts[s[2].id] = parts.get(s[2].id, 0) + 1
            tag_at[s[2].id] = len(out)
            out.append(_mark_open(s[2], parts[s[2].id]))
            stack.append(s)
        nxt = cuts[i + 1] if i + 1 < len(cuts) else end
        out.append(html.escape(text[pos:nxt], quote=False))
    assert not stack
    return "".join(out)


# -- page images ------------------------------------------------------------------------------------------------

@dataclass
class PageImage:
    data_uri: str
    width: int                   # embedded image size (px)
    height: int
    frame: tuple[float, float]   # width, height of the page in bbox units
    boxes: list[tuple[Item, tuple[float, float, float, float]]] = field(default_factory=list)


def _encode(im) -> tuple[str, int, int]:
    """Downscale to IMAGE_WIDTH and encode: JPEG for photos/scans, PNG for small palettes."""
    from PIL import Image

    if im.width > IMAGE_WIDTH:
        im = im.resize((IMAGE_WIDTH, max(1, round(im.height * IMAGE_WIDTH / im.width))), Image.LANCZOS)
    if im.mode not in ("RGB", "L"):
        im = im.convert("RGB")
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=72, optimize=True, progressive=True)
    return "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode("ascii"), im.width, im.height


def _line_boxes(doc, it: Item, page_index: int) -> list[tuple[float, float, float, float]]:
    """Boxes of the words of a value, one per line (tighter than the span's union bbox)."""
    page = doc.pages[page_index]
    if not page.words or not doc.text_to_raw:
        return []
    t2r = doc.text_to_raw
    starts = doc.raw_page_starts()
    rs = t2r[it.start] - starts[page_index]
    re_ = t2r[max(it.end - 1, it.start)] + 1 - starts[page_index]
    hit = [w for w in page.words if w.end > rs and w.start < re_]
    lines: list[list[float]] = []
    for w in sorted(hit, key=lambda w: (w.bbox[1], w.bbox[0])):
        x0, top, x1, bottom = w.bbox
        for ln in lines:
            mid = (top + bottom) / 2
            if ln[1] <= mid <= ln[3]:
                ln[0], ln[1], ln[2], ln[3] = min(ln[0], x0), min(ln[1], top), max(ln[2], x1), max(ln[3], bottom)
                break
        else:
            lines.append([x0, top, x1, bottom])
    return [tuple(ln) for ln in lines]


def page_images(doc, record: DirectiveRecord, items: list[Item], text: str,
                given: list[bytes] | None) -> dict[int, PageImage]:
    """Images (by 1-based page number) of the pages that have word boxes, with the boxes of the items."""
    from PIL import Image

    n_pages = len(_page_ranges(text))
    methods = list(record.source.page_methods)
    with_boxes = {it.page for it in items if it.bbox}
    if doc is not None:
        with_boxes |= {p.number for p in doc.pages if p.words}
    out: dict[int, PageImage] = {}
    src_path = record.source.path if doc is None else doc.path
    src_ok = bool(src_path) and Path(src_path).is_file() and Path(src_path).suffix.lower() not in (
        ".txt", ".md", ".docx", ".doc", ".html")
    if doc is None and src_ok:  # a stored record: only trust the file if it is the one that was read
        import hashlib

        h = hashlib.sha256()
        with open(src_path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
        src_ok = h.hexdigest() == record.source.sha256
    for number in sorted(with_boxes):
        if not 1 <= number <= n_pages:
            continue
        i = number - 1
        method = methods[i] if i < len(methods) else None
        page = doc.pages[i] if doc is not None and i < len(doc.pages) else None
        im, frame = None, None
        try:
            if given is not None and i < len(given) and given[i]:
                im = Image.open(io.BytesIO(given[i]))
                im.load()
            elif src_ok:
                source = page.image_source if page is not None and page.image_source else (src_path, i)
                im, frame = render_view(source, IMAGE_WIDTH, ocr=method == "ocr")
        except Exception:  # noqa: BLE001 - a page image is a convenience; the text is still reviewable
            im = None
        if im is None:
            continue
        if page is not None and page.width and page.height:
            frame = (float(page.width), float(page.height))
        if frame is None:
            frame = (float(im.width), float(im.height))
        uri, w, h = _encode(im)
        pi = PageImage(uri, w, h, frame)
        for it in items:
            if it.page != number or not it.marked:
                continue
            boxes = _line_boxes(doc, it, i) if doc is not None and page is not None else []
            if not boxes and it.bbox:
                b = it.bbox
                boxes = [(b["x0"], b["top"], b["x1"], b["bottom"])]
            pi.boxes.extend((it, b) for b in boxes)
        out[number] = pi
    return out


def _boxes(pi: PageImage) -> list[dict[str, Any]]:
    """The SVG rectangles of a page image (padded; small values drawn last, on top)."""
    fw, fh = pi.frame
    pad = max(fw, fh) / 400
    order = {"metadata": 0, "unit": 1, "target": 2, "deadline": 3}
    return [{"it": it, "x": f"{x0 - pad:.1f}", "y": f"{top - pad:.1f}", "w": f"{x1 - x0 + 2 * pad:.1f}",
             "h": f"{bottom - top + 2 * pad:.1f}"}
            for it, (x0, top, x1, bottom) in sorted(pi.boxes, key=lambda b: order.get(b[0].kind, 9))]


# -- plausibility ------------------------------------------------------------------------------------------------

FIRST_YEAR = 1945           # no directive of the Democratic Republic before
YEARS_AHEAD = 30            # a date further after the issue year is taken for an OCR misreading
_YEAR = re.compile(r"(?<!\d)(1[0-9]{3}|[2-9][0-9]{3})(?!\d)")


def implausible(record: DirectiveRecord, items: list[Item]) -> list[tuple[Item | None, str]]:
    """(item, reason) of the dates and years no directive has: before 1945, or more than 30 years after the
    issue year (an OCR'd 'năm 7025'); the items get the ``implausible`` badge."""
    md = record.metadata
    issued = md.issued_date.value[:4] if md.issued_date is not None else None
    base = int(issued) if issued and issued.isdigit() else int(record.extracted_at[:4])
    by_id = {it.id: it for it in items}
    values: list[tuple[str, str | None]] = [("meta-issued_date", md.issued_date.value if md.issued_date else None)]
    values += [(d.id, d.due) for d in record.deadlines]
    values += [(t.id, t.period) for t in record.targets]
    values += [(f"meta-ref-{i}", r.date) for i, r in enumerate(md.references, 1)]
    out = []
    for item_id, value in values:
        it = by_id.get(item_id)
        for y in _YEAR.findall(value or ""):
            year = int(y)
            limit = base + YEARS_AHEAD if item_id != "meta-issued_date" else int(record.extracted_at[:4]) + 1
            if year < FIRST_YEAR or year > limit:
                if it is not None and "implausible" not in it.badges:
                    it.badges.append("implausible")
                out.append((it, f"{item_id}: năm {year} · year {year} is before {FIRST_YEAR} or after {limit}"))
                break
    return out


# -- the page ----------------------------------------------------------------------------------------------------

def _warnings(record: DirectiveRecord, items: list[Item], odd: list[tuple[Item | None, str]]) -> list[dict]:
    """The warnings list: the record's, values whose span was not found, restored values, implausible dates."""
    by_id = {it.id: it for it in items}
    out = []

    def add(code: str, message: str, it: Item | None = None, where: str = "", links: list[Item] = ()) -> None:
        vi, en = warning_label(code)
        out.append({"code": code, "vi": vi, "en": en, "message": message, "it": it if it and it.marked else None,
                    "where": where, "links": [x for x in links if x.marked]})

    for w in record.warnings:
        target = by_id.get(WARNING_FIELDS.get(w.code, ""))
        hit, where = None, ""
        if target is None and w.span is not None:
            hit = next((it for it in items if it.marked and it.start < w.span.end and w.span.start < it.end), None)
            where = "" if hit else f"tr. {w.span.page} · {w.span.start}–{w.span.end}"
        add(w.code, w.message, target or hit, where)
    for it in items:
        if "mismatch" in it.badges:
            add("span_mismatch", f"{it.id}: " + ("span does not hold the value's text; shown where the text was found"
                                                  if it.placed else "span does not hold the value's text and the "
                                                  "text was not found: not highlighted"))
    restored = [it for it in items if "restored" in it.badges]
    if restored:
        add("restored_text", f"{len(restored)} value(s) read from text whose diacritics were restored",
            links=restored)
    for it, reason in odd:
        add("implausible_date", reason, it)
    return out


def _tasks(record: DirectiveRecord, by_id: dict[str, Item]) -> list[dict]:
    rows = []
    for k in record.tasks:
        units = [{"u": u, "id": f"{k.id}-u{i}", "it": by_id.get(f"{k.id}-u{i}")} for i, u in enumerate(k.units, 1)]
        rows.append({"k": k, "text": " ".join(k.text.split()), "units": units})
    return rows


def _audit(record: DirectiveRecord) -> list[tuple[str, str]]:
    src = record.source
    return [
        ("doc_id", record.doc_id), ("Nguồn · source", src.path), ("sha256", src.sha256),
        ("Loại tệp · media type", f"{src.media_type}, {src.size:,} bytes".replace(",", " ")),
        ("Số trang · pages", str(src.page_count)),
        ("Cách lấy văn bản · text method",
         src.text_method + (f" (pages: {', '.join(src.page_methods)})" if len(set(src.page_methods)) > 1 else "")
         + (f", encoding {src.encoding}" if src.encoding else "")
         + (f", OCR confidence {src.ocr_confidence:g}" if src.ocr_confidence is not None else "")
         + (f", restored {src.restoration.changed}/{src.restoration.tokens} words" if src.restoration else "")),
        ("Phiên bản pipeline", record.pipeline_version),
        ("Phiên bản schema", record.schema_version + ("" if record.schema_version == SCHEMA_VERSION
                                                       else f" (this chithi: {SCHEMA_VERSION})")),
        ("Thời điểm trích xuất · extracted at", record.extracted_at),
    ]


def render_review(doc, record: DirectiveRecord, text: str, page_images_: list[bytes] | None = None,
                  stored_review: dict | None = None) -> str:
    """One self-contained HTML page for reviewing ``record`` against ``text`` (see the module docstring), from
    the templates ``pipeline/templates/review.*``.

    ``doc`` (the processed Document, or None for a stored record) gives word boxes and page images;
    ``page_images_`` are encoded page images (index = page - 1) to use instead of re-rendering the source;
    ``stored_review`` (the ``review`` block of a stored record) fills the decisions in when the browser has none."""
    from markupsafe import Markup

    items = collect(record, text)
    odd = implausible(record, items)
    by_id = {it.id: it for it in items}
    images = page_images(doc, record, items, text, page_images_)
    ranges = _page_ranges(text)
    anchors: dict[int, list[str]] = {}   # the tasks (long: not highlighted, only reachable)
    for k in record.tasks:
        if 0 <= k.span.start < len(text):
            anchors.setdefault(k.span.start, []).append(f"task-{k.id}")
    parts: dict[str, int] = {}
    pages = []
    for n, (ps, pe) in enumerate(ranges, 1):
        pi = images.get(n)
        pages.append({"n": n, "body": Markup(mark_up(text, ps, pe, items, anchors, parts)), "image": pi,
                      "boxes": _boxes(pi) if pi is not None else []})
    md = record.metadata
    rec_dict = record.model_dump(mode="json")
    values = reviewable(rec_dict)
    number = md.number.value if md.number else None
    subject = md.subject.value if md.subject else None
    name = Path(record.source.path).name
    tab = number or (subject if subject and len(subject) <= 70 else (subject[:69] + "…") if subject else name)
    meta = [{"name": n, "label": META_LABELS[n], "v": getattr(md, n), "it": by_id.get(f"meta-{n}")}
            for n in ("number", "doc_type", "issued_date", "place", "issuer", "subject")]
    counts = {k: sum(1 for it in items if it.kind == k) for k in KINDS}
    return render(
        "review.html.j2", record=record, md=md, tab=tab, number=number, subject=subject, file_name=name,
        doc_type=doc_type_label(md.doc_type.value) if md.doc_type else None, type_label=doc_type_label,
        doc_meta=[x for x in (md.issuer.value if md.issuer else None, md.place.value if md.place else None,
                              md.issued_date.value if md.issued_date else None) if x],
        warnings=_warnings(record, items, odd), meta=meta, by_id=by_id, tasks=_tasks(record, by_id),
        pages=pages, n_pages=len(ranges), scanned=bool(images), audit=_audit(record), counts=counts,
        n_marks=sum(1 for it in items if it.marked), kinds=KINDS, kind_labels=KIND_LABELS, badges=BADGES,
        roles=ROLES, comparators=COMPARATORS, precisions=PRECISIONS, recurrences=RECURRENCES,
        target_value=_target_value, deadline_value=_deadline_value, low_conf=LOW_CONFIDENCE,
        blank_number=any(w.code == "blank_number" for w in record.warnings),
        reviewable=values, n_reviewable=len(values),
        record_json=Markup(record.model_dump_json().replace("<", "\\u003c")),
        originals_json=Markup(json.dumps(values, ensure_ascii=False).replace("<", "\\u003c")),
        stored=stored_review, stored_json=Markup(json.dumps((stored_review or {}).get("decisions") or [],
                                                            ensure_ascii=False).replace("<", "\\u003c")),
        css=Markup(_asset("review.css")), script=Markup(_asset("review.js")))


def _asset(name: str) -> str:
    return environment().loader.get_source(environment(), name)[0]
