"""Vision board rules as tables: the dot check, the ranking, theme names."""
import pytest

from domain.vision import (
    Theme,
    VisionInputError,
    VoteRefused,
    check_dot,
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
