"""Plain text and Markdown (.txt, .md): UTF-8/UTF-16 or a legacy TCVN3/VNI encoding, laid out by the reflow
grammar of pipeline.layout.blocks (hard wraps joined, GFM and saved-page tables read as tables)."""
from __future__ import annotations

from dataclasses import replace

from pipeline.core import limits
from pipeline.core.document import Document
from pipeline.lang.legacy import decode_text
from pipeline.layout.blocks import text_blocks
from pipeline.readers.base import laid_out_page, nfc


def read(doc: Document, data: bytes) -> Document:
    limits.check_text_bytes(doc.path, len(data))
    text, encoding = decode_text(data, doc.path)
    text = nfc(text.replace("\r\n", "\n").replace("\r", "\n"))
    limits.check_chars(doc.path, len(text))  # as the file has them, before the layout joins or separates lines
    md = doc.media_type == "text/markdown"
    pages = tuple(laid_out_page(text_blocks(t, i + 1, md), i + 1, "text") for i, t in enumerate(text.split("\f")))
    return replace(doc, pages=pages, encoding=encoding)
