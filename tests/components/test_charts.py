"""Profile chart via fig.to_dict(): missing values are labelled, never drawn as 0."""
from components.charts import build_profile_figure
from components.maps import JUDGED
from domain.profile import ProfileRow


def _rows():
    return [
        ProfileRow("woz", "WOZ", "× €1.000", 0, 250.0, None, 300.0, -0.8, 0),
        ProfileRow("pct_uitkering", "Uitkering", "%", 1, None, "secret", 4.0, None, None),
        ProfileRow("lbm_score", "Leefbaarometer <b>x</b>", "score", 2, 4.4, None, 4.1, 1.2, 1),
    ]


def test_missing_indicator_has_no_bar_and_a_label():
    fig = build_profile_figure(_rows(), buurt_name="Oost").to_dict()
    bar = fig["data"][0]
    by_label = dict(zip(bar["y"], bar["x"]))
    assert by_label["Uitkering"] is None
    assert any("geheim/onbekend" in a["text"] for a in fig["layout"]["annotations"])


def test_bars_coloured_by_judgement_and_hover_shows_both_values():
    fig = build_profile_figure(_rows(), buurt_name="Oost").to_dict()
    bar = fig["data"][0]
    colours = dict(zip(bar["y"], bar["marker"]["color"]))
    assert colours["Leefbaarometer &lt;b&gt;x&lt;/b&gt;"] == JUDGED[1]
    hover = dict(zip(bar["y"], bar["hovertext"]))
    assert hover["WOZ"] == "Oost: 250 × €1.000<br>Gemeente: 300 × €1.000"


def test_english_axis():
    fig = build_profile_figure(_rows(), buurt_name="Oost", lang="en").to_dict()
    assert "standard deviations" in fig["layout"]["xaxis"]["title"]["text"]


def test_labels_from_files_are_not_markup():
    fig = build_profile_figure(_rows(), buurt_name="<a href='javascript:alert(1)'>Oost</a>").to_dict()
    assert all("<b>" not in y for y in fig["data"][0]["y"])
    assert all("<a " not in h for h in fig["data"][0]["hovertext"])
