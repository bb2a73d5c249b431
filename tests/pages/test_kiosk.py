"""AppTest of the resident kiosk through app.py: kiosk-only routing, tap-to-pin (the map click injected into the
streamlit-folium component's session state, as the browser would send it) and nudging, the no-map path, submit → receipt → clean start, every bad input keeping the
draft, a locked database, photos, withdrawal, closed and unknown sessions, languages and right-to-left."""
from __future__ import annotations

import io
import json
import re

import pytest
from PIL import Image
from sqlalchemy.exc import OperationalError

from components import state
from domain.kiosk import MAX_WITHDRAW_FAILURES
from kiosksupport import (ALL_LANGUAGES, OUTSIDE_VOORBEELDSTAD, buurt_name, buurt_point, count_stories, make_session,
                          jpeg_with_gps, seeded_story_texts, story, story_by_receipt, stories_with_token)
from kiosksupport import open_kiosk_app as open_kiosk

KERKBUURT = "BU99990102"


# ---------------------------------------------------------------- helpers

def map_element(at):
    maps = at.get("component_instance")
    assert maps, "the kiosk map is not on the page"
    return maps[0]


def map_args(at) -> dict:
    return json.loads(map_element(at).proto.json_args)


def send_map(at, *, tap=None, centre=None):
    """What streamlit-folium would send: the last tap and the map centre."""
    value = {"last_clicked": {"lat": tap[0], "lng": tap[1]} if tap else None,
             "center": {"lat": centre[0], "lng": centre[1]} if centre else {"lat": 51.86, "lng": 5.17}}
    at.session_state[map_element(at).key] = value
    at.run()  # AppTest follows the handler's st.rerun() within this run
    assert not at.exception, at.exception
    return at


def texts(at) -> str:
    """Everything the page shows as text (markdown, captions, alerts, titles, plain text)."""
    parts = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "text", "success", "info", "warning",
                 "error"):
        parts += [str(element.value) for element in getattr(at, kind)]
    parts += [element.proto.body for element in at.get("html")]
    return "\n".join(parts)


def fill_story(at, *, kind="concern", text="Het plein bij de kerk is te donker 's avonds.", consent=True,
               age=None, relation=None, topic=None):
    if kind:
        at.radio(key=state.KIOSK_KIND).set_value(kind)
    at.text_area(key=state.KIOSK_TEXT).input(text)
    if topic:
        at.selectbox(key=state.KIOSK_TOPIC).select(topic)
    if age:
        at.button_group(key=state.KIOSK_AGE).set_value(age)
    if relation:
        at.button_group(key=state.KIOSK_RELATION).set_value(relation)
    if consent:
        at.checkbox(key=state.KIOSK_CONSENT).check()
    at.run()
    assert not at.exception, at.exception
    return at


def send(at):
    at.button(key=state.KIOSK_SUBMIT).click()
    at.run()
    assert not at.exception, at.exception
    return at


def receipt_code(at) -> str:
    found = [m for h in at.get("html") for m in re.findall(r"class=\"?'?bb-receipt[^>]*>([2-9A-Z]{2}-[2-9A-Z]{3})<",
                                                              h.proto.body)]
    assert found, "no receipt code on the page"
    return found[0]


# ---------------------------------------------------------------- routing and frame

def test_the_kiosk_url_runs_only_the_kiosk(app_env):
    at = open_kiosk(app_env)
    assert at.header[0].value == "Vertel over uw buurt"
    assert len(at.sidebar) == 0  # no language box, no sign-in, no page list
    assert not at.get("page_link")
    css = "".join(h.proto.body for h in at.get("html"))
    assert '[data-testid="stSidebar"]' in css and "display: none" in css
    switch = at.button_group(key=state.KIOSK_LANG)
    assert switch.value == "nl"
    # the demo session offers Dutch and English only
    assert [option.content for option in switch.proto.options] == ["Nederlands", "English"]


def test_the_session_title_is_plain_text(app_env):
    code = make_session(app_env.db_url, "**Wijkavond** <img src=x onerror=alert(1)> ${x}")
    at = open_kiosk(app_env, code)
    assert "**Wijkavond** <img src=x onerror=alert(1)> ${x}" in [t.value for t in at.text]
    assert "<img" not in "".join(m.value for m in at.markdown)


