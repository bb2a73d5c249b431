"""Every bad input a resident (or a tampered request) can send, as a table: the refusal names the problem,
and what is accepted keeps the text exactly as typed (HTML, markdown, `${…}`, emoji and RTL are just text).
Also the kiosk's pure rules in domain/kiosk.py."""
from __future__ import annotations

import math
from dataclasses import replace

import geopandas as gpd
import pytest
from shapely.geometry import box

from domain.kiosk import (clean_kiosk_id, looks_like_receipt, map_point, prompt_for, session_buurten, split_topic,
                          topic_options)
from domain.models import DIMENSIONS, STORY_KINDS
from domain.stories import (MAX_PLACE_CHARS, StoryDraft, SubmissionRejected, new_receipt_code, normalise_receipt,
                            receipt_hash, validate_draft)

INSIDE = (52.05, 5.05)     # in BU01 (the unit square 5.0–5.1 × 52.0–52.1)
OUTSIDE = (52.5, 5.5)
AREAS = {"BU01": box(5.0, 52.0, 5.1, 52.1), "BU02": box(5.1, 52.0, 5.2, 52.1)}


def locate(lat: float, lon: float) -> str | None:
    from shapely.geometry import Point

    return next((code for code, shape in AREAS.items() if shape.contains(Point(lon, lat))), None)


GOOD = StoryDraft(kind="proud", text="Het plein is mooi geworden.", lat=INSIDE[0], lon=INSIDE[1], consent=True,
                  language="nl", submission_token="tok")


def validate(draft: StoryDraft, **kw):
    options = dict(kinds=tuple(STORY_KINDS), themes=("Speelplekken",), buurt_codes=set(AREAS), locate=locate,
                   max_chars=1000)
    options.update(kw)
    return validate_draft(draft, **options)


REFUSED = [
    # (case, changes to GOOD, extra validate kwargs, expected key, expected params)
    ("no kind", dict(kind=None), {}, "kind", {}),
    ("kind not in this session", dict(kind="dream"), dict(kinds=("proud", "concern")), "kind", {}),
    ("unknown kind", dict(kind="complaint"), {}, "kind", {}),
    ("empty text", dict(text=""), {}, "empty", {}),
    ("only spaces and newlines", dict(text="  \n\t  \r\n "), {}, "empty", {}),
    ("only control characters", dict(text="\u0000\u0007\u001b"), {}, "empty", {}),
    ("one over the limit", dict(text="a" * 1001), {}, "too_long", {"length": 1001, "limit": 1000}),
    ("over a session's own limit", dict(text="b" * 51), dict(max_chars=50), "too_long", {"length": 51, "limit": 50}),
    ("no pin and no buurt", dict(lat=None, lon=None), {}, "no_place", {}),
    ("buurt of another session", dict(lat=None, lon=None, buurt_code="BU99"), {}, "no_place", {}),
    ("buurt code with markup", dict(lat=None, lon=None, buurt_code="<b>BU01</b>"), {}, "no_place", {}),
    ("NaN latitude", dict(lat=math.nan), {}, "bad_location", {}),
    ("infinite longitude", dict(lon=math.inf), {}, "bad_location", {}),
    ("latitude beyond the pole", dict(lat=91.0), {}, "bad_location", {}),
    ("longitude beyond the date line", dict(lon=-181.0), {}, "bad_location", {}),
    ("latitude that is text", dict(lat="52.0; DROP TABLE stories"), {}, "bad_location", {}),
    ("only a latitude", dict(lon=None), {}, "bad_location", {}),
    ("pin outside the area", dict(lat=OUTSIDE[0], lon=OUTSIDE[1]), {}, "outside_area", {}),
    ("pin in a buurt the session does not cover", dict(lat=52.05, lon=5.15), dict(buurt_codes={"BU01"}),
     "outside_area", {}),
    ("no consent", dict(consent=False), {}, "consent", {}),
]


@pytest.mark.parametrize("case, changes, options, key, params", REFUSED, ids=[row[0] for row in REFUSED])
def test_bad_input_is_refused_with_its_reason(case, changes, options, key, params):
    with pytest.raises(SubmissionRejected) as caught:
        validate(replace(GOOD, **changes), **options)
    assert caught.value.key == key
    assert caught.value.params == params
    assert caught.value.nl and caught.value.en  # a sentence in both languages, even without a translation file


ACCEPTED_TEXTS = [
    ("emoji only", "🌳🌳🏠❤️"),
    ("right-to-left", "الحديقة جميلة جدًا"),
    ("mixed scripts", "Mooi park — güzel park — حديقة جميلة — ładny park"),
    ("html image with onerror", "<img src=x onerror=alert(1)>"),
    ("script tag", "<script>alert('x')</script>"),
    ("markdown", "**vet** _schuin_ [link](https://example.org) ![img](https://example.org/x.png)"),
    ("template literal", "${alert(1)} `backtick` \\ backslash"),
    ("exactly the limit", "c" * 1000),
    ("spreadsheet formula", "=HYPERLINK(\"http://x\")"),
]


@pytest.mark.parametrize("case, text", ACCEPTED_TEXTS, ids=[row[0] for row in ACCEPTED_TEXTS])
def test_unusual_text_is_accepted_exactly_as_typed(case, text):
    valid = validate(replace(GOOD, text=f"  {text}\n"))
    assert valid.text == text  # only the outer whitespace goes


