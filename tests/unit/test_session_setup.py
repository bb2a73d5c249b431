"""Setting up a werksessie: the area as buurt codes and back, the prompt set, the kiosk link, settings JSON and
the ranges of every setting."""
from dataclasses import replace

import pytest

from domain.session_setup import BUURTEN, WHOLE, WIJKEN, build_prompts, describe_area, expand_area, kiosk_url
from domain.sessions import SessionInputError, SessionSettings, validate_settings

WIJK_OF = {"BU01": "WK1", "BU02": "WK1", "BU03": "WK2", "BU04": "WK2", "BU05": None}


@pytest.mark.parametrize(("mode", "chosen", "codes"), [
    (WHOLE, [], ["BU01", "BU02", "BU03", "BU04", "BU05"]),
    (WIJKEN, ["WK2"], ["BU03", "BU04"]),
    (WIJKEN, ["WK1", "WK2", "WK9"], ["BU01", "BU02", "BU03", "BU04"]),
    (BUURTEN, ["BU04", "BU01", "BU99"], ["BU01", "BU04"]),  # unknown codes are dropped
])
def test_expand_area(mode, chosen, codes):
    assert expand_area(mode, chosen, WIJK_OF) == codes


@pytest.mark.parametrize(("mode", "chosen"), [(WIJKEN, []), (BUURTEN, []), (BUURTEN, ["BU99"]), (WIJKEN, ["WK9"])])
def test_an_empty_area_is_refused(mode, chosen):
    with pytest.raises(SessionInputError, match="minstens één"):
        expand_area(mode, chosen, WIJK_OF)


@pytest.mark.parametrize(("codes", "described"), [
    ([], (WHOLE, [])),
    (list(WIJK_OF), (WHOLE, [])),
    (["BU03", "BU04"], (WIJKEN, ["WK2"])),
    (["BU01", "BU02", "BU03", "BU04"], (WIJKEN, ["WK1", "WK2"])),
    (["BU01", "BU03"], (BUURTEN, ["BU01", "BU03"])),
    (["BU05"], (BUURTEN, ["BU05"])),  # a buurt without a wijk is chosen as a buurt
])
def test_describe_area_round_trips(codes, described):
    assert describe_area(codes, WIJK_OF) == described
    if codes:
        assert expand_area(*described, WIJK_OF) == sorted(codes)


def test_prompts_keep_order_defaults_and_extra_languages():
    prompts = build_prompts(["dream", "proud"], {"proud": {"nl": "", "en": "What makes you proud?", "tr": " Gurur "},
                                                 "dream": {"nl": "Droom   maar", "en": ""}})
    assert list(prompts) == ["proud", "dream"]
    assert prompts["proud"] == {"nl": "Waar bent u trots op?", "en": "What makes you proud?", "tr": "Gurur"}
    assert prompts["dream"]["nl"] == "Droom maar"


@pytest.mark.parametrize("asked", [[], ["unknown"]])
def test_at_least_one_prompt(asked):
    with pytest.raises(SessionInputError):
        build_prompts(asked, {})


def test_overlong_prompt_is_refused():
    with pytest.raises(SessionInputError, match="te lang"):
        build_prompts(["proud"], {"proud": {"nl": "x" * 201}})


def test_kiosk_url():
    assert kiosk_url("http://localhost:8501", "AB23CD") == "http://localhost:8501/?kiosk=1&session=AB23CD"
    assert kiosk_url("https://buurtbeeld.example.nl/app/", "AB23CD").startswith("https://buurtbeeld.example.nl/app/?")


def test_settings_round_trip_with_layers_and_keywords():
    settings = SessionSettings(stats_layers=("lbm_totaal", "woz"), keywords={"voorzieningen": ["jeu de boules"]})
    again = SessionSettings.from_dict(settings.to_dict())
    assert again == settings and again.stats_layers == ("lbm_totaal", "woz")
    assert SessionSettings.from_dict({"stats_layers": None}).stats_layers == ()


# (setting, value, accepted): each range at both edges, just inside and just outside
SETTING_RANGES = [
    ("k", 1, True), ("k", 50, True), ("k", 0, False), ("k", 51, False),
    ("idle_seconds", 20, True), ("idle_seconds", 1800, True), ("idle_seconds", 19, False),
    ("idle_seconds", 1801, False),
    ("dots_per_visit", 1, True), ("dots_per_visit", 20, True), ("dots_per_visit", 0, False),
    ("dots_per_visit", 21, False),
    ("refresh_seconds", 2, True), ("refresh_seconds", 120, True), ("refresh_seconds", 1, False),
    ("refresh_seconds", 121, False),
    ("max_chars", 1, True), ("max_chars", 1000, True), ("max_chars", 0, False), ("max_chars", 1001, False),
    ("languages", ("nl",), True), ("languages", (), False),
    ("moderation", "post", True), ("moderation", "never", False),
    ("generalise", "grid100", True), ("generalise", "hidden", False),
]


@pytest.mark.parametrize(("name", "value", "accepted"), SETTING_RANGES)
def test_session_setting_ranges(name, value, accepted):
    settings = replace(SessionSettings(), **{name: value})
    if accepted:
        assert validate_settings(settings) == settings
    else:
        with pytest.raises(SessionInputError, match="Controleer de instellingen") as err:
            validate_settings(settings)
        assert err.value.en.startswith("Please check the settings")


def test_every_problem_is_named_at_once():
    with pytest.raises(SessionInputError) as err:
        validate_settings(SessionSettings(k=0, idle_seconds=5, dots_per_visit=0))
    assert all(part in err.value.nl for part in ("k moet", "wachttijd", "stippen"))
