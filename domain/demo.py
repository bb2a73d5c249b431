"""The demo municipality Voorbeeldstad (GM9999): invented boundaries, statistics and resident stories.

Everything is derived from one seed, so tests, screenshots and workshops all see the same town.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer
from shapely import affinity
from shapely.geometry import LineString, MultiPoint, Point, Polygon, box
from shapely.ops import split

from domain.indicators import CATALOGUE
from domain.models import IndicatorMeta

GEMEENTE_CODE = "GM9999"  # 9999 is no CBS gemeentecode, so the demo never collides with a real import
GEMEENTE_NAME = "Voorbeeldstad"
DEMO_SOURCE = "Demodata Buurtbeeld (gegenereerd)"
DEMO_YEAR = 2024
DEFAULT_SEED = 2018
RD_NEW = 28992

# A rural stretch of the river area (West Betuwe), where a town on a river is plausible.
CENTRE = (140_500.0, 430_500.0)
HALF_AXES = (3_500.0, 2_700.0)
RIVER_HALF_WIDTH = 55.0
INNER_RADIUS = 1_150.0
LBM_NATIONAL_MEAN = 4.10  # Leefbaarometer 3.0: total = national mean + the five dimension contributions


@dataclass(frozen=True)
class Typology:
    """What a kind of buurt looks like on average; the latent deprivation factor moves it from there."""

    deprivation: float
    density: float  # inhabitants per km² of land
    huur: float  # % rented dwellings
    corporatie_share: float  # share of the rented dwellings owned by housing corporations
    woz: float  # × €1,000
    ages: tuple[float, float, float, float, float]  # 0–15, 15–25, 25–45, 45–65, 65+
    household_size: float
    meergezins: float
    since_2000: float
    address_density: float
    road_noise: float
    lbm_fys: float
    lbm_won: float


TYPOLOGIES: dict[str, Typology] = {
    "centrum": Typology(0.1, 4200, 58, 0.35, 365, (8, 17, 38, 22, 15), 1.65, 72, 9, 3100, 56, -0.03, 0.00),
    "vooroorlogs": Typology(0.35, 3500, 52, 0.55, 290, (14, 12, 34, 24, 16), 1.95, 45, 5, 2500, 54, 0.00, -0.02),
    "naoorlogs": Typology(1.3, 3200, 74, 0.82, 215, (18, 13, 28, 22, 19), 2.1, 78, 8, 2200, 57, -0.03, -0.06),
    "jaren70_80": Typology(0.15, 2500, 42, 0.75, 285, (15, 12, 23, 28, 22), 2.25, 22, 3, 1600, 52, 0.02, 0.01),
    "vinex": Typology(-0.8, 2300, 24, 0.6, 395, (23, 10, 34, 26, 7), 2.65, 20, 88, 1500, 51, 0.01, 0.05),
    "villa": Typology(-1.6, 900, 11, 0.3, 720, (14, 11, 17, 31, 27), 2.4, 6, 5, 800, 49, 0.08, 0.06),
    "bedrijventerrein": Typology(0.5, 25, 45, 0.3, 270, (8, 12, 36, 30, 14), 1.7, 30, 15, 450, 62, -0.08, -0.04),
    "buitengebied": Typology(-0.6, 70, 22, 0.4, 495, (15, 11, 19, 33, 22), 2.5, 3, 10, 120, 48, 0.06, 0.02),
    "erf": Typology(-0.3, 6000, 30, 0.2, 430, (10, 8, 20, 32, 30), 2.1, 10, 0, 1400, 50, 0.05, 0.04),
}


@dataclass(frozen=True)
class _Buurt:
    name: str
    typology: str
    hole: str | None = None  # "lake": hosts a pond that is no buurt; "enclave": hosts the small "erf" buurt


@dataclass(frozen=True)
class _Wijk:
    number: int
    name: str
    side: str  # bank of the river: "north" or "south"
    region: str  # "inner", "west" or "east" (see _wijk_regions)
    land: tuple[_Buurt, ...]  # ordered outwards from the anchor
    extra: tuple[_Buurt, ...] = ()  # enclave and water buurten, coded after the land buurten
    anchor: str = "centre"  # "harbour": the dock, not the market, is where this wijk began


WIJKEN: tuple[_Wijk, ...] = (
    _Wijk(1, "Binnenstad", "north", "inner", (
        _Buurt("Marktkwartier", "centrum"), _Buurt("Kerkbuurt", "centrum"), _Buurt("Waagplein", "centrum"),
        _Buurt("Kaaistraat", "centrum"), _Buurt("Begijnenhof", "centrum"), _Buurt("Binnen de Poort", "vooroorlogs"),
        _Buurt("Vestingwal", "vooroorlogs"), _Buurt("Singelbuurt", "vooroorlogs"),
        _Buurt("Stationskwartier", "vooroorlogs"), _Buurt("Lindenhof", "vooroorlogs"),
    ), extra=(_Buurt("Rivier en kades", "water"),)),
    _Wijk(2, "Molenwijk", "north", "west", (
        _Buurt("Molenstraat e.o.", "vooroorlogs"), _Buurt("Oude Molenbuurt", "vooroorlogs", hole="enclave"),
        _Buurt("Bakkerswijk", "vooroorlogs"), _Buurt("Wielewaal", "naoorlogs"), _Buurt("Merelhof", "naoorlogs"),
        _Buurt("Spreeuwenpark", "naoorlogs"), _Buurt("Lijsterbes", "jaren70_80"),
        _Buurt("Zwaluwhoeve", "jaren70_80"), _Buurt("Kievitsweide", "jaren70_80"),
        _Buurt("Reigersbos", "jaren70_80"), _Buurt("Noorderveld", "jaren70_80"),
        _Buurt("Buitengebied Noord", "buitengebied"),
    ), extra=(_Buurt("Molenerf", "erf"),)),
    _Wijk(3, "Parkzoom", "north", "east", (
        _Buurt("Beukenlaan e.o.", "villa"), _Buurt("Stadspark", "villa", hole="lake"),
        _Buurt("Villapark Oost", "villa"), _Buurt("Kastanjelaan", "villa"), _Buurt("Sterrenbos", "villa"),
        _Buurt("Zonnehoek", "jaren70_80"), _Buurt("Heidezoom", "jaren70_80"), _Buurt("Eikenrode", "villa"),
        _Buurt("Landgoed Ter Weide", "buitengebied"), _Buurt("Buitengebied Oost", "buitengebied"),
    )),
    _Wijk(4, "De Akkers", "south", "west", (
        _Buurt("Dijkzicht", "vooroorlogs"), _Buurt("Akkerhof", "naoorlogs"), _Buurt("Tarwestraat e.o.", "naoorlogs"),
        _Buurt("Gerstveld", "naoorlogs"), _Buurt("Haverland", "naoorlogs"), _Buurt("Roggebuurt", "naoorlogs"),
        _Buurt("Vlasakker", "naoorlogs"), _Buurt("Boekweit", "naoorlogs"), _Buurt("Klaverweide", "jaren70_80"),
        _Buurt("Hooiberg", "jaren70_80"), _Buurt("Zaaiersveld", "jaren70_80"), _Buurt("Het Wisselspoor", "vinex"),
        _Buurt("Bedrijventerrein Akkerpoort", "bedrijventerrein"),
    )),
    _Wijk(5, "Havenkwartier", "south", "east", (
        _Buurt("Havenhoofd", "vooroorlogs"), _Buurt("Loswal", "bedrijventerrein"),
        _Buurt("Pakhuiskwartier", "centrum"), _Buurt("Scheepsbouwersbuurt", "vooroorlogs"),
        _Buurt("Werfkade", "vinex"), _Buurt("Kraanbaan", "vinex"), _Buurt("Zeilmakerij", "vinex"),
        _Buurt("Havenweide", "vinex"), _Buurt("Meerzicht", "vinex"), _Buurt("Polderrand", "vinex"),
        _Buurt("Bedrijventerrein De Vaart", "bedrijventerrein"),
    ), extra=(_Buurt("Oude Haven", "water"),), anchor="harbour"),
)

# Where the demo's supermarkets and GP practices are, by buurt: Werfkade has neither (its stories say so).
SUPERMARKETS = ("Marktkwartier", "Molenstraat e.o.", "Zonnehoek", "Akkerhof", "Havenhoofd", "Klaverweide")
GENERAL_PRACTICES = ("Kerkbuurt", "Merelhof", "Beukenlaan e.o.", "Gerstveld", "Pakhuiskwartier", "Zaaiersveld",
                     "Meerzicht")


def wijk_code(number: int) -> str:
    return f"WK{GEMEENTE_CODE[2:]}{number:02d}"


def buurt_code(wijk: int, index: int) -> str:
    return f"BU{GEMEENTE_CODE[2:]}{wijk:02d}{index:02d}"


def _plan_by_code() -> dict[str, tuple[_Wijk, _Buurt]]:
    return {buurt_code(w.number, i): (w, b) for w in WIJKEN for i, b in enumerate((*w.land, *w.extra), start=1)}


PLAN_BY_CODE = _plan_by_code()
ENCLAVE_CODE = next(code for code, (_, b) in PLAN_BY_CODE.items() if b.typology == "erf")
WATER_CODES = {b.name: code for code, (_, b) in PLAN_BY_CODE.items() if b.typology == "water"}


# ------------------------------------------------------------------------------------------- geometry

def build_demo_areas(seed: int = DEFAULT_SEED) -> gpd.GeoDataFrame:
    """Gemeente, wijk and buurt polygons of Voorbeeldstad in EPSG:4326 (columns of storage.areas.AREA_COLUMNS).

    The buurten tile the town without gaps or overlaps, except for one pond that belongs to no buurt;
    a river and an old harbour basin are water buurten; each wijk is the exact union of its buurten.
    """
    rng = np.random.default_rng([seed, 0])
    outline = _town_outline(rng)
    centreline = _river_centreline(rng)
    river = centreline.buffer(RIVER_HALF_WIDTH, cap_style="flat").intersection(outline)
    harbour = _harbour_basin(rng, centreline).intersection(outline).difference(river)
    sides = _split_banks(outline, centreline)
    lands = {side: polygon.difference(river.union(harbour)) for side, polygon in sides.items()}

    regions = _wijk_regions(lands)
    seeds, seed_wijk = _place_seeds(rng, regions)
    seed_side = np.array([WIJKEN[w].side for w in seed_wijk])
    for _ in range(2):
        seeds = _relax(seeds, seed_side, lands, [regions[w] for w in seed_wijk])
    anchors = {"centre": np.array(CENTRE), "harbour": np.array(harbour.centroid.coords[0])}
    seed_codes = _code_seeds(seeds, seed_wijk, anchors)
    cell_of_code: dict[str, shapely.Geometry] = {}
    for side, land in lands.items():
        on_side = np.flatnonzero(seed_side == side)
        cell_of_code |= {seed_codes[i]: cell for i, cell in zip(on_side, _clipped_cells(seeds[on_side], land))}
    lake, enclave = _holes(rng, cell_of_code)

    # One noded linework for everything, so neighbouring buurten share their edges vertex for vertex.
    # Snap-rounding to a centimetre grid merges nearly coincident edges (the dock's rim lies on the river
    # bank) that would otherwise leave hair-thin slivers which turn invalid on reprojection.
    # Voronoi edges overshoot their bank a little; the overshoot ends inside the river and is dropped.
    linework = [outline.boundary, river.boundary, harbour.boundary, lake.boundary, enclave.boundary]
    for side, land in lands.items():
        reach = land.buffer(RIVER_HALF_WIDTH * 0.7)
        linework += [cell.boundary.intersection(reach) for cell in _voronoi(seeds[seed_side == side], outline)]
    faces = list(shapely.polygonize(shapely.get_parts(shapely.union_all(linework, grid_size=0.01))).geoms)
    zones = [("lake", lake), (ENCLAVE_CODE, enclave), (WATER_CODES["Oude Haven"], harbour),
             (WATER_CODES["Rivier en kades"], river)]
    labels = [_label_face(face.point_on_surface(), outline, zones, sides["north"], seeds, seed_side, seed_codes)
              for face in faces]
    labels = _merge_stray_parts(faces, labels, set(seed_codes))

    buurt_geoms = {code: shapely.union_all([f for f, lab in zip(faces, labels) if lab == code])
                   for code in sorted({lab for lab in labels if lab not in (None, "lake")})}
    rows = [{"code": GEMEENTE_CODE, "level": "gemeente", "name": GEMEENTE_NAME, "parent_code": None,
             "is_water": False, "geometry": shapely.union_all([f for f, lab in zip(faces, labels) if lab])}]
    for wijk in WIJKEN:
        members = [g for code, g in buurt_geoms.items() if PLAN_BY_CODE[code][0] is wijk]
        rows.append({"code": wijk_code(wijk.number), "level": "wijk", "name": wijk.name,
                     "parent_code": GEMEENTE_CODE, "is_water": False, "geometry": shapely.union_all(members)})
    for code, geom in buurt_geoms.items():
        wijk, plan = PLAN_BY_CODE[code]
        rows.append({"code": code, "level": "buurt", "name": plan.name, "parent_code": wijk_code(wijk.number),
                     "is_water": plan.typology == "water", "geometry": geom})
    frame = gpd.GeoDataFrame(rows, columns=["code", "level", "name", "parent_code", "is_water", "geometry"],
                             geometry="geometry", crs=RD_NEW)
    return frame.to_crs(4326)


def _label_face(point: Point, outline: Polygon, zones: list[tuple[str, shapely.Geometry]],
                north: shapely.Geometry, seeds: np.ndarray, seed_side: np.ndarray, seed_codes: list[str]) -> str | None:
    """Which buurt a face of the linework belongs to: a fixed zone, else the nearest seed on its own bank."""
    if not outline.contains(point):
        return None
    for label, zone in zones:
        if zone.contains(point):
            return label
    on_side = np.flatnonzero(seed_side == ("north" if north.contains(point) else "south"))
    return seed_codes[on_side[np.argmin(np.hypot(*(seeds[on_side] - [point.x, point.y]).T))]]


def _noisy_ring(rng: np.random.Generator, centre: tuple[float, float], radii: tuple[float, float],
                roughness: float, vertices: int, harmonics: int = 6) -> Polygon:
    theta = np.linspace(0, 2 * math.pi, vertices, endpoint=False)
    wobble = np.ones_like(theta)
    for k in range(2, harmonics + 1):
        wobble += roughness / k * rng.uniform(0.4, 1.0) * np.cos(k * theta + rng.uniform(0, 2 * math.pi))
    x = centre[0] + radii[0] * wobble * np.cos(theta)
    y = centre[1] + radii[1] * wobble * np.sin(theta)
    return Polygon(np.column_stack([x, y]))


def _town_outline(rng: np.random.Generator) -> Polygon:
    return _noisy_ring(rng, CENTRE, HALF_AXES, 0.25, 240, harmonics=16)


def _river_centreline(rng: np.random.Generator) -> LineString:
    cx, cy = CENTRE
    dx = np.arange(-6000.0, 6001.0, 100.0)
    phase = rng.uniform(0, 2 * math.pi)
    # Zero meander offset at the centre keeps the old town on the north bank whatever the seed.
    dy = (-300 + 0.1 * dx + 380 * np.sin(2 * math.pi * dx / 6200)
          + 110 * (np.sin(2 * math.pi * dx / 2300 + phase) - math.sin(phase)))
    return LineString(np.column_stack([cx + dx, cy + dy]))


def _harbour_basin(rng: np.random.Generator, centreline: LineString) -> Polygon:
    """An old dock on the south bank, dug in from the river (it starts inside the river polygon)."""
    xs, ys = np.asarray(centreline.coords).T
    x0 = CENTRE[0] + 1250 + rng.uniform(-80, 80)
    top = float(np.interp(x0 + 70, xs, ys))
    return Polygon([(x0, top), (x0 + 140, top), (x0 + 190, top - 650), (x0 + 60, top - 690), (x0 + 10, top - 430)])


def _split_banks(outline: Polygon, centreline: LineString) -> dict[str, shapely.Geometry]:
    xs, ys = np.asarray(centreline.coords).T
    pieces = {"north": [], "south": []}
    for piece in split(outline, centreline).geoms:
        point = piece.point_on_surface()
        pieces["north" if point.y > np.interp(point.x, xs, ys) else "south"].append(piece)
    return {side: shapely.union_all(parts) for side, parts in pieces.items()}


def _wijk_regions(lands: dict[str, shapely.Geometry]) -> list[shapely.Geometry]:
    cx, cy = CENTRE
    inner = Point(CENTRE).buffer(INNER_RADIUS, 64)
    big = 20_000
    halves = {"west": box(cx - big, cy - big, cx + 150, cy + big), "east": box(cx + 150, cy - big, cx + big, cy + big)}
    regions = []
    for wijk in WIJKEN:
        land = lands[wijk.side]
        if wijk.region == "inner":
            regions.append(land.intersection(inner))
        elif wijk.side == "north":
            regions.append(land.difference(inner).intersection(halves[wijk.region]))
        else:
            regions.append(land.intersection(halves[wijk.region]))
    return regions


def _place_seeds(rng: np.random.Generator, regions: list[shapely.Geometry]) -> tuple[np.ndarray, np.ndarray]:
    """Dart throwing per wijk: seeds keep a minimum spacing, denser towards the centre."""
    points: list[tuple[float, float]] = []
    owners: list[int] = []
    for index, (wijk, region) in enumerate(zip(WIJKEN, regions)):
        want = len(wijk.land)
        spacing = 0.75 * math.sqrt(region.area / want)
        minx, miny, maxx, maxy = region.bounds
        placed = 0
        for attempt in range(20_000):
            x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
            if not shapely.contains_xy(region, x, y):
                continue
            from_centre = math.hypot(x - CENTRE[0], y - CENTRE[1])
            if rng.uniform() > math.exp(-from_centre / 2200):
                continue
            gap = spacing * (0.97 ** (attempt // 500))
            if points and min(math.hypot(x - px, y - py) for px, py in points) < gap:
                continue
            points.append((x, y))
            owners.append(index)
            placed += 1
            if placed == want:
                break
        if placed < want:
            raise RuntimeError(f"could not place {want} buurt seeds in wijk {wijk.name}")
    return np.array(points), np.array(owners)


def _voronoi(points: np.ndarray, envelope: shapely.Geometry) -> list[Polygon]:
    cells = shapely.voronoi_polygons(MultiPoint(points), extend_to=envelope.buffer(5_000), ordered=True)
    return list(cells.geoms)


def _clipped_cells(points: np.ndarray, land: shapely.Geometry) -> list[shapely.Geometry]:
    return [cell.intersection(land) for cell in _voronoi(points, land)]


def _relax(seeds: np.ndarray, seed_side: np.ndarray, lands: dict[str, shapely.Geometry],
           seed_regions: list[shapely.Geometry]) -> np.ndarray:
    """Half a Lloyd step: buurten become rounder but keep some of their irregular sizes.

    A seed never leaves its wijk's region, or the wijk could end up in two pieces."""
    moved = seeds.copy()
    for side, land in lands.items():
        index = np.flatnonzero(seed_side == side)
        for i, cell in zip(index, _clipped_cells(seeds[index], land)):
            if cell.is_empty:
                continue
            target = 0.5 * seeds[i] + 0.5 * np.array(cell.centroid.coords[0])
            if shapely.contains_xy(seed_regions[i], *target):
                moved[i] = target
    return moved


