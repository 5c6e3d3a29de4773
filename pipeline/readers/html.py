"""HTML pages (saved from government portals and legal-document websites) → blocks (pipeline.blocks.Layout).

The document is looked for inside the page: the deepest element that holds the national motto ("Cộng hòa xã hội
chủ nghĩa Việt Nam") and most of the page's text; menus, scripts, forms and other site clutter around it are
left out. Headings, paragraphs (a ``<br>`` starts a new line), list items (with their ``<ol>`` numbers) and
tables (``colspan``/``rowspan`` kept) become blocks in document order.
"""
from __future__ import annotations

import re
import unicodedata

from dataclasses import replace

from pipeline.core.document import Document
from pipeline.core.errors import BadInputError
from pipeline.lang.legacy import decode_text
from pipeline.layout.blocks import Layout
from pipeline.readers.base import laid_out_page, nfc
from pipeline.core.textutil import fold

SKIP = {"script", "style", "noscript", "nav", "header", "footer", "aside", "form", "button", "select", "option",
        "iframe", "svg", "template", "head", "title", "meta", "link", "input", "textarea"}
BLOCK = {"td", "th", "p", "div", "section", "article", "main", "body", "blockquote", "center", "dd", "dt", "dl", "figure",
         "figcaption", "address", "pre", "ul", "ol", "li", "h1", "h2", "h3", "h4", "h5", "h6", "html", "caption"}
HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
MOTTO = "cong hoa xa hoi chu nghia viet nam"


def _text(el) -> str:
    return unicodedata.normalize("NFC", " ".join(el.itertext()))


def content_root(root):
    """The deepest element holding the motto and at least a third of the page's text (the document itself)."""
    body = root.find(".//body")
    body = body if body is not None else root
    total = len(" ".join(_text(body).split())) or 1
    best = body
    for el in body.iter():
        if not isinstance(el.tag, str) or el.tag in SKIP:
            continue
        t = _text(el)
        if MOTTO in " ".join(fold(t).split()) and len(" ".join(t.split())) >= total / 3:
            best = el  # iter() is document order, parents first: the last match is the deepest
    return best


class _Writer:
    def __init__(self, lay: Layout) -> None:
        self.lay = lay
        self.line: list[str] = []
        self.kind: str | None = None

    def flush(self) -> None:
        s = "".join(self.line)
        if s.strip():
            self.lay.text_block(unicodedata.normalize("NFC", s), self.kind)
        self.line = []

    def walk(self, el, kind: str | None = None) -> None:
        """An element, then the text after it."""
        tag = el.tag.lower() if isinstance(el.tag, str) else None
        if tag is not None and tag not in SKIP:
            self.content(el, tag, kind)
        self.line.append(el.tail or "")

    def content(self, el, tag: str, kind: str | None = None) -> None:
        if tag == "table":
            self.flush()
            self.lay.table(_rows(el))
        elif tag == "br":
            self.flush()
        elif tag in BLOCK:
            self.flush()
            prev, self.kind = self.kind, ("heading" if tag in HEADINGS else kind)
            if tag == "li":
                self.line.append(_li_marker(el))
            self.line.append(el.text or "")
            for child in el:
                self.walk(child, self.kind)
            self.flush()
            self.kind = prev
        else:  # inline
            self.line.append(el.text or "")
            for child in el:
                self.walk(child, kind)


def _li_marker(li) -> str:
    parent = li.getparent()
    if parent is not None and parent.tag == "ol":
        items = [c for c in parent if c.tag == "li"]
        start = int(parent.get("start", "1") or 1) if (parent.get("start") or "1").isdigit() else 1
        return f"{start + items.index(li)}. "
    return "- "


def _cell_paragraphs(td) -> list[str]:
    lay = Layout()
    w = _Writer(lay)
    w.content(td, "td")
    w.flush()
    text, _ = lay.finish()
    return [p for p in re.split(r"\n+", text) if p.strip()]


def _rows(table) -> list:
    rows = []
    trs = [tr for tr in table.iter("tr") if _owner_table(tr) is table]
    if not trs:  # cells written straight into <table>: one row
        trs = [table]
    for tr in trs:
        row = []
        for td in tr:
            if td.tag not in ("td", "th"):
                continue
            span = lambda a: int(td.get(a, "1")) if (td.get(a) or "1").isdigit() else 1  # noqa: E731
            row.append((_cell_paragraphs(td), max(1, span("colspan")), max(1, span("rowspan"))))
        rows.append(row)
    return rows


def _owner_table(tr):
    p = tr.getparent()
    while p is not None and p.tag != "table":
        p = p.getparent()
    return p


def html_layout(text: str) -> Layout:
    import lxml.html

    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)
    root = lxml.html.fromstring(text or "<html></html>")
    lay = Layout()
    w = _Writer(lay)
    top = content_root(root)
    w.content(top, top.tag.lower() if isinstance(top.tag, str) else "div")
    w.flush()
    return lay


# -- the reader ---------------------------------------------------------------------------------------

def read(doc: Document, data: bytes) -> Document:
    text, encoding = decode_text(html_charset(data), doc.path)
    page = laid_out_page(html_layout(nfc(text)), 1, "html")
    if not page.text.strip():
        raise BadInputError(f"{doc.path}: the HTML page has no text", "is it the document's page?")
    return replace(doc, pages=(page,), encoding=encoding)


def html_charset(data: bytes) -> bytes:
    """The page as UTF-8 when its <meta charset> names another encoding Python knows."""
    m = re.search(rb"<meta[^>]+charset=[\"']?([\w-]+)", data[:4096], re.I)
    if m:
        name = m.group(1).decode("ascii", "replace").lower()
        if name not in ("utf-8", "utf8"):
            try:
                return data.decode(name).encode("utf-8")
            except (LookupError, UnicodeDecodeError):
                pass
    return data
