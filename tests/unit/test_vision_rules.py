"""Vision board rules as tables: the dot check, the ranking, theme names, and what an agreed action may hold."""
import re

import pytest

from domain.vision import (
    MAX_ACTION,
    Theme,
    VisionInputError,
    VoteRefused,
    check_dot,
    clean_action,
    clean_theme_name,
    ranking,
)


@pytest.mark.parametrize("used, budget, deleted, refused, text", [
    (0, 3, False, None, None), (2, 3, False, None, None),
    (3, 3, False, "no_dots_left", "stippen"), (5, 3, False, "no_dots_left", "stippen"),
    (0, 3, True, "theme_deleted", "weggehaald"), (0, 3, None, "unknown_theme", "bestaat niet"),
    (3, 3, True, "theme_deleted", "weggehaald"),
])
def test_check_dot(used, budget, deleted, refused, text):
    if refused is None:
        check_dot(used=used, budget=budget, theme_deleted=deleted)
    else:
        with pytest.raises(VoteRefused, match=text) as err:
            check_dot(used=used, budget=budget, theme_deleted=deleted)
        assert err.value.key == refused


def test_a_spent_budget_names_the_budget_for_the_translation():
    with pytest.raises(VoteRefused) as err:
        check_dot(used=5, budget=5, theme_deleted=False)
    assert err.value.params == {"budget": 5}


def test_ranking_most_dots_first_ties_oldest_first_deleted_left_out():
    themes = [Theme(1, 1, "a", (), False, 2), Theme(2, 1, "b", (), False, 5), Theme(3, 1, "c", (), True, 9),
              Theme(4, 1, "d", (), False, 2)]
    assert [t.id for t in ranking(themes)] == [2, 1, 4]


@pytest.mark.parametrize("raw, expected", [("  Groen \n en  spelen ", "Groen en spelen"), ("<b>x</b>", "<b>x</b>")])
def test_theme_names_are_tidied_not_interpreted(raw, expected):
    assert clean_theme_name(raw) == expected


@pytest.mark.parametrize("raw", ["", "   ", "x" * 201])
def test_bad_theme_names(raw):
    with pytest.raises(VisionInputError):
        clean_theme_name(raw)


KNOWN = {"BU01", "BU02"}
LIVE = {7: "Groen"}
GOOD = dict(what="Geveltuinen aanleggen", owner="Bewonersgroep", due=None, buurt_codes=["BU01"], theme_ids=[7])


@pytest.mark.parametrize(("change", "named"), [
    (dict(what="   "), "wat gaan we doen?"),
    (dict(what="x" * (MAX_ACTION + 1)), "te lang"),
    (dict(owner=" \n "), "wie is de trekker?"),
    (dict(buurt_codes=["BU01", "BU99"]), "onbekende buurt"),
    (dict(theme_ids=[8]), "bestaat niet (meer)"),  # deleted since the form was drawn, or never in this session
])
def test_an_action_is_refused_naming_what_is_wrong(change, named):
    with pytest.raises(VisionInputError, match=re.escape(named)) as err:
        clean_action(**{**GOOD, **change}, known_buurten=KNOWN, live_themes=LIVE)
    assert err.value.en.startswith("Please check the action")


def test_an_action_is_tidied():
    assert clean_action("  Geveltuinen \n aanleggen ", "Bewoners" + "x" * 300, None, ["BU01", "BU01", "BU02"],
                        ["7", 7], known_buurten=KNOWN, live_themes=LIVE) == (
        "Geveltuinen aanleggen", ("Bewoners" + "x" * 300)[:200], None, ("BU01", "BU02"), (7,))