def _code_seeds(seeds: np.ndarray, seed_wijk: np.ndarray, anchors: dict[str, np.ndarray]) -> list[str]:
    """Codes follow the plan's order: within each wijk, the seed nearest its anchor gets the first name."""
    codes = [""] * len(seeds)
    for w, wijk in enumerate(WIJKEN):
        members = np.flatnonzero(seed_wijk == w)
        distance = np.hypot(*(seeds[members] - anchors[wijk.anchor]).T)
        for rank, i in enumerate(members[np.argsort(distance, kind="stable")], start=1):
            codes[i] = buurt_code(wijk.number, rank)
    return codes


def _holes(rng: np.random.Generator, cell_of_code: dict[str, shapely.Geometry]) -> tuple[Polygon, Polygon]:
    """The pond in Stadspark and the enclave buurt's yard, each well inside its host buurt."""
    shapes: dict[str, Polygon] = {}
    for code, (_, plan) in PLAN_BY_CODE.items():
        if plan.hole is None:
            continue
        circle = shapely.maximum_inscribed_circle(cell_of_code[code])
        (x, y), radius = circle.coords[0], circle.length
        if plan.hole == "lake":
            size = min(0.45 * radius, 230.0)
            shapes["lake"] = _noisy_ring(rng, (x, y), (size * 1.3, size * 0.8), 0.35, 40)
        else:
            scale = min(1.0, 0.4 * radius / 110)
            yard = Polygon([(-85, -60), (85, -60), (85, 35), (55, 60), (-85, 60)])
            yard = affinity.scale(yard, scale, scale, origin=(0, 0))
            yard = affinity.rotate(yard, rng.uniform(0, 180), origin=(0, 0))
            shapes["enclave"] = affinity.translate(yard, x, y)
    return shapes["lake"], shapes["enclave"]