def test_unknown_code_asks_for_a_join_code(app_env):
    at = open_kiosk(app_env, "NOPE42")
    assert at.title[0].value == "Doe mee met het buurtgesprek"
    assert "We vinden geen buurtgesprek met die code" in at.warning[0].value
    assert not at.get("component_instance")


def test_phone_join_code_locks_to_that_session(app_env):
    at = app_env.app_test()
    at.query_params["join"] = "1"
    at.run()
    assert at.title[0].value == "Doe mee met het buurtgesprek" and not at.warning
    at.text_input(key=state.KIOSK_JOIN_CODE).input("demo 01")
    at.button[0].click()
    at.run()
    at.run()
    assert not at.exception
    assert at.query_params["session"] == "DEMO01" and at.query_params["kiosk"] == "1"
    assert at.header[0].value == "Vertel over uw buurt" and at.get("component_instance")


def test_a_closed_session_says_so_politely_and_takes_nothing(app_env):
    code = make_session(app_env.db_url, "Afgelopen avond", closed=True)
    at = open_kiosk(app_env, code)
    assert at.title[0].value == "Dit buurtgesprek is gesloten"
    assert "Dank u wel voor uw belangstelling" in at.info[0].value
    assert not at.get("component_instance") and not at.text_area
    assert at.text_input(key=state.KIOSK_WITHDRAW_CODE)  # withdrawing still works


# ---------------------------------------------------------------- where

def test_tap_places_the_pin_centres_the_map_and_nudging_moves_it(app_env):
    at = open_kiosk(app_env)
    key_before = map_element(at).key
    assert "classList.add('bb-pin-inside')" not in map_args(at)["feature_group"]
    lat, lon = buurt_point(app_env.db_url, KERKBUURT)
    send_map(at, tap=(lat, lon))
    assert [s.value for s in at.success] == ["De speld staat in Kerkbuurt."]
    args = map_args(at)
    assert args["center"] == [lat, lon] and args["zoom"] == 15
    assert "classList.add('bb-pin-inside')" in args["feature_group"]
    assert map_element(at).key == key_before  # same base map: the iframe is not rebuilt
    # panning moves the spot under the centre pin into the next buurt
    other = buurt_point(app_env.db_url, "BU99990101")
    send_map(at, tap=(lat, lon), centre=other)
    assert [s.value for s in at.success] == [f"De speld staat in {buurt_name(app_env.db_url, 'BU99990101')}."]
    assert map_args(at)["center"] == [lat, lon]  # the map is not pulled back to the tap
    assert at.session_state["kiosk.pin"] == other


def test_without_a_tap_the_pin_can_go_to_the_map_centre(app_env):
    # for keyboard users and anyone who would rather pan than tap
    at = open_kiosk(app_env)
    centre = buurt_point(app_env.db_url, KERKBUURT)
    send_map(at, centre=centre)
    assert "kiosk.pin" not in at.session_state
    at.button(key=state.KIOSK_PIN_HERE).click().run()
    assert at.session_state["kiosk.pin"] == centre
    assert [s.value for s in at.success] == ["De speld staat in Kerkbuurt."]


@pytest.mark.parametrize("tap, message", [
    (OUTSIDE_VOORBEELDSTAD, "buiten het gebied"),
    ((float("nan"), 5.17), "klopt niet"),
    ((95.0, 5.17), "klopt niet"),
])
def test_a_tap_outside_the_area_or_a_tampered_position_is_not_accepted(app_env, tap, message):
    at = open_kiosk(app_env)
    send_map(at, tap=tap)
    assert message in at.warning[0].value
    assert "kiosk.pin" not in at.session_state
    assert "classList.add('bb-pin-inside')" not in map_args(at)["feature_group"]


def test_only_the_session_buurten_are_on_the_map_and_accepted(app_env):
    code = make_session(app_env.db_url, "Alleen de Binnenstad", area_codes=["WK999901"])
    at = open_kiosk(app_env, code)
    script = map_args(at)["script"]
    assert '"BU99990101"' in script and '"BU99990301"' not in script
    send_map(at, tap=buurt_point(app_env.db_url, "BU99990301"))
    assert "buiten het gebied" in at.warning[0].value


