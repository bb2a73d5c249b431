"""What a facilitator chooses when setting up a werksessie, turned into what a session stores.

The area is stored as buurt codes (the unit stories are joined to); "whole municipality" and "some wijken"
are ways of choosing them and are read back from the codes when a session is edited.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from urllib.parse import urlencode

from domain.models import STORY_KINDS
from domain.sessions import SessionInputError

WHOLE, WIJKEN, BUURTEN = "gemeente", "wijken", "buurten"
AREA_MODES = (WHOLE, WIJKEN, BUURTEN)
MAX_PROMPT_CHARS = 200


def expand_area(mode: str, chosen: Iterable[str], buurt_wijk: Mapping[str, str | None]) -> list[str]:
    """Buurt codes of the chosen area; `buurt_wijk` maps every buurt of the municipality to its wijk.

    Examples:
        >>> wijk_of = {"BU01": "WK1", "BU02": "WK1", "BU03": "WK2"}
        >>> expand_area("wijken", ["WK1"], wijk_of), expand_area("gemeente", [], wijk_of)
        (['BU01', 'BU02'], ['BU01', 'BU02', 'BU03'])
    """
    chosen = set(chosen)
    if mode == WHOLE:
        codes = set(buurt_wijk)
    elif mode == WIJKEN:
        codes = {code for code, wijk in buurt_wijk.items() if wijk in chosen}
    elif mode == BUURTEN:
        codes = chosen & set(buurt_wijk)
    else:
        raise ValueError(mode)
    if not codes:
        raise SessionInputError(
            "Kies minstens één wijk of buurt voor deze sessie (of kies de hele gemeente).",
            "Choose at least one district or neighbourhood for this session (or the whole municipality).")
    return sorted(codes)


def describe_area(area_codes: Iterable[str], buurt_wijk: Mapping[str, str | None]) -> tuple[str, list[str]]:
    """The simplest way to choose `area_codes` again: (mode, chosen wijk or buurt codes).

    Examples:
        >>> wijk_of = {"BU01": "WK1", "BU02": "WK1", "BU03": "WK2"}
        >>> describe_area(["BU01", "BU02", "BU03"], wijk_of), describe_area(["BU01", "BU02"], wijk_of)
        (('gemeente', []), ('wijken', ['WK1']))
        >>> describe_area(["BU01"], wijk_of)
        ('buurten', ['BU01'])
    """
    codes = set(area_codes) & set(buurt_wijk)
    if not codes or codes == set(buurt_wijk):
        return WHOLE, []
    wijken = {buurt_wijk[c] for c in codes}
    if None not in wijken and codes == {c for c, w in buurt_wijk.items() if w in wijken}:
        return WIJKEN, sorted(wijken)
    return BUURTEN, sorted(codes)


def build_prompts(asked: Iterable[str], wording: Mapping[str, Mapping[str, str]]) -> dict[str, dict[str, str]]:
    """The prompt set: only the kinds asked, in appreciative-inquiry order; blank wording → the default.

    Examples:
        >>> build_prompts(["proud"], {"proud": {"nl": " Waar bent u blij mee? ", "en": ""}})
        {'proud': {'nl': 'Waar bent u blij mee?', 'en': 'What are you proud of?'}}
    """
    asked = set(asked)
    if not asked & set(STORY_KINDS):
        raise SessionInputError("Kies minstens één vraag die bewoners krijgen.",
                                "Choose at least one question residents are asked.")
    prompts: dict[str, dict[str, str]] = {}
    for kind, spec in STORY_KINDS.items():
        if kind not in asked:
            continue
        given = {lang: " ".join(str(text or "").split()) for lang, text in (wording.get(kind) or {}).items()}
        too_long = [text for text in given.values() if len(text) > MAX_PROMPT_CHARS]
        if too_long:
            raise SessionInputError(f"Een vraag is te lang (max. {MAX_PROMPT_CHARS} tekens).",
                                    f"A question is too long (max. {MAX_PROMPT_CHARS} characters).")
        prompts[kind] = {"nl": given.get("nl") or spec["prompt_nl"], "en": given.get("en") or spec["prompt_en"]}
        prompts[kind].update({lang: text for lang, text in given.items() if lang not in ("nl", "en") and text})
    return prompts


def kiosk_url(base_url: str, code: str) -> str:
    """The address a session's QR code points to.

    Examples:
        >>> kiosk_url("http://192.168.1.20:8501/", "K7Q4FX")
        'http://192.168.1.20:8501/?kiosk=1&session=K7Q4FX'
    """
    return f"{base_url.rstrip('/')}/?{urlencode({'kiosk': 1, 'session': code})}"
