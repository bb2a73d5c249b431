"""Numbers as people read them: Dutch "1.234,5" or English "1,234.5", with the unit."""
from __future__ import annotations

import math

from domain.models import MISSING_LABEL


def format_number(value: float | None, decimals: int = 1, lang: str = "nl") -> str:
    """Format a number for display; missing values read as "geheim/onbekend", never "0".

    Examples:
        >>> format_number(1234.5, 1)
        '1.234,5'
        >>> format_number(1234.5, 1, "en")
        '1,234.5'
        >>> format_number(None)
        'geheim/onbekend'
        >>> format_number(-0.04, 2)
        '-0,04'
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING_LABEL.get(lang, MISSING_LABEL["nl"])
    text = f"{value:,.{decimals}f}"
    if lang == "nl":
        text = text.replace(",", "\u0000").replace(".", ",").replace("\u0000", ".")
    return text


def format_value(value: float | None, unit: str, decimals: int = 1, lang: str = "nl") -> str:
    """Number plus unit: "41,2 %", "€ 312.000"-style units stay as the catalogue spells them.

    Examples:
        >>> format_value(41.23, "%")
        '41,2 %'
        >>> format_value(None, "%")
        'geheim/onbekend'
        >>> format_value(5835, "inwoners", 0)
        '5.835 inwoners'
    """
    text = format_number(value, decimals, lang)
    if value is None or (isinstance(value, float) and math.isnan(value)) or not unit:
        return text
    return f"{text} {unit}"
