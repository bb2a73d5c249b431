"""Resident photos: check they are real images, turn them upright, shrink, and re-encode without metadata.

Only the re-encoded pixels are stored, so EXIF (including GPS) never survives; Pillow's decompression-bomb
limit is lowered so a small file cannot unpack into gigapixels.
"""
from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps

from domain.stories import SubmissionRejected

MAX_UPLOAD_BYTES = 15 * 1024 * 1024
MAX_SOURCE_PIXELS = 40_000_000  # a 40 MP phone photo passes; a decompression bomb does not
MAX_SIDE = 2048
ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP", "MPO"}  # MPO: what many phones call their JPEGs


@dataclass(frozen=True)
class ProcessedPhoto:
    data: bytes
    mime: str
    width: int
    height: int


def _not_an_image() -> SubmissionRejected:
    return SubmissionRejected("photo_invalid", "Dit bestand is geen foto die we kunnen openen. "
                              "Kies een JPG-, PNG- of WebP-foto.",
                              "This file is not a photo we can open. Choose a JPG, PNG or WebP photo.")


def process_photo(data: bytes, *, max_bytes: int = MAX_UPLOAD_BYTES, max_pixels: int = MAX_SOURCE_PIXELS) -> ProcessedPhoto:
    """Validate and re-encode a photo as JPEG (≤ 2048 px, no EXIF); raise SubmissionRejected otherwise."""
    if not data:
        raise _not_an_image()
    if len(data) > max_bytes:
        limit_mb = max_bytes // (1024 * 1024)
        raise SubmissionRejected("photo_too_large", f"Deze foto is te groot (meer dan {limit_mb} MB). Kies een kleinere.",
                                 f"This photo is too large (over {limit_mb} MB). Please choose a smaller one.",
                                 limit_mb=limit_mb)
    with warnings.catch_warnings():
        # Pillow only warns between 1× and 2× its pixel limit; we want a refusal there too.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        old_limit = Image.MAX_IMAGE_PIXELS
        Image.MAX_IMAGE_PIXELS = max_pixels
        try:
            with Image.open(io.BytesIO(data)) as probe:
                if probe.format not in ALLOWED_FORMATS:
                    raise _not_an_image()
                probe.verify()
            with Image.open(io.BytesIO(data)) as image:
                image.load()
                upright = ImageOps.exif_transpose(image)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise SubmissionRejected("photo_too_many_pixels", "Deze foto heeft te veel beeldpunten. Kies een kleinere.",
                                     "This photo has too many pixels. Please choose a smaller one.") from None
        except SubmissionRejected:
            raise
        except Exception:  # Pillow raises many types for broken files (OSError, SyntaxError, ValueError…)
            raise _not_an_image() from None
        finally:
            Image.MAX_IMAGE_PIXELS = old_limit
    upright.thumbnail((MAX_SIDE, MAX_SIDE))
    if upright.mode not in ("RGB", "L"):
        background = Image.new("RGB", upright.size, (255, 255, 255))
        rgba = upright.convert("RGBA")
        background.paste(rgba, mask=rgba.getchannel("A"))
        upright = background
    # Pixels only, into a fresh image: Pillow would otherwise carry a JPEG comment (and other `info`) over.
    clean = Image.new("RGB", upright.size)
    clean.paste(upright.convert("RGB"))
    out = io.BytesIO()
    clean.save(out, format="JPEG", quality=85, optimize=True)
    return ProcessedPhoto(out.getvalue(), "image/jpeg", upright.width, upright.height)
