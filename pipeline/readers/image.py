"""Image files (PNG, JPEG, TIFF incl. multi-page, BMP, WEBP): checked without decoding their pixels, one
``needs_ocr`` page per frame (the OCR stage reads them)."""
from __future__ import annotations

import io
from dataclasses import replace

from pipeline.core import limits
from pipeline.core.document import Document, Page
from pipeline.core.errors import BadInputError
from pipeline.layout.words import config


def read_image(doc: Document, data: bytes) -> Document:
    """One ``needs_ocr`` page per image frame; refuse unreadable, tiny and huge images without decoding them."""
    from PIL import Image, UnidentifiedImageError

    cfg = config()["render"]
    name = doc.path
    try:
        with pil_guard():
            im = Image.open(io.BytesIO(data))
            w, h = im.size
            frames = getattr(im, "n_frames", 1) or 1
            limits.check_pages(name, frames, "image frames")
            for i in range(frames):  # every frame's size, from its header: none is decoded yet
                if i:
                    im.seek(i)
                limits.check_frame(name, *im.size, frame=i)
    except UnidentifiedImageError:
        raise BadInputError(f"{name}: not a readable image", "is the file damaged or of another type?") from None
    except (OSError, ValueError, SyntaxError, EOFError) as e:
        raise BadInputError(f"{name}: not a readable image ({short_error(e)})", "is the file damaged?") from None
    small = cfg["min_side_refuse_px"]
    if min(w, h) < small:
        raise BadInputError(f"{name}: image is {w}×{h} px, too small to hold text",
                            f"need at least {small} px on each side")
    # decode the first frame now (bounded by the size check) so a truncated file fails at ingestion
    try:
        with pil_guard():
            im.seek(0)
            im.load()
    except Exception as e:  # noqa: BLE001 - Pillow raises many types for damaged files
        raise BadInputError(f"{name}: image cannot be decoded ({short_error(e)})", "is the file damaged?") from None
    pages = tuple(Page(number=i + 1, text="", method="ocr", needs_ocr=True, image_source=(doc.path, i),
                       width=float(w) if frames == 1 else None, height=float(h) if frames == 1 else None)
                  for i in range(frames))
    return replace(doc, pages=pages)


class pil_guard:
    """Let our own megapixel limit decide: Pillow's decompression-bomb check would raise first (and differently)."""

    def __enter__(self):
        from PIL import Image

        self._old = Image.MAX_IMAGE_PIXELS
        Image.MAX_IMAGE_PIXELS = None

    def __exit__(self, *exc):
        from PIL import Image

        Image.MAX_IMAGE_PIXELS = self._old
        return False


def short_error(e: Exception) -> str:
    s = " ".join(str(e).split()) or type(e).__name__
    return s[:120]