def _merge_stray_parts(faces: list[Polygon], labels: list[str | None], land_codes: set[str]) -> list[str | None]:
    """A Voronoi cell clipped to a bendy river bank can fall apart; its stray pieces join the neighbour
    they share the longest edge with, so every land buurt is one polygon."""
    labels = list(labels)
    for _ in range(6):
        changed = False
        geoms = {code: shapely.union_all([f for f, lab in zip(faces, labels) if lab == code]) for code in land_codes}
        for code, geom in geoms.items():
            if geom.geom_type != "MultiPolygon":
                continue
            parts = sorted(geom.geoms, key=lambda p: p.area, reverse=True)
            for stray in parts[1:]:
                neighbours = {other: stray.boundary.intersection(g.boundary).length
                              for other, g in geoms.items() if other != code and stray.touches(g)}
                if not neighbours:
                    continue
                target = max(sorted(neighbours), key=neighbours.get)
                for i, face in enumerate(faces):
                    if labels[i] == code and stray.contains(face.point_on_surface()):
                        labels[i] = target
                changed = True
        if not changed:
            break
    return labels


# ------------------------------------------------------------------------------------------- statistics

INCOME_KEYS = ("gem_inkomen_per_inwoner", "pct_laag_inkomen", "bijstand_per_1000", "pct_uitkering", "ses_score")
PROFILE_KEYS = ("pct_0_15", "pct_15_25", "pct_25_45", "pct_45_65", "pct_65_plus", "pct_eenpersoonshuishoudens",
                "pct_huishoudens_met_kinderen", "pct_westerse_migratie", "pct_niet_westerse_migratie")
