"""A resident's submission: validation with translatable reasons, receipt codes, and the public filter."""
from __future__ import annotations

import hashlib
import math
import secrets
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from domain.errors import UserFacingError
from domain.models import DIMENSIONS, STORY_KINDS

MAX_TEXT_CHARS = 1000
MAX_PLACE_CHARS = 200
AGE_BANDS = ("<25", "25-44", "45-64", "65+")
RELATIONS = ("lives", "works", "visits", "other")
# No 0/O, 1/I/L: a code read aloud or copied from a slip of paper survives.
RECEIPT_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


class SubmissionRejected(UserFacingError):
    """A submission cannot be stored; `key` selects the translated message (`kiosk.error.<key>`)."""

    def __init__(self, key: str, nl: str, en: str, **params: object):
        super().__init__(nl, en)
        self.key = key
        self.params = params


@dataclass(frozen=True)
class StoryDraft:
    kind: str | None
    text: str
    lat: float | None = None
    lon: float | None = None
    buurt_code: str | None = None
    place_description: str = ""
    dimension: str | None = None
    themes: tuple[str, ...] = ()
    age_band: str | None = None
    relation: str | None = None
    language: str = "nl"
    consent: bool = False
    submission_token: str | None = None
    kiosk_id: str | None = None


@dataclass(frozen=True)
class ValidStory:
    kind: str
    text: str
    lat: float | None
    lon: float | None
    buurt_code: str
    place_description: str | None
    dimension: str | None
    themes: tuple[str, ...]
    age_band: str | None
    relation: str | None
    language: str
    submission_token: str | None
    kiosk_id: str | None
    warnings: tuple[str, ...] = field(default=())


def clean_text(text: str) -> str:
    """NFC-normalised, control characters removed (newlines and tabs kept), outer whitespace stripped.

    Examples:
        >>> clean_text("  Mooi\\u0000 plein\\n ")
        'Mooi plein'
        >>> clean_text("e\\u0301")  # combining accent → one character
        'é'
    """
    text = unicodedata.normalize("NFC", text or "")
    text = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch)[0] != "C"
                   or unicodedata.category(ch) == "Cf")
    return text.strip()


def validate_draft(draft: StoryDraft, *, kinds: Iterable[str], themes: Iterable[str], buurt_codes: set[str],
                   locate: Callable[[float, float], str | None], max_chars: int = MAX_TEXT_CHARS) -> ValidStory:
    """Check everything a resident sent; raise SubmissionRejected naming the first problem.

    `locate(lat, lon)` returns the buurt code of a point inside the session's area, or None outside it.
    """
    if draft.kind not in set(kinds) or draft.kind not in STORY_KINDS:
        raise SubmissionRejected("kind", "Kies eerst wat voor verhaal het is.", "Please choose the kind of story first.")
    text = clean_text(draft.text)
    if not text:
        raise SubmissionRejected("empty", "Schrijf eerst uw verhaal; het vak is nog leeg.",
                                 "Please write your story first; the box is still empty.")
    if len(text) > max_chars:
        raise SubmissionRejected("too_long", f"Uw verhaal is {len(text)} tekens; het mag er {max_chars} zijn.",
                                 f"Your story has {len(text)} characters; the limit is {max_chars}.",
                                 length=len(text), limit=max_chars)
    buurt_code = _place(draft, buurt_codes, locate)
    place = clean_text(draft.place_description)[:MAX_PLACE_CHARS] or None
    dimension = draft.dimension if draft.dimension in DIMENSIONS else None
    allowed_themes = set(themes)
    chosen_themes = tuple(t for t in draft.themes if t in allowed_themes)
    if not draft.consent:
        raise SubmissionRejected("consent", "Vink aan dat u akkoord gaat met wat er met uw verhaal gebeurt.",
                                 "Please tick that you agree with what happens to your story.")
    return ValidStory(
        kind=draft.kind, text=text, lat=draft.lat if draft.lat is not None else None,
        lon=draft.lon if draft.lon is not None else None, buurt_code=buurt_code, place_description=place,
        dimension=dimension, themes=chosen_themes,
        age_band=draft.age_band if draft.age_band in AGE_BANDS else None,
        relation=draft.relation if draft.relation in RELATIONS else None,
        language=draft.language or "nl", submission_token=draft.submission_token, kiosk_id=draft.kiosk_id)


def _place(draft: StoryDraft, buurt_codes: set[str], locate: Callable[[float, float], str | None]) -> str:
    if draft.lat is None and draft.lon is None:
        if draft.buurt_code in buurt_codes:
            return draft.buurt_code
        raise SubmissionRejected("no_place", "Zet een punt op de kaart of kies uw buurt uit de lijst.",
                                 "Place a pin on the map or choose your neighbourhood from the list.")
    try:
        lat, lon = float(draft.lat), float(draft.lon)
    except (TypeError, ValueError):
        lat = lon = math.nan
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        raise SubmissionRejected("bad_location", "Die plek op de kaart klopt niet. Tik opnieuw op de kaart.",
                                 "That map position is not valid. Please tap the map again.")
    code = locate(lat, lon)
    if code is None or code not in buurt_codes:
        raise SubmissionRejected("outside_area", "Die plek ligt buiten het gebied van deze sessie. "
                                 "Tik binnen de gekleurde buurtgrenzen.",
                                 "That spot is outside this session's area. Tap inside the outlined neighbourhoods.")
    return code


def new_receipt_code() -> str:
    """A short code like `K7-4QF` the resident can write down to withdraw the story later."""
    chars = "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(5))
    return f"{chars[:2]}-{chars[2:]}"


def normalise_receipt(code: str) -> str:
    """Forgive case, spaces and dashes (the alphabet has no look-alikes to confuse).

    Examples:
        >>> normalise_receipt(" k7 - 4qf ")
        'K74QF'
    """
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())


def receipt_hash(code: str) -> str:
    """What is stored instead of the code itself."""
    return hashlib.sha256(f"buurtbeeld-receipt:{normalise_receipt(code)}".encode()).hexdigest()


@dataclass(frozen=True)
class Story:
    """A stored story as pages see it (no receipt hash, no submission token)."""

    id: int
    session_id: int
    kind: str
    text: str
    status: str
    created_at: object
    buurt_code: str | None = None
    lat: float | None = None
    lon: float | None = None
    place_description: str | None = None
    dimension: str | None = None
    themes: tuple[str, ...] = ()
    photo_id: str | None = None
    age_band: str | None = None
    relation: str | None = None
    language: str = "nl"
    duplicate_of_id: int | None = None
    is_demo: bool = False
    version: int = 1
    is_redacted: bool = False
    kiosk_id: str | None = None


@dataclass(frozen=True)
class Receipt:
    """What a resident gets back: the code is shown once and only its hash is stored."""

    story_id: int
    code: str | None
    status: str
    duplicate: bool = False
