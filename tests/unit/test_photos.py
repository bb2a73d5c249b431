"""Resident photos, made here with Pillow: what is refused (not an image, truncated, bomb, too large) and what
is accepted (re-encoded JPEG, upright, ≤ 2048 px, without any EXIF — GPS included)."""
from __future__ import annotations

import io

import pytest
from PIL import Image, ImageDraw

from domain.photos import MAX_SIDE, MAX_UPLOAD_BYTES, process_photo
from domain.stories import SubmissionRejected

GPS_IFD = 0x8825
ORIENTATION = 0x0112


def jpeg_with_gps_and_orientation(width=120, height=60) -> bytes:
    """A landscape JPEG whose EXIF says "rotate 90° clockwise to view" and carries a GPS position.

    The left half is red and the right half blue, so the turn can be checked on the pixels."""
    image = Image.new("RGB", (width, height), "blue")
    ImageDraw.Draw(image).rectangle((0, 0, width // 2 - 1, height), fill="red")
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    exif[0x010F] = "PhoneMaker"  # camera make: metadata that must go too
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (52.0, 5.0, 30.0), 3: "E", 4: (5.0, 7.0, 12.0)})
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif, quality=95)
    return out.getvalue()


def png_bomb() -> bytes:
    """64 megapixels of one colour: a few kilobytes on disk, 64 MB once decoded."""
    out = io.BytesIO()
    Image.new("1", (8000, 8000)).save(out, format="PNG", optimize=True)
    return out.getvalue()


def encoded(fmt: str, size=(40, 30), mode="RGB", colour=(10, 120, 200)) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, colour).save(out, format=fmt)
    return out.getvalue()


def test_the_test_images_are_what_they_claim():
    with Image.open(io.BytesIO(jpeg_with_gps_and_orientation())) as probe:
        exif = probe.getexif()
        assert exif[ORIENTATION] == 6 and exif.get_ifd(GPS_IFD)[1] == "N"
    bomb = png_bomb()
    assert len(bomb) < 20_000


def test_exif_gps_is_stripped_and_the_photo_turned_upright():
    photo = process_photo(jpeg_with_gps_and_orientation())
    assert photo.mime == "image/jpeg" and (photo.width, photo.height) == (60, 120)  # portrait after the turn
    with Image.open(io.BytesIO(photo.data)) as result:
        assert result.format == "JPEG"
        assert dict(result.getexif()) == {}
        assert "exif" not in result.info and b"GPS" not in photo.data and b"PhoneMaker" not in photo.data
        rgb = result.convert("RGB")
        top, bottom = rgb.getpixel((30, 10)), rgb.getpixel((30, 110))
    # rotating 90° clockwise puts the red left half on top
    assert top[0] > 200 and top[2] < 60
    assert bottom[2] > 200 and bottom[0] < 60



@pytest.mark.parametrize("fmt, hidden", [
    ("JPEG", {"comment": b"Gemaakt bij Jansen thuis, Kerkstraat 12"}),
    ("PNG", {"pnginfo": "Auteur: Jansen, Kerkstraat 12"}),
])
def test_comments_and_text_chunks_are_not_carried_over(fmt, hidden):
    from PIL import PngImagePlugin

    image = Image.new("RGB", (40, 30), (10, 120, 200))
    out = io.BytesIO()
    if fmt == "PNG":
        chunks = PngImagePlugin.PngInfo()
        chunks.add_text("Author", hidden["pnginfo"])
        image.save(out, format="PNG", pnginfo=chunks)
        secret = hidden["pnginfo"].encode()
    else:
        image.save(out, format="JPEG", comment=hidden["comment"])
        secret = hidden["comment"]
    assert secret in out.getvalue()
    photo = process_photo(out.getvalue())
    assert b"Kerkstraat" not in photo.data
    with Image.open(io.BytesIO(photo.data)) as result:
        assert "comment" not in result.info and "Author" not in result.info


REFUSED = [
    ("empty file", lambda: b"", "photo_invalid"),
    ("a text file renamed .jpg", lambda: b"Dit is geen foto, maar een boodschappenlijstje.\n" * 20, "photo_invalid"),
    ("truncated JPEG", lambda: jpeg_with_gps_and_orientation(800, 600)[:2500], "photo_invalid"),
    ("JPEG header only", lambda: b"\xff\xd8\xff\xe0" + b"\x00" * 100, "photo_invalid"),
    ("GIF is not a photo format we take", lambda: encoded("GIF", mode="P", colour=1), "photo_invalid"),
    ("HTML pretending to be an image", lambda: b"<svg onload=alert(1)><script>alert(1)</script></svg>",
     "photo_invalid"),
    ("PNG decompression bomb", png_bomb, "photo_too_many_pixels"),
    ("larger than the upload limit", lambda: b"\xff\xd8\xff" + bytes(MAX_UPLOAD_BYTES), "photo_too_large"),
]


@pytest.mark.parametrize("case, make, key", REFUSED, ids=[row[0] for row in REFUSED])
def test_bad_photos_are_refused_with_their_reason(case, make, key):
    with pytest.raises(SubmissionRejected) as caught:
        process_photo(make())
    assert caught.value.key == key
    if key == "photo_too_large":
        assert caught.value.params == {"limit_mb": MAX_UPLOAD_BYTES // (1024 * 1024)}


def test_between_one_and_two_times_the_pixel_limit_is_refused_too():
    # Pillow only *warns* up to 2× its limit; process_photo turns that warning into a refusal.
    with pytest.raises(SubmissionRejected) as caught:
        process_photo(encoded("PNG", size=(40, 40)), max_pixels=1000)
    assert caught.value.key == "photo_too_many_pixels"


def test_pillows_global_limit_is_left_as_it_was():
    before = Image.MAX_IMAGE_PIXELS
    with pytest.raises(SubmissionRejected):
        process_photo(png_bomb())
    process_photo(encoded("JPEG"))
    assert Image.MAX_IMAGE_PIXELS == before


@pytest.mark.parametrize("fmt, mode, colour", [("JPEG", "RGB", (10, 120, 200)), ("PNG", "RGBA", (10, 120, 200, 0)),
                                               ("PNG", "L", 90), ("WEBP", "RGB", (200, 30, 30)),
                                               ("PNG", "P", 3)])
def test_accepted_formats_become_plain_jpeg(fmt, mode, colour):
    photo = process_photo(encoded(fmt, mode=mode, colour=colour))
    with Image.open(io.BytesIO(photo.data)) as result:
        assert result.format == "JPEG" and result.mode in ("RGB", "L") and dict(result.getexif()) == {}
        if mode == "RGBA":  # transparent pixels become white, not black
            assert result.convert("RGB").getpixel((5, 5))[0] > 240


def test_big_photos_are_shrunk_to_the_maximum_side():
    photo = process_photo(encoded("JPEG", size=(4000, 1000)))
    assert (photo.width, photo.height) == (MAX_SIDE, MAX_SIDE // 4)
