"""The vision board's rules: theme names, the dot budget per kiosk visit, the ranking, and agreed actions."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from domain.errors import UserFacingError

MAX_THEME_NAME = 200
MAX_ACTION = 1000


class VisionInputError(UserFacingError):
    """A theme or action cannot be saved as entered."""


class VoteRefused(UserFacingError):
    """A dot cannot be placed (budget used up, theme deleted or not in this session, session closed).

    `key` names the refusal so the kiosk can show it in the resident's language (`kiosk_vote.refused.<key>`,
    with `params`); `nl`/`en` stay as the fallback and for logs."""

    def __init__(self, key: str, nl: str, en: str, **params: object):
        super().__init__(nl, en)
        self.key = key
        self.params = params


@dataclass(frozen=True)
class Theme:
    id: int
    session_id: int
    name: str
    story_ids: tuple[int, ...]
    is_deleted: bool
    votes: int = 0


@dataclass(frozen=True)
class Action:
    id: int
    session_id: int
    what: str
    owner: str
    due_date: date | None
    buurt_codes: tuple[str, ...]
    theme_ids: tuple[int, ...]


def clean_theme_name(name: str) -> str:
    cleaned = " ".join((name or "").split())
    if not cleaned:
        raise VisionInputError("Geef het thema een naam.", "Please give the theme a name.")
    if len(cleaned) > MAX_THEME_NAME:
        raise VisionInputError(f"De naam is te lang (max. {MAX_THEME_NAME} tekens).",
                               f"The name is too long (max. {MAX_THEME_NAME} characters).")
    return cleaned


def check_dot(*, used: int, budget: int, theme_deleted: bool | None) -> None:
    """Raise VoteRefused unless one more dot may be placed. `theme_deleted` None: no such theme here.

    Examples: check_dot(used=2, budget=3, theme_deleted=False) passes; used=3 raises.
    """
    if theme_deleted is None:
        raise VoteRefused("unknown_theme", "Dit thema bestaat niet in deze sessie.",
                          "This theme is not part of this session.")
    if theme_deleted:
        raise VoteRefused("theme_deleted",
                          "Dit thema is intussen weggehaald; uw stip is niet geplaatst. Kies een ander thema.",
                          "This theme has been removed in the meantime; your dot was not placed. "
                          "Please choose another theme.")
    if used >= budget:
        raise VoteRefused("no_dots_left", f"U heeft al uw {budget} stippen gebruikt. Dank u wel!",
                          f"You have used all your {budget} dots. Thank you!", budget=budget)


def ranking(themes: Iterable[Theme]) -> list[Theme]:
    """Live themes by votes (most first), ties by the oldest theme first."""
    return sorted((t for t in themes if not t.is_deleted), key=lambda t: (-t.votes, t.id))


def clean_action(what: str, owner: str, due: date | None, buurt_codes: Iterable[str], theme_ids: Iterable[int], *,
                 known_buurten: set[str], live_themes: Mapping[int, str]) -> tuple[str, str, date | None,
                                                                                    tuple[str, ...], tuple[int, ...]]:
    what = " ".join((what or "").split())
    owner = " ".join((owner or "").split())
    problems_nl, problems_en = [], []
    if not what:
        problems_nl.append("wat gaan we doen?")
        problems_en.append("what will be done?")
    if len(what) > MAX_ACTION:
        problems_nl.append(f"de actie is te lang (max. {MAX_ACTION} tekens)")
        problems_en.append(f"the action is too long (max. {MAX_ACTION} characters)")
    if not owner:
        problems_nl.append("wie is de trekker?")
        problems_en.append("who owns it?")
    codes = tuple(dict.fromkeys(buurt_codes))
    themes = tuple(dict.fromkeys(int(t) for t in theme_ids))
    if set(codes) - known_buurten:
        problems_nl.append("onbekende buurt")
        problems_en.append("unknown buurt")
    if set(themes) - set(live_themes):
        problems_nl.append("dat thema bestaat niet (meer)")
        problems_en.append("that theme does not exist (any more)")
    if problems_nl:
        raise VisionInputError("Controleer de actie: " + "; ".join(problems_nl),
                               "Please check the action: " + "; ".join(problems_en))
    return what, owner[:200], due, codes, themes
