"""AppTest of the statistics page on the seeded demo: renders, recolours, profile, English, empty state."""
import json
import re

import pytest

from components import state


def _map_args(at):
    maps = at.get("component_instance")
    assert maps, "the statistics map is not on the page"
    return json.loads(maps[0].proto.json_args)


def test_statistics_page_renders_the_demo_map(app_env):
    at = app_env.app_test().run()
    assert not at.exception
    assert at.title[0].value.startswith("Statistiek per buurt · Voorbeeldstad")
    args = _map_args(at)
    assert len(set(re.findall(r'"id": ?"(BU9999\d{4})"', args["feature_group"]))) == 59  # every demo buurt
    assert all(link.startswith("/app/static/vendor/") for link in args["js_links"] + args["css_links"])
    assert "geheim/onbekend" in "".join(m.value for m in at.markdown)


def test_picking_another_indicator_recolours_the_map(app_env):
    at = app_env.app_test().run()
    before = _map_args(at)["feature_group"]
    at.selectbox(key=state.STATS_INDICATOR).select("pct_huurwoningen").run()
    assert not at.exception
    after = _map_args(at)["feature_group"]
    assert before != after
    assert "Huurwoningen" in after


@pytest.mark.parametrize("scheme", ["quantiles", "equal_interval", "natural_breaks", "deviation"])
def test_every_classification_renders(app_env, scheme):
    at = app_env.app_test().run()
    at.selectbox(key=state.STATS_SCHEME).select(scheme).run()
    assert not at.exception
    legend = "".join(m.value for m in at.markdown)
    if scheme == "deviation":
        assert "Duidelijk beter" in legend and "Rond het gemiddelde" in legend


def test_choosing_a_buurt_shows_its_profile_with_missing_as_missing(app_env):
    at = app_env.app_test().run()
    # a small buurt whose income figures are secret in the demo
    at.selectbox(key=state.STATS_SELECTED_BUURT).select("BU99990309").run()
    assert not at.exception
    assert any(h.value.startswith("Buurtprofiel") for h in at.subheader)
    figure = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert figure["data"][0]["orientation"] == "h"
    missing = [a["text"] for a in figure["layout"].get("annotations", [])]
    assert any("geheim/onbekend" in text for text in missing)  # secret income shown as missing, not 0
    bars = dict(zip(figure["data"][0]["y"], figure["data"][0]["x"]))
    assert bars["Gemiddeld inkomen per inwoner"] is None


def test_map_click_selects_the_buurt_under_it(app_env):
    at = app_env.app_test().run()
    element = at.get("component_instance")[0]
    # a point inside buurt BU99990309, taken from the stored geometry
    from storage import areas
    from storage.db import make_session_factory, read_scope
    with read_scope(make_session_factory(app_env.db_url)) as session:
        municipality = areas.active_municipality(session)
        frame = areas.load_areas(session, municipality.id, "buurt")
    point = frame.loc[frame["code"] == "BU99990309", "geometry"].iloc[0].representative_point()
    at.session_state[element.key] = {"last_object_clicked": {"lat": point.y, "lng": point.x}}
    at.run()
    at.run()  # the click handler reruns once to show the selection
    assert not at.exception
    assert at.selectbox(key=state.STATS_SELECTED_BUURT).value == "BU99990309"


def test_english_labels(app_env):
    at = app_env.app_test().run()
    at.selectbox(key=state.LANGUAGE).select("en").run()
    assert at.title[0].value.startswith("Statistics per neighbourhood")
    assert "secret/unknown" in "".join(m.value for m in at.markdown)


def test_empty_database_offers_the_demo(sqlite_db_url, monkeypatch):
    from streamlit.testing.v1 import AppTest

    import streamlit as st
    monkeypatch.setenv("APP_DB_URL", sqlite_db_url)
    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file("../../app.py", default_timeout=60).run()
    assert not at.exception
    assert at.title[0].value == "Nog geen gemeente geladen"
    at.button(key="stats.load_demo").click().run()
    assert not at.exception
    assert at.title[0].value.startswith("Statistiek per buurt · Voorbeeldstad")
    st.cache_data.clear()
    st.cache_resource.clear()
