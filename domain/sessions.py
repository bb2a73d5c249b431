"""Werksessies: their settings with defaults, join codes, and validation of what a facilitator enters."""
from __future__ import annotations

import secrets
from dataclasses import asdict, dataclass, field, fields
from datetime import date, datetime

from domain.errors import UserFacingError
from domain.models import DIMENSIONS, STORY_KINDS
from domain.stories import MAX_TEXT_CHARS, SubmissionRejected

OPEN, CLOSED = "open", "closed"
MODERATION_MODES = {"pre": {"nl": "Eerst beoordelen (voormoderatie)", "en": "Review first (pre-moderation)"},
                    "post": {"nl": "Direct zichtbaar, achteraf verbergen (namoderatie)",
                             "en": "Public at once, hide afterwards (post-moderation)"}}
GENERALISATIONS = {"exact": {"nl": "Precieze plek", "en": "Exact spot"},
                   "grid100": {"nl": "Afgerond op een vak van 100 m", "en": "Snapped to a 100 m grid"},
                   "centroid": {"nl": "Midden van de buurt", "en": "Neighbourhood centre"}}
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
MAX_TITLE = 120


class SessionInputError(UserFacingError):
    """What the facilitator entered for a session cannot be saved."""


@dataclass(frozen=True)
class SessionSettings:
    moderation: str = "pre"
    generalise: str = "exact"
    k: int = 5
    idle_seconds: int = 90
    languages: tuple[str, ...] = ("nl", "en")
    stats_indicator: str | None = None
    stats_layers: tuple[str, ...] = ()  # indicators the session may show; stats_indicator is shown first
    refresh_seconds: int = 5
    dots_per_visit: int = 3
    max_chars: int = 1000
    keywords: dict = field(default_factory=dict)  # dimension → extra keywords for theme suggestions

    @classmethod
    def from_dict(cls, raw: dict | None) -> SessionSettings:
        """Tolerant of old or partial JSON: unknown keys are ignored, missing ones take defaults."""
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in (raw or {}).items() if k in known}
        for key in ("languages", "stats_layers"):
            if key in values:
                values[key] = tuple(values[key] or ())
        return cls(**values)

    def to_dict(self) -> dict:
        data = asdict(self)
        data["languages"] = list(self.languages)
        data["stats_layers"] = list(self.stats_layers)
        return data


@dataclass(frozen=True)
class WorkSession:
    id: int
    code: str
    title: str
    session_date: date | None
    municipality_id: int
    area_codes: tuple[str, ...]
    prompts: dict
    themes: tuple[str, ...]
    settings: SessionSettings
    status: str
    is_demo: bool
    created_at: datetime
    closed_at: datetime | None = None

    @property
    def is_open(self) -> bool:
        return self.status == OPEN

    def prompt(self, kind: str, lang: str) -> str:
        custom = (self.prompts or {}).get(kind) or {}
        default = STORY_KINDS[kind]
        return custom.get(lang) or custom.get("nl") or default.get(f"prompt_{lang}") or default["prompt_nl"]

    @property
    def kinds(self) -> tuple[str, ...]:
        """Kinds in appreciative-inquiry order, limited to the ones this session asks about."""
        chosen = [k for k in STORY_KINDS if not self.prompts or k in self.prompts]
        return tuple(chosen or STORY_KINDS)


def refuse_closed_session(status: str) -> None:
    """A closed werksessie takes no stories, from a kiosk, the command line, an import or any later page."""
    if status != OPEN:
        raise SubmissionRejected("closed", "Dit buurtgesprek is gesloten; er kunnen geen verhalen meer bij.",
                                 "This neighbourhood conversation is closed; it no longer takes stories.")


def default_prompts() -> dict[str, dict[str, str]]:
    return {kind: {"nl": spec["prompt_nl"], "en": spec["prompt_en"]} for kind, spec in STORY_KINDS.items()}


def new_session_code() -> str:
    """Six characters without look-alikes, to type on a phone or read from a slide (e.g. `K7Q4FX`)."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(6))


def normalise_code(code: str) -> str:
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())


def validate_title(title: str, existing_titles: list[str]) -> str:
    cleaned = " ".join((title or "").split())
    if not cleaned:
        raise SessionInputError("Geef de sessie een titel.", "Please give the session a title.")
    if len(cleaned) > MAX_TITLE:
        raise SessionInputError(f"De titel is te lang (max. {MAX_TITLE} tekens).",
                                f"The title is too long (max. {MAX_TITLE} characters).")
    if cleaned.casefold() in {t.casefold() for t in existing_titles}:
        raise SessionInputError("Er is al een sessie met deze titel. Kies een andere titel.",
                                "A session with this title already exists. Choose another title.")
    return cleaned


def validate_settings(settings: SessionSettings) -> SessionSettings:
    problems_nl, problems_en = [], []
    if settings.moderation not in MODERATION_MODES:
        problems_nl.append("onbekende moderatievorm")
        problems_en.append("unknown moderation mode")
    if settings.generalise not in GENERALISATIONS:
        problems_nl.append("onbekende locatie-afronding")
        problems_en.append("unknown location generalisation")
    if not 1 <= settings.k <= 50:
        problems_nl.append("k moet tussen 1 en 50 liggen")
        problems_en.append("k must be between 1 and 50")
    if not 20 <= settings.idle_seconds <= 1800:
        problems_nl.append("de wachttijd van de kiosk moet tussen 20 en 1800 seconden liggen")
        problems_en.append("the kiosk idle time must be between 20 and 1800 seconds")
    if not settings.languages:
        problems_nl.append("kies minstens één taal")
        problems_en.append("choose at least one language")
    if not 1 <= settings.dots_per_visit <= 20:
        problems_nl.append("het aantal stippen per bezoek moet tussen 1 en 20 liggen")
        problems_en.append("dots per visit must be between 1 and 20")
    if not 2 <= settings.refresh_seconds <= 120:
        problems_nl.append("de projector moet elke 2 tot 120 seconden verversen")
        problems_en.append("the projector must refresh every 2 to 120 seconds")
    if not 1 <= settings.max_chars <= MAX_TEXT_CHARS:
        problems_nl.append(f"een verhaal mag 1 tot {MAX_TEXT_CHARS} tekens lang zijn")
        problems_en.append(f"a story may be 1 to {MAX_TEXT_CHARS} characters long")
    if problems_nl:
        raise SessionInputError("Controleer de instellingen: " + "; ".join(problems_nl) + ".",
                                "Please check the settings: " + "; ".join(problems_en) + ".")
    return settings


def session_themes(custom: list[str] | tuple[str, ...]) -> list[str]:
    """The session's free themes, cleaned and de-duplicated (the five dimensions are always there)."""
    seen, result = set(), []
    for theme in custom:
        cleaned = " ".join(str(theme).split())[:60]
        if cleaned and cleaned.casefold() not in seen and cleaned not in DIMENSIONS:
            seen.add(cleaned.casefold())
            result.append(cleaned)
    return result