COUNT_KEYS = ("aantal_inwoners", "mannen", "vrouwen", "aantal_huishoudens", "woningvoorraad")
LBM_KEYS = ("lbm_score", "lbm_woningvoorraad", "lbm_fysieke_omgeving", "lbm_voorzieningen",
            "lbm_sociale_samenhang", "lbm_overlast_onveiligheid", "lbm_afwijking")
# CBS practice: income and benefit figures are kept secret below 200 inhabitants, profile shares below 50.
SECRET_BELOW = {**{key: 200 for key in INCOME_KEYS}, **{key: 50 for key in (*PROFILE_KEYS, "woz")}}

# How wijk and gemeente figures follow from buurt figures: a sum, or a mean weighted by this count.
AGGREGATION: dict[str, str] = {
    **{key: "sum" for key in COUNT_KEYS},
    **{key: "aantal_huishoudens" for key in ("pct_eenpersoonshuishoudens", "pct_huishoudens_met_kinderen",
                                               "pct_laag_inkomen")},
    **{key: "woningvoorraad" for key in ("woz", "pct_huurwoningen", "pct_koopwoningen", "pct_corporatiewoningen",
                                          "pct_meergezinswoningen", "pct_bouwjaar_vanaf_2000",
                                          "omgevingsadressendichtheid")},
}


def demo_indicators() -> list[IndicatorMeta]:
    """The whole catalogue, labelled as generated demo data of DEMO_YEAR."""
    return [dataclasses.replace(entry.meta, source=DEMO_SOURCE, year=DEMO_YEAR) for entry in CATALOGUE]