def test_the_no_map_path_stores_the_buurt_without_a_point(app_env):
    at = open_kiosk(app_env)
    at.toggle(key=state.KIOSK_NO_MAP).set_value(True).run()
    assert not at.get("component_instance")
    at.selectbox(key=state.KIOSK_BUURT).select(KERKBUURT)
    at.text_input(key=state.KIOSK_PLACE).input("Bankje bij de <b>kerk</b>")
    fill_story(at, kind="proud", text="Mooie kerk")
    send(at)
    stored = story_by_receipt(app_env.db_url, receipt_code(at))
    assert (stored["buurt_code"], stored["lat"], stored["lon"]) == (KERKBUURT, None, None)
    assert stored["place_description"] == "Bankje bij de <b>kerk</b>"


# ---------------------------------------------------------------- submit

def test_pin_story_submit_receipt_and_a_clean_start(app_env):
    at = open_kiosk(app_env, kiosk_id="bieb-1")
    lat, lon = buurt_point(app_env.db_url, KERKBUURT)
    send_map(at, tap=(lat, lon))
    fill_story(at, kind="concern", text="  Het plein is 's avonds te donker. 🌙  ", age="45-64", relation="lives",
               topic="overlast_onveiligheid")
    token = at.session_state["kiosk.submission_token"]
    send(at)
    assert at.title[0].value == "Dank u wel!"
    code = receipt_code(at)
    stored = story_by_receipt(app_env.db_url, code)
    assert stored["buurt_code"] == KERKBUURT and (stored["lat"], stored["lon"]) == (lat, lon)
    assert stored["text"] == "Het plein is 's avonds te donker. 🌙"
    assert (stored["kind"], stored["dimension"], stored["age_band"], stored["relation"]) == \
        ("concern", "overlast_onveiligheid", "45-64", "lives")
    assert (stored["status"], stored["language"], stored["consent"], stored["kiosk_id"]) == \
        ("pending", "nl", True, "bieb-1")
    assert stored["submission_token"] == token and code not in stored["receipt_hash"]
    assert "Een begeleider leest het" in texts(at)
    # start again: an empty form, a new token, no pin
    at.button(key=state.KIOSK_AGAIN).click().run()
    assert at.header[0].value == "Vertel over uw buurt"
    assert at.text_area(key=state.KIOSK_TEXT).value == "" and at.radio(key=state.KIOSK_KIND).value is None
    assert "kiosk.pin" not in at.session_state
    assert "classList.add('bb-pin-inside')" not in map_args(at)["feature_group"]
    assert at.session_state["kiosk.submission_token"] != token
    # the browser may send the old map value once more: the previous resident's pin must not come back
    send_map(at, tap=(lat, lon))
    assert "kiosk.pin" not in at.session_state and not at.success


def test_post_moderation_says_the_story_is_on_the_map(app_env):
    code = make_session(app_env.db_url, "Direct zichtbaar", moderation="post")
    at = open_kiosk(app_env, code)
    send_map(at, tap=buurt_point(app_env.db_url, KERKBUURT))
    send(fill_story(at))
    assert story_by_receipt(app_env.db_url, receipt_code(at))["status"] == "approved"
    assert "Het staat nu op de kaart." in texts(at)


BAD_INPUT = [
    # (case, what the resident did, expected message part)
    ("no kind", dict(kind=None), "Kies eerst waarover"),
    ("empty story", dict(text=""), "het vak is nog leeg"),
    ("whitespace story", dict(text="   \n\n   "), "het vak is nog leeg"),
    ("no consent", dict(consent=False), "Vink onderaan aan"),
]


@pytest.mark.parametrize("case, did, message", BAD_INPUT, ids=[row[0] for row in BAD_INPUT])
def test_bad_input_shows_why_stores_nothing_and_keeps_the_draft(app_env, case, did, message):
    at = open_kiosk(app_env)
    point = buurt_point(app_env.db_url, KERKBUURT)
    send_map(at, tap=point)
    values = dict(kind="dream", text="Een speeltuin met <b>schommels</b> en ${water} **graag**", consent=True)
    values.update(did)
    fill_story(at, **values)
    before = count_stories(app_env.db_url)
    send(at)
    assert message in at.error[0].value
    assert count_stories(app_env.db_url) == before
    # nothing typed or chosen is lost
    assert at.text_area(key=state.KIOSK_TEXT).value == values["text"]
    assert at.radio(key=state.KIOSK_KIND).value == values["kind"]
    assert at.checkbox(key=state.KIOSK_CONSENT).value is values["consent"]
    assert at.session_state["kiosk.pin"] == point