def test_the_limit_counts_characters_after_normalisation():
    # 1000 × "e" + combining acute = 2000 code points typed, 1000 characters after NFC
    assert len(validate(replace(GOOD, text="e\u0301" * 1000)).text) == 1000


def test_a_valid_pin_gets_the_buurt_it_lies_in():
    valid = validate(GOOD)
    assert (valid.buurt_code, valid.lat, valid.lon) == ("BU01", INSIDE[0], INSIDE[1])


def test_the_no_map_path_ties_the_story_to_the_buurt_without_a_point():
    valid = validate(replace(GOOD, lat=None, lon=None, buurt_code="BU02",
                             place_description="  <b>Pleintje</b> bij ${school}  " + "x" * 300))
    assert (valid.buurt_code, valid.lat, valid.lon) == ("BU02", None, None)
    assert valid.place_description.startswith("<b>Pleintje</b> bij ${school}")
    assert len(valid.place_description) == MAX_PLACE_CHARS


def test_optional_fields_outside_the_lists_are_dropped_not_stored():
    valid = validate(replace(GOOD, dimension="<script>", themes=("Speelplekken", "onbekend"), age_band="99",
                             relation="admin"))
    assert (valid.dimension, valid.themes, valid.age_band, valid.relation) == (None, ("Speelplekken",), None, None)


# ---------------------------------------------------------------- receipts

def test_receipt_codes_are_short_readable_and_forgiving():
    code = new_receipt_code()
    assert len(code) == 6 and code[2] == "-" and looks_like_receipt(code)
    assert receipt_hash(code) == receipt_hash(code.lower().replace("-", " "))
    assert normalise_receipt(code) not in receipt_hash(code)


@pytest.mark.parametrize("typed, ok", [("K7-4QF", True), ("k7 4qf", True), ("K74QF", True), ("K7-4Q", False),
                                       ("K7-4QF0", False), ("O0-1IL", False), ("", False),
                                       ("<img src=x>", False)])
def test_looks_like_receipt(typed, ok):
    assert looks_like_receipt(typed) is ok


# ---------------------------------------------------------------- the kiosk's own rules

@pytest.mark.parametrize("sent, point", [
    ({"lat": 52.05, "lng": 5.05}, (52.05, 5.05)),
    ({"lat": "52.05", "lng": "5.05"}, (52.05, 5.05)),
    ({"lat": 52.05, "lon": 5.05}, (52.05, 5.05)),
    ({"lat": math.nan, "lng": 5.0}, None),
    ({"lat": 52.0, "lng": math.inf}, None),
    ({"lat": -90.5, "lng": 5.0}, None),
    ({"lat": 52.0, "lng": 180.5}, None),
    ({"lat": None, "lng": 5.0}, None),
    ({"lat": "abc", "lng": 5.0}, None),
    ({"lng": 5.0}, None),
    ([52.0, 5.0], None),
    (None, None),
])
def test_map_point_only_accepts_real_positions(sent, point):
    assert map_point(sent) == point


def test_session_buurten_by_buurt_wijk_or_whole_municipality():
    frame = gpd.GeoDataFrame({"code": ["BU01", "BU02", "BU03"], "parent_code": ["WK1", "WK1", "WK2"]},
                             geometry=[box(0, 0, 1, 1)] * 3)
    assert list(session_buurten(frame, ["BU03"])["code"]) == ["BU03"]
    assert list(session_buurten(frame, ["WK1"])["code"]) == ["BU01", "BU02"]
    assert list(session_buurten(frame, ["WK2", "BU01"])["code"]) == ["BU01", "BU03"]
    assert len(session_buurten(frame, [])) == 3
    assert len(session_buurten(frame, ["GM1"], "GM1")) == 3


def test_prompts_follow_the_session_then_the_translation():
    translated = {"proud": "Neyle gurur duyuyorsunuz?"}.get
    defaults = {k: {"nl": v["prompt_nl"], "en": v["prompt_en"]} for k, v in STORY_KINDS.items()}
    assert prompt_for("proud", "en", defaults, translated) == "What are you proud of?"
    assert prompt_for("proud", "tr", defaults, translated) == "Neyle gurur duyuyorsunuz?"
    own = {"proud": {"nl": "Wat maakt de Markt bijzonder?"}}
    assert prompt_for("proud", "tr", own, translated) == "Wat maakt de Markt bijzonder?"
    assert prompt_for("proud", "ar", {}, translated) == "Neyle gurur duyuyorsunuz?"


def test_topics_are_the_five_dimensions_then_the_session_themes():
    options = topic_options(("Speelplekken", "Parkeren"))
    assert options[:5] == list(DIMENSIONS) and options[5:] == ["theme:Speelplekken", "theme:Parkeren"]
    assert split_topic("overlast_onveiligheid") == ("overlast_onveiligheid", ())
    assert split_topic("theme:Parkeren") == (None, ("Parkeren",))
    assert split_topic("nonsense") == (None, ())


@pytest.mark.parametrize("value, expected", [("bieb-1", "bieb-1"), ("Buurthuis De Kroon", "BuurthuisDeKroon"),
                                             ("<script>", "script"), ("", "kiosk"), (None, "kiosk"),
                                             ("x" * 80, "x" * 32)])
def test_kiosk_ids_from_the_url_are_reduced_to_a_token(value, expected):
    assert clean_kiosk_id(value, "kiosk") == expected
