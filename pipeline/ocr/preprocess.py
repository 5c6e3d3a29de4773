"""A page image made ready for Tesseract: red and blue seals whitened by colour, grayscale, the skew removed."""
from __future__ import annotations

from pipeline.layout.words import config


# -- preprocessing --------------------------------------------------------------------------------------------


def preprocess(im):
    """Grayscale image with red/blue seals whitened and the skew removed; returns (image, skew angle)."""
    from PIL import Image

    cfg = config()
    st = cfg["stamps"]
    if im.mode == "L":
        img = im
    else:
        from PIL import ImageChops

        rgb = im.convert("RGB")
        r, g, b = rgb.split()
        img = rgb.convert("L")
        # red seal: R - max(G, B) large and R bright; blue stamp: B - max(R, G) large and light overall
        red = ImageChops.subtract(r, ImageChops.lighter(g, b)).point(lambda v: 255 if v > st["red_delta"] else 0)
        red = ImageChops.multiply(red, r.point(lambda v: 255 if v > st["red_min"] else 0))
        blue = ImageChops.subtract(b, ImageChops.lighter(r, g)).point(lambda v: 255 if v > st["blue_delta"] else 0)
        blue = ImageChops.multiply(blue, img.point(lambda v: 255 if v > st["blue_min_luma"] else 0))
        mask = ImageChops.lighter(red, blue)
        if mask.getbbox():
            img = img.copy()
            img.paste(255, mask=mask)
        del rgb, r, g, b, red, blue, mask
    angle = estimate_skew(img)
    if abs(angle) >= cfg["deskew"]["min_angle"]:
        img = img.rotate(angle, resample=Image.BICUBIC, expand=False, fillcolor=255)
    return img, angle


def estimate_skew(img) -> float:
    """Skew angle (degrees, counter-clockwise to apply) maximising the row-profile variance of dark pixels."""
    import numpy as np
    from PIL import Image

    cfg = config()["deskew"]
    small = img.reduce(4) if min(img.size) > 1200 else img
    a = np.asarray(small, dtype=np.uint8)
    thr = min(160, int(a.mean()) - 30)
    ink = Image.fromarray(((a < thr) * 255).astype(np.uint8), "L")
    best, best_score = 0.0, -1.0
    steps = int(round(cfg["max_angle"] / cfg["step"]))
    for k in range(-steps, steps + 1):
        ang = k * cfg["step"]
        rows = np.asarray(ink.rotate(ang, resample=Image.NEAREST, fillcolor=0), dtype=np.uint32).sum(axis=1)
        score = float(np.square(np.diff(rows.astype(np.float64))).sum())
        if score > best_score:
            best, best_score = ang, score
    return best


def pnm(img) -> bytes:
    """PGM bytes of a grayscale image (Tesseract reads PNM from stdin; no PNG encoding cost)."""
    return f"P5 {img.width} {img.height} 255\n".encode() + img.tobytes()

