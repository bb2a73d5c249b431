"""Static map sheets (PNG and PDF) drawn offline with Pillow: the buurten in class colours (geheim/onbekend
hatched, so it never reads as a class), story pins shaped by kind, legend, title, annotation and attribution.
Pure: it draws what it is given (colours, labels and shapes come from the caller) — no browser, no Streamlit.
"""
from __future__ import annotations

import io
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from PIL import Image, ImageChops, ImageDraw, ImageFont

from domain.errors import UserFacingError

# Pixels and dots per inch of each sheet: the PDF page is exactly A4 or A3 landscape, or PowerPoint's
# 13.33 × 7.5 inch slide. A3 at 200 dpi: at 300 dpi one sheet would hold ~100 MB of image buffers.
SHEET_SIZES: dict[str, tuple[int, int, int]] = {
    "a4": (3508, 2480, 300),
    "a3": (3307, 2339, 200),
    "slide": (1920, 1080, 144),
}
DESIGN_SIZE = (2480, 1754)  # the lengths below are pixels at this size and scale with the sheet
MAX_TITLE = 120
MAX_ANNOTATION = 600
RD_NEW = 28992  # metres, so the scale bar is true for Dutch buurten

INK = (29, 29, 27)
MUTED = (91, 91, 87)
SHEET = (255, 255, 255)
MAP_PAPER = (244, 241, 234)
FRAME = (200, 196, 186)
HATCH = (96, 96, 96)
ACCENT = (31, 95, 139)

# Pin shapes in a 24 × 24 box, the same figures as the projector's SVG pins (components/projector.py).
SHAPES: dict[str, tuple[tuple[float, float], ...] | None] = {
    "circle": None,  # drawn as an ellipse of radius 9 around (12, 12)
    "triangle": ((12, 2.5), (22, 20.5), (2, 20.5)),
    "star": ((12, 1.8), (14.9, 8.4), (22, 9.0), (16.6, 13.7), (18.3, 20.7), (12, 16.9), (5.7, 20.7), (7.4, 13.7),
             (2, 9), (9.1, 8.4)),
    "diamond": ((12, 1.5), (22.5, 12), (12, 22.5), (1.5, 12)),
    "square": ((3, 3), (21, 3), (21, 21), (3, 21)),
}
FONT_FILES = {False: ("DejaVuSans.ttf", "LiberationSans-Regular.ttf"),
              True: ("DejaVuSans-Bold.ttf", "LiberationSans-Bold.ttf")}
FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/truetype/liberation"),
             Path("/usr/share/fonts/TTF"), Path("/Library/Fonts"), Path("C:/Windows/Fonts"))


class MapTextRejected(UserFacingError):
    """The map's title or annotation cannot be used as it is; nothing was built."""


@dataclass(frozen=True)
class Swatch:
    """One legend row: a fill colour (#rrggbb), its label, and whether it is hatched (geheim/onbekend)."""

    colour: str
    label: str
    hatched: bool = False


@dataclass(frozen=True)
class PinKind:
    key: str
    label: str
    colour: str
    shape: str
    count: int


@dataclass(frozen=True)
class Pin:
    lat: float
    lon: float
    kind: str


@dataclass(frozen=True)
class MapSheet:
    """Everything on the sheet, as plain data. `areas` has a geometry (with a CRS), `fill` (#rrggbb) and
    `hatched` (bool) per buurt; `outlines` are drawn on top, heavier (wijk boundaries)."""

    title: str
    subtitle: str
    areas: gpd.GeoDataFrame
    outlines: gpd.GeoSeries
    legend_title: str
    legend_subtitle: str
    classes: tuple[Swatch, ...]
    no_data: tuple[Swatch, ...]  # geheim/onbekend and water: apart from the classes
    kinds_title: str
    kinds: tuple[PinKind, ...]
    pins: tuple[Pin, ...]
    annotation_title: str = ""
    annotation: str = ""
    note: str = ""  # e.g. how many stories have no place on the map
    attribution: tuple[str, ...] = ()
    made_at: datetime | None = None