def build_demo_values(areas: gpd.GeoDataFrame, seed: int = DEFAULT_SEED) -> tuple[list[IndicatorMeta], pd.DataFrame]:
    """Indicator values for every buurt, wijk and the gemeente, long format (code, key, value, missing_reason).

    Buurt figures hang together through one latent deprivation score per buurt (its typology plus noise),
    so rent share, WOZ, income, benefits and Leefbaarometer correlate as they do in real towns. Small buurten
    get CBS-style secret cells; water buurten have no inhabitants and nothing else. Wijk and gemeente figures
    aggregate the unsuppressed buurt figures, as CBS does.
    """
    indicators = demo_indicators()
    rd = areas.to_crs(RD_NEW)
    buurten = rd[rd["level"] == "buurt"].sort_values("code")
    unknown = sorted(set(buurten["code"]) - set(PLAN_BY_CODE))
    if unknown:
        raise ValueError(f"not demo buurten: {unknown[:3]}")
    land = buurten[~buurten["is_water"].astype(bool)].set_index("code")
    wide = _latent_buurt_figures(land, np.random.default_rng([seed, 1]), _facility_points(rd))
    decimals = {m.key: m.decimals for m in indicators}
    keys = [m.key for m in indicators]

    rows: list[tuple[str, str, float | None, str | None]] = []
    rng = np.random.default_rng([seed, 2])
    unknown_cells = _unknown_cells(wide, rng)
    for code, figures in wide.iterrows():
        for key in keys:
            reason = None
            if figures["aantal_inwoners"] < SECRET_BELOW.get(key, 0):
                reason = "secret"
            elif (code, key) in unknown_cells or (key in LBM_KEYS and figures["woningvoorraad"] < 50):
                # The Leefbaarometer publishes no score where almost nobody lives.
                reason = "unknown"
            value = None if reason else _round(figures[key], decimals[key])
            rows.append((code, key, value, reason))
    for code in buurten.loc[buurten["is_water"].astype(bool), "code"]:
        rows += [(code, key, 0.0, None) if key in COUNT_KEYS else (code, key, None, "unknown") for key in keys]

    land_area = land.geometry.area / 1e6
    for code, members in [(wijk_code(w.number), wide.index.str.startswith("BU" + wijk_code(w.number)[2:]))
                          for w in WIJKEN] + [(GEMEENTE_CODE, np.ones(len(wide), dtype=bool))]:
        figures = _aggregate(wide[members], float(land_area[members].sum()))
        rows += [(code, key, _round(figures[key], decimals[key]), None) for key in keys]

    values = pd.DataFrame(rows, columns=["code", "key", "value", "missing_reason"])
    return indicators, values.astype({"value": "float64"})


def _round(value: float, decimals: int) -> float:
    return float(round(float(value), decimals))


def _facility_points(rd_areas: gpd.GeoDataFrame) -> dict[str, np.ndarray]:
    by_name = rd_areas[rd_areas["level"] == "buurt"].set_index("name").geometry
    return {kind: np.array([[p.x, p.y] for p in (by_name[name].representative_point() for name in names)])
            for kind, names in (("supermarkt", SUPERMARKETS), ("huisarts", GENERAL_PRACTICES))}


def _latent_buurt_figures(land: gpd.GeoDataFrame, rng: np.random.Generator,
                          facilities: dict[str, np.ndarray]) -> pd.DataFrame:
    n = len(land)
    types = [TYPOLOGIES[PLAN_BY_CODE[code][1].typology] for code in land.index]
    typology_names = [PLAN_BY_CODE[code][1].typology for code in land.index]
    t = {field.name: np.array([getattr(ty, field.name) for ty in types], dtype=float)
         for field in dataclasses.fields(Typology) if field.name != "ages"}
    area_km2 = land.geometry.area.to_numpy() / 1e6
    centroids = np.array([[p.x, p.y] for p in land.geometry.representative_point()])
    dist_km = np.hypot(*(centroids - np.array(CENTRE)).T) / 1000
    spread_km = 0.3 * np.sqrt(area_km2)  # residents live all over the buurt, not at its centre

    def distance_to(kind: str) -> np.ndarray:
        points = facilities[kind]
        nearest = np.min(np.hypot(centroids[:, None, 0] - points[None, :, 0],
                                  centroids[:, None, 1] - points[None, :, 1]), axis=1) / 1000
        # CBS measures distances over the road; 1.3 × as the crow flies is the usual detour factor.
        return np.maximum(0.2, 1.3 * nearest + spread_km + rng.normal(0, 0.05, n))

    def noise(sd: float) -> np.ndarray:
        return rng.normal(0, sd, n)

    deprivation = t["deprivation"] + noise(0.3) - 0.08 * (dist_km - 2)
    excess = deprivation - t["deprivation"]

    inhabitants = np.round(area_km2 * t["density"] * np.exp(noise(0.2)) / 5) * 5
    men = np.round(inhabitants * (0.49 + noise(0.012)) / 5) * 5
    ages = np.array([ty.ages for ty in types]) * np.exp(rng.normal(0, 0.1, (n, 5)))
    ages = 100 * ages / ages.sum(axis=1, keepdims=True)
    household_size = np.clip(t["household_size"] + 0.02 * (ages[:, 0] - 15) + noise(0.07), 1.3, 3.2)
    households = np.maximum(np.round(inhabitants / household_size), 0)
    dwellings = np.round(households * rng.uniform(1.01, 1.06, n))
    huur = np.clip(t["huur"] + 8 * excess + noise(4), 3, 96)
    supermarkt = distance_to("supermarkt")
    lbm = {
        "lbm_woningvoorraad": t["lbm_won"] - 0.05 * deprivation + noise(0.025),
        "lbm_fysieke_omgeving": t["lbm_fys"] - 0.02 * deprivation + noise(0.025),
        "lbm_voorzieningen": 0.2 - 0.055 * dist_km - 0.03 * supermarkt + noise(0.02),
        "lbm_sociale_samenhang": -0.045 * deprivation + noise(0.02),
        "lbm_overlast_onveiligheid": (-0.085 * deprivation + noise(0.03)
                                      - 0.06 * np.array([name == "centrum" for name in typology_names])),
    }
    afwijking = sum(lbm.values())
    wide = pd.DataFrame({
        "aantal_inwoners": inhabitants, "mannen": men, "vrouwen": inhabitants - men,
        **{key: ages[:, i] for i, key in enumerate(("pct_0_15", "pct_15_25", "pct_25_45", "pct_45_65",
                                                    "pct_65_plus"))},
        "aantal_huishoudens": households,
        "gem_huishoudensgrootte": household_size,
        "pct_eenpersoonshuishoudens": np.clip(118 - 40 * household_size + noise(3), 5, 85),
        "pct_huishoudens_met_kinderen": np.clip(1.65 * ages[:, 0] + noise(2.5), 3, 60),
        "woz": t["woz"] * np.exp(-0.1 * excess + noise(0.06)),
        "woningvoorraad": dwellings,
        "pct_huurwoningen": huur,
        "pct_koopwoningen": 100 - huur - rng.uniform(0, 1.5, n),  # the rest: ownership unknown to CBS
        "pct_corporatiewoningen": huur * np.clip(t["corporatie_share"] + 0.08 * excess + noise(0.04), 0.05, 0.95),
        "pct_meergezinswoningen": np.clip(t["meergezins"] + noise(6), 0, 100),
        "pct_bouwjaar_vanaf_2000": np.clip(t["since_2000"] + noise(3), 0, 100),
        "gem_inkomen_per_inwoner": 30 * np.exp(-0.2 * deprivation + noise(0.04)),
        "pct_laag_inkomen": 7.5 * np.exp(0.55 * deprivation + noise(0.1)),
        "bijstand_per_1000": 22 * np.exp(0.8 * deprivation + noise(0.15)),
        "pct_uitkering": 9 * np.exp(0.4 * deprivation + noise(0.08)),
        "ses_score": np.clip(-0.42 * deprivation + noise(0.07), -1.2, 0.8),
        "pct_westerse_migratie": 8.5 * np.exp(noise(0.15)) + 3 * (dist_km < 1.2),
        "pct_niet_westerse_migratie": np.clip(11 * np.exp(0.55 * deprivation + noise(0.2)), 1, 70),
        "bevolkingsdichtheid": inhabitants / area_km2,
        "omgevingsadressendichtheid": t["address_density"] * np.exp(noise(0.12) - 0.1 * dist_km),
        "afstand_supermarkt": supermarkt,
        "afstand_huisarts": distance_to("huisarts"),
        "geluid_weg": t["road_noise"] + noise(1.5),
        **lbm,
        "lbm_score": LBM_NATIONAL_MEAN + afwijking,
        "lbm_afwijking": afwijking,
        "_land_km2": area_km2,
    }, index=land.index)
    return wide


