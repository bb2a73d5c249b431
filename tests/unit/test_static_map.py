"""The static map sheet (domain/static_map.py) on hand-drawn buurten in RD New metres: sheet sizes and PDF pages,
class colours on the map and in the legend, geheim/onbekend hatched, a buurt inside another's hole keeps its
colour, pins by shape, the annotation placed where it fits, texts checked, and the same input the same bytes."""
from __future__ import annotations

import io
import re
from dataclasses import replace

import geopandas as gpd
import pytest
from PIL import Image
from shapely.geometry import box

from domain import static_map
from domain.static_map import MapSheet, Pin, PinKind, Swatch

FILLS = {"A": "#ffffcc", "B": "#253494", "C": "#b7b7b7"}
X, Y = 155_000, 463_000  # Amersfoort, the origin of RD New: metres below are offsets from here


def rd(x: float, y: float) -> tuple[float, float]:
    return X + x, Y + y


def square(x0, y0, x1, y1):
    return box(*rd(x0, y0), *rd(x1, y1))


def latlon(x: float, y: float) -> tuple[float, float]:
    point = gpd.GeoSeries.from_xy([X + x], [Y + y], crs=28992).to_crs(4326).iloc[0]
    return point.y, point.x


RING = square(0, 0, 1000, 1000).difference(square(400, 400, 600, 600))  # buurt A, with buurt B in its hole
SPOT = latlon(1500, 300)  # inside C


def sheet(**changes) -> MapSheet:
    areas = gpd.GeoDataFrame({"code": ["A", "B", "C"], "fill": [FILLS["A"], FILLS["B"], FILLS["C"]],
                              "hatched": [False, False, True]},
                             geometry=[RING, square(400, 400, 600, 600), square(1000, 0, 2000, 1000)], crs=28992)
    wijk = gpd.GeoSeries([square(0, 0, 1000, 1000)], crs=28992)
    pins = tuple(Pin(*SPOT, kind) for kind in ("proud", "concern", "dream"))  # three on one spot
    base = MapSheet(
        title="Kerkbuurt en Werfkade", subtitle="Voorbeeldstad · werksessie AAA111", areas=areas, outlines=wijk,
        legend_title="WOZ-waarde", legend_subtitle="Eenheid: x 1000 euro",
        classes=(Swatch(FILLS["A"], "100 – 200 (1 buurten)"), Swatch(FILLS["B"], "200 – 300 (1 buurten)")),
        no_data=(Swatch(FILLS["C"], "geheim/onbekend (1 buurten)", hatched=True),),
        kinds_title="Verhalen",
        kinds=(PinKind("proud", "Trots", "#0072B2", "circle", 1), PinKind("concern", "Zorg", "#D55E00", "triangle", 1),
               PinKind("dream", "Droom", "#CC79A7", "star", 1)),
        pins=pins, annotation_title="Toelichting", annotation="", attribution=("Buurtgrenzen: CBS", "Buurtbeeld"))
    return replace(base, **changes)


def rgb(colour: str) -> tuple[int, int, int]:
    return tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))


def colour_count(image: Image.Image, colour: str, area: tuple[int, int, int, int] | None = None) -> int:
    part = image.crop(area) if area else image
    return sum(n for n, c in part.getcolors(maxcolors=1 << 24) if c == rgb(colour))


@pytest.mark.parametrize("count, spacing, expected", [
    (0, 10, []),
    (1, 10, [(0.0, 0.0)]),
    (3, 10, [(0.0, 0.0), (0.0, -10.0), (8.66, -5.0)]),
    (8, 1, [(0.0, 0.0), (0.0, -1.0), (0.87, -0.5), (0.87, 0.5), (0.0, 1.0), (-0.87, 0.5), (-0.87, -0.5),
            (0.0, -2.0)]),
])
def test_fan_out(count, spacing, expected):
    assert static_map.fan_out(count, spacing) == expected


def test_only_pins_on_the_same_spot_fan_out():
    offsets = static_map.fanned_positions([(1, 1), (5, 5), (1, 1)], 10)
    assert offsets == [(0.0, 0.0), (0.0, 0.0), (0.0, -10.0)]