@dataclass(frozen=True)
class DrawnSheet:
    image: Image.Image
    map_box: tuple[int, int, int, int]  # left, top, right, bottom of the map frame, in pixels
    transform: tuple[float, float, float] | None = None  # x0, y0, pixels per metre; None for an empty map

    def pixel(self, x: float, y: float) -> tuple[int, int]:
        """Where an RD New (EPSG:28992) point lies on the image."""
        x0, y0, scale = self.transform
        return round(x0 + x * scale), round(y0 - y * scale)


# ------------------------------------------------------------------------------------------------ texts

def clean_text(text: str | None) -> str:
    """Control characters out (they draw as boxes and mean nothing here), line ends kept, ends trimmed.

    Examples:
        >>> clean_text("  Eerste regel\\r\\ntweede\\x00\\t regel  ")
        'Eerste regel\\ntweede  regel'
    """
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    return "".join(ch for ch in text if ch == "\n" or ch.isprintable()).strip()


def check_map_texts(title: str | None, annotation: str | None) -> tuple[str, str]:
    """The title (one line) and annotation, cleaned; too long is an error that says by how much."""
    title = " ".join(clean_text(title).split())
    annotation = clean_text(annotation)
    if len(title) > MAX_TITLE:
        raise MapTextRejected(f"De titel is {len(title)} tekens lang; maximaal {MAX_TITLE}.",
                              f"The title is {len(title)} characters long; at most {MAX_TITLE}.")
    if len(annotation) > MAX_ANNOTATION:
        raise MapTextRejected(
            f"De toelichting is {len(annotation)} tekens lang; maximaal {MAX_ANNOTATION}. Maak haar "
            f"{len(annotation) - MAX_ANNOTATION} tekens korter.",
            f"The annotation is {len(annotation)} characters long; at most {MAX_ANNOTATION}. Shorten it by "
            f"{len(annotation) - MAX_ANNOTATION} characters.")
    return title, annotation


@lru_cache(maxsize=64)
def font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """DejaVu Sans (or Liberation Sans) when the system has it, otherwise Pillow's own Aileron."""
    for folder in FONT_DIRS:
        for name in FONT_FILES[bold]:
            if (folder / name).exists():
                return ImageFont.truetype(str(folder / name), size)
    return ImageFont.load_default(size)


