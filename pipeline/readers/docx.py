"""DOCX body → blocks (pipeline.blocks.Layout): paragraphs in body order, the paragraphs of text boxes
(``w:txbxContent``, where a trích yếu often sits) after the paragraph that anchors them, and tables with their
merged cells (``w:gridSpan`` across, ``w:vMerge`` down) as cells with column and row spans.
"""
from __future__ import annotations

import unicodedata

import io
import zipfile
from dataclasses import replace

from pipeline.core import limits
from pipeline.core.document import Document
from pipeline.core.errors import BadInputError, MissingDependencyError
from pipeline.layout.blocks import Layout
from pipeline.readers.base import laid_out_page

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"


def _nfc(s: str) -> str:
    return unicodedata.normalize("NFC", s)


def _run_text(r) -> str:
    out = []
    for el in r.iter(W + "t", W + "tab", W + "br", W + "cr", W + "txbxContent"):
        tag = el.tag
        if tag == W + "t":
            if not _in_textbox(el, r):
                out.append(el.text or "")
        elif tag == W + "tab":
            out.append("\t")
        elif tag in (W + "br", W + "cr"):
            if not _in_textbox(el, r):
                out.append("\n")
    return "".join(out)


def _in_textbox(el, stop) -> bool:
    p = el.getparent()
    while p is not None and p is not stop:
        if p.tag == W + "txbxContent":
            return True
        p = p.getparent()
    return False


def paragraph_text(p) -> str:
    """The text of a ``w:p``: its runs (also inside hyperlinks, smart tags, fields), not its text boxes."""
    out = []
    for el in p.iter(W + "r"):
        if _in_textbox(el, p) or el.getparent().tag == W + "del":
            continue
        out.append(_run_text(el))
    return _nfc("".join(out)).replace("\u000b", "\n")


def _textboxes(p) -> list:
    """Text boxes anchored in a paragraph, each once (the VML fallback of an mc:AlternateContent repeats them)."""
    out = []
    for tb in p.iter(W + "txbxContent"):
        anc, skip = tb.getparent(), False
        while anc is not None and anc is not p:
            if anc.tag == MC + "Fallback" or anc.tag == W + "txbxContent":
                skip = True
                break
            anc = anc.getparent()
        if not skip:
            out.append(tb)
    return out


def _emit_paragraph(lay: Layout, p, source: str | None = None) -> None:
    for line in paragraph_text(p).split("\n"):
        lay.text_block(line, source=source)
    for tb in _textboxes(p):
        for child in tb:
            _emit(lay, child, "textbox")


def _emit(lay: Layout, el, source: str | None = None) -> None:
    tag = el.tag
    if tag == W + "p":
        _emit_paragraph(lay, el, source)
    elif tag == W + "tbl":
        _emit_table(lay, el)
    elif tag == W + "sdt":  # content controls wrap ordinary paragraphs and tables
        content = el.find(W + "sdtContent")
        if content is not None:
            for child in content:
                _emit(lay, child, source)


def _cell_paragraphs(tc, nested: list) -> list[str]:
    paras: list[str] = []
    for child in tc:
        if child.tag == W + "p":
            paras.extend(x for x in paragraph_text(child).split("\n"))
            for tb in _textboxes(child):
                paras.extend(paragraph_text(q) for q in tb.iter(W + "p"))
        elif child.tag == W + "tbl":
            nested.append(child)
        elif child.tag == W + "sdt":
            content = child.find(W + "sdtContent")
            if content is not None:
                paras.extend(_cell_paragraphs(content, nested))
    return [x for x in paras if x.strip()]


def _emit_table(lay: Layout, tbl) -> None:
    rows = []
    nested: list = []
    grid_rows: list[list[tuple[int, int, object]]] = []  # per row: (grid col, span, tc)
    for tr in tbl.iter(W + "tr"):
        if tr.getparent() is not tbl and tr.getparent().tag != W + "sdtContent":
            continue  # rows of nested tables
        col, cells = 0, []
        trpr = tr.find(W + "trPr")
        before = trpr.find(W + "gridBefore") if trpr is not None else None
        if before is not None:
            col += int(before.get(W + "val", "0") or 0)
        for tc in tr.iter(W + "tc"):
            if tc.getparent() is not tr:
                continue
            pr = tc.find(W + "tcPr")
            span = 1
            vmerge = None
            if pr is not None:
                gs = pr.find(W + "gridSpan")
                if gs is not None:
                    span = int(gs.get(W + "val", "1") or 1)
                vm = pr.find(W + "vMerge")
                if vm is not None:
                    vmerge = vm.get(W + "val", "continue")
            cells.append((col, span, tc, vmerge))
            col += span
        grid_rows.append(cells)
    # vertical merges: a "continue" cell belongs to the cell above in the same grid column
    starts: dict[int, list] = {}
    for ri, cells in enumerate(grid_rows):
        row = []
        for col, span, tc, vmerge in cells:
            if vmerge == "continue" and col in starts:
                starts[col][2] += 1
                continue
            entry = [_cell_paragraphs(tc, nested), span, 1]
            starts[col] = entry
            row.append(entry)
        rows.append(row)
    lay.table([[(e[0], e[1], e[2]) for e in r] for r in rows])
    for t in nested:
        _emit_table(lay, t)


def docx_layout(body) -> Layout:
    lay = Layout()
    for child in body.iterchildren():
        _emit(lay, child)
    return lay


# -- the reader ---------------------------------------------------------------------------------------

def read(doc: Document, data: bytes, what: str = ".docx") -> Document:
    try:
        import docx  # python-docx
        from docx.opc.exceptions import PackageNotFoundError
    except ImportError as e:  # pragma: no cover - dependency declared in pyproject
        raise MissingDependencyError(f"python-docx is not installed: {e}", "pip install python-docx") from None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            limits.check_docx_parts(doc.path, zf)  # before anything inflates: zip bombs stop here
    except (zipfile.BadZipFile, ValueError, OSError):
        pass  # python-docx says what is wrong below
    try:
        d = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as e:
        raise BadInputError(f"{doc.path}: not a valid {what} file ({type(e).__name__})",
                            "re-save it from Word/LibreOffice as .docx") from None
    except Exception as e:  # lxml errors and other malformed-package failures
        if limits.is_out_of_memory(e):
            raise limits.out_of_memory(doc.path) from None
        raise BadInputError(f"{doc.path}: corrupt {what} ({type(e).__name__}: {e})".split("\n")[0],
                            "re-save it from Word/LibreOffice as .docx") from None
    page = laid_out_page(docx_layout(d.element.body), 1, "docx")
    if not page.text.strip():
        raise BadInputError(f"{doc.path}: the {what} has no text", "is it a scanned image inside Word?")
    return replace(doc, pages=(page,))
