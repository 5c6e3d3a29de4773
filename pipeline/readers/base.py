"""What every reader shares: the reader's signature and the page made of a finished layout."""
from __future__ import annotations

import unicodedata
from typing import Callable

from pipeline.core.document import Document, Page

#: a reader: the Document (path, sha256, media type, size) and the file's bytes → the Document with its pages
Reader = Callable[[Document, bytes], Document]


def nfc(s: str) -> str:
    return unicodedata.normalize("NFC", s)


def laid_out_page(lay, number: int, method: str) -> Page:
    text, blocks = lay.finish()
    return Page(number=number, text=text, method=method, blocks=blocks)