def wrap_text(text: str, fnt, width: float) -> list[str]:
    """Lines no wider than `width` pixels: paragraphs kept, words broken only when one word is too wide."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split():
            candidate = f"{line} {word}" if line else word
            if fnt.getlength(candidate) <= width:
                line = candidate
                continue
            if line:
                lines.append(line)
            while fnt.getlength(word) > width and len(word) > 1:
                cut = max(1, max(i for i in range(1, len(word) + 1) if fnt.getlength(word[:i]) <= width or i == 1))
                lines.append(word[:cut])
                word = word[cut:]
            line = word
        lines.append(line)
    return lines


# ------------------------------------------------------------------------------------------------- pins

def fan_out(count: int, spacing: float) -> list[tuple[float, float]]:
    """Offsets that spread `count` pins on one spot (a generalised place is shared by many stories) over
    rings around it: the first in the middle, then 6, 12, 18 … per ring, starting at the top.

    Examples:
        >>> fan_out(1, 10)
        [(0.0, 0.0)]
        >>> fan_out(3, 10)
        [(0.0, 0.0), (0.0, -10.0), (8.66, -5.0)]
    """
    offsets = [(0.0, 0.0)] if count else []
    ring = 1
    while len(offsets) < count:
        slots = 6 * ring
        for slot in range(min(slots, count - len(offsets))):
            angle = -math.pi / 2 + 2 * math.pi * slot / slots
            offsets.append((round(ring * spacing * math.cos(angle), 2) + 0.0,
                            round(ring * spacing * math.sin(angle), 2) + 0.0))
        ring += 1
    return offsets


def fanned_positions(points: Sequence[tuple[float, float]], spacing: float) -> list[tuple[float, float]]:
    """Per point its offset: points with identical coordinates fan out, in the order given."""
    groups: dict[tuple[float, float], list[int]] = {}
    for index, point in enumerate(points):
        groups.setdefault(point, []).append(index)
    result = [(0.0, 0.0)] * len(points)
    for members in groups.values():
        for index, offset in zip(members, fan_out(len(members), spacing)):
            result[index] = offset
    return result


def _rgb(colour: str) -> tuple[int, int, int]:
    value = colour.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


@lru_cache(maxsize=32)
def pin_tile(colour: str, shape: str, px: int) -> Image.Image:
    """A smooth pin: drawn 4× larger and scaled down (Pillow draws shapes without anti-aliasing)."""
    big = px * 4
    tile = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(tile)
    scale = big / 24
    outline = max(4, round(big * 0.07))
    if SHAPES[shape] is None:
        draw.ellipse((3 * scale, 3 * scale, 21 * scale, 21 * scale), fill=_rgb(colour), outline=INK, width=outline)
    else:
        points = [(x * scale, y * scale) for x, y in SHAPES[shape]]
        draw.polygon(points, fill=_rgb(colour), outline=INK, width=outline)
    return tile.resize((px, px), Image.Resampling.LANCZOS)


# ------------------------------------------------------------------------------------------------ drawing

class _Projection:
    """RD New metres → pixels of the map box, north up, the whole area fitted with a small margin."""

    def __init__(self, bounds: tuple[float, float, float, float], box: tuple[int, int, int, int], pad: int):
        minx, miny, maxx, maxy = bounds
        left, top, right, bottom = box
        width, height = right - left - 2 * pad, bottom - top - 2 * pad
        span_x, span_y = max(maxx - minx, 1.0), max(maxy - miny, 1.0)
        self.scale = min(width / span_x, height / span_y)  # pixels per metre
        self.x0 = left + pad + (width - span_x * self.scale) / 2 - minx * self.scale
        self.y0 = top + pad + (height - span_y * self.scale) / 2 + maxy * self.scale

    def __call__(self, coords: np.ndarray) -> list[tuple[float, float]]:
        xs = self.x0 + coords[:, 0] * self.scale
        ys = self.y0 - coords[:, 1] * self.scale
        return list(zip(xs.round(1).tolist(), ys.round(1).tolist()))


def _projected(geoms: gpd.GeoSeries) -> gpd.GeoSeries:
    if geoms.crs is None:
        geoms = geoms.set_crs(4326)
    return geoms.to_crs(RD_NEW)


def _polygons(geom) -> list:
    if geom is None or geom.is_empty:
        return []
    return [g for g in shapely.get_parts(geom) if g.geom_type == "Polygon" and not g.is_empty]


def _rings(polygon) -> tuple[np.ndarray, list[np.ndarray]]:
    return (shapely.get_coordinates(polygon.exterior),
            [shapely.get_coordinates(ring) for ring in polygon.interiors])


def _hatch_lines(size: tuple[int, int], step: int, width: int) -> Image.Image:
    """Diagonal lines over a whole image, as a mask."""
    lines = Image.new("L", size, 0)
    draw = ImageDraw.Draw(lines)
    w, h = size
    for start in range(-h, w, step):
        draw.line((start, h, start + h, 0), fill=255, width=width)
    return lines


def _nice_length(metres: float) -> float:
    """The largest 1, 2 or 5 × 10^n not above `metres`."""
    power = 10 ** math.floor(math.log10(metres))
    return max(step * power for step in (1, 2, 5) if step * power <= metres)


def _distance_label(metres: float) -> str:
    return f"{metres / 1000:g} km" if metres >= 1000 else f"{metres:g} m"


def _fitted(text: str, width: float, sizes: Sequence[int], max_lines: int, bold: bool = False):
    """(font, lines) at the largest size that needs at most `max_lines`; at the smallest, the rest is cut
    with an ellipsis (titles are length-checked, so that is a last resort)."""
    for size in sizes:
        fnt = font(size, bold)
        lines = wrap_text(text, fnt, width)
        if len(lines) <= max_lines:
            return fnt, lines
    return fnt, lines[:max_lines - 1] + [lines[max_lines - 1].rstrip() + " …"]


def draw_sheet(sheet: MapSheet, size: tuple[int, int] = DESIGN_SIZE) -> DrawnSheet:
    """The whole sheet as an RGB image; the same input gives the same pixels. The annotation goes in the
    side panel when it fits there in a readable size, otherwise in a band under the map."""
    width, height = size
    u = min(width / DESIGN_SIZE[0], height / DESIGN_SIZE[1])
    px = lambda value: max(1, round(value * u))
    image = Image.new("RGB", size, SHEET)
    draw = ImageDraw.Draw(image)
    margin = px(80)
    inner = width - 2 * margin

    y = margin
    title_font, lines = _fitted(sheet.title, inner, [px(64), px(54), px(46)], 2, bold=True)
    for line in lines:
        draw.text((margin, y), line, font=title_font, fill=INK)
        y += round(title_font.size * 1.22)
    sub_font, lines = _fitted(sheet.subtitle, inner, [px(32), px(28)], 2)
    for line in lines:
        draw.text((margin, y + px(4)), line, font=sub_font, fill=MUTED)
        y += px(44)
    top = y + px(30)

    foot_font = font(px(25))
    foot = [line for text in sheet.attribution for line in wrap_text(text, foot_font, inner)]
    bottom = height - margin - len(foot) * px(35) - px(24)
    for i, line in enumerate(foot):
        draw.text((margin, bottom + px(24) + i * px(35)), line, font=foot_font, fill=MUTED)

    panel_width = max(px(560), round(inner * 0.29))
    panel = (width - margin - panel_width, top, width - margin, bottom)
    y = _draw_legends(image, sheet, panel, u)
    map_box = (margin, top, panel[0] - px(50), bottom)
    if sheet.annotation:
        room = (panel[0], y + px(34), panel[2], bottom)
        block = _annotation_block(sheet, room[2] - room[0], room[3] - room[1], u, sizes=(29, 27, 25))
        if block is None:  # too long for the panel: a band as wide as the map, under it
            band_top = bottom - round((bottom - top) * 0.32)
            block = _annotation_block(sheet, map_box[2] - map_box[0], bottom - band_top, u,
                                      sizes=(29, 27, 25, 23, 21, 19, 17), cut=True)
            room = (map_box[0], bottom - block[2], map_box[2], bottom)
            map_box = (map_box[0], top, map_box[2], room[1] - px(30))
        _draw_annotation(draw, sheet, block, room, u)
    project = _draw_map(image, sheet, map_box, u)
    return DrawnSheet(image, map_box, (project.x0, project.y0, project.scale) if project else None)


def _draw_map(image: Image.Image, sheet: MapSheet, box: tuple[int, int, int, int], u: float) -> _Projection | None:
    px = lambda value: max(1, round(value * u))
    draw = ImageDraw.Draw(image)
    draw.rectangle(box, fill=MAP_PAPER, outline=FRAME, width=px(3))
    areas = sheet.areas
    if not len(areas):
        return None
    projected = _projected(areas.geometry)
    project = _Projection(tuple(projected.total_bounds), box, px(40))
    # half a pixel of detail is all a print can show; fewer vertices draw faster
    shapes = projected.simplify(0.5 / project.scale)
    fills = [_rgb(c) for c in areas["fill"]]
    hatched = list(areas["hatched"].astype(bool)) if "hatched" in areas else [False] * len(areas)

    # Largest first: a buurt inside another's hole is smaller, so it is painted after the hole is cleared.
    polygons = [(polygon, fill, hatch) for geom, fill, hatch in zip(shapes, fills, hatched)
                for polygon in _polygons(geom)]
    polygons.sort(key=lambda item: -item[0].area)
    missing = Image.new("L", image.size, 0)
    mask = ImageDraw.Draw(missing)
    for polygon, fill, hatch in polygons:
        exterior, holes = _rings(polygon)
        draw.polygon(project(exterior), fill=fill)
        mask.polygon(project(exterior), fill=255 if hatch else 0)
        for hole in holes:
            draw.polygon(project(hole), fill=MAP_PAPER)
            mask.polygon(project(hole), fill=0)
    lines = _hatch_lines(image.size, px(22), px(4))
    image.paste(HATCH, mask=ImageChops.multiply(missing, lines))

    for polygon, _, _ in polygons:
        exterior, holes = _rings(polygon)
        for ring in (exterior, *holes):
            draw.line(project(ring), fill=(91, 91, 91), width=px(2), joint="curve")
    outlines = _projected(sheet.outlines).simplify(0.5 / project.scale) if len(sheet.outlines) else []
    for geom in outlines:
        for polygon in _polygons(geom):
            exterior, holes = _rings(polygon)
            for ring in (exterior, *holes):
                draw.line(project(ring), fill=INK, width=px(6), joint="curve")

    _draw_pins(image, sheet, project, px(44))
    _draw_scale_bar(draw, box, project.scale, u)
    _draw_north(draw, box, u)
    return project


def _draw_pins(image: Image.Image, sheet: MapSheet, project: _Projection, size: int) -> None:
    styles = {k.key: k for k in sheet.kinds}
    order = {k.key: i for i, k in enumerate(sheet.kinds)}
    pins = sorted((p for p in sheet.pins if p.kind in styles), key=lambda p: (order[p.kind], p.lat, p.lon))
    if not pins:
        return
    lonlat = gpd.GeoSeries(gpd.points_from_xy([p.lon for p in pins], [p.lat for p in pins]), crs=4326)
    points = project(shapely.get_coordinates(lonlat.to_crs(RD_NEW).values))
    offsets = fanned_positions([(round(x), round(y)) for x, y in points], size * 0.8)
    for pin, (x, y), (dx, dy) in zip(pins, points, offsets):
        style = styles[pin.kind]
        tile = pin_tile(style.colour, style.shape, size)
        image.paste(tile, (round(x + dx - size / 2), round(y + dy - size / 2)), tile)


def _draw_scale_bar(draw: ImageDraw.ImageDraw, box, scale: float, u: float) -> None:
    px = lambda value: max(1, round(value * u))
    metres = _nice_length((box[2] - box[0]) * 0.2 / scale)
    length = metres * scale
    x, y = box[0] + px(40), box[3] - px(50)
    half = length / 2
    draw.rectangle((x, y, x + half, y + px(14)), fill=INK)
    draw.rectangle((x + half, y, x + length, y + px(14)), fill=SHEET, outline=INK, width=px(2))
    label_font = font(px(26))
    draw.text((x, y - px(8)), "0", font=label_font, fill=INK, anchor="ls")
    draw.text((x + length, y - px(8)), _distance_label(metres), font=label_font, fill=INK, anchor="ms")


def _draw_north(draw: ImageDraw.ImageDraw, box, u: float) -> None:
    px = lambda value: max(1, round(value * u))
    cx, top = box[2] - px(60), box[1] + px(30)
    draw.polygon([(cx, top), (cx + px(18), top + px(50)), (cx, top + px(38)), (cx - px(18), top + px(50))],
                 fill=INK)
    draw.text((cx, top + px(56)), "N", font=font(px(28), True), fill=INK, anchor="mt")


def _draw_legends(image: Image.Image, sheet: MapSheet, box: tuple[int, int, int, int], u: float) -> int:
    """Class legend, the no-data swatches apart, the pin kinds and the note; returns the y below them."""
    px = lambda value: max(1, round(value * u))
    draw = ImageDraw.Draw(image)
    left, top, right, _ = box
    width = right - left
    head, body, small = font(px(34), True), font(px(29)), font(px(25))
    y = top

    def text_block(text: str, fnt, colour, step: int) -> None:
        nonlocal y
        for line in wrap_text(text, fnt, width):
            draw.text((left, y), line, font=fnt, fill=colour)
            y += step

    text_block(sheet.legend_title, head, INK, px(44))
    if sheet.legend_subtitle:
        text_block(sheet.legend_subtitle, small, MUTED, px(34))
    y += px(14)
    swatch_w, swatch_h, row = px(72), px(44), px(58)
    lines = _hatch_lines((swatch_w, swatch_h), px(22), px(4))

    def swatch_row(swatch: Swatch) -> None:
        nonlocal y
        rect = (left, y, left + swatch_w, y + swatch_h)
        draw.rectangle(rect, fill=_rgb(swatch.colour))
        if swatch.hatched:
            image.paste(HATCH, (left, y), lines)
        draw.rectangle(rect, outline=(85, 85, 85), width=px(2))
        label = wrap_text(swatch.label, body, width - swatch_w - px(20))
        for i, line in enumerate(label):
            draw.text((left + swatch_w + px(20), y + swatch_h / 2 + i * px(38)), line, font=body, fill=INK,
                      anchor="lm")
        y += max(row, swatch_h + (len(label) - 1) * px(38) + px(14))

    for swatch in sheet.classes:
        swatch_row(swatch)
    if sheet.no_data:
        y += px(18)  # geheim/onbekend apart from the classes: it is no class
        for swatch in sheet.no_data:
            swatch_row(swatch)

    if sheet.kinds:
        y += px(34)
        text_block(sheet.kinds_title, head, INK, px(48))
        pin = px(44)
        for kind in sheet.kinds:
            tile = pin_tile(kind.colour, kind.shape, pin)
            image.paste(tile, (left + (swatch_w - pin) // 2, y), tile)
            draw.text((left + swatch_w + px(20), y + pin / 2), kind.label, font=body, fill=INK, anchor="lm")
            draw.text((right, y + pin / 2), str(kind.count), font=font(px(29), True), fill=INK, anchor="rm")
            y += row
    if sheet.note:
        y += px(6)
        text_block(sheet.note, small, MUTED, px(34))
    return y


def _annotation_block(sheet: MapSheet, width: int, room: int, u: float, *, sizes: Sequence[int],
                      cut: bool = False) -> tuple[int, list[str], int] | None:
    """(font size, lines, height) of the annotation box at the largest size that fits in `room` pixels;
    None when none fits, unless `cut`: then the smallest size, the last line ending in an ellipsis."""
    px = lambda value: max(1, round(value * u))
    chrome = px(18) + px(46) + px(22)  # padding, the box's title, padding
    for size in sizes:
        step = round(px(size) * 1.35)
        lines = wrap_text(sheet.annotation, font(px(size)), width - px(46))
        if chrome + len(lines) * step <= room:
            return px(size), lines, chrome + len(lines) * step
    if not cut:
        return None
    fitting = max(1, (room - chrome) // step)
    if len(lines) > fitting:
        lines = lines[:fitting - 1] + [lines[fitting - 1].rstrip() + " …"]
    return px(sizes[-1]), lines, chrome + len(lines) * step


def _draw_annotation(draw: ImageDraw.ImageDraw, sheet: MapSheet, block: tuple[int, list[str], int], box,
                     u: float) -> None:
    """The analyst's own words, drawn as text (Pillow has no markup to run), in a box with an accent bar."""
    px = lambda value: max(1, round(value * u))
    size, lines, height = block
    left, top, right, _ = box
    draw.rectangle((left, top, right, top + height), fill=(247, 245, 240))
    draw.rectangle((left, top, left + px(8), top + height), fill=ACCENT)
    y = top + px(18)
    draw.text((left + px(28), y), sheet.annotation_title, font=font(px(29), True), fill=INK)
    y += px(46)
    body, step = font(size), round(size * 1.35)
    for line in lines:
        draw.text((left + px(28), y), line, font=body, fill=INK)
        y += step


# ------------------------------------------------------------------------------------------------ files

def build_png(sheet: MapSheet, size_key: str = "a4") -> bytes:
    width, height, dpi = SHEET_SIZES[size_key]
    buffer = io.BytesIO()
    draw_sheet(sheet, (width, height)).image.save(buffer, format="PNG", dpi=(dpi, dpi), optimize=False)
    return buffer.getvalue()


def build_pdf(sheet: MapSheet, size_key: str = "a4") -> bytes:
    """One page the size of the sheet at its resolution (A4 landscape for `a4`). The dates inside are the
    sheet's own moment, so the same sheet gives the same bytes."""
    width, height, dpi = SHEET_SIZES[size_key]
    moment = (sheet.made_at or datetime(2000, 1, 1)).timetuple()
    buffer = io.BytesIO()
    draw_sheet(sheet, (width, height)).image.save(
        buffer, format="PDF", resolution=float(dpi), quality=92, subsampling=0, title=sheet.title,
        creator="Buurtbeeld", producer="Buurtbeeld", creationDate=time.struct_time(moment),
        modDate=time.struct_time(moment))
    return buffer.getvalue()
