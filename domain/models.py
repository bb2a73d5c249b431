"""Shared vocabulary of the product: area levels, story kinds, dimensions, and plain records."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

AreaLevel = Literal["gemeente", "wijk", "buurt"]
MissingReason = Literal["secret", "unknown"]

MISSING_LABEL = {"nl": "geheim/onbekend", "en": "secret/unknown"}

# The Leefbaarometer's five dimensions: stories and statistics are coded on the same axes, so they compare per buurt and dimension.
DIMENSIONS: dict[str, dict[str, str]] = {
    "woningvoorraad": {"nl": "Woningvoorraad", "en": "Housing stock"},
    "fysieke_omgeving": {"nl": "Fysieke omgeving", "en": "Physical environment"},
    "voorzieningen": {"nl": "Voorzieningen", "en": "Amenities"},
    "sociale_samenhang": {"nl": "Sociale samenhang", "en": "Social cohesion"},
    "overlast_onveiligheid": {"nl": "Overlast en onveiligheid", "en": "Nuisance and safety"},
}

# Appreciative inquiry order: strengths before problems, so a resident starts from what works.
STORY_KINDS: dict[str, dict[str, str]] = {
    "proud": {"nl": "Trots", "en": "Proud", "prompt_nl": "Waar bent u trots op?",
              "prompt_en": "What are you proud of?"},
    "concern": {"nl": "Zorg", "en": "Concern", "prompt_nl": "Wat kan beter?",
                "prompt_en": "What could be better?"},
    "dream": {"nl": "Droom", "en": "Dream", "prompt_nl": "Wat is uw droom voor de buurt?",
              "prompt_en": "What is your dream for the neighbourhood?"},
    "idea": {"nl": "Idee", "en": "Idea", "prompt_nl": "Heeft u een idee?",
             "prompt_en": "Do you have an idea?"},
    "contribution": {"nl": "Zelf doen", "en": "Own contribution",
                     "prompt_nl": "Wat kunt u zelf doen?", "prompt_en": "What can you do yourself?"},
}

STORY_STATUSES = ("pending", "approved", "hidden", "withdrawn")


@dataclass(frozen=True)
class Municipality:
    id: int
    code: str
    name: str
    source: str
    year: int | None
    is_demo: bool
    is_active: bool
    imported_at: datetime | None = None


@dataclass(frozen=True)
class IndicatorMeta:
    """An indicator as stored: what it measures and which way is better."""

    key: str
    label_nl: str
    label_en: str
    unit: str = ""
    direction: int = 0  # +1 higher is better, -1 higher is worse, 0 neutral
    source: str = ""
    year: int | None = None
    dimension: str | None = None
    weighting: Literal["inhabitants", "none"] = "inhabitants"
    decimals: int = 1

    def label(self, lang: str) -> str:
        return self.label_en if lang == "en" else self.label_nl


@dataclass(frozen=True)
class ValueCell:
    """One indicator value for one area: a number, or missing with a reason (never 0)."""

    value: float | None
    missing: MissingReason | None = None

    @property
    def is_missing(self) -> bool:
        return self.value is None


@dataclass
class ImportSummary:
    """What an import did, for the facilitator to read afterwards."""

    municipality_code: str = ""
    municipality_name: str = ""
    buurten: int = 0
    wijken: int = 0
    indicators: list[str] = field(default_factory=list)
    values: int = 0
    missing_values: int = 0
    repaired_geometries: int = 0
    water_buurten: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (what, why)
    notes: list[str] = field(default_factory=list)