def test_no_place_at_all_is_refused(app_env):
    at = open_kiosk(app_env)
    fill_story(at)
    send(at)
    assert "Tik op de kaart, of kies uw buurt" in at.error[0].value


def test_a_story_over_the_limit_is_counted_refused_and_kept(app_env):
    code = make_session(app_env.db_url, "Korte verhalen", max_chars=40)
    at = open_kiosk(app_env, code)
    send_map(at, tap=buurt_point(app_env.db_url, KERKBUURT))
    assert "0 / 40 tekens" in texts(at)
    fill_story(at, text="  " + "x" * 55 + "  ")
    assert "55 / 40 tekens · te lang" in texts(at)
    before = count_stories(app_env.db_url)
    send(at)
    assert "Uw verhaal is 55 tekens; het mag er 40 zijn" in at.error[0].value
    assert at.text_area(key=state.KIOSK_TEXT).value == "  " + "x" * 55 + "  "
    assert count_stories(app_env.db_url) == before


def test_markup_is_stored_as_text_and_never_rendered(app_env):
    nasty = "<img src=x onerror=alert(1)> <script>alert(2)</script> ${alert(3)} **vet** [klik](http://x.invalid)"
    at = open_kiosk(app_env)
    send_map(at, tap=buurt_point(app_env.db_url, KERKBUURT))
    fill_story(at, text=nasty)
    send(at)
    assert story_by_receipt(app_env.db_url, receipt_code(at))["text"] == nasty
    shown = texts(at)
    assert "onerror" not in shown and "alert(" not in shown and "klik" not in shown


def test_the_submission_token_stays_with_the_draft_so_a_retry_is_one_story(app_env):
    at = open_kiosk(app_env)
    send_map(at, tap=buurt_point(app_env.db_url, KERKBUURT))
    fill_story(at, consent=False)
    token = at.session_state["kiosk.submission_token"]
    send(at)  # refused: no consent
    at.checkbox(key=state.KIOSK_CONSENT).check().run()
    send(at)
    assert at.title[0].value == "Dank u wel!"
    assert stories_with_token(app_env.db_url, token) == 1
    at.button(key=state.KIOSK_AGAIN).click().run()
    assert at.session_state["kiosk.submission_token"] != token  # a new draft, a new token


