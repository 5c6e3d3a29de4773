"""Images of every mode as the 8-bit grayscale or RGB the OCR and the review page work on, by scaling, never by
clipping.

Pillow's own ``convert`` clips: a 16-bit grayscale scan (``I;16``) becomes white wherever a pixel is over 255,
which is nearly all of the page, and loses its text; an image with an alpha channel keeps the colour of its
transparent pixels (often black). Here:

- 16- and 32-bit integer (``I;16*``, ``I``) and float (``F``) pixels are scaled by the depth the data use: the
  smallest of 8, 10, 12, 14, 16, 32 bits that holds the brightest pixel (a 12-bit scanner's file in a 16-bit
  container is as bright as a 16-bit one); floats up to 1.0 as 0..1;
- transparency (``RGBA``, ``LA``, ``PA``, ``La``, ``RGBa``, a palette or ``L``/``RGB`` with a transparent colour) is
  laid over white paper;
- 1-bit, palette, CMYK, YCbCr, LAB, HSV become grayscale or RGB through Pillow (those conversions do not clip).
"""
from __future__ import annotations

_DEPTHS = (8, 10, 12, 14, 16, 32)


def to_8bit(im):
    """``im`` as a new image of mode ``L`` or ``RGB`` (see the module docstring)."""
    from PIL import Image

    mode = im.mode
    if mode in ("L", "RGB") and "transparency" not in im.info:
        return im.copy()
    if mode.startswith("I") or mode == "F":
        return _scaled(im)
    if mode == "1":
        return im.convert("L")
    if mode == "P" and "transparency" not in im.info:
        return im.convert("RGB")
    if mode in ("RGBA", "LA", "PA", "La", "RGBa", "P", "L", "RGB"):
        rgba = im.convert("RGBA")
        paper = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        out = Image.alpha_composite(paper, rgba).convert("RGB")
        return out.convert("L") if mode in ("LA", "La", "L") else out
    return im.convert("RGB")  # CMYK, YCbCr, LAB, HSV


def _scaled(im):
    import numpy as np
    from PIL import Image

    a = np.asarray(im)
    if a.dtype.kind == "f":
        a = np.nan_to_num(a.astype(np.float64), nan=0.0, posinf=0.0, neginf=0.0)
        top = float(a.max()) if a.size else 0.0
        full = 1.0 if top <= 1.0 else float(2 ** next(d for d in _DEPTHS if top < 2 ** d) - 1) \
            if top < 2 ** 32 else top
    else:
        a = a.astype(np.int64)
        top = int(a.max()) if a.size else 0
        full = float(2 ** next((d for d in _DEPTHS if top < 2 ** d), 32) - 1)
    a = np.clip(a, 0, None) * (255.0 / full)
    return Image.fromarray(np.clip(np.rint(a), 0, 255).astype(np.uint8), "L")
