"""Translations: `t(key, **params)` from JSON files in `locales/<lang>/*.json`.

A new language is a new folder of JSON files, no code change. Each area of the app keeps its own file
(`core.json`, `import.json`, …) so keys stay findable; `_meta.json` holds the language's own name and
text direction.
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DEFAULT_LANGUAGE = "nl"


@lru_cache(maxsize=None)
def catalogue(lang: str) -> dict[str, str]:
    merged: dict[str, str] = {}
    for path in sorted((LOCALES_DIR / lang).glob("*.json")):
        merged.update(json.loads(path.read_text(encoding="utf-8")))
    return merged


def available_languages(area: str = "core") -> dict[str, str]:
    """Language code → its own name, e.g. {"nl": "Nederlands", "en": "English"}, for the languages that
    translate `area` (`locales/<lang>/<area>.json`): a language may cover only the kiosk."""
    codes = sorted((p.name for p in LOCALES_DIR.iterdir()
                    if (p / "_meta.json").exists() and (p / f"{area}.json").exists()),
                   key=lambda code: (code != DEFAULT_LANGUAGE, code != "en", code))
    return {code: catalogue(code).get("_language_name", code) for code in codes}


def is_rtl(lang: str) -> bool:
    return catalogue(lang).get("_direction") == "rtl"


def translate(lang: str, key: str, **params: object) -> str:
    text = catalogue(lang).get(key) or catalogue(DEFAULT_LANGUAGE).get(key) or key
    return text.format(**params) if params else text


def t(key: str, **params: object) -> str:
    from components import state

    return translate(state.language(), key, **params)
