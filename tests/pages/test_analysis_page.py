"""AppTest of the analysis page on the seeded demo: closed to visitors, and an analyst sees the divergence
table (Tarwestraat e.o. and Werfkade, the demo's deliberate mismatches), the stories of a buurt as plain
text, who spoke with k, and the English version."""
from __future__ import annotations

import json

import pandas as pd
import pytest

from domain import demo

WERFKADE = next(code for code, (_, b) in demo.PLAN_BY_CODE.items() if b.name == "Werfkade")
KERKBUURT = next(code for code, (_, b) in demo.PLAN_BY_CODE.items() if b.name == "Kerkbuurt")
PAGE = "pages/analysis.py"


def run(app_env, role="analyst", lang="nl"):
    at = app_env.app_test(PAGE, timeout=90)
    at.session_state["app.lang"] = lang
    if role:
        at.session_state["auth.role"] = role
    return at.run()


def frame_with(at, column: str) -> pd.DataFrame:
    return next(df.value for df in at.dataframe if column in df.value.columns)


def test_visitor_does_not_get_the_page(app_env):
    at = app_env.app_test(timeout=60).run()
    at.switch_page(PAGE).run()  # a typed-in URL reaches the page's own guard: the sign-in, not the analysis
    assert not at.exception
    assert at.title[0].value == "Deze pagina is alleen voor begeleiders of analisten"
    assert not at.dataframe and not at.get("plotly_chart")


def test_analyst_finds_the_page_in_the_menu(app_env):
    at = app_env.app_test(timeout=90)
    at.session_state["auth.role"] = "analyst"
    at.run().switch_page(PAGE).run()
    assert not at.exception
    assert at.title[0].value == "Cijfers en verhalen per buurt · Voorbeeldstad"
    args = json.loads(at.get("component_instance")[0].proto.json_args)
    assert "map_div2" in args["script"] and "follow(a, b)" in args["script"]  # two maps, kept in step
    assert all(link.startswith("/app/static/") for link in args["js_links"] + args["css_links"])  # offline


def test_analyst_sees_the_divergence_table_on_the_demo(app_env):
    at = run(app_env)
    assert not at.exception
    assert at.title[0].value == "Cijfers en verhalen per buurt · Voorbeeldstad"
    table = frame_with(at, "In gewone taal")
    ranked = table[table["#"] != ""]
    assert ranked["Buurt"].tolist()[:2] == ["Tarwestraat e.o.", "Werfkade"]
    werfkade = table[table["Buurt"] == "Werfkade"].iloc[0]
    assert werfkade["Zorg"] == 4 and werfkade["Trots"] == 0
    assert werfkade["In gewone taal"].startswith("De cijfers over de buurt als geheel zijn gunstiger dan gemiddeld")
    assert "maar 4 van de 4 verhalen (trots of zorg) zijn zorgen" in werfkade["In gewone taal"]
    assert set(table.loc[table["#"] == "", "Status"]) <= {"te weinig verhalen", "geen cijfer"}
    assert any("alleen goedgekeurde verhalen" in m.value.lower() for m in at.markdown)
    assert any("Wilson" in m.value and "Empirical Bayes" in m.value for m in at.markdown)  # the method, in the UI
    assert len(at.get("component_instance")) == 1  # the two synchronised maps share one component
    assert len(at.get("plotly_chart")) == 1


def test_selecting_a_buurt_shows_its_stories_as_plain_text(app_env):
    at = run(app_env)
    at.selectbox(key="analysis.buurt").set_value(WERFKADE).run()
    assert not at.exception
    assert any(h.value.startswith("Goedgekeurde verhalen uit Werfkade (4)") for h in at.subheader)
    texts = [x.value for x in at.text]
    assert any("racebaan" in x for x in texts)
    assert not any("bewonersvereniging" in x for x in texts)  # that Werfkade story is still pending
    at.selectbox(key="analysis.buurt").set_value(KERKBUURT).run()
    # a resident's markup stays text: st.text, never markdown or HTML
    assert any("<b>meer fietsenrekken</b>" in x and "${1+1}" in x for x in (t.value for t in at.text))


def test_indicator_and_its_paired_topic(app_env):
    at = run(app_env)
    at.selectbox(key="analysis.indicator").set_value("woz").run()
    assert not at.exception
    assert at.selectbox(key="analysis.dimension").value == "woningvoorraad"
    assert at.selectbox(key="analysis.orientation").value == 1
    assert any("geen goede of slechte kant" in c.value for c in at.caption)
    at.selectbox(key="analysis.indicator").set_value("lbm_overlast_onveiligheid").run()
    assert at.selectbox(key="analysis.dimension").value == "overlast_onveiligheid"


def test_who_spoke_shows_no_group_below_k(app_env):
    at = run(app_env)
    for df in (d.value for d in at.dataframe if "Verhalen" in d.value.columns and "Groep" in d.value.columns):
        for count in df["Verhalen"]:
            assert count == "verborgen" or int(count) == 0 or int(count) >= 5
    assert any("We tellen verhalen, geen personen" in c.value for c in at.caption)


@pytest.mark.parametrize("lang, title", [("en", "Figures and stories per buurt · Voorbeeldstad")])
def test_english(app_env, lang, title):
    at = run(app_env, lang=lang)
    assert not at.exception and at.title[0].value == title
    table = frame_with(at, "In plain words")
    assert table.iloc[0]["In plain words"].startswith("The figures on the buurt as a whole are worse than average")
