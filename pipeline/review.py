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

No network: CSS and script are inline. The script flashes the highlight named by the URL hash (``#mark-t1``) on
load, on hash change and on clicks on row links.
"""
from __future__ import annotations

import base64
import html
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from schemas.record import SCHEMA_VERSION, DirectiveRecord

IMAGE_WIDTH = 1000          # embedded page images are downscaled to this width (px)
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
          "mismatch": "lệch vị trí", "warning": "cảnh báo"}


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


def _render_source(path: str, index: int, method: str | None):
    """(PIL image, (frame width, frame height) in bbox units or None) of page ``index`` of ``path``."""
    from PIL import Image

    if path.lower().endswith(".pdf"):
        import pypdfium2 as pdfium

        from pipeline.limits import fit_scale

        pdf = pdfium.PdfDocument(path)
        try:
            page = pdf[index]
            w, h = page.get_size()
            scale = fit_scale(w, h, 72 * IMAGE_WIDTH / w)  # display size; a very tall page within the limit
            bitmap = page.render(scale=scale)
            im = bitmap.to_pil().copy()
            bitmap.close()
            page.close()
        finally:
            pdf.close()
        if method == "ocr":
            from pipeline.ocr import config

            k = config()["render"]["dpi"] / 72  # OCR boxes are pixels of the page rendered at the OCR dpi
            return im, (w * k, h * k)
        return im, (w, h)
    src = Image.open(path)
    src.seek(index)
    im = src.convert("RGB") if src.mode not in ("RGB", "L") else src.copy()
    return im, (float(im.width), float(im.height))  # OCR boxes are in the image's own pixels


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
                im, frame = _render_source(source[0], source[1], method)
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


def _svg(pi: PageImage) -> str:
    fw, fh = pi.frame
    pad = max(fw, fh) / 400
    rects = []
    order = {"metadata": 0, "unit": 1, "target": 2, "deadline": 3}  # small values drawn last (on top)
    for it, (x0, top, x1, bottom) in sorted(pi.boxes, key=lambda b: order.get(b[0].kind, 9)):
        rects.append(
            f'<a href="#{_esc(it.anchor)}" class="jump"><rect class="box k-{it.kind}" data-id="{_esc(it.id)}" '
            f'x="{x0 - pad:.1f}" y="{top - pad:.1f}" width="{x1 - x0 + 2 * pad:.1f}" '
            f'height="{bottom - top + 2 * pad:.1f}"><title>{_esc(it.label)}</title></rect></a>')
    return (f'<svg class="boxes" viewBox="0 0 {fw:.1f} {fh:.1f}" preserveAspectRatio="none" '
            f'xmlns="http://www.w3.org/2000/svg">{"".join(rects)}</svg>')


# -- tables -----------------------------------------------------------------------------------------------------

def _badges(it: Item | None) -> str:
    if it is None:
        return ""
    return "".join(f'<span class="badge b-{b}">{_esc(BADGES[b])}</span>' for b in it.badges)


def _conf(it: Item | None) -> str:
    if it is None or it.confidence is None:
        return ""
    cls = "conf low" if it.confidence < LOW_CONFIDENCE else "conf"
    return f'<span class="{cls}" title="độ tin cậy OCR thấp nhất của các từ">OCR {it.confidence:g}</span>'


def _src(it: Item | None, limit: int = 220) -> str:
    if it is None:
        return '<span class="none">—</span>'
    t = " ".join(it.text.split())
    short = t if len(t) <= limit else t[:limit - 1] + "…"
    where = f'<span class="where">tr. {it.page} · {it.start}–{it.end}</span>'
    if not it.marked:
        return f'<span class="src">{_esc(short) or "(trống)"}</span> {where}'
    return (f'<a class="jump" href="#{_esc(it.anchor)}" data-target="{_esc(it.id)}">'
            f'<span class="src">{_esc(short)}</span></a> {where}')


def _row(cells: list[str], it: Item | None, cls: str = "") -> str:
    attrs = f' class="{cls}"' if cls else ""
    if it is not None:
        attrs += f' data-row="{_esc(it.id)}"'
        if it.badges:
            attrs += ' data-warned="1"'
    return f"<tr{attrs}>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>"


def _table(head: list[str], rows: list[str], cls: str) -> str:
    if not rows:
        return '<p class="none">Không có.</p>'
    return (f'<table class="{cls}"><thead><tr>' + "".join(f"<th>{_esc(h)}</th>" for h in head)
            + "</tr></thead><tbody>" + "".join(rows) + "</tbody></table>")


def _tables(record: DirectiveRecord, by_id: dict[str, Item]) -> str:
    md = record.metadata
    out = []
    # metadata
    rows = []
    for name in ("number", "doc_type", "issued_date", "place", "issuer", "subject"):
        v = getattr(md, name)
        it = by_id.get(f"meta-{name}")
        val = _esc(v.value) if v is not None else '<span class="none">(trống)</span>'
        if v is None and name == "number" and any(w.code == "blank_number" for w in record.warnings):
            val += ' <span class="badge b-blank">trống</span>'
        rows.append(_row([_esc(META_LABELS[name]), val + " " + _badges(it) + _conf(it), _src(it)], it))
    if md.signer is not None:
        s, it = md.signer, by_id.get("meta-signer")
        val = " ".join(_esc(x) for x in (s.capacity, s.title, s.name) if x) or '<span class="none">(chưa ký)</span>'
        rows.append(_row(["Người ký", val + " " + _badges(it) + _conf(it), _src(it)], it))
    out.append('<section id="sec-metadata"><h2><span class="sw k-metadata"></span>Thông tin văn bản '
               '<small>metadata</small></h2>'
               + _table(["Trường", "Giá trị chuẩn hóa", "Nguồn trong văn bản"], rows, "t-meta") + "</section>")
    # targets
    rows = []
    for t in record.targets:
        it = by_id.get(t.id)
        norm = (f'<b class="val">{_esc(_target_value(t))}</b>' if t.value is not None or t.comparator or t.unit
                else '<span class="none">chỉ tiêu định danh (không có số)</span>')
        if t.comparator:
            norm += f' <code>{_esc(t.comparator)}</code>'
        extra = []
        if t.metric:
            extra.append(f'<div class="metric">{_esc(t.metric)}</div>')
        if t.period:
            extra.append(f'<div class="sub">kỳ: {_esc(t.period)}</div>')
        if t.task_id:
            extra.append(f'<div class="sub">nhiệm vụ <a class="jump" href="#task-{_esc(t.task_id)}">'
                         f'{_esc(t.task_id)}</a></div>')
        rows.append(_row([f'<span class="id k-target">{_esc(t.id)}</span>',
                          norm + "".join(extra) + _badges(it) + _conf(it), _src(it)], it))
    out.append('<section id="sec-targets"><h2><span class="sw k-target"></span>Chỉ tiêu <small>targets</small>'
               f' <span class="count">{len(record.targets)}</span></h2>'
               + _table(["ID", "Giá trị chuẩn hóa", "Nguồn trong văn bản"], rows, "t-targets") + "</section>")
    # deadlines
    rows = []
    for d in record.deadlines:
        it = by_id.get(d.id)
        norm = f'<b class="val"><time>{_esc(d.due or "—")}</time></b> <code>{_esc(d.precision)}</code>'
        if d.recurrence:
            norm += f' <code>{_esc(d.recurrence)}</code>'
        norm += f'<div class="sub">{_esc(_deadline_value(d).split(" ", 1)[1])}</div>'
        if d.task_id:
            norm += (f'<div class="sub">nhiệm vụ <a class="jump" href="#task-{_esc(d.task_id)}">'
                     f'{_esc(d.task_id)}</a></div>')
        rows.append(_row([f'<span class="id k-deadline">{_esc(d.id)}</span>', norm + _badges(it) + _conf(it),
                          _src(it)], it))
    out.append('<section id="sec-deadlines"><h2><span class="sw k-deadline"></span>Thời hạn '
               f'<small>deadlines</small> <span class="count">{len(record.deadlines)}</span></h2>'
               + _table(["ID", "Hạn (ISO) · độ chính xác", "Nguồn trong văn bản"], rows, "t-deadlines")
               + "</section>")
    # tasks with units
    rows = []
    for k in record.tasks:
        head = (f'<span class="id k-task">{_esc(k.id)}</span>'
                + (f'<div class="sub">mục {_esc(k.section)}</div>' if k.section else ""))
        links = []
        for did in k.deadline_ids:
            links.append(f'<a class="jump chip k-deadline" href="#mark-{_esc(did)}">{_esc(did)}</a>')
        for tid in k.target_ids:
            links.append(f'<a class="jump chip k-target" href="#mark-{_esc(tid)}">{_esc(tid)}</a>')
        task_txt = " ".join(k.text.split())
        task_txt = task_txt if len(task_txt) <= 180 else task_txt[:179] + "…"
        task_cell = (f'<a class="jump task" href="#task-{_esc(k.id)}">{_esc(task_txt)}</a>'
                     + (f'<div class="sub">{"".join(links)}</div>' if links else ""))
        if not k.units:
            rows.append(f'<tr class="task-first" data-row="{_esc(k.id)}"><td>{head}</td><td>{task_cell}</td>'
                        f'<td><span class="none">(không nêu đơn vị)</span></td><td></td><td></td></tr>')
        for i, u in enumerate(k.units, 1):
            it = by_id.get(f"{k.id}-u{i}")
            first = i == 1
            cells = (f'<td rowspan="{len(k.units)}">{head}</td><td rowspan="{len(k.units)}">{task_cell}</td>'
                     if first else "")
            role = (f'<span class="role r-{_esc(u.role)}">{_esc(ROLES.get(u.role, u.role))}</span> '
                    f'<code>{_esc(u.role)}</code>')
            warned = ' data-warned="1"' if it is not None and it.badges else ""
            rows.append(f'<tr class="{"task-first" if first else "task-more"}" data-row="{_esc(k.id)}-u{i}"{warned}>'
                        f'{cells}<td><b>{_esc(u.name)}</b>{_badges(it)}{_conf(it)}</td><td>{role}</td>'
                        f'<td>{_src(it, 140)}</td></tr>')
    out.append('<section id="sec-tasks"><h2><span class="sw k-unit"></span>Nhiệm vụ và đơn vị '
               f'<small>tasks · units</small> <span class="count">{len(record.tasks)}</span></h2>'
               + _table(["ID", "Nhiệm vụ", "Đơn vị", "Vai trò", "Nguồn"], rows, "t-tasks") + "</section>")
    # recipients and references: long lists, folded
    rows = []
    for i, r in enumerate(md.recipients, 1):
        it = by_id.get(f"meta-recipient-{i}")
        rows.append(_row([f"Nơi nhận {i}", _esc(r.name) + " " + _badges(it), _src(it)], it))
    for i, r in enumerate(md.references, 1):
        it = by_id.get(f"meta-ref-{i}")
        val = " · ".join(_esc(x) for x in (r.doc_type, r.number, r.date, r.issuer) if x)
        rows.append(_row([f"Dẫn chiếu {i}", val + " " + _badges(it), _src(it, 160)], it))
    if not rows:
        out.append('<section id="sec-refs"><h2><span class="sw k-metadata"></span>Nơi nhận và văn bản dẫn chiếu '
                   '<small>recipients · references</small></h2><p class="none">Không có.</p></section>')
    else:
        out.append(f'<section id="sec-refs"><details{" open" if len(rows) <= 8 else ""}><summary><h2>'
                   '<span class="sw k-metadata"></span>Nơi nhận và văn bản dẫn chiếu <small>recipients · '
                   f'references</small> <span class="count">{len(md.recipients)} + {len(md.references)}</span>'
                   '</h2></summary>'
                   + _table(["Mục", "Giá trị chuẩn hóa", "Nguồn trong văn bản"], rows, "t-meta")
                   + "</details></section>")
    return "\n".join(out)


def _warnings(record: DirectiveRecord, items: list[Item], text: str) -> str:
    lis = []
    by_id = {it.id: it for it in items}
    for w in record.warnings:
        target = WARNING_FIELDS.get(w.code)
        link = ""
        if target and target in by_id and by_id[target].marked:
            link = f' <a class="jump" href="#{_esc(by_id[target].anchor)}">xem</a>'
        elif w.span is not None:
            hit = next((it for it in items if it.marked and it.start < w.span.end and w.span.start < it.end), None)
            if hit is not None:
                link = f' <a class="jump" href="#{_esc(hit.anchor)}">xem {_esc(hit.id)}</a>'
            else:
                link = f' <span class="where">tr. {w.span.page} · {w.span.start}–{w.span.end}</span>'
        lis.append(f'<li class="w-{_esc(w.code)}"><code>{_esc(w.code)}</code> {_esc(w.message)}{link}</li>')
    for it in items:
        if "mismatch" in it.badges:
            msg = ("span does not hold the value's text; shown where the text was found" if it.placed
                   else "span does not hold the value's text and the text was not found: not highlighted")
            lis.append(f'<li class="w-mismatch"><code>span_mismatch</code> {_esc(it.id)}: {_esc(msg)}</li>')
    restored = [it for it in items if "restored" in it.badges]
    if restored:
        links = ", ".join(f'<a class="jump" href="#{_esc(it.anchor)}">{_esc(it.id)}</a>' for it in restored
                          if it.marked)
        lis.append(f'<li class="w-restored"><code>restored_values</code> {len(restored)} value(s) read from text '
                   f'whose diacritics were restored: {links}</li>')
    if not lis:
        return '<section id="sec-warnings" class="ok"><h2>Cảnh báo <small>warnings</small></h2>' \
               '<p class="none">Không có cảnh báo.</p></section>'
    return (f'<section id="sec-warnings"><h2>Cảnh báo <small>warnings</small> <span class="count">{len(lis)}'
            f'</span></h2><ul class="warnings">{"".join(lis)}</ul></section>')


# -- the page ----------------------------------------------------------------------------------------------------

CSS = """
:root{--serif:"Noto Serif","DejaVu Serif","Times New Roman","Liberation Serif",Georgia,serif;
--sans:"Noto Sans","DejaVu Sans","Segoe UI",Roboto,Arial,"Liberation Sans",sans-serif;
--mono:"Noto Sans Mono","DejaVu Sans Mono",Consolas,monospace;
--target:#ffd37a;--target-b:#d98e00;--deadline:#a8d8ff;--deadline-b:#1f7fd1;--unit:#b9efb0;--unit-b:#2e9a3a;
--metadata:#e6d3ff;--metadata-b:#8a4fd6;--ink:#1d1d1f;--muted:#667;--line:#dcdce3;--bg:#fbfbfa}
*{box-sizing:border-box}
html{scroll-padding-top:5rem}
body{margin:0;font-family:var(--sans);color:var(--ink);background:var(--bg);font-size:15px;line-height:1.5}
header.top{position:sticky;top:0;z-index:10;background:#fff;border-bottom:1px solid var(--line);padding:.5rem 1.5rem;
display:flex;flex-wrap:wrap;gap:.4rem 1.5rem;align-items:center}
header.top h1{font-size:1.05rem;margin:0;font-weight:600}
header.top h1 .sub{font-weight:400;color:var(--muted)}
nav a{color:#245;margin-right:.8rem;text-decoration:none;font-size:.9rem}
.legend{display:flex;gap:.6rem;flex-wrap:wrap;font-size:.85rem;margin-left:auto}
.legend span{display:inline-flex;align-items:center;gap:.3rem}
.sw{display:inline-block;width:.9em;height:.9em;border-radius:3px;border:1px solid;vertical-align:-.1em;margin-right:.35em}
.sw.k-target{background:var(--target);border-color:var(--target-b)}
.sw.k-deadline{background:var(--deadline);border-color:var(--deadline-b)}
.sw.k-unit{background:var(--unit);border-color:var(--unit-b)}
.sw.k-metadata{background:var(--metadata);border-color:var(--metadata-b)}
main{padding:1rem 1.5rem 2rem;max-width:1500px;margin:0 auto}
h2{font-size:1.15rem;margin:1.6rem 0 .6rem;border-bottom:2px solid var(--line);padding-bottom:.2rem}
h2 small{font-weight:400;color:var(--muted);font-size:.8rem;text-transform:uppercase;letter-spacing:.04em}
.count{display:inline-block;background:#eee;border-radius:1em;padding:0 .55em;font-size:.8rem;font-weight:600;vertical-align:.1em}
.doc-title{font-family:var(--serif);font-size:1.35rem;line-height:1.35;margin:.6rem 0 .2rem}
.doc-meta{color:var(--muted);font-size:.9rem}
table{border-collapse:collapse;width:100%;background:#fff;font-size:.92rem}
th,td{border:1px solid var(--line);padding:.35rem .55rem;vertical-align:top;text-align:left}
th{background:#f2f2f5;font-weight:600;font-size:.85rem}
td .src{font-family:var(--serif);font-size:.98rem}
td a.jump{color:inherit;text-decoration:none;border-bottom:1px dotted #889}
td a.jump:hover{background:#fff6d8}
.where{color:var(--muted);font-size:.78rem;white-space:nowrap}
.sub{color:var(--muted);font-size:.83rem}
.metric{font-size:.86rem}
.val{font-size:1.02rem}
code{font-family:var(--mono);font-size:.78rem;background:#f0f0f4;border-radius:3px;padding:0 .25em;color:#445}
.id{font-family:var(--mono);font-weight:700;border-radius:3px;padding:0 .3em;border:1px solid}
.id.k-target{background:var(--target);border-color:var(--target-b)}
.id.k-deadline{background:var(--deadline);border-color:var(--deadline-b)}
.id.k-task{background:#eee;border-color:#999}
.chip{font-family:var(--mono);font-size:.78rem;border-radius:3px;padding:0 .3em;margin-right:.3em;border:1px solid}
.chip.k-target{background:var(--target);border-color:var(--target-b)}
.chip.k-deadline{background:var(--deadline);border-color:var(--deadline-b)}
.role{font-weight:600}.r-lead{color:#1b6e25}.r-support{color:#555}.r-direct{color:#7a3ea8}
tr.task-first td{border-top:2px solid #bbb}
.t-targets td:first-child,.t-deadlines td:first-child,.t-tasks td:first-child{width:4.5rem;white-space:nowrap}
.t-meta td:first-child{width:10rem;font-weight:600}
.t-tasks a.task{font-family:var(--serif);font-size:.9rem}
tr[data-warned] td:first-child{box-shadow:inset 4px 0 0 #e07b00}
.badge{display:inline-block;font-size:.72rem;font-weight:600;border-radius:.7em;padding:0 .5em;margin-left:.35em;
background:#fff1dc;color:#9a4a00;border:1px solid #f0b060;vertical-align:.1em;white-space:nowrap}
.badge.b-low_conf,.badge.b-mismatch{background:#ffe3e3;color:#a00;border-color:#e88}
.badge.b-restored{background:#e9f0ff;color:#2746a0;border-color:#9ab}
.conf{font-size:.72rem;color:var(--muted);margin-left:.4em;white-space:nowrap}.conf.low{color:#b00;font-weight:700}
.none{color:var(--muted);font-style:italic}
ul.warnings{background:#fffaf0;border:1px solid #f0d6a8;border-radius:6px;padding:.6rem 1rem .6rem 2rem;margin:0}
ul.warnings li{margin:.15rem 0}
#sec-warnings.ok p{color:#2e7d32}
.pages{display:flex;flex-direction:column;gap:1.2rem}
.page-break{font-family:var(--sans);font-size:.85rem;font-weight:700;color:#556;text-transform:uppercase;
letter-spacing:.08em;margin:1.2rem 0 .4rem;display:flex;align-items:center;gap:.6rem}
.page-break::after{content:"";flex:1;border-top:2px dashed #c8c8d0}
.page{display:grid;grid-template-columns:minmax(0,1fr);gap:1.2rem;align-items:start}
.page.with-image{grid-template-columns:minmax(0,1fr) minmax(0,1fr)}
.scan{position:sticky;top:4.5rem;max-height:calc(100vh - 5.5rem);overflow:auto;background:#fff;border:1px solid var(--line);box-shadow:0 1px 4px #0001}
.scan img{display:block;width:100%;height:auto}
.scan svg.boxes{position:absolute;left:0;top:0;width:100%;height:100%}
.box{fill-opacity:.28;stroke-width:1.5;vector-effect:non-scaling-stroke}
rect.k-target{fill:var(--target);stroke:var(--target-b)}rect.k-deadline{fill:var(--deadline);stroke:var(--deadline-b)}
rect.k-unit{fill:var(--unit);stroke:var(--unit-b)}rect.k-metadata{fill:var(--metadata);stroke:var(--metadata-b);fill-opacity:.18}
rect.flash{fill-opacity:.7;stroke:#d00;stroke-width:3}
.text{font-family:var(--serif);font-size:1.06rem;line-height:1.75;white-space:pre-wrap;overflow-wrap:anywhere;
background:#fff;border:1px solid var(--line);border-radius:4px;padding:1.2rem 1.6rem;max-width:52rem;margin:0}
.page.with-image .text{max-width:none}
mark.hl{color:inherit;border-radius:2px;padding:0 1px;border-bottom:2px solid;cursor:help;
-webkit-box-decoration-break:clone;box-decoration-break:clone}
mark.k-metadata{background:var(--metadata);border-color:var(--metadata-b);background:#f1e7ff}
mark.k-target{background:var(--target);border-color:var(--target-b)}
mark.k-deadline{background:var(--deadline);border-color:var(--deadline-b)}
mark.k-unit{background:var(--unit);border-color:var(--unit-b)}
mark.hl mark.hl{padding:1px 0;border-bottom-width:3px}
mark.hl[data-warn]{outline:2px dashed #e07b00;outline-offset:1px}
mark.hl[data-warn]:not([data-part])::before{content:"⚠ " attr(data-warn);font-family:var(--sans);font-size:.68rem;
font-weight:700;color:#9a4a00;background:#fff1dc;border:1px solid #f0b060;border-radius:.6em;padding:0 .4em;
margin-right:.25em;vertical-align:.15em;white-space:nowrap}
mark.hl[data-end]::after{content:attr(data-id);font-family:var(--mono);font-size:.62rem;vertical-align:super;
color:#556;margin-left:1px}
mark.k-metadata[data-end]::after{content:none}
mark.hl mark.hl{box-shadow:inset 0 -1px 0 #0004,inset 0 1px 0 #0002}
mark.flash{animation:flash 1.6s ease-out 2;outline:3px solid #d00;outline-offset:2px}
@keyframes flash{0%{box-shadow:0 0 0 6px #ff3b3b99}100%{box-shadow:0 0 0 0 #ff3b3b00}}
.anchor{scroll-margin-top:5rem}
details>summary{cursor:pointer;list-style:none}details>summary::-webkit-details-marker{display:none}
details>summary h2::before{content:"▸ ";color:var(--muted)}details[open]>summary h2::before{content:"▾ "}
details>summary h2{display:block}
footer.audit{border-top:1px solid var(--line);margin-top:2rem;padding:1rem 1.5rem;font-size:.85rem;color:#444;background:#f4f4f6}
footer.audit dl{display:grid;grid-template-columns:max-content 1fr;gap:.15rem 1rem;margin:0}
footer.audit dt{font-weight:600}footer.audit dd{margin:0;font-family:var(--mono);font-size:.8rem;overflow-wrap:anywhere}
@media (max-width:1000px){.page.with-image{grid-template-columns:1fr}.scan{position:relative;top:0;max-height:none}}
@media print{
 body{background:#fff;font-size:10.5pt}
 header.top{position:static;border:0;padding:0}
 nav,.legend .hint{display:none}
 main{padding:0;max-width:none}
 .scan{position:relative;top:0;box-shadow:none;break-inside:avoid;max-height:none;overflow:visible}
 .page-break{break-after:avoid}
 .page.with-image{grid-template-columns:1fr 1fr}
 .text{border:0;padding:0;max-width:none;font-size:10.5pt}
 section,table{break-inside:auto}tr{break-inside:avoid}
 .page-break{break-before:page}
 .page-break.first{break-before:auto}
 a.jump{border:0!important}
 mark.hl,.sw,.id,.chip,.badge,rect{-webkit-print-color-adjust:exact;print-color-adjust:exact}
 mark.flash{animation:none;outline:0}
 footer.audit{background:none;break-inside:avoid}
}
"""

SCRIPT = """
(function(){
  function flash(id){
    document.querySelectorAll('.flash').forEach(function(e){e.classList.remove('flash');});
    var marks=document.querySelectorAll('mark[data-id="'+id+'"], rect[data-id="'+id+'"]');
    marks.forEach(function(e){void e.getBoundingClientRect();e.classList.add('flash');});
    var box=document.querySelector('rect[data-id="'+id+'"]');
    if(box&&box.scrollIntoView){box.scrollIntoView({block:'center'});}
    var first=document.getElementById('mark-'+id);
    if(first){first.scrollIntoView({block:'center'});}
    document.body.setAttribute('data-flashed',id);
    return marks.length;
  }
  function fromHash(){
    var h=decodeURIComponent(location.hash||'');
    if(h.indexOf('#mark-')===0){flash(h.slice(6));}
  }
  document.addEventListener('click',function(ev){
    var a=ev.target.closest&&ev.target.closest('a[href^="#mark-"]');
    if(a){var id=a.getAttribute('href').slice(6);
      if(location.hash===a.getAttribute('href')){ev.preventDefault();flash(id);}}
  });
  window.addEventListener('hashchange',fromHash);
  window.addEventListener('beforeprint',function(){
    document.querySelectorAll('details').forEach(function(d){d.setAttribute('open','');});});
  document.addEventListener('DOMContentLoaded',function(){
    var n=document.querySelectorAll('mark.hl').length;
    document.body.setAttribute('data-marks',String(n));
    fromHash();
  });
  window.chithiFlash=flash;
})();
"""


def render_review(doc, record: DirectiveRecord, text: str, page_images_: list[bytes] | None = None) -> str:
    """One self-contained HTML page for reviewing ``record`` against ``text`` (see the module docstring).

    ``doc`` (the processed Document, or None for a stored record) gives word boxes and page images;
    ``page_images_`` are encoded page images (index = page - 1) to use instead of re-rendering the source."""
    items = collect(record, text)
    by_id = {it.id: it for it in items}
    images = page_images(doc, record, items, text, page_images_)
    ranges = _page_ranges(text)
    # anchors for the tasks (their text is long: not highlighted, only reachable)
    anchors: dict[int, list[str]] = {}
    for k in record.tasks:
        s = k.span.start
        if 0 <= s < len(text):
            anchors.setdefault(s, []).append(f"task-{k.id}")
    parts: dict[str, int] = {}
    pages_html = []
    for n, (ps, pe) in enumerate(ranges, 1):
        body = mark_up(text, ps, pe, items, anchors, parts)
        pi = images.get(n)
        head = (f'<h3 class="page-break{" first" if n == 1 else ""}" id="page-{n}">Trang {n}'
                f'{f" / {len(ranges)}" if len(ranges) > 1 else ""}</h3>')
        if pi is not None:
            img = (f'<figure class="scan" style="margin:0"><div style="position:relative">'
                   f'<img src="{pi.data_uri}" width="{pi.width}" height="{pi.height}" '
                   f'alt="Ảnh trang {n}">{_svg(pi)}</div></figure>')
            pages_html.append(f'{head}<div class="page with-image" data-page="{n}">{img}'
                              f'<pre class="text" lang="vi">{body}</pre></div>')
        else:
            pages_html.append(f'{head}<div class="page" data-page="{n}"><pre class="text" lang="vi">{body}</pre></div>')

    md = record.metadata
    src = record.source
    title_bits = [x for x in (md.doc_type.text if md.doc_type else None, md.number.value if md.number else None) if x]
    title = " ".join(title_bits) or Path(src.path).name
    subject = md.subject.value if md.subject else ""
    doc_meta = " · ".join(_esc(x) for x in (
        md.issuer.value if md.issuer else None, md.place.value if md.place else None,
        md.issued_date.value if md.issued_date else None) if x)
    legend = "".join(f'<span><i class="sw k-{k}"></i>{_esc(KIND_LABELS[k])}</span>' for k in KINDS)
    n_marks = sum(1 for it in items if it.marked)
    audit = [
        ("doc_id", record.doc_id), ("Nguồn · source", src.path), ("sha256", src.sha256),
        ("Loại tệp · media type", f"{src.media_type}, {src.size:,} bytes".replace(",", " ")),
        ("Số trang · pages", str(src.page_count)),
        ("Cách lấy văn bản · text method",
         src.text_method + (f" (pages: {', '.join(src.page_methods)})" if len(set(src.page_methods)) > 1 else "")
         + (f", encoding {src.encoding}" if src.encoding else "")
         + (f", OCR confidence {src.ocr_confidence:g}" if src.ocr_confidence is not None else "")
         + (f", restored {src.restoration.changed}/{src.restoration.tokens} words" if src.restoration else "")),
        ("Phiên bản pipeline", record.pipeline_version), ("Phiên bản schema", record.schema_version
                                                          + ("" if record.schema_version == SCHEMA_VERSION else
                                                             f" (this chithi: {SCHEMA_VERSION})")),
        ("Thời điểm trích xuất · extracted at", record.extracted_at),
    ]
    footer = "".join(f"<dt>{_esc(k)}</dt><dd>{_esc(v)}</dd>" for k, v in audit)
    counts = {k: sum(1 for it in items if it.kind == k) for k in KINDS}
    return f"""<!DOCTYPE html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="chithi {_esc(record.pipeline_version)}">
<meta name="chithi-doc-id" content="{_esc(record.doc_id)}">
<title>Rà soát {_esc(title)} — chithi</title>
<style>{CSS}</style>
</head>
<body data-doc-id="{_esc(record.doc_id)}">
<header class="top">
<h1>Rà soát trích xuất <span class="sub">· {_esc(title)}</span></h1>
<nav><a href="#sec-warnings">Cảnh báo</a><a href="#sec-metadata">Thông tin</a><a href="#sec-targets">Chỉ tiêu</a>
<a href="#sec-deadlines">Thời hạn</a><a href="#sec-tasks">Nhiệm vụ</a><a href="#sec-refs">Dẫn chiếu</a>
<a href="#sec-text">Văn bản</a><a href="#audit">Nguồn</a></nav>
<div class="legend">{legend}</div>
</header>
<main>
<p class="doc-title">{_esc(subject) or _esc(title)}</p>
<p class="doc-meta">{doc_meta + " · " if doc_meta else ""}{counts['target']} chỉ tiêu, {counts['deadline']} thời hạn, {len(record.tasks)} nhiệm vụ,
{counts['unit']} đơn vị · {n_marks} giá trị được đánh dấu trong văn bản</p>
{_warnings(record, items, text)}
{_tables(record, by_id)}
<section id="sec-text"><h2>Văn bản <small>normalized text · {len(ranges)} trang</small></h2>
<div class="pages">{"".join(pages_html)}</div></section>
</main>
<footer class="audit" id="audit"><h2>Nguồn và kiểm toán <small>audit</small></h2><dl>{footer}</dl></footer>
<script type="application/json" id="chithi-record">{_json_script(record)}</script>
<script>{SCRIPT}</script>
</body>
</html>
"""


def _json_script(record: DirectiveRecord) -> str:
    """The record as JSON safe inside a <script> element."""
    return record.model_dump_json().replace("<", "\\u003c")
