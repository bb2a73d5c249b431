"""Analysis builders without a browser: the scatter via fig.to_dict(), the stories map layer as HTML."""
from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from components import analysis_view
from components.charts import RANKED_MARKER, TOO_FEW_MARKER, build_divergence_scatter
from domain import analysis
from domain.analysis import BetaPrior, DimensionPair
from domain.spatial import to_feature_collection

TEXTS = {"ranked": "Gerangschikt", "too_few": "Te weinig", "overall": "Alle verhalen: 50%", "average": "Gem.",
         "title": "Score <b>tegen</b> zorg", "x": "Score", "y": "Zorgaandeel"}


def rows():
    return pd.DataFrame([
        {"code": "A", "name": "Oost <script>x</script>", "status": "ranked", "value": 10.0, "n": 10, "concern": 8,
         "concern_share": 0.8, "wilson_low": 0.4902, "wilson_high": 0.9433, "shrunk_share": 0.65,
         "story_z": -1.0},
        {"code": "B", "name": "West", "status": "too_few", "value": 2.0, "n": 2, "concern": 1, "concern_share": 0.5,
         "wilson_low": 0.0945, "wilson_high": 0.9055, "shrunk_share": 0.5, "story_z": 0.0},
        {"code": "C", "name": "Noord", "status": "no_value", "value": None, "n": 4, "concern": 2,
         "concern_share": 0.5, "wilson_low": 0.15, "wilson_high": 0.85, "shrunk_share": 0.5, "story_z": 0.0},
        {"code": "D", "name": "Zuid", "status": "no_stories", "value": 5.0, "n": 0, "concern": 0,
         "concern_share": None, "wilson_low": None, "wilson_high": None, "shrunk_share": None, "story_z": None},
    ])


def test_scatter_points_carry_codes_and_wilson_error_bars():
    fig = build_divergence_scatter(rows(), indicator_label="Score", unit="", decimals=1, average=5.0,
                                   overall_share=0.5, lang="nl", texts=TEXTS).to_dict()
    ranked, too_few = fig["data"]
    assert ranked["customdata"] == ["A"] and too_few["customdata"] == ["B"]  # no figure or no stories: no point
    assert ranked["marker"]["color"] == RANKED_MARKER and too_few["marker"]["color"] == TOO_FEW_MARKER
    assert list(ranked["y"]) == [0.8]
    assert list(ranked["error_y"]["array"]) == pytest.approx([0.9433 - 0.8])
    assert list(ranked["error_y"]["arrayminus"]) == pytest.approx([0.8 - 0.4902])
    assert "&lt;script&gt;" in ranked["hovertext"][0] and "<script>" not in ranked["hovertext"][0]
    assert fig["layout"]["title"]["text"] == "Score &lt;b&gt;tegen&lt;/b&gt; zorg"
    assert fig["layout"]["shapes"][0]["y0"] == 0.5 and fig["layout"]["shapes"][1]["x0"] == 5.0
    assert fig["layout"]["yaxis"]["tickformat"] == ".0%"


def _result():
    area = gpd.GeoDataFrame({"code": ["A", "B", "C", "D"], "name": ["Oost <img src=x onerror=alert(1)>", "West",
                                                                      "Noord", "Zuid"], "is_water": [False] * 4},
                            geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1), box(0, 1, 1, 2), box(1, 1, 2, 2)], crs=4326)
    divergence = rows()
    return analysis_view.Analysis(area=area, linked=pd.DataFrame(), table=pd.DataFrame(),
                                  priors={"fysieke_omgeving": BetaPrior(5, 5)}, divergence=divergence,
                                  pair=DimensionPair("score", "fysieke_omgeving", 1), min_stories=3)


def test_story_cells_colour_by_shrunken_share_and_mark_too_few():
    result = _result()
    cells = analysis_view.story_cells(result, result.area, "nl")
    assert cells["A"].fill == analysis_view.STORY_FILLS[-1]  # story_z −1: more concerns than average
    assert cells["B"].fill != analysis_view.STORY_FILLS[0] and cells["B"].dashed  # 2 stories: too few
    assert cells["D"].fill == analysis_view.NO_STORIES_FILL
    assert "&lt;img" in cells["A"].tooltip_html and "<img" not in cells["A"].tooltip_html


def test_story_layer_renders_escaped_tooltips_and_fills():
    result = _result()
    layer = analysis_view.build_story_layer(to_feature_collection(result.area, []),
                                            analysis_view.story_cells(result, result.area, "nl"))
    import folium

    m = folium.Map(location=[1, 1], zoom_start=6, tiles=None)
    layer.add_to(m)
    html = m.get_root().render()
    assert analysis_view.STORY_FILLS[-1] in html and analysis_view.NO_STORIES_FILL in html
    assert "<img src=x" not in html


def test_divergence_display_is_text_and_keeps_the_code():
    meta = analysis.IndicatorMeta("score", "Score", "Score", unit="score", decimals=1)
    frame = rows().assign(rank=pd.array([1, None, None, None], dtype="Int64"), stat_z=[1.2, 0.1, None, 0.0],
                          score=[1.2, None, None, None], proud=[2, 1, 2, 0],
                          sentence_nl=["zin A", "zin B", "zin C", "zin D"], sentence_en=["a", "b", "c", "d"])
    shown = analysis_view.divergence_display(frame, meta, "nl")
    assert shown["_code"].tolist() == ["A", "B", "C"]  # buurten without stories are summed up, not listed
    assert shown["#"].tolist() == ["1", "", ""]
    assert shown["Cijfer"].tolist()[0] == "10,0"  # "score" is not repeated after every number
    assert shown["Zorgaandeel"].tolist()[0] == "80%" and shown["95%-interval"].tolist()[0] == "49% – 94%"


def test_synced_maps_use_our_own_sync_and_no_cdn_plugin():
    import folium

    result = _result()
    features = to_feature_collection(result.area, [])
    pair = analysis_view.build_synced_maps([[0, 0], [2, 2]], [analysis_view.build_story_layer(
        features, analysis_view.story_cells(result, result.area, "nl"))],
        analysis_view.build_story_layers(result, features, features, "nl"))
    assert isinstance(pair, folium.plugins.DualMap)
    html = pair.get_root().render()
    assert "follow(a, b)" in html and "L.Map.Sync" not in html and "jieter" not in html
    assert pair.default_js == ()


def test_selection_layer_outlines_only_the_chosen_buurt_on_both_maps():
    import folium

    features = to_feature_collection(_result().area, [])
    m = folium.Map(location=[1, 1], zoom_start=6, tiles=None)
    analysis_view.build_selection_layer(features, "B").add_to(m)
    script = m.get_root().render()
    assert "window.map_div2" in script and '"id":"B"' in script and '"id":"A"' not in script
    empty = folium.Map(location=[1, 1], zoom_start=6, tiles=None)
    analysis_view.build_selection_layer(features, None).add_to(empty)
    assert '"features":[]' in empty.get_root().render()  # no selection: the old outline is removed
