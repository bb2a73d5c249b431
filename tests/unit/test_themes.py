"""Theme suggestions as a table: story text (nl and en) → the dimension suggested first, and its reasons."""
import pytest

from domain.models import DIMENSIONS
from domain.themes import (KEYWORDS, lexicon, normalise_word, parse_keywords, suggest_dimensions, suggest_themes,
                           tokens)

SUGGESTS = [
    # (text, expected first dimension, words it must name as the reason)
    ("De speeltuin bij de school is prachtig opgeknapt", "voorzieningen", {"speeltuin", "school"}),
    ("De straatverlichting in het Vlaspad is al maanden kapot.", "fysieke_omgeving", {"straatverlichting", "kapot"}),
    ("Onze flat heeft last van schimmel en de huur gaat elk jaar omhoog", "woningvoorraad",
     {"flat", "schimmel", "huur"}),
    ("Ik ken al mijn buren, we helpen elkaar", "sociale_samenhang", {"buren", "elkaar"}),
    ("Laten we een bewonersvereniging oprichten", "sociale_samenhang", {"bewonersvereniging"}),
    ("Er wordt gedeald en ingebroken; ik voel me onveilig in de steeg", "overlast_onveiligheid", {"onveilig"}),
    ("Mooie BOMEN en veel groen in het plantsoentje", "fysieke_omgeving", {"BOMEN", "groen", "plantsoentje"}),
    ("Kinderspeeltuinen zijn er te weinig", "voorzieningen", {"Kinderspeeltuinen"}),  # compound head
    ("Het buurthuis is de plek waar alles gebeurt", "voorzieningen", {"buurthuis"}),  # longest keyword wins
    ("De huizen aan de dijk zijn slecht geïsoleerd, er is veel tocht", "woningvoorraad", {"huizen", "tocht"}),
    ("Veel parkeerplaatsen verdwenen", "fysieke_omgeving", {"parkeerplaatsen"}),
    ("Er wordt te hard gereden en er is vuurwerk", "overlast_onveiligheid", {"te hard", "vuurwerk"}),
    ("Het Café op de hoek en de crèche", "voorzieningen", {"Café", "crèche"}),  # accents either way
    ("Cafe en creche", "voorzieningen", {"Cafe", "creche"}),
    ("The playground is lovely and the library is close by", "voorzieningen", {"playground", "library"}),
    ("Speeding cars and drug dealing at night", "overlast_onveiligheid", {"Speeding", "drug", "dealing"}),
    ("My flat has damp and mould and the landlord does nothing", "woningvoorraad", {"damp", "mould", "landlord"}),
    ("Neighbours here know each other, I never feel lonely", "sociale_samenhang",
     {"Neighbours", "know each other", "lonely"}),
    ("Too much litter and dog poo on the pavements", "fysieke_omgeving", {"litter", "dog poo", "pavements"}),
    ("More benches and trees please", "fysieke_omgeving", {"benches", "trees"}),
]

NOTHING = [
    "Ik woon hier graag",
    "I love it here",
    "GRATIS iPhone winnen?? Klik op de link in mijn profiel!!!",
    "",
    "<script>alert(1)</script>",
    "12345 !!! ???",
    "Ik maak me zorgen",  # 'zorgen' (worry) is not 'zorg' (care)
    "Ik ga met mijn moeder wandelen",  # 'met' is not the English 'meet'
]


@pytest.mark.parametrize(("text", "dimension", "reasons"), SUGGESTS, ids=[c[0][:40] for c in SUGGESTS])
def test_suggests_the_dimension_with_its_reasons(text, dimension, reasons):
    suggestions = suggest_dimensions(text)
    assert suggestions, text
    assert suggestions[0].target == dimension
    assert reasons <= set(suggestions[0].matched)
    assert suggestions[0].score == len(suggestions[0].matched)


@pytest.mark.parametrize("text", NOTHING)
def test_texts_that_match_nothing(text):
    assert suggest_dimensions(text) == []


@pytest.mark.parametrize(("a", "b"), [
    ("bomen", "boom"), ("straten", "straat"), ("huizen", "huis"), ("bankjes", "bank"), ("weggetje", "weg"),
    ("boompje", "boom"), ("fietsen", "fiets"), ("groene", "groen"), ("woningen", "woning"),
    ("winkels", "winkel"), ("grassen", "gras"), ("homes", "home"), ("streets", "street"), ("benches", "bench"),
    ("Café", "cafe"), ("SCHOOL", "school"), ("plantsoenen", "plantsoen"),
])
def test_inflections_normalise_to_the_same_stem(a, b):
    assert normalise_word(a) == normalise_word(b)


def test_apostrophe_plurals_split_off():
    assert [stem for _, stem in tokens("auto's en menu's")] == ["auto", "en", "menu"]


@pytest.mark.parametrize(("a", "b"), [("huis", "hui"), ("gras", "gra"), ("bus", "bu")])
def test_words_ending_in_s_that_are_not_plurals_keep_it(a, b):
    assert normalise_word(a) != b


def test_session_keywords_extend_a_dimension():
    text = "De jeu de boules baan bij de Kastanjelaan"
    assert suggest_dimensions(text) == []
    extra = {"voorzieningen": ["jeu de boules"], "onbekend": ["kastanjelaan"]}  # unknown keys are ignored
    [suggestion] = suggest_dimensions(text, extra)
    assert (suggestion.target, suggestion.matched) == ("voorzieningen", ("jeu de boules",))


def test_ties_follow_the_dimension_order_and_limit_applies():
    text = "huur, park, winkel, buren, overlast"
    ranked = suggest_dimensions(text, limit=5)
    assert [s.target for s in ranked] == list(DIMENSIONS)
    assert len(suggest_dimensions(text)) == 2


def test_theme_suggestions_match_the_theme_name():
    themes = ["Groen en water", "Jongeren", "Verkeer"]
    [suggestion] = suggest_themes("Meer groen graag, de vijver is vies en het water stinkt", themes)
    assert suggestion.target == "Groen en water" and suggestion.matched == ("groen", "water")
    assert suggest_themes("Niets hiervan", themes) == []
    assert suggest_themes("Ook voor de jongere kinderen", ["Jongeren"])[0].target == "Jongeren"


def test_every_dimension_has_dutch_and_english_keywords():
    assert set(KEYWORDS) == set(DIMENSIONS)
    for dimension in DIMENSIONS:
        assert KEYWORDS[dimension]["nl"] and KEYWORDS[dimension]["en"]
        assert len(lexicon()[dimension]) == len(KEYWORDS[dimension]["nl"]) + len(KEYWORDS[dimension]["en"])


@pytest.mark.parametrize(("raw", "expected"), [
    ("speelplek, jeu de boules", ["speelplek", "jeu de boules"]),
    ("a;b\nc", ["a", "b", "c"]),
    ("Speelplek, speelplek,  SPEELPLEK ", ["Speelplek"]),
    ("  ,, ; \n", []),
    ("x" * 80, ["x" * 40]),
])
def test_parse_keywords(raw, expected):
    assert parse_keywords(raw) == expected
