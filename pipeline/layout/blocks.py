"""The block layer: headings, paragraphs, list items, labelled fields and tables, the same kinds from every input.

Ingesters describe a page as a sequence of blocks (:class:`Layout`); the layout writes the page text in one
canonical form and records where each block (and each table cell) stands in it:

- every heading, paragraph, list item and labelled field is one line of its own, its hard wraps already joined;
- a data table is one line per row, its cells joined by `` | ``; the paragraphs of one cell are joined by ``; ``
  (a list of units, one per line, stays a list) or by a space after a full stop;
- a layout table (the two-column header and signature blocks) gives one line per line of each cell, row by row;
- blocks are separated by a blank line.

The normalize stage maps these page offsets onto ``Document.text`` (``Document.blocks``), and extraction reads
blocks from there. Like docling-core's ``DoclingDocument``, there is one flat list of typed items with provenance
(page and character span; cells with row, column and spans) for every input format; unlike it, the items live
on the same text the rest of the pipeline already indexes, so every value keeps one span.

:func:`text_blocks` reads plain text and Markdown (including pages saved from legal-document websites, whose
tables come as one cell per line between ``|`` lines, and GFM pipe tables) into a Layout.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import lru_cache

from pipeline.core.textutil import fold

KINDS = ("heading", "paragraph", "list_item", "field", "table")


@dataclass(frozen=True)
class Cell:
    start: int
    end: int
    row: int
    col: int  # grid column of the cell's first column
    colspan: int = 1
    rowspan: int = 1
    header: bool = False


@dataclass(frozen=True)
class Block:
    """One block with its span in the page text (ingest) or in ``Document.text`` (after normalize)."""

    kind: str
    start: int
    end: int
    page: int = 1
    marker: str | None = None  # list marker ("1.", "a)", "-") of a list item or numbered heading
    label: tuple[int, int] | None = None  # labelled field: span of the label ("Đơn vị chủ trì")
    value: tuple[int, int] | None = None  # labelled field: span of the value
    cells: tuple[Cell, ...] = ()
    header_rows: int = 0
    layout: bool = False  # a table that lays out the page (header, signature), not data
    source: str | None = None  # where an ingester found it, when not the body ("textbox")

    def shifted(self, f) -> "Block":
        """The same block with every offset mapped through ``f``."""
        span = lambda p: (f(p[0]), f(p[1])) if p else None  # noqa: E731
        return replace(self, start=f(self.start), end=f(self.end), label=span(self.label), value=span(self.value),
                       cells=tuple(replace(c, start=f(c.start), end=f(c.end)) for c in self.cells))

    def rows(self) -> list[list[Cell]]:
        out: dict[int, list[Cell]] = {}
        for c in self.cells:
            out.setdefault(c.row, []).append(c)
        return [sorted(out[r], key=lambda c: c.col) for r in sorted(out)]

    def as_dict(self, text: str) -> dict:
        d = {"kind": self.kind, "page": self.page, "start": self.start, "end": self.end}
        if self.marker:
            d["marker"] = self.marker
        if self.source:
            d["source"] = self.source
        if self.kind == "field":
            d["label"] = text[self.label[0]:self.label[1]]
            d["value"] = text[self.value[0]:self.value[1]]
        if self.kind == "table":
            d["layout"] = self.layout
            d["header_rows"] = self.header_rows
            d["rows"] = [[{"col": c.col, "colspan": c.colspan, "rowspan": c.rowspan, "text": text[c.start:c.end]}
                          for c in r] for r in self.rows()]
        else:
            d["text"] = text[self.start:self.end]
        return d


# -- language data: field labels and column names -----------------------------------------------------------

@dataclass(frozen=True)
class _Labels:
    field_labels: dict[str, list[str]]
    column_roles: dict[str, list[str]]
    field_rx: re.Pattern
    numbered_end: re.Pattern  # a line ending in a word that takes a number ("**Điều" over "19. Trách nhiệm …")


@lru_cache(maxsize=1)
def labels() -> _Labels:
    from pydantic import BaseModel, ConfigDict

    from pipeline.lang.lexicon import load_yaml

    class BlockData(BaseModel):
        model_config = ConfigDict(extra="forbid")
        field_labels: dict[str, list[str]]
        column_roles: dict[str, list[str]]
        numbered_words: list[str]

    d = load_yaml("blocks.yaml", BlockData)
    alts = sorted({fold(x) for v in d.field_labels.values() for x in v}, key=len, reverse=True)
    rx = re.compile(r"(?P<label>(?:" + "|".join(re.escape(a).replace(r"\ ", r"\s+") for a in alts) +
                    r")(?:\s*\([^)]{0,40}\))?)\s*:\s*(?=\S)")
    words = "|".join(re.escape(fold(w)) for w in sorted(d.numbered_words, key=len, reverse=True))
    return _Labels(d.field_labels, d.column_roles, rx, re.compile(rf"(?:^|[\s*_])(?:{words})$"))


def field_role(label: str) -> str | None:
    """'Đơn vị chủ trì (thực hiện)' → 'lead'; the role a labelled line gives its value."""
    f = re.sub(r"\s*\(.*?\)\s*", " ", fold(label)).strip()
    f = " ".join(f.split())
    for role, names in labels().field_labels.items():
        if any(f == fold(n) for n in names):
            return role
    return None


def column_role(header: str) -> str | None:
    """'Cơ quan chủ trì' → 'lead', 'Thời gian hoàn thành' → 'deadline': the role of a table column by its name."""
    f = " ".join(re.sub(r"[^\w\s/]", " ", fold(header)).split())
    if not f or len(f.split()) > 8:  # a column's name is short; a long cell is data ("Đổi mới nội dung, …")
        return None
    best = None
    for role, names in labels().column_roles.items():
        for n in names:
            fn = fold(n)
            if f == fn or f.startswith(fn + " ") or (len(fn) > 6 and fn in f):
                if best is None or len(fn) > best[1]:
                    best = (role, len(fn))
    return best[0] if best else None


# -- the layout writer -----------------------------------------------------------------------------------------

_MARKER = re.compile(r"^(?:Điều\s+\d+[a-zđ]?\.|[IVXL]+[.)/]|[A-ZĐ][.)]|\d{1,2}(?:\.\d{1,2}){0,3}[.)/]?|[a-zđ][)/]|"
                     r"\(\d{1,2}\)|\([a-zđ]\)|[-–—•+*])\s+")
_END_PUNCT = re.compile(r"[.;:!?…]$|\./\.$")


@dataclass
class Layout:
    """Writes blocks into one page text, one block per line (see the module docstring)."""

    page: int = 1
    parts: list[str] = field(default_factory=list)
    pos: int = 0
    blocks: list[Block] = field(default_factory=list)

    def _write(self, s: str, sep: str = "\n\n") -> tuple[int, int]:
        if self.parts:
            self.parts.append(sep)
            self.pos += len(sep)
        start = self.pos
        self.parts.append(s)
        self.pos += len(s)
        return start, self.pos

    def text_block(self, s: str, kind: str | None = None, source: str | None = None) -> None:
        """A paragraph, heading or list item (``kind`` None: decided from the text)."""
        s = squeeze(s)
        if not s:
            return
        a, b = self._write(s)
        self.blocks.append(classify(s, a, kind, self.page, source))

    def lines(self, lines: list[str]) -> None:
        """Lines of a layout cell, each its own line (no blank line between them)."""
        lines = [squeeze(x) for x in lines]
        lines = [x for x in lines if x]
        if not lines:
            return
        for i, s in enumerate(lines):
            a, _ = self._write(s, "\n\n" if i == 0 else "\n")
            self.blocks.append(classify(s, a, None, self.page))

    def table(self, rows: list[list[tuple[list[str], int, int]]], layout: bool | None = None) -> None:
        """A table: rows of cells, each cell (its paragraphs, colspan, rowspan[, grid column]); rows of a merged cell
        below its first row are left out of that row (give each row only the cells that start in it)."""
        rows = [r for r in rows if any(any(p.strip() for p in c[0]) for c in r)]
        if not rows:
            return
        ncols = max(sum(c[1] for c in r) for r in rows)
        if layout is None:
            layout = not is_data_table(rows, ncols)
        if layout:  # header and signature blocks: every cell's lines, row by row
            for r in rows:
                for paras, _, _ in r:
                    self.lines(paras)
            return
        header_rows = _header_rows(rows)
        cells: list[Cell] = []
        row_texts: list[str] = []
        base = self.pos + (2 if self.parts else 0)
        off = 0
        occupied: dict[tuple[int, int], bool] = {}
        for ri, r in enumerate(rows):
            col = 0
            pieces = []
            for paras, colspan, rowspan, *at in r:
                if at:  # the ingester knows the cell's grid column (PDF)
                    col = at[0]
                else:
                    while occupied.get((ri, col)):
                        col += 1
                text = join_cell(paras)
                if pieces:
                    off += 3
                cs = base + off
                pieces.append(text)
                off += len(text)
                cells.append(Cell(cs, cs + len(text), ri, col, colspan, rowspan, ri < header_rows))
                for dr in range(rowspan):
                    for dc in range(colspan):
                        occupied[(ri + dr, col + dc)] = True
                col += colspan
            row_texts.append(" | ".join(pieces))
            off += 1  # newline
        text = "\n".join(row_texts)
        a, b = self._write(text)
        assert a == base
        self.blocks.append(Block("table", a, b, self.page, cells=tuple(cells), header_rows=header_rows))

    def finish(self) -> tuple[str, tuple[Block, ...]]:
        return "".join(self.parts), tuple(self.blocks)


def squeeze(s: str) -> str:
    """Spaces collapsed, except a tab or a run of three or more, which stands between two columns ('Nơi nhận:
    <tab> TL. CHỦ TỊCH') and is kept as four spaces."""
    s = re.sub(r"[^\S\n]*\t\s*|[^\S\n]{3,}", "\t", s.strip())
    return re.sub(r"[^\S\t]+", " ", s).replace("\t", "    ")


def join_cell(paras: list[str]) -> str:
    """A cell's paragraphs on one line: '; ' between entries of a list, a space after a full stop."""
    out = ""
    for p in paras:
        p = " ".join(p.split())
        if not p:
            continue
        if out:
            out += " " if _END_PUNCT.search(out) or out.endswith((",", "-", "–")) else "; "
        out += p
    return out


def is_data_table(rows, ncols: int) -> bool:
    """Three or more columns over two or more rows, or a header row that names task-table columns."""
    if _header_rows(rows):
        return True
    return ncols >= 3 and len(rows) >= 2


def _header_rows(rows) -> int:
    """How many rows at the top name columns (two or more cells with a known column role)."""
    n = 0
    for r in rows[:3]:
        roles = [column_role(join_cell(c[0])) for c in r]
        if len({x for x in roles if x and x != "number"}) >= 2 or (n and sum(1 for x in roles if x) >= 1
                                                                   and len(r) >= 2 and not _looks_like_data(r)):
            n += 1
        else:
            break
    return n


def _looks_like_data(r) -> bool:
    first = join_cell(r[0][0]).strip()
    return bool(re.fullmatch(r"\d{1,3}\.?|[IVXL]+\.?", first))


def classify(s: str, start: int, kind: str | None, page: int, source: str | None = None) -> Block:
    """A line's block kind: labelled field ('- Đơn vị chủ trì: Sở X'), list item (a marker), heading (short,
    in capitals or numbered without a full stop), else paragraph."""
    end = start + len(s)
    m = _MARKER.match(s)
    marker = m.group(0).strip() if m else None
    body = s[m.end():] if m else s
    off = m.end() if m else 0
    lm = labels().field_rx.match(fold(body))
    if lm and field_role(body[:lm.end("label")]):
        return Block("field", start, end, page, marker=marker, label=(start + off, start + off + lm.end("label")),
                     value=(start + off + lm.end(), end), source=source)
    if kind is None:
        letters = [c for c in body if c.isalpha()]
        upper = bool(letters) and sum(c.isupper() for c in letters) >= 0.8 * len(letters)
        if upper and len(body) < 200:
            kind = "heading"
        elif marker and marker not in "-–—•+*" and len(body) < 120 and not _END_PUNCT.search(body):
            kind = "heading"
        elif marker:
            kind = "list_item"
        else:
            kind = "paragraph"
    return Block(kind, start, end, page, marker=marker, source=source)


# -- plain text and Markdown -----------------------------------------------------------------------------------

_PIPE_LINE = re.compile(r"^\s*\|\s*$")
_GFM_SEP = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*$")
_RULE = re.compile(r"^\s*(?:[-=_*]\s*){3,}$")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+")
_EMPH = re.compile(r"\*\*|__|(?<![\w*])\*(?=\S)|(?<=\S)\*(?![\w*])|(?<![\w_])_(?=\S)|(?<=\S)_(?![\w_])")
_ITEM_START = re.compile(r"^\s*(?:Điều\s+\d+[a-zđ]?\.\s|[-+•–]\s|\*\s|\d{1,2}(?:\.\d{1,2})*[.)]\s+\S|[a-zđ][)]\s|[IVXL]+[.)]\s|\(\d{1,2}\)\s|"
                         r"[A-ZĐ]\.\s+[A-ZĐÀ-Ỹ])")
_CONNECTOR_END = re.compile(r"(?<![\w])(?:và|hoặc|của|các|những|về|số|với|ngày|tháng|năm|trong|cho|tại|theo|đến|từ|"
                            r"để|là|được|có|trên|dưới|thuộc|giữa|khi|nếu|mà|thì|do|bởi|như|cùng|tới|qua|vào|ra)$|[,(/&-]$",
                            re.I)


def _open_emphasis(s: str) -> bool:
    return s.count("**") % 2 == 1 or (s.replace("**", "").count("*") % 2 == 1)


def strip_markup(s: str) -> str:
    s = _HEADING.sub("", s)
    s = _EMPH.sub("", s)
    s = re.sub(r"\\([\\`*_{}\[\]()#+\-.!|])", r"\1", s)  # Markdown escapes
    return s


def wrapped(a: str, b: str, width: int, markdown: bool = False, open_emphasis: bool | None = None) -> bool:
    """Does line ``b`` continue line ``a`` (a hard wrap), rather than start a new line? In a Markdown paragraph
    every line does, but for list items and signature lines. ``open_emphasis``: whether a ``**`` run is still open
    at the end of ``a`` (counted from the paragraph's start; by default from ``a`` alone)."""
    if open_emphasis is None:
        open_emphasis = _open_emphasis(a)
    a_plain, b_plain = strip_markup(a).strip(), strip_markup(b).strip()
    if not a_plain or not b_plain:
        return False
    # "**Điều" / "19. Trách nhiệm của …**": a word that takes a number is not a line's end, whatever follows
    if labels().numbered_end.search(fold(a_plain)) and re.match(r"[\dIVXL]", b_plain):
        return True
    # "... kinh tế" / "- xã hội ...": a wrap before a hyphen, not a list item
    hyphen_wrap = b_plain.startswith("- ") and not _END_PUNCT.search(a_plain) and (
        b_plain[2:3].islower() or b_plain[2:3].isdigit() or (markdown and len(a_plain) >= 40))
    if (_ITEM_START.match(b) or _ITEM_START.match(b_plain) and not open_emphasis) and not hyphen_wrap:
        return False
    if _signature_line(b_plain) or _signature_line(a_plain):  # "TM. ỦY BAN NHÂN DÂN" / "CHỦ TỊCH" / name
        return False
    if hyphen_wrap or open_emphasis:
        return True
    letters_a = [c for c in a_plain if c.isalpha()]
    letters_b = [c for c in b_plain if c.isalpha()]
    caps = lambda ls: bool(ls) and all(c.isupper() for c in ls)  # noqa: E731
    if caps(letters_a) and not caps(letters_b):  # "KẾ HOẠCH" over "Thực hiện ...": a title line ends
        return False
    if markdown:
        return True
    first = b_plain.split()[0]
    if b_plain[0].islower() or (b_plain[0].isdigit() and not _ITEM_START.match(b_plain)):
        return True
    if _CONNECTOR_END.search(a_plain):
        return True
    if caps(letters_a) != caps(letters_b):
        return False
    if caps(letters_a) and len(a_plain) >= 40 and not _END_PUNCT.search(a_plain):  # a title over two lines
        return True
    # a greedy wrap: the next word would not have fitted on the line
    return width >= 40 and len(a.rstrip()) >= 0.6 * width and len(a.rstrip()) + 1 + len(first) > width


@lru_cache(maxsize=1)
def _signature_words() -> re.Pattern:
    from pipeline.lang.lexicon import lexicon

    titles = sorted({fold(t) for t in lexicon().signer_titles}, key=len, reverse=True)
    return re.compile(r"(?:(?:tm|kt|tl|tuq|q)\s*\.\s*\S.*|(?:" + "|".join(re.escape(t) for t in titles) + r"))$")


def _signature_line(s: str) -> bool:
    letters = [c for c in s if c.isalpha()]
    return bool(letters) and all(c.isupper() for c in letters) and bool(_signature_words().match(fold(s).strip()))


def reflow(lines: list[str], width: int, markdown: bool = False) -> list[str]:
    """Join hard-wrapped lines into logical lines (markup kept; stripped later)."""
    out: list[str] = []
    bold = italic = 0  # emphasis marks seen so far in the paragraph: odd while a run is open
    for ln in lines:
        opened = bold % 2 == 1 or italic % 2 == 1
        bold += ln.count("**")
        italic += ln.replace("**", "").count("*")
        if out and wrapped(out[-1], ln, width, markdown, opened):
            out[-1] = out[-1].rstrip() + " " + ln.strip()
        else:
            out.append(ln)
    return out


def _broken_sentence(line: str, nxt: str) -> bool:
    """'... đạt tiêu chuẩn môi' + blank line + 'trường; ...': a sentence split by a stray paragraph break."""
    s, b = strip_markup(line).strip(), nxt.lstrip()
    return bool(s and b and b[0].islower() and len(s.split()) >= 3 and not _END_PUNCT.search(s)
                and not _ITEM_START.match(b))


def _wrap_width(lines: list[str]) -> int:
    """The width text was hard-wrapped at: a high percentile of the lengths of lines followed by another line."""
    lens = sorted(len(a.rstrip()) for a, b in zip(lines, lines[1:]) if a.strip() and b.strip()
                  and not _PIPE_LINE.match(a) and not _PIPE_LINE.match(b))
    if len(lens) < 3:
        return 0
    return lens[int(len(lens) * 0.95) - 1 if len(lens) > 1 else 0]


def _split_cells(line: str) -> list[str]:
    s = line.strip()
    if s.startswith("|"):
        s = s[1:]
    if s.endswith("|") and not s.endswith("\\|"):
        s = s[:-1]
    return [c.strip() for c in re.split(r"(?<!\\)\|", s)]


def text_blocks(text: str, page: int = 1, markdown: bool = False) -> Layout:
    """Plain text or Markdown into blocks: paragraphs reflowed, markup dropped, tables (GFM pipe tables and the
    one-cell-per-line tables of saved web pages) as table blocks. In Markdown the lines of a paragraph are one
    line (soft breaks); in plain text a line break stands unless it looks like a hard wrap."""
    lines = text.split("\n")
    if markdown:
        lines = lines[_document_start(lines):]
    width = _wrap_width(lines)
    lay = Layout(page=page)
    i, n = 0, len(lines)
    para: list[str] = []

    def flush() -> None:
        for ln in reflow(para, width, markdown):
            if _RULE.match(ln):
                continue
            heading = bool(_HEADING.match(ln))
            lay.text_block(strip_markup(ln), "heading" if heading else None)
        para.clear()

    while i < n:
        ln = lines[i]
        if _PIPE_LINE.match(ln):  # a saved page's table: "|" lines between cells, "|" "|" between rows
            flush()
            i = _pipe_line_table(lines, i, lay, width)
            continue
        if ln.lstrip().startswith("|") and i + 1 < n and _GFM_SEP.match(lines[i + 1]) and "|" in ln.strip()[1:]:
            flush()
            i = _gfm_table(lines, i, lay)
            continue
        if not ln.strip():
            if not (para and _broken_sentence(para[-1], lines[i + 1] if i + 1 < n else "")):
                flush()
        elif _RULE.match(ln) and not para:
            pass
        elif _HEADING.match(ln):  # a heading starts a paragraph; a hard-wrapped heading goes on
            flush()
            para.append(ln)
        else:
            para.append(ln)
        i += 1
    flush()
    return lay


_MOTTO = "cong hoa xa hoi chu nghia viet nam"
CONTAINER_LINES, CONTAINER_CHARS = 12, 1500  # a table cell larger than this holds text, not a value


def _document_start(lines: list[str]) -> int:
    """Where the document begins on a page saved from a legal-document website: the header table whose second
    cell holds the national motto. The site's own tables before it (its "Số hiệu / Loại văn bản / Người ký"
    summary, notices) are clutter and left out."""
    for i in range(len(lines)):
        here = " ".join(fold(strip_markup(" ".join(lines[i:i + 3]))).split())
        if not here.startswith(_MOTTO[:10]) or _MOTTO not in here:
            continue
        openers = [k for k in range(i - 1, max(-1, i - 40), -1) if _PIPE_LINE.match(lines[k])]
        if len(openers) < 2:  # not a table (or the issuer's cell is missing): keep the page as it is
            return 0
        first = openers[1]  # the "|" that opens the issuer's cell, one cell before the motto's
        while first > 0 and _PIPE_LINE.match(lines[first - 1]):
            first -= 1
        return first if any(x.strip() and not _PIPE_LINE.match(x) for x in lines[:first]) else 0
    return 0


def _cell_lines(raw: list[str], width: int) -> list[str]:
    lines = [x for x in reflow([x for x in raw if x.strip()], width) if not _RULE.match(x)]
    return [strip_markup(x).strip() for x in lines if strip_markup(x).strip()]


def _pipe_line_table(lines: list[str], i: int, lay: Layout, width: int) -> int:
    """'|' closes a cell and opens the next; '|' '|' ends a row; '|' before a blank line ends the table."""
    rows: list[list[list[str]]] = [[]]
    cur: list[str] | None = None
    n = len(lines)
    while i < n:
        ln = lines[i]
        if not _PIPE_LINE.match(ln):
            if cur is None:
                cur = []
            cur.append(ln)
            i += 1
            continue
        if cur is not None:
            rows[-1].append(cur)
            cur = None
        nxt = lines[i + 1] if i + 1 < n else ""
        if not nxt.strip():
            i += 1
            break
        if _PIPE_LINE.match(nxt):
            rows.append([])
            i += 1  # the second '|' opens the new row's first cell
        else:
            cur = []
        i += 1
    if cur:
        rows[-1].append(cur)
    table = [[(_cell_lines(c, width), 1, 1) for c in r] for r in rows if r]
    for part, data in _task_tables(table):
        # a page that wraps the whole document in a table: a cell holding many lines is a container, not data
        container = not data and any(_holds_text(c) for r in part for c in r)
        lay.table(part, layout=True if container else None)
    return i


def _holds_text(cell) -> bool:
    """A cell of more lines or characters than a value has: the page's own text (a container), not data."""
    return len(cell[0]) > CONTAINER_LINES or sum(map(len, cell[0])) > CONTAINER_CHARS


_TASK_COLUMNS = {"task", "lead", "support", "responsible", "deadline"}


def _header_run(row) -> int | None:
    """Where the row's closing run of column names begins ("STT | Nhiệm vụ | Cơ quan chủ trì | Thời hạn"), or None:
    three or more short cells, each naming a column, two of them a task table's."""
    k = len(row)
    while k > 0 and len(row[k - 1][0]) <= 3 and column_role(join_cell(row[k - 1][0])):
        k -= 1
    roles = {column_role(join_cell(c[0])) for c in row[k:]}
    return k if len(row) - k >= 3 and len(roles & _TASK_COLUMNS) >= 2 else None


def _task_tables(table) -> list[tuple[list, bool]]:
    """A saved page's one-cell-per-line table split where a task table's header row starts, when the page's own
    layout table runs into it (the signature, the annex's title and the header cells in one row): (rows, is a
    task table) parts in order. Rows as wide as the header or narrower follow it; a longer row ends it after its
    first cells."""
    out: list[tuple[list, bool]] = []
    loose: list = []  # rows (or row parts) outside a task table
    data: list | None = None
    for row in table:
        while row:
            if data is not None:
                w = len(data[0])
                # a row as wide or narrower ("I | NHÓM GIẢI PHÁP": a group's heading) is the table's, unless it holds
                # the page's own text
                if len(row) == w or (len(row) < w and not any(_holds_text(c) for c in row)):
                    data.append(row)
                    row = []
                    continue
                if len(row) > w:
                    data.append(row[:w])
                    row = row[w:]
                out.append((data, True))
                data = None
                continue
            k = _header_run(row)
            if k is None:
                loose.append(row)
                break
            if k:
                loose.append(row[:k])
            if loose:
                out.append((loose, False))
                loose = []
            data, row = [row[k:]], []
    if data is not None:
        out.append((data, True))
    if loose:
        out.append((loose, False))
    return out


def _gfm_table(lines: list[str], i: int, lay: Layout) -> int:
    rows = [_split_cells(lines[i])]
    i += 2
    while i < len(lines) and lines[i].strip().startswith("|"):
        rows.append(_split_cells(lines[i]))
        i += 1
    table = [[([strip_markup(p) for p in re.split(r"<br\s*/?>", c)], 1, 1) for c in r] for r in rows]
    lay.table(table)
    return i