def _unknown_cells(wide: pd.DataFrame, rng: np.random.Generator) -> set[tuple[str, str]]:
    """Two ordinary gaps in the source data, in buurten that are big enough to have every other figure."""
    populated = sorted(wide.index[wide["aantal_inwoners"] >= 500])
    chosen = rng.choice(populated, size=2, replace=False)
    return {(str(chosen[0]), "afstand_huisarts"), (str(chosen[1]), "pct_bouwjaar_vanaf_2000")}


def _aggregate(members: pd.DataFrame, land_km2: float) -> dict[str, float]:
    figures: dict[str, float] = {}
    for key in members.columns.drop("_land_km2"):
        rule = AGGREGATION.get(key, "aantal_inwoners")
        if rule == "sum":
            figures[key] = float(members[key].sum())
        else:
            weights = members[rule].to_numpy()
            figures[key] = float(np.average(members[key], weights=weights))
    figures["gem_huishoudensgrootte"] = figures["aantal_inwoners"] / figures["aantal_huishoudens"]
    figures["bevolkingsdichtheid"] = figures["aantal_inwoners"] / land_km2
    return figures


# ------------------------------------------------------------------------------------------- stories

AGE_BANDS = ("<25", "25-44", "45-64", "65+")
MISMATCH_BUURTEN = ("Werfkade", "Tarwestraat e.o.")
RELATIONS = ("lives", "works", "visits", "other")


@dataclass(frozen=True)
class DemoStory:
    """One invented resident story, ready to be stored as a demo StoryRow."""

    kind: str
    text: str
    dimension: str | None
    lat: float | None
    lon: float | None
    buurt_code: str
    age_band: str | None
    relation: str | None
    language: str
    status: str
    created_offset_minutes: int  # minutes before the seeding moment
    place_description: str | None = None


@dataclass(frozen=True)
class _Voice:
    buurt: str | None  # None: concerns go to a low-Leefbaarometer buurt, the rest anywhere people live
    kind: str
    dimension: str | None
    text: str
    language: str = "nl"
    status: str = "approved"
    age_band: str | None = "?"  # "?": drawn at random
    relation: str | None = "?"
    place: str | None = None  # set: told without a map pin ("no map" path)


