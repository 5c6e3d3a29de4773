"""A page as an image: a PDF page rendered by pypdfium2 or an image file's frame, blank pages found on a small
copy. The one page renderer: the OCR stage and the review page's page images both use :func:`render_page`."""
from __future__ import annotations

from pipeline.core.limits import fit_scale
from pipeline.layout.words import config
from pipeline.readers.image import pil_guard


# -- rendering ------------------------------------------------------------------------------------------------


def render_page(source: tuple[str, int], dpi: int | None = None):
    """The page image (PIL RGB/L) of ``(path, index)`` and the scale from image pixels to reported pixels."""
    from PIL import Image

    path, index = source
    cfg = config()["render"]
    dpi = dpi or cfg["dpi"]
    if path.lower().endswith(".pdf"):
        import pypdfium2 as pdfium

        pdf = pdfium.PdfDocument(path)
        try:
            page = pdf[index]
            if blank_pdf_page(page):
                page.close()
                return None, 1.0
            scale = fit_scale(page.get_width(), page.get_height(), dpi)  # a huge page: a lower resolution
            bitmap = page.render(scale=scale)
            im = bitmap.to_pil()
            im.load()
            im = im.copy()
            bitmap.close()
            page.close()
        finally:
            pdf.close()
        return im, dpi / 72 / scale
    with pil_guard():
        src = Image.open(path)
        src.seek(index)
        im = src.convert("RGB") if src.mode not in ("RGB", "L") else src.copy()
    if blank_image(im):
        return None, 1.0
    factor = 1.0
    side = max(im.size)
    if side < cfg["min_side_px"]:
        factor = min(2.0, cfg["min_side_px"] / side)
        im = im.resize((round(im.width * factor), round(im.height * factor)), Image.LANCZOS)
    return im, 1 / factor


def ink_ratio(gray) -> float:
    """Share of pixels clearly darker than the paper (the median) in a small grayscale image."""
    import numpy as np

    a = np.asarray(gray, dtype=np.uint8)
    paper = float(np.median(a))
    return float((a < paper - config()["blank"]["ink_delta"]).mean()) if a.size else 0.0


def blank_image(im) -> bool:
    """A blank or near-blank page: too little ink on a copy shrunk to about ``blank.thumb_px`` pixels across."""
    cfg = config()["blank"]
    k = max(1, max(im.size) // cfg["thumb_px"])
    small = im.convert("L").reduce(k) if k > 1 else im.convert("L")
    return ink_ratio(small) < cfg["max_ink_ratio"]


def blank_pdf_page(page) -> bool:
    """:func:`blank_image` on a small grayscale render of a pdfium page (no full-size render needed)."""
    cfg = config()["blank"]
    scale = cfg["thumb_px"] / max(page.get_width(), page.get_height(), 1)
    bitmap = page.render(scale=scale, grayscale=True)
    try:
        small = bitmap.to_pil().convert("L")
        return ink_ratio(small) < cfg["max_ink_ratio"]
    finally:
        bitmap.close()

