"""AppTest of the map section of the exports page on the seeded demo: the analyst picks indicator, classification,
size, title and annotation; the three buttons hand over (built on click: the deferred callables are captured from
Streamlit's media file manager and run here) an offline HTML map with only approved, escaped stories, a PNG of the
chosen size and an A4 PDF. Too long an annotation is explained and nothing is offered; English."""
from __future__ import annotations

import io
import re

from facilitatorsupport import DEMO_CODE, HTML_PAYLOAD, moderate, submit
from PIL import Image

from domain import static_map

PAGE = "pages/exports.py"
PENDING_WERFKADE = "bewonersvereniging"  # a demo story that is still pending (tests/pages/test_analysis_page.py)
MAP_LABELS = ["Kaart (HTML, werkt offline)", "Kaart (PNG)", "Kaart (PDF)"]


def run(app_env, lang="nl"):
    at = app_env.app_test(PAGE, timeout=120)
    at.session_state["app.lang"] = lang
    at.session_state["auth.role"] = "analyst"
    at.session_state["auth.actor"] = "Ada"
    return at.run()


def test_analyst_downloads_the_annotated_map(app_env, deferred):
    story_id, _ = submit(app_env.db_url, HTML_PAYLOAD, kind="idea")
    moderate(app_env.db_url, story_id, "approve", actor="Anna")
    at = run(app_env)
    assert not at.exception, at.exception
    assert [b.label for b in at.get("download_button")][-3:] == MAP_LABELS
    assert at.selectbox(key="exports.map.indicator").value == "lbm_score"  # the demo session's projector layer

    at.selectbox(key="exports.map.indicator").set_value("woz")
    at.selectbox(key="exports.map.scheme").set_value("natural_breaks")
    at.text_input(key=f"exports.map.heading.buurtbeeld-{DEMO_CODE}").input("Kerkbuurt <script>x</script>")
    at.text_area(key="exports.map.annotation").input("Veel zorgen bij de school.\n<b>Niet vet</b>")
    at.selectbox(key="exports.map.size").set_value("slide")
    at.run()
    assert not at.exception and not at.error

    stem = f"buurtbeeld-{DEMO_CODE}-kaart-woz"
    build, mime = deferred[f"{stem}.html"]
    html = build().decode()
    assert mime == "text/html"
    assert not re.findall(r"(?:src|href)\s*=\s*[\"']?(?:https?:)?//(?!leafletjs\.com)", html)
    assert "<h1>Kerkbuurt &lt;script&gt;x&lt;/script&gt;</h1>" in html
    assert "Veel zorgen bij de school.\n&lt;b&gt;Niet vet&lt;/b&gt;" in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html and "<script>alert" not in html
    assert PENDING_WERFKADE not in html
    assert "WOZ-waarde" in html and "Natuurlijke grenzen (Jenks)" in html
    assert html.count("<li class=bb-story") == 51  # the 50 approved demo stories and the one approved here

    png = Image.open(io.BytesIO(deferred[f"{stem}.png"][0]()))
    assert png.size == static_map.SHEET_SIZES["slide"][:2] and deferred[f"{stem}.png"][1] == "image/png"
    pdf = deferred[f"{stem}.pdf"][0]()
    assert pdf.startswith(b"%PDF-") and deferred[f"{stem}.pdf"][1] == "application/pdf"


def test_an_over_long_annotation_is_explained_and_nothing_is_offered(app_env, deferred):
    at = run(app_env)
    at.text_area(key="exports.map.annotation").input("x" * (static_map.MAX_ANNOTATION + 5)).run()
    assert not at.exception
    assert at.error[0].value.startswith(f"De toelichting is {static_map.MAX_ANNOTATION + 5} tekens lang; maximaal "
                                        f"{static_map.MAX_ANNOTATION}.")
    labels = [b.label for b in at.get("download_button")]
    assert not set(MAP_LABELS) & set(labels) and "Verhalen (CSV)" in labels


def test_english(app_env, deferred):
    at = run(app_env, lang="en")
    assert not at.exception
    assert [b.label for b in at.get("download_button")][-3:] == ["Map (HTML, works offline)", "Map (PNG)",
                                                                  "Map (PDF)"]
    html = deferred[f"buurtbeeld-{DEMO_CODE}-kaart-lbm_score.html"][0]().decode()
    assert "<html lang=en>" in html and "Made with Buurtbeeld on" in html