VOICES: tuple[_Voice, ...] = (
    # Binnenstad: proud of the market and the old town, worried about nightlife and bikes.
    _Voice("Marktkwartier", "proud", "voorzieningen",
           "Op zaterdag staat de hele stad op de markt. De kaasboer kent mijn naam al twintig jaar."),
    _Voice("Marktkwartier", "proud", "sociale_samenhang",
           "The Saturday market is the best thing about this town: you always bump into someone you know.",
           language="en", relation="visits"),
    _Voice("Kerkbuurt", "concern", "overlast_onveiligheid",
           "Na sluitingstijd van de kroegen is het hier erg onrustig. "
           "Glas op straat en geschreeuw tot drie uur 's nachts."),
    _Voice("Kerkbuurt", "idea", "voorzieningen",
           "Graag <b>meer fietsenrekken</b> bij de kerk! Als ik hier ${1+1} typ, hoort u gewoon ${1+1} te zien."),
    _Voice("Waagplein", "dream", "fysieke_omgeving",
           "Een Waagplein zonder geparkeerde auto's, met bomen en bankjes waar je gewoon even kunt zitten."),
    _Voice("Kaaistraat", "idea", "fysieke_omgeving",
           "Maak van de kade langs de rivier een wandelroute met goede verlichting, "
           "dan durven mensen er 's avonds ook te lopen."),
    _Voice("Begijnenhof", "proud", "woningvoorraad",
           "De oude hofjeshuizen zijn prachtig opgeknapt. Klein wonen, maar met een gezamenlijke tuin."),
    _Voice("Singelbuurt", "contribution", "fysieke_omgeving",
           "Ik kan helpen met de buurtschoonmaak in het voorjaar. Grijpers en vuilniszakken heb ik zelf."),
    _Voice("Stationskwartier", "concern", "overlast_onveiligheid",
           "Bij het station worden aan de lopende band fietsen gestolen. Er is geen bewaakte stalling.",
           relation="works"),
    _Voice("Vestingwal", "proud", "fysieke_omgeving",
           "De bomen op de vestingwal in de herfst 🍂 Mooier wordt het niet."),
    # Molenwijk: the mill and its yard, worn post-war flats, quiet 1970s streets.
    _Voice("Oude Molenbuurt", "proud", "sociale_samenhang",
           "Als de molen draait op Molendag staat de halve buurt buiten met koffie. Dat heb je nergens anders."),
    _Voice("Molenstraat e.o.", "idea", "voorzieningen",
           "Het lege bankgebouw aan de Molenstraat zou een mooi buurthuis zijn, met een repair café."),
    _Voice("Wielewaal", "concern", "woningvoorraad",
           "In onze flat zit de schimmel na drie meldingen nog steeds in de badkamer."),
    _Voice("Merelhof", "concern", "overlast_onveiligheid",
           "Er wordt hard gereden op de Merelweg, juist waar de kinderen oversteken naar school. "
           "Een drempel zou helpen.",
           age_band="25-44"),
    _Voice("Spreeuwenpark", "dream", "sociale_samenhang",
           "Mijn droom: een moestuin voor de hele buurt op het grasveld achter de flats, "
           "waar kinderen leren wat er groeit."),
    _Voice("Kievitsweide", "proud", "fysieke_omgeving",
           "Great place for kids: quiet streets, green everywhere and the playground is always busy.",
           language="en", age_band="25-44"),
    _Voice("Buitengebied Noord", "concern", "voorzieningen",
           "De bus naar het centrum rijdt nog maar één keer per uur. Zonder auto kom je hier nergens.",
           age_band="65+", place="Bushalte Noorderweg"),
    _Voice("Stadspark", "proud", "fysieke_omgeving",
           "Elke ochtend een rondje om de Stadsvijver. De reigers, de eenden: het is hier een klein paradijs.",
           age_band="65+"),
    _Voice("Stadspark", "concern", "overlast_onveiligheid",
           "Na donker hangen er groepjes bij de vijver en liggen er lachgaspatronen op het pad."),
    _Voice("Beukenlaan e.o.", "proud", "woningvoorraad",
           "De oude villa's worden goed onderhouden; het straatbeeld is sinds de jaren dertig bijna niet veranderd."),
    _Voice("Villapark Oost", "concern", "sociale_samenhang",
           "Iedereen leeft hier achter zijn eigen heg. Na vijf jaar ken ik mijn buren nog steeds niet."),
    _Voice("Kastanjelaan", "idea", "voorzieningen",
           "A small café in the park would give people a reason to meet. "
           "Right now there is nowhere to sit with a coffee.",
           language="en"),
    _Voice("Akkerhof", "concern", "woningvoorraad",
           "De portiekflats zijn gehorig en tochtig. De stookkosten zijn voor veel mensen niet meer op te brengen."),
    _Voice("Akkerhof", "concern", "overlast_onveiligheid",
           "Er wordt gedeald bij de garageboxen achter de flat. Ik loop er 's avonds niet meer langs."),
    _Voice("Gerstveld", "concern", "fysieke_omgeving",
           "Overal zwerfvuil en volle containers. Het grofvuil staat soms een week op de stoep."),
    _Voice("Haverland", "concern", "voorzieningen",
           "Sinds de bibliotheek dicht is, is er voor jongeren helemaal niets meer in de wijk.",
           age_band="<25", place="Voormalige bibliotheek, Haverplein"),
    _Voice("Roggebuurt", "concern", "sociale_samenhang",
           "A lot of lonely older people live here. Nobody notices when someone hasn't been outside for days.",
           language="en", age_band="45-64"),
    _Voice("Roggebuurt", "contribution", "sociale_samenhang",
           "Ik spreek Turks en Arabisch en wil best tolken bij bewonersavonden.", status="pending"),
    _Voice("Vlasakker", "concern", "overlast_onveiligheid",
           "De straatverlichting in het Vlaspad is al maanden kapot. Meisjes fietsen liever om.", status="pending"),
    _Voice("Boekweit", "idea", "sociale_samenhang",
           "Een gratis kookclub in de school: samen eten en samen de taal oefenen."),
    _Voice("Klaverweide", "concern", "woningvoorraad",
           "Mijn dochter staat al negen jaar ingeschreven, maar vindt hier geen betaalbare woning.",
           age_band="45-64", place="Klaverweide, de hele buurt"),
    _Voice("Hooiberg", "contribution", "fysieke_omgeving",
           "Ik heb een aanhanger en wil helpen bij het opruimen van de bosjes langs het spoor."),
    _Voice("Dijkzicht", "proud", "fysieke_omgeving",
           "Vanaf de dijk kijk je over de rivier naar de oude stad. Het mooiste uitzicht van Voorbeeldstad."),
    # Deliberate mismatch: poor figures, proud stories (a close-knit street with its own community centre).
    _Voice("Tarwestraat e.o.", "proud", "sociale_samenhang",
           "Iedereen kent iedereen in de Tarwestraat. Als je ziek bent, staat er soep voor de deur."),
    _Voice("Tarwestraat e.o.", "proud", "voorzieningen",
           "Buurthuis De Korenschoof is het kloppend hart: bingo, taalles, kinderdisco, alles.",
           place="Buurthuis De Korenschoof"),
    _Voice("Tarwestraat e.o.", "contribution", "sociale_samenhang",
           "Ik organiseer elk jaar het straatfeest en help graag mee met de buurtschoonmaak 💪"),
    _Voice("Tarwestraat e.o.", "proud", "fysieke_omgeving",
           "Our street won the greenest-street contest two years running. Everyone has plants out front.",
           language="en"),
    _Voice("Tarwestraat e.o.", "contribution", "sociale_samenhang",
           "Ik ben gepensioneerd onderwijzer en geef graag huiswerkbegeleiding in De Korenschoof.",
           age_band="65+", relation="other"),
    # Deliberate mismatch: fine figures, mostly concerns (new-build without the promised amenities).
    _Voice("Werfkade", "concern", "overlast_onveiligheid",
           "Sinds de weg is doorgetrokken is de Werfkade een racebaan. Er wordt keihard gereden langs het schoolplein.",
           age_band="25-44"),
    _Voice("Werfkade", "concern", "voorzieningen",
           "Duizend nieuwe woningen en nog steeds geen supermarkt, huisarts of basisschool in de buurt.",
           place="Werfkade, rond de nieuwbouw"),
    _Voice("Werfkade", "concern", "sociale_samenhang",
           "Mooie huizen, maar niemand zegt elkaar gedag. Het voelt als een slaapwijk."),
    _Voice("Werfkade", "concern", "fysieke_omgeving",
           "The promised playground is still a fenced-off sand pit, two years after we moved in.",
           language="en", age_band="25-44"),
    _Voice("Werfkade", "idea", "sociale_samenhang",
           "Laten we een bewonersvereniging oprichten, zodat nieuwe bewoners elkaar leren kennen.", status="pending"),
    # Havenkwartier: harbour heritage and new-build.
    _Voice("Havenhoofd", "proud", "fysieke_omgeving",
           "De oude hijskraan is blijven staan. Zo zie je nog dat hier ooit schepen werden gebouwd."),
    _Voice("Pakhuiskwartier", "proud", "woningvoorraad",
           "Wonen in een oud pakhuis met balken van honderd jaar oud: ik wil nergens anders meer heen."),
    _Voice("Scheepsbouwersbuurt", "concern", "woningvoorraad",
           "Steeds meer huizen worden opgekocht door beleggers en per kamer verhuurd."),
    _Voice("Havenweide", "dream", "voorzieningen",
           "Een zwemsteiger in de Oude Haven, zoals andere steden die ook hebben."),
    _Voice("Meerzicht", "idea", "fysieke_omgeving",
           "Laat de bermen langs de Polderrand bloeien in plaats van ze elke maand te maaien.", status="pending"),
    _Voice("Loswal", "concern", "overlast_onveiligheid",
           "Ik werk hier. 's Avonds is het terrein uitgestorven en worden er busjes opengebroken.", relation="works"),
    # Anywhere: the buurt follows the figures (see _resolve_buurt).
    _Voice(None, "concern", "fysieke_omgeving",
           "De stoeptegels liggen zo scheef dat ik er met mijn rollator niet over durf.", age_band="65+"),
    _Voice(None, "concern", "voorzieningen",
           "De pinautomaat is weg. Voor ouderen zonder internetbankieren is dat een groot probleem."),
    _Voice(None, "proud", "sociale_samenhang",
           "Bij ons in de straat houden we elk jaar burendag. Dit jaar kwamen er zestig mensen!"),
    _Voice(None, "contribution", "fysieke_omgeving",
           "I'm a carpenter and happy to help build benches or planters for the square.", language="en"),
    _Voice(None, "dream", None, "Een buurt waar kinderen weer buiten spelen tot de lantaarns aangaan."),
    # Hidden by the facilitator: an accusation against named neighbours, and spam.
    _Voice("Akkerhof", "concern", None, "Die familie op nummer 14 is de oorzaak van alle ellende, iedereen weet het.",
           status="hidden"),
    _Voice("Marktkwartier", "idea", None, "GRATIS iPhone winnen?? Klik op de link in mijn profiel!!!", status="hidden",
           age_band=None, relation=None),
)


