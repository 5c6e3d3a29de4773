"""A page as an image: a PDF page rendered by pypdfium2 or an image file's frame, blank pages found on a small
copy. The one page renderer: the OCR stage reads :func:`render_page`, the review page shows :func:`render_view`."""
from __future__ import annotations

from pipeline.core.limits import fit_scale
from pipeline.ocr.imagemodes import to_8bit
from pipeline.layout.words import config
from pipeline.readers.image import pil_guard


# -- rendering ------------------------------------------------------------------------------------------------

#: a page's source: the file's path or its bytes (a Dask worker is sent the bytes, not a path it cannot see)
Source = "str | bytes"


def _is_pdf(src: str | bytes) -> bool:
    return src[:5] == b"%PDF-" if isinstance(src, bytes) else src.lower().endswith(".pdf")


def _pdf_page(src: str | bytes, index: int, dpi: float | None = None, width: int | None = None, skip_blank: bool = False,
              max_upsample: float | None = None):
    """(image, scale in pixels per point, page size in points) of a PDF page rendered at ``dpi`` (or ``width``
    pixels wide), within the megapixel limit — a scanned page at no more than ``max_upsample`` times its own
    resolution; (None, …) for a blank page when ``skip_blank``."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(src)
    try:
        page = pdf[index]
        try:
            w, h = page.get_size()
            if skip_blank and blank_pdf_page(page):
                return None, 1.0, (w, h)
            if dpi and max_upsample:  # a scan: no more than max_upsample times its own resolution
                native = scan_dpi(page, w, h)
                if native:
                    dpi = min(dpi, native * max_upsample)
            wanted = dpi / 72 if dpi else width / w
            scale = fit_scale(w, h, 72 * wanted)  # a huge page: a lower resolution
            bitmap = page.render(scale=scale)
            im = bitmap.to_pil()
            im.load()
            im = im.copy()
            bitmap.close()
            if scale < wanted * 0.9999:
                im.info["downscaled"] = True  # over the pixel limit (pipeline.core.limits)
        finally:
            page.close()
    finally:
        pdf.close()
    return im, scale, (w, h)


def scan_dpi(page, w: float, h: float) -> float | None:
    """The resolution of a scanned PDF page's image (pixels per inch as placed), when one image covers most of the
    page; None for a page of text and drawings."""
    import pypdfium2 as pdfium

    best = None
    for obj in page.get_objects(max_depth=1):
        if obj.type != pdfium.raw.FPDF_PAGEOBJ_IMAGE:
            continue
        left, bottom, right, top = obj.get_bounds()
        if (right - left) * (top - bottom) < 0.6 * w * h:
            continue
        px_w, _px_h = obj.get_px_size()
        dpi = px_w / ((right - left) / 72)
        best = max(best or 0.0, dpi)
    return best


def _frame(src: str | bytes, index: int):
    """Frame ``index`` of an image file, as RGB or L: 16-bit, 1-bit, palette, CMYK or with transparency, scaled,
    not clipped (pipeline.ocr.imagemodes)."""
    import io

    from PIL import Image

    with pil_guard():
        im = Image.open(io.BytesIO(src) if isinstance(src, bytes) else src)
        im.seek(index)
        return to_8bit(im)


def render_page(source: tuple[str | bytes, int], dpi: int | None = None):
    """The page image (PIL RGB/L) of ``(path or bytes, index)`` to OCR, and the scale from image pixels to reported
    pixels (those of the page at ``dpi``); (None, 1.0) for a blank page."""
    from PIL import Image

    src, index = source
    cfg = config()["render"]
    dpi = dpi or cfg["dpi"]
    if _is_pdf(src):
        im, scale, _size = _pdf_page(src, index, dpi=dpi, skip_blank=True, max_upsample=cfg.get("max_upsample"))
        return (None, 1.0) if im is None else (im, dpi / 72 / scale)
    im = _frame(src, index)
    if blank_image(im):
        return None, 1.0
    factor = 1.0
    side = max(im.size)
    if side < cfg["min_side_px"]:
        factor = min(2.0, cfg["min_side_px"] / side)
        im = im.resize((round(im.width * factor), round(im.height * factor)), Image.LANCZOS)
    return im, 1 / factor


def render_view(source: tuple[str | bytes, int], width: int, ocr: bool):
    """The page image to show a reader (a PDF page rendered about ``width`` pixels wide; an image's frame as it is)
    and the page's size in the units of its word boxes: pixels of the page at the OCR dpi for OCR'd PDF pages
    (``ocr``), points for text-layer pages, the image's own pixels for images."""
    src, index = source
    if _is_pdf(src):
        im, _scale, (w, h) = _pdf_page(src, index, width=width)
        k = config()["render"]["dpi"] / 72 if ocr else 1.0
        return im, (w * k, h * k)
    im = _frame(src, index)
    return im, (float(im.width), float(im.height))


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

