"""A seeded generator of realistic-looking stories inside real buurt polygons, for tests and benchmarks.

Generated stories are never shown as real: their text starts with "[Gegenereerd]", they are stored with
`is_demo=True` and kiosk id "generated". Concerns follow the buurt's figures (more concerns where the
Leefbaarometer is low), except in a few deliberate mismatch buurten where they run against them, so the
divergence ranking has something true to find.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from domain.models import DIMENSIONS
from domain.profile import INHABITANTS_KEY
from domain.stories import AGE_BANDS, RELATIONS

GENERATED_KIOSK = "generated"
GENERATED_PREFIX = "[Gegenereerd] "
RD_NEW = 28992
BASE_CONCERN = 0.45
# Participation is skewed: few under-25s, many 45–64s (as in most Dutch consultations).
AGE_P = (0.08, 0.27, 0.33, 0.27, 0.05)
RELATION_P = (0.80, 0.08, 0.07, 0.02, 0.03)

SUBJECTS = {
    "woningvoorraad": ("het onderhoud van de flats", "betaalbare woningen", "de oude huizen in de straat"),
    "fysieke_omgeving": ("het groen in de straat", "de stoepen en pleinen", "het park om de hoek"),
    "voorzieningen": ("de winkels in de buurt", "de bus naar het centrum", "het buurthuis"),
    "sociale_samenhang": ("het contact met de buren", "de straatfeesten", "hoe we op elkaar letten"),
    "overlast_onveiligheid": ("de verkeersveiligheid", "de rust 's avonds", "zwerfvuil en overlast"),
    None: ("de buurt als geheel", "hoe het hier gaat"),
}
FRAMES = {
    "proud": "Ik ben trots op {s}.",
    "concern": "Ik maak me zorgen over {s}.",
    "idea": "Idee: laten we samen iets doen aan {s}.",
    "dream": "Mijn droom voor {s}: dat iedereen er blij van wordt.",
    "contribution": "Ik wil zelf meehelpen aan {s}.",
}


@dataclass(frozen=True)
class GeneratedStory:
    kind: str
    text: str
    dimension: str | None
    lat: float | None
    lon: float | None
    buurt_code: str
    age_band: str | None
    relation: str | None
    status: str
    created_offset_minutes: int
    place_description: str | None = None
    language: str = "nl"


@dataclass(frozen=True)
class GeneratedSet:
    stories: tuple[GeneratedStory, ...]
    # buurt code → +1 (figures good, stories mostly concerns) or −1 (figures poor, stories mostly proud)
    mismatches: dict[str, int]


def _standardised(numbers: pd.DataFrame | None, key: str, codes: list[str]) -> dict[str, float]:
    if numbers is None or key not in numbers:
        return {}
    column = numbers[key].reindex(codes).dropna()
    if len(column) < 2 or column.std(ddof=1) == 0:
        return {}
    return ((column - column.mean()) / column.std(ddof=1)).to_dict()


def _logistic(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def generate_stories(areas: gpd.GeoDataFrame, count: int, *, seed: int = 0, numbers: pd.DataFrame | None = None,
                     mismatches: int = 2, no_map_share: float = 0.08, pending_share: float = 0.05,
                     hidden_share: float = 0.02, focus_share: float = 0.15, focus_weight: float = 6.0
                     ) -> GeneratedSet:
    """`count` stories over the land buurten of `areas` (code, name, is_water, geometry in EPSG:4326).

    Buurten get stories in proportion to inhabitants^0.8 (unknown: as a buurt of 50), so small buurten
    get few or none; a random `focus_share` of the populated buurten (where the kiosks stood) get
    `focus_weight` times as many, as in a real consultation. Same seed, same stories.
    """
    rng = np.random.default_rng([seed, 6])
    land = areas[~areas.get("is_water", pd.Series(False, index=areas.index)).astype(bool)]
    land = land[~land.geometry.is_empty].sort_values("code").reset_index(drop=True)
    codes = list(land["code"])
    if not codes or count <= 0:
        return GeneratedSet((), {})
    people = pd.Series(50.0, index=codes)
    if numbers is not None and INHABITANTS_KEY in numbers:
        people = numbers[INHABITANTS_KEY].reindex(codes).fillna(50.0).clip(lower=0)
    weights = (people ** 0.8).to_numpy() + 1e-9
    populated = [i for i, p in enumerate(people) if p >= 500]
    if populated and focus_share > 0:
        focus = rng.choice(populated, size=max(1, round(focus_share * len(populated))), replace=False)
        weights[focus] *= focus_weight
    weights /= weights.sum()
    overall = _standardised(numbers, "lbm_score", codes)
    per_dimension = {d: _standardised(numbers, f"lbm_{d}", codes) for d in DIMENSIONS}
    chosen = _pick_mismatches(codes, weights, overall, mismatches)

    buurt_index = rng.choice(len(codes), size=count, p=weights)
    rd = land.to_crs(RD_NEW)
    to_wgs84 = Transformer.from_crs(RD_NEW, 4326, always_xy=True)
    stories = []
    for i in buurt_index:
        code = codes[i]
        dimension = None if rng.random() < 0.1 else str(rng.choice(list(DIMENSIONS)))
        z = per_dimension.get(dimension, {}).get(code, overall.get(code, 0.0)) if dimension else overall.get(code, 0.0)
        p_concern = _logistic(math.log(BASE_CONCERN / (1 - BASE_CONCERN)) - 0.9 * z)
        if code in chosen:
            p_concern = 0.88 if chosen[code] > 0 else 0.10
        kind = _kind(rng, p_concern)
        no_map = rng.random() < no_map_share
        lat = lon = None
        if not no_map:
            lon, lat = _point_inside(rd.geometry.iloc[i], land.geometry.iloc[i], to_wgs84, rng)
        status = "approved"
        roll = rng.random()
        if roll < pending_share:
            status = "pending"
        elif roll < pending_share + hidden_share:
            status = "hidden"
        subject = str(rng.choice(SUBJECTS[dimension]))
        age = rng.choice([*AGE_BANDS, None], p=AGE_P)
        relation = rng.choice([*RELATIONS, None], p=RELATION_P)
        stories.append(GeneratedStory(
            kind=kind, text=GENERATED_PREFIX + FRAMES[kind].format(s=subject), dimension=dimension, lat=lat,
            lon=lon, buurt_code=code, age_band=None if age is None else str(age),
            relation=None if relation is None else str(relation), status=status,
            created_offset_minutes=int(rng.integers(5, 14 * 24 * 60)),
            place_description=GENERATED_PREFIX + "ergens in de buurt" if no_map else None))
    return GeneratedSet(tuple(stories), chosen)


def _kind(rng: np.random.Generator, p_concern: float) -> str:
    judging = 0.65  # proud + concern; the rest are ideas, dreams and own contributions
    roll = rng.random()
    if roll < judging * p_concern:
        return "concern"
    if roll < judging:
        return "proud"
    return str(rng.choice(["idea", "dream", "contribution"], p=[0.45, 0.3, 0.25]))


def _pick_mismatches(codes: list[str], weights: np.ndarray, z: dict[str, float], how_many: int) -> dict[str, int]:
    """Among the buurten that will get the most stories: the best-scoring ones get mostly concerns and the
    worst-scoring ones mostly pride, alternately."""
    if how_many <= 0 or not z:
        return {}
    big = [codes[i] for i in np.argsort(-weights, kind="stable")[: max(6, len(codes) // 8)] if codes[i] in z]
    good = sorted((c for c in big if z[c] > 0.5), key=lambda c: -z[c])
    poor = sorted((c for c in big if z[c] < -0.5), key=lambda c: z[c])
    chosen: dict[str, int] = {}
    while len(chosen) < how_many and (good or poor):
        if good and (len(chosen) % 2 == 0 or not poor):
            chosen[good.pop(0)] = +1
        elif poor:
            chosen[poor.pop(0)] = -1
    return chosen


def _point_inside(rd_polygon, wgs_polygon, to_wgs84: Transformer, rng: np.random.Generator) -> tuple[float, float]:
    """A random point at least 10 m inside the buurt where it can be (RD New), as lon/lat that lies inside."""
    inner = rd_polygon.buffer(-10)
    if inner.is_empty:
        inner = rd_polygon
    minx, miny, maxx, maxy = inner.bounds
    for _ in range(200):
        xs, ys = rng.uniform(minx, maxx, 32), rng.uniform(miny, maxy, 32)
        for x, y in zip(xs, ys):
            if not shapely.contains_xy(inner, x, y):
                continue
            lon, lat = (round(float(c), 6) for c in to_wgs84.transform(x, y))
            if shapely.contains_xy(wgs_polygon, lon, lat):
                return lon, lat
    point = wgs_polygon.representative_point()
    return round(point.x, 6), round(point.y, 6)