@pytest.mark.parametrize("title, annotation, expected", [
    ("  Kerk\tbuurt \n", "Regel een\r\nregel twee\x00 ", ("Kerk buurt", "Regel een\nregel twee")),
    (None, None, ("", "")),
    ("<script>alert(1)</script>", "<b>vet</b>", ("<script>alert(1)</script>", "<b>vet</b>")),  # kept: drawn as text
    ("x" * static_map.MAX_TITLE, "y" * static_map.MAX_ANNOTATION,
     ("x" * static_map.MAX_TITLE, "y" * static_map.MAX_ANNOTATION)),
])
def test_map_texts_are_cleaned(title, annotation, expected):
    assert static_map.check_map_texts(title, annotation) == expected


@pytest.mark.parametrize("title, annotation, says", [
    ("x" * (static_map.MAX_TITLE + 1), "", f"maximaal {static_map.MAX_TITLE}"),
    ("Kaart", "y" * (static_map.MAX_ANNOTATION + 7), "7 tekens korter"),
])
def test_too_long_texts_are_refused_with_a_clear_message(title, annotation, says):
    with pytest.raises(static_map.MapTextRejected) as caught:
        static_map.check_map_texts(title, annotation)
    assert says in caught.value.nl and caught.value.en


def test_wrap_text_keeps_lines_and_breaks_overlong_words():
    fnt = static_map.font(20)
    lines = static_map.wrap_text("een twee drie\nvier " + "x" * 80, fnt, 200)
    assert lines[0] == "een twee drie" and lines[1] == "vier"
    assert "".join(lines[2:]) == "x" * 80 and all(fnt.getlength(line) <= 200 for line in lines)


@pytest.mark.parametrize("size_key", sorted(static_map.SHEET_SIZES))
def test_png_has_the_size_and_resolution_of_the_sheet(size_key):
    width, height, dpi = static_map.SHEET_SIZES[size_key]
    image = Image.open(io.BytesIO(static_map.build_png(sheet(), size_key)))
    assert image.format == "PNG" and image.size == (width, height)
    assert round(image.info["dpi"][0]) == dpi


@pytest.mark.parametrize("size_key, points", [("a4", (841.92, 595.2)), ("a3", (1190.52, 842.04)),
                                              ("slide", (960.0, 540.0))])
def test_pdf_is_one_page_of_the_sheet_size(size_key, points):
    pdf = static_map.build_pdf(sheet(), size_key)
    assert pdf.startswith(b"%PDF-1.") and pdf.rstrip().endswith(b"%%EOF")
    assert b"/Count 1" in pdf
    box_ = re.search(rb"/MediaBox \[ 0 0 ([\d.]+) ([\d.]+) \]", pdf)
    assert box_ and (float(box_[1]), float(box_[2])) == pytest.approx(points, abs=0.1)


def test_the_same_sheet_gives_the_same_bytes():
    assert static_map.build_png(sheet(), "slide") == static_map.build_png(sheet(), "slide")
    assert static_map.build_pdf(sheet(), "slide") == static_map.build_pdf(sheet(), "slide")
    assert static_map.build_png(sheet(), "slide") != static_map.build_png(sheet(title="Anders"), "slide")


def test_map_area_is_drawn_in_the_class_colours():
    drawn = static_map.draw_sheet(sheet())
    image, frame = drawn.image, drawn.map_box
    inside = (frame[0] + 10, frame[1] + 10, frame[2] - 10, frame[3] - 10)
    assert len(image.crop(inside).getcolors(maxcolors=1 << 24)) > 10  # not blank
    assert colour_count(image, FILLS["A"], inside) > 10_000
    assert colour_count(image, FILLS["B"], inside) > 1_000
    assert image.getpixel(drawn.pixel(*rd(500, 500))) == rgb(FILLS["B"])  # inside A's hole: B, not paper
    assert image.getpixel(drawn.pixel(*rd(200, 800))) == rgb(FILLS["A"])


