"""Pure rules of the resident kiosk: which buurten a session covers, what a map position from the browser
is worth, which prompt to show in which language, and which codes a resident may type.
"""
from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping

import geopandas as gpd

from domain.models import DIMENSIONS, STORY_KINDS
from domain.stories import RECEIPT_ALPHABET, normalise_receipt

THEME_PREFIX = "theme:"
MAX_WITHDRAW_FAILURES = 5
_KIOSK_ID = re.compile(r"[^A-Za-z0-9_.-]")


def session_buurten(buurten: gpd.GeoDataFrame, area_codes: Iterable[str], municipality_code: str = "") -> gpd.GeoDataFrame:
    """The buurten a session covers: listed buurt codes, every buurt of a listed wijk, or the whole
    municipality when the session lists its GM code or nothing at all.

    Examples:
        >>> import geopandas as gpd
        >>> frame = gpd.GeoDataFrame({"code": ["BU01", "BU02", "BU03"], "parent_code": ["WK1", "WK1", "WK2"]})
        >>> list(session_buurten(frame, ["WK1"])["code"]), list(session_buurten(frame, ["BU03"])["code"])
        (['BU01', 'BU02'], ['BU03'])
        >>> list(session_buurten(frame, [])["code"]), list(session_buurten(frame, ["GM9"], "GM9")["code"])
        (['BU01', 'BU02', 'BU03'], ['BU01', 'BU02', 'BU03'])
    """
    codes = set(area_codes)
    if not codes or (municipality_code and municipality_code in codes):
        return buurten
    chosen = buurten["code"].isin(codes) | buurten["parent_code"].isin(codes)
    return buurten[chosen]


def map_point(value: object) -> tuple[float, float] | None:
    """(lat, lon) from a `{"lat": …, "lng": …}` the map sent, or None when it is missing, not a number,
    NaN/infinite or off the globe (a tampered request must not become a pin).

    Examples:
        >>> map_point({"lat": 52.1, "lng": 5.1})
        (52.1, 5.1)
        >>> map_point({"lat": float("nan"), "lng": 5.1}), map_point({"lat": 91, "lng": 5}), map_point("x")
        (None, None, None)
    """
    if not isinstance(value, Mapping):
        return None
    try:
        lat, lon = float(value.get("lat")), float(value.get("lng", value.get("lon")))
    except (TypeError, ValueError):
        return None
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return lat, lon


def prompt_for(kind: str, lang: str, session_prompts: Mapping | None, translated_default: Callable[[str], str]) -> str:
    """The question shown for `kind`: the session's own wording in `lang` if it has one; otherwise the
    translated default when the session kept the default wording, or its Dutch wording when it wrote its own.

    Examples:
        >>> tr = {"proud": "Gurur duyduğunuz şey nedir?"}.get
        >>> prompt_for("proud", "tr", {"proud": {"nl": "Waar bent u trots op?"}}, tr)
        'Gurur duyduğunuz şey nedir?'
        >>> prompt_for("proud", "tr", {"proud": {"nl": "Wat vindt u mooi aan het plein?"}}, tr)
        'Wat vindt u mooi aan het plein?'
        >>> prompt_for("proud", "en", {"proud": {"nl": "Trots?", "en": "Proud?"}}, tr)
        'Proud?'
    """
    custom = (session_prompts or {}).get(kind) or {}
    if custom.get(lang):
        return custom[lang]
    own_dutch = custom.get("nl")
    if own_dutch and own_dutch != STORY_KINDS[kind]["prompt_nl"]:
        return own_dutch
    return translated_default(kind)


def topic_options(themes: Iterable[str]) -> list[str]:
    """One list for the optional topic: the five dimensions, then the session's own themes."""
    return [*DIMENSIONS, *(f"{THEME_PREFIX}{theme}" for theme in themes)]


def split_topic(topic: str | None) -> tuple[str | None, tuple[str, ...]]:
    """(dimension, themes) for a chosen topic option.

    Examples:
        >>> split_topic("voorzieningen"), split_topic("theme:Speelplekken"), split_topic(None)
        (('voorzieningen', ()), (None, ('Speelplekken',)), (None, ()))
    """
    if not topic:
        return None, ()
    if topic.startswith(THEME_PREFIX):
        return None, (topic.removeprefix(THEME_PREFIX),)
    return (topic if topic in DIMENSIONS else None), ()


def looks_like_receipt(code: str) -> bool:
    """Five characters of the receipt alphabet, however typed (`k7-4qf`, `K7 4QF`).

    Examples:
        >>> looks_like_receipt(" k7-4qf "), looks_like_receipt("K7-4Q0"), looks_like_receipt("<script>")
        (True, False, False)
    """
    normal = normalise_receipt(code)
    return len(normal) == 5 and all(ch in RECEIPT_ALPHABET for ch in normal)


def clean_kiosk_id(value: object, default: str) -> str:
    """A kiosk label from the URL, reduced to a short, harmless token.

    Examples:
        >>> clean_kiosk_id("bieb-1", "kiosk"), clean_kiosk_id("<b>x</b>", "kiosk"), clean_kiosk_id(None, "phone")
        ('bieb-1', 'bxb', 'phone')
    """
    cleaned = _KIOSK_ID.sub("", str(value or ""))[:32]
    return cleaned or default