def test_a_locked_database_is_retried(app_env, monkeypatch):
    import storage.stories

    real, calls = storage.stories.submit_story, []

    def busy_once(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("INSERT INTO stories", {}, Exception("database is locked"))
        return real(*args, **kwargs)

    monkeypatch.setattr(storage.stories, "submit_story", busy_once)
    at = open_kiosk(app_env)
    send_map(at, tap=buurt_point(app_env.db_url, KERKBUURT))
    send(fill_story(at))
    assert len(calls) == 2
    assert story_by_receipt(app_env.db_url, receipt_code(at)) is not None


def test_a_database_locked_for_too_long_keeps_the_draft_and_says_so(app_env, monkeypatch):
    import storage.stories

    def always_busy(*args, **kwargs):
        raise OperationalError("INSERT INTO stories", {}, Exception("database is locked"))

    monkeypatch.setattr(storage.stories, "submit_story", always_busy)
    at = open_kiosk(app_env)
    send_map(at, tap=buurt_point(app_env.db_url, KERKBUURT))
    fill_story(at, text="Bewaar mij")
    before = count_stories(app_env.db_url)
    send(at)
    assert "Uw verhaal staat er nog" in at.error[0].value
    assert at.text_area(key=state.KIOSK_TEXT).value == "Bewaar mij"
    assert count_stories(app_env.db_url) == before


# ---------------------------------------------------------------- photo

def test_a_photo_is_stored_reencoded_without_exif(app_env):
    at = open_kiosk(app_env)
    send_map(at, tap=buurt_point(app_env.db_url, KERKBUURT))
    at.file_uploader(key=state.KIOSK_PHOTO_FILE).set_value(("plein.jpg", jpeg_with_gps(), "image/jpeg"))
    fill_story(at)
    assert at.get("imgs") or at.get("image")  # the re-encoded preview
    send(at)
    stored = story_by_receipt(app_env.db_url, receipt_code(at))
    with Image.open(io.BytesIO(stored["photo"])) as photo:
        assert photo.format == "JPEG" and dict(photo.getexif()) == {} and photo.size == (40, 80)


def test_a_camera_photo_takes_the_same_road(app_env):
    at = open_kiosk(app_env)
    send_map(at, tap=buurt_point(app_env.db_url, KERKBUURT))
    at.toggle(key=state.KIOSK_USE_CAMERA).set_value(True).run()
    assert not at.get("file_uploader")
    at.camera_input(key=state.KIOSK_PHOTO_CAMERA).set_value(("camera.jpg", jpeg_with_gps(), "image/jpeg"))
    send(fill_story(at, text="Gefotografeerd bij de kiosk"))
    stored = story_by_receipt(app_env.db_url, receipt_code(at))
    with Image.open(io.BytesIO(stored["photo"])) as photo:
        assert dict(photo.getexif()) == {} and photo.size == (40, 80)


@pytest.mark.parametrize("name, data, message", [
    ("boodschappen.jpg", b"melk, brood, kaas\n" * 50, "geen foto die we kunnen openen"),
    ("half.jpg", jpeg_with_gps()[:300], "geen foto die we kunnen openen"),
])
def test_a_bad_photo_is_named_and_nothing_is_stored(app_env, name, data, message):
    at = open_kiosk(app_env)
    send_map(at, tap=buurt_point(app_env.db_url, KERKBUURT))
    at.file_uploader(key=state.KIOSK_PHOTO_FILE).set_value((name, data, "image/jpeg"))
    fill_story(at, text="Met foto")
    assert message in at.error[0].value  # straight after choosing it
    before = count_stories(app_env.db_url)
    send(at)
    assert message in at.error[-1].value
    assert count_stories(app_env.db_url) == before
    assert at.text_area(key=state.KIOSK_TEXT).value == "Met foto"


# ---------------------------------------------------------------- withdraw

def withdraw(at, code: str):
    at.text_input(key=state.KIOSK_WITHDRAW_CODE).input(code)
    at.button(key=state.KIOSK_WITHDRAW).click()
    at.run()
    assert not at.exception, at.exception
    return at


def test_withdraw_by_receipt_code_from_another_kiosk(app_env):
    at = open_kiosk(app_env)
    send_map(at, tap=buurt_point(app_env.db_url, KERKBUURT))
    at.file_uploader(key=state.KIOSK_PHOTO_FILE).set_value(("plein.jpg", jpeg_with_gps(), "image/jpeg"))
    send(fill_story(at, text="Trek mij maar in"))
    code = receipt_code(at)
    story_id = story_by_receipt(app_env.db_url, code)["id"]
    other = open_kiosk(app_env, make_session(app_env.db_url, "Andere avond"))
    withdraw(other, code.lower().replace("-", " "))
    assert "Uw verhaal is ingetrokken en gewist." in other.success[0].value
    assert story(app_env.db_url, story_id) == {"status": "withdrawn", "text": "", "lat": None, "photo_id": None}
    assert other.text_input(key=state.KIOSK_WITHDRAW_CODE).value == ""


def test_wrong_receipt_codes_are_limited_per_browser_session(app_env):
    at = open_kiosk(app_env)
    withdraw(at, "<script>")
    assert "Een code bestaat uit 5 letters en cijfers" in at.warning[0].value
    for tries_left in range(MAX_WITHDRAW_FAILURES - 1, 0, -1):
        withdraw(at, "ZZ-ZZZ")
        assert f"nog {tries_left} keer proberen" in at.warning[0].value
    withdraw(at, "ZZ-ZZY")
    assert "Te veel codes geprobeerd" in at.error[0].value
    assert at.text_input(key=state.KIOSK_WITHDRAW_CODE).disabled
    assert at.button(key=state.KIOSK_WITHDRAW).disabled


# ---------------------------------------------------------------- privacy

def test_the_kiosk_never_shows_other_residents_stories(app_env):
    seeded = seeded_story_texts(app_env.db_url)
    assert seeded.get("pending") and seeded.get("approved")
    at = open_kiosk(app_env)
    send_map(at, tap=buurt_point(app_env.db_url, KERKBUURT))
    args = map_args(at)
    shown = texts(at) + args["script"] + args["feature_group"] + args["html"] + args["header"]
    for text in seeded["pending"] + seeded["approved"]:
        assert text[:40] not in shown


# ---------------------------------------------------------------- languages

def test_english_is_complete_and_keeps_the_draft(app_env):
    at = open_kiosk(app_env)
    fill_story(at, text="Mijn verhaal", consent=False)
    at.button_group(key=state.KIOSK_LANG).set_value("en").run()
    assert at.header[0].value == "Tell us about your neighbourhood"
    assert at.text_area(key=state.KIOSK_TEXT).value == "Mijn verhaal"
    assert at.radio(key=state.KIOSK_KIND).options[0] == "What are you proud of?"


def test_arabic_is_right_to_left_and_only_offered_where_the_session_allows(app_env):
    code = make_session(app_env.db_url, "Meertalige avond", languages=ALL_LANGUAGES, themes=["Speelplekken"])
    at = open_kiosk(app_env, code)
    options = [opt.content for opt in at.button_group(key=state.KIOSK_LANG).proto.options]
    assert options == ["Nederlands", "English", "العربية", "Polski", "Türkçe"]
    at.button_group(key=state.KIOSK_LANG).set_value("ar").run()
    assert at.header[0].value == "حدّثنا عن حيّك"
    html = "".join(h.proto.body for h in at.get("html"))
    assert '"dir": "rtl"' in html and '"lang": "ar"' in html and "direction: rtl" in html
    assert at.radio(key=state.KIOSK_KIND).options[0] == "ما الذي تفخر به؟"
    send_map(at, tap=buurt_point(app_env.db_url, KERKBUURT))
    send(fill_story(at, text="الحديقة جميلة 🌳", topic="theme:Speelplekken"))
    stored = story_by_receipt(app_env.db_url, receipt_code(at))
    assert (stored["language"], stored["text"], stored["themes"]) == ("ar", "الحديقة جميلة 🌳", ["Speelplekken"])


def test_lang_in_the_url_is_honoured_only_for_offered_languages(app_env):
    assert open_kiosk(app_env, lang="en").header[0].value == "Tell us about your neighbourhood"
    assert open_kiosk(app_env, lang="ar").header[0].value == "Vertel over uw buurt"  # DEMO01: nl/en only


def test_a_statistics_layer_colours_the_area_with_a_legend(app_env):
    code = make_session(app_env.db_url, "Met leefbaarheid", stats_indicator="lbm_score")
    at = open_kiosk(app_env, code)
    assert "#253494" in map_args(at)["script"] or "#ffffcc" in map_args(at)["script"]
    assert any(e.label == "Wat betekenen de kleuren?" for e in at.expander)


def test_every_kiosk_translation_has_every_key_and_placeholder():
    from string import Formatter

    from components.i18n import LOCALES_DIR

    def fields(text):
        return {name for _, name, _, _ in Formatter().parse(text) if name}

    dutch = json.loads((LOCALES_DIR / "nl" / "kiosk.json").read_text(encoding="utf-8"))
    for lang in ALL_LANGUAGES[1:]:
        other = json.loads((LOCALES_DIR / lang / "kiosk.json").read_text(encoding="utf-8"))
        assert set(other) == set(dutch), lang
        for key, text in dutch.items():
            assert fields(other[key]) == fields(text), (lang, key)
            assert other[key].strip(), (lang, key)


def test_a_kiosk_only_language_stays_out_of_the_main_app(app_env):
    from components.i18n import available_languages

    assert list(available_languages()) == ["nl", "en"]
    assert list(available_languages(area="kiosk")) == ["nl", "en", "ar", "pl", "tr"]

