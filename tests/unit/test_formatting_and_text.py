"""Number formatting in both languages and the escaping function for map text."""
import pytest

from domain.formatting import format_number, format_value
from domain.text import safe_text


@pytest.mark.parametrize("value, decimals, lang, expected", [
    (1234.5, 1, "nl", "1.234,5"),
    (1234.5, 1, "en", "1,234.5"),
    (0.0, 0, "nl", "0"),
    (-0.04, 2, "nl", "-0,04"),
    (None, 1, "nl", "geheim/onbekend"),
    (float("nan"), 1, "en", "secret/unknown"),
    (1_000_000, 0, "nl", "1.000.000"),
])
def test_format_number(value, decimals, lang, expected):
    assert format_number(value, decimals, lang) == expected


def test_format_value_never_turns_missing_into_zero():
    assert format_value(None, "%") == "geheim/onbekend"
    assert format_value(0, "%") == "0,0 %"


@pytest.mark.parametrize("payload, forbidden", [
    ("<script>alert(1)</script>", "<script"),
    ("<img src=x onerror=alert(1)>", "<img"),
    ("${alert(document.cookie)}", "${"),
    ("`; alert(1); `", "`"),
    ("\\u003cscript\\u003e", "\\"),
    ('" onmouseover="alert(1)', '"'),
    ("{{ lipsum.__globals__.os.getpid() }}", "{{"),
    ("{% for x in range(9) %}x{% endfor %}", "{%"),
])
def test_safe_text_neutralises_payloads(payload, forbidden):
    assert forbidden not in safe_text(payload)


def test_safe_text_keeps_ordinary_text_and_emoji_and_rtl():
    assert safe_text("Trots op de markt 🌷") == "Trots op de markt 🌷"
    assert safe_text("حديقة جميلة") == "حديقة جميلة"
    assert safe_text(None) == ""