def build_demo_stories(areas: gpd.GeoDataFrame, values: pd.DataFrame, seed: int = DEFAULT_SEED) -> list[DemoStory]:
    """The demo session's stories: each in its buurt (a random point inside it, or a place description).

    Concerns gather in buurten with a low Leefbaarometer score, apart from two deliberate mismatches
    (Werfkade: good figures, mostly concerns; Tarwestraat e.o.: poor figures, mostly pride).
    """
    rng = np.random.default_rng([seed, 3])
    buurten = areas[areas["level"] == "buurt"].set_index("name")
    buurten_rd = buurten.to_crs(RD_NEW)
    to_wgs84 = Transformer.from_crs(RD_NEW, 4326, always_xy=True)
    figures = values.pivot(index="code", columns="key", values="value")
    stories = []
    for voice in VOICES:
        name = voice.buurt or _resolve_buurt(voice.kind, buurten, figures, rng)
        lat = lon = None
        if voice.place is None:
            lon, lat = _point_inside(buurten_rd.geometry[name], buurten.geometry[name], to_wgs84, rng)
        age_band = voice.age_band if voice.age_band != "?" else rng.choice(
            [*AGE_BANDS, None], p=[0.12, 0.32, 0.3, 0.18, 0.08])
        relation = voice.relation if voice.relation != "?" else rng.choice(
            [*RELATIONS, None], p=[0.76, 0.07, 0.07, 0.04, 0.06])
        # Pending stories arrived during the live session; the rest came in over the days before.
        offset = int(rng.integers(3, 90) if voice.status == "pending" else rng.integers(90, 3 * 24 * 60))
        stories.append(DemoStory(
            kind=voice.kind, text=voice.text, dimension=voice.dimension, lat=lat, lon=lon,
            buurt_code=str(buurten.loc[name, "code"]), age_band=None if age_band is None else str(age_band),
            relation=None if relation is None else str(relation), language=voice.language, status=voice.status,
            created_offset_minutes=offset, place_description=voice.place))
    return stories


def _resolve_buurt(kind: str, buurten: gpd.GeoDataFrame, figures: pd.DataFrame, rng: np.random.Generator) -> str:
    named = buurten.reset_index().set_index("code")["name"]
    # The two mismatch buurten keep their hand-written story mix.
    eligible = named[~named.isin(MISMATCH_BUURTEN)]
    populated = figures[(figures["aantal_inwoners"] >= 200) & figures.index.isin(eligible.index)]
    if kind == "concern":
        scored = populated["lbm_score"].dropna().sort_values()
        candidates = scored.index[: max(3, len(scored) // 3)]
        return str(named[rng.choice(sorted(candidates))])
    weights = populated["aantal_inwoners"].sort_index()
    return str(named[rng.choice(weights.index, p=weights / weights.sum())])


def _point_inside(rd_polygon: shapely.Geometry, wgs_polygon: shapely.Geometry, to_wgs84: Transformer,
                  rng: np.random.Generator) -> tuple[float, float]:
    """A random point at least 25 m inside the buurt (RD New), as rounded lon/lat that still lies inside."""
    inner = rd_polygon.buffer(-25)
    if inner.is_empty:
        inner = rd_polygon
    minx, miny, maxx, maxy = inner.bounds
    while True:
        x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        if not shapely.contains_xy(inner, x, y):
            continue
        lon, lat = (round(float(c), 6) for c in to_wgs84.transform(x, y))
        if shapely.contains_xy(wgs_polygon, lon, lat):
            return lon, lat
