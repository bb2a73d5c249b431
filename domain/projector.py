"""The projector's rules as plain data: where a public pin may be drawn (location generalisation), the
staged reveal, and the counts and per-buurt lean the room sees. No Streamlit, no database."""
from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from domain.models import DIMENSIONS, STORY_KINDS

GRID_METRES = 100.0

# Staged reveal, so the room weighs the figures before the stories colour them: numbers → voices → both → comparison.
STAGES = ("numbers", "stories", "both", "compare")
STAGE_SHOWS = {  # stage → (statistics colour, story pins, lean markers)
    "numbers": (True, False, False),
    "stories": (False, True, False),
    "both": (True, True, False),
    "compare": (True, False, True),
}


def step_stage(stage: str, step: int) -> str:
    """The stage `step` places further, clamped at both ends (a clicker pressed once too often stays put).

    Examples: step_stage("numbers", 1) == "stories"; step_stage("compare", 1) == "compare";
    step_stage("numbers", -1) == "numbers"; an unknown stage starts at "numbers".
    """
    index = STAGES.index(stage) if stage in STAGES else 0
    return STAGES[min(max(index + step, 0), len(STAGES) - 1)]


@lru_cache(maxsize=1)
def _transformers():
    from pyproj import Transformer

    return (Transformer.from_crs(4326, 28992, always_xy=True), Transformer.from_crs(28992, 4326, always_xy=True))


def snap_to_grid(lat: float, lon: float, metres: float = GRID_METRES) -> tuple[float, float]:
    """The centre of the `metres` cell of the RD New grid (EPSG:28992) that holds the point, as (lat, lon)."""
    to_rd, to_wgs = _transformers()
    x, y = to_rd.transform(lon, lat)
    cx = (math.floor(x / metres) + 0.5) * metres
    cy = (math.floor(y / metres) + 0.5) * metres
    snapped_lon, snapped_lat = to_wgs.transform(cx, cy)
    return round(snapped_lat, 6), round(snapped_lon, 6)


def generalise_point(lat: float | None, lon: float | None, buurt_code: str | None, mode: str,
                     centroids: Mapping[str, tuple[float, float]]) -> tuple[float, float] | None:
    """Where a public pin is drawn under the session's generalisation (`exact`, `grid100`, `centroid`).

    A story told without a spot (buurt only) sits at its buurt's centre in every mode; a story with
    neither has no pin. `centroid` never falls back to the exact spot. Unknown modes are treated as the
    most private one.
    """
    has_point = lat is not None and lon is not None and math.isfinite(lat) and math.isfinite(lon)
    centre = centroids.get(buurt_code) if buurt_code else None
    if mode == "exact" and has_point:
        return round(float(lat), 6), round(float(lon), 6)
    if mode == "grid100" and has_point:
        return snap_to_grid(float(lat), float(lon))
    return (round(centre[0], 6), round(centre[1], 6)) if centre else None


@dataclass(frozen=True)
class Counts:
    total: int
    by_kind: dict[str, int]
    by_dimension: dict[str, int]


def count_stories(stories: Iterable) -> Counts:
    """Per kind (every kind listed, in appreciative-inquiry order) and per dimension (only those used)."""
    items = list(stories)
    kinds = Counter(s.kind for s in items)
    dims = Counter(s.dimension for s in items if s.dimension)
    return Counts(len(items), {k: kinds.get(k, 0) for k in STORY_KINDS},
                  {d: dims[d] for d in DIMENSIONS if dims.get(d)})


@dataclass(frozen=True)
class Lean:
    """How a buurt's stories lean: proud and concern counts and the concern share among those two."""

    proud: int
    concern: int

    @property
    def n(self) -> int:
        return self.proud + self.concern

    @property
    def concern_share(self) -> float | None:
        return self.concern / self.n if self.n else None


def lean_per_buurt(stories: Iterable, codes: Sequence[str] | None = None) -> dict[str, Lean]:
    """Proud vs concern per buurt, for the comparison stage; buurten without either kind are left out."""
    proud, concern = Counter(), Counter()
    for s in stories:
        if s.buurt_code and s.kind == "proud":
            proud[s.buurt_code] += 1
        elif s.buurt_code and s.kind == "concern":
            concern[s.buurt_code] += 1
    wanted = set(codes) if codes is not None else set(proud) | set(concern)
    return {c: Lean(proud[c], concern[c]) for c in sorted(wanted) if proud[c] + concern[c]}