def test_secret_or_unknown_is_hatched_not_a_flat_class():
    drawn = static_map.draw_sheet(sheet())
    x0, y0 = drawn.pixel(*rd(1050, 950))
    x1, y1 = drawn.pixel(*rd(1350, 650))  # a corner of C away from the pins
    colours = {c for _, c in drawn.image.crop((x0, y0, x1, y1)).getcolors(maxcolors=1 << 24)}
    assert {rgb(FILLS["C"]), static_map.HATCH} <= colours


def test_every_legend_colour_is_in_the_legend_and_on_the_map():
    drawn = static_map.draw_sheet(sheet())
    legend = (drawn.map_box[2], drawn.map_box[1], drawn.image.width, drawn.map_box[3])
    for swatch in (*sheet().classes, *sheet().no_data):
        assert colour_count(drawn.image, swatch.colour, legend) > 500, swatch
        assert colour_count(drawn.image, swatch.colour, drawn.map_box) > 500, swatch


def test_pins_are_drawn_per_kind_and_fan_out_on_one_spot():
    with_pins = static_map.draw_sheet(sheet())
    without = static_map.draw_sheet(sheet(pins=()))
    frame = with_pins.map_box
    for kind in sheet().kinds:
        assert colour_count(with_pins.image, kind.colour, frame) > 40, kind.key
        assert colour_count(without.image, kind.colour, frame) == 0, kind.key
    # three pins on one spot fan out: the first on the spot, the next above it, the third to the upper right
    centre = with_pins.pixel(*rd(1500, 300))
    assert with_pins.image.getpixel(centre) == rgb("#0072B2")
    orange = [(x, y) for x in range(frame[0], frame[2], 2) for y in range(frame[1], frame[3], 2)
              if with_pins.image.getpixel((x, y)) == rgb("#D55E00")]
    assert orange and all(y < centre[1] - 10 for _, y in orange)
    assert abs(sum(x for x, _ in orange) / len(orange) - centre[0]) < 5


def test_only_kinds_in_the_legend_are_drawn():
    drawn = static_map.draw_sheet(sheet(pins=(Pin(*SPOT, "unknown-kind"),)))
    assert colour_count(drawn.image, "#0072B2", drawn.map_box) == 0


def test_every_shape_the_projector_uses_can_be_drawn():
    from components.projector import KIND_STYLE

    for colour, shape in KIND_STYLE.values():
        tile = static_map.pin_tile(colour, shape, 40)
        assert tile.size == (40, 40) and tile.getbbox() is not None


def test_a_short_annotation_goes_in_the_panel_a_long_one_under_the_map():
    slide = static_map.SHEET_SIZES["slide"][:2]
    seven = tuple(Swatch(FILLS["A"], f"klasse {i}: " + "een lange omschrijving " * 3) for i in range(7))  # full legend
    bare = static_map.draw_sheet(sheet(classes=seven), slide)
    short = static_map.draw_sheet(sheet(classes=seven, annotation="Veel zorgen over verkeer."), slide)
    text = ("Veel zorgen over verkeer bij de school. " * 15)[:static_map.MAX_ANNOTATION]
    long = static_map.draw_sheet(sheet(classes=seven, annotation=text), slide)
    note = "#f7f5f0"
    assert colour_count(bare.image, note) == 0
    assert colour_count(short.image, note) > 0 and short.map_box == bare.map_box
    assert long.map_box[3] < bare.map_box[3]  # the map made room for the band
    band = (long.map_box[0], long.map_box[3], long.map_box[2], bare.map_box[3])
    assert colour_count(long.image, note, band) > 10_000


def test_an_empty_area_still_gives_a_sheet():
    empty = gpd.GeoDataFrame({"code": [], "fill": [], "hatched": []}, geometry=[], crs=28992)
    drawn = static_map.draw_sheet(sheet(areas=empty, pins=(), outlines=gpd.GeoSeries([], crs=28992)))
    assert drawn.transform is None and drawn.image.size == static_map.DESIGN_SIZE
