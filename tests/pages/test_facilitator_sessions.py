"""AppTest of the sessions page: create (whole municipality, wijken, buurten clicked on the map), refuse empty and
duplicate titles, join code + QR + kiosk address, close/reopen, duplicate for a follow-up, edit settings and
keywords; every act audited; closed to anyone not signed in as facilitator."""
import pytest

from facilitatorsupport import all_sessions, buurt_point, buurten_of_wijk, signed_in, trail

PAGE = "pages/facilitator_sessions.py"
BASE_URL = "http://buurtbeeld.test:8501"
NEW = "sessions.form.new."


@pytest.fixture
def env(app_env, monkeypatch):
    monkeypatch.setenv("BUURTBEELD_PUBLIC_BASE_URL", BASE_URL + "/")
    return app_env


def open_page(env, **kw):
    at = signed_in(env, PAGE, **kw).run()
    assert not at.exception, at.exception
    return at


def new_session_form(env):
    at = open_page(env)
    at.radio(key="sessions.view").set_value("new").run()
    assert not at.exception, at.exception
    return at


def create(at, title: str):
    at.text_input(key=NEW + "title").input(title)
    at.button(key=NEW + "save").click().run()
    assert not at.exception, at.exception
    return at


def by_title(env, title: str):
    return next(s for s in all_sessions(env.db_url) if s.title == title)


def test_not_signed_in_or_analyst_sees_the_sign_in_not_the_sessions(env):
    for role in (None, "analyst"):
        at = env.app_test(PAGE)
        if role:
            at.session_state["auth.role"] = role
        at.run()
        assert at.title[0].value.startswith("Deze pagina is alleen")
        assert not at.get("metric") and "sessions.view" not in [r.key for r in at.radio]


def test_overview_lists_the_demo_session_with_code_qr_and_kiosk_address(env):
    at = open_page(env)
    table = at.dataframe[0].value
    assert list(table["Code"]) == ["DEMO01"] and table["Goedgekeurd"].iloc[0] > 0
    assert at.metric[0].value == "DEMO01"
    assert f"{BASE_URL}/?kiosk=1&session=DEMO01" in [c.value for c in at.code]
    assert "Scan om mee te doen" in at.image[0].captions, "the QR code image is missing"
    assert at.get("download_button")


def test_create_a_session_for_the_whole_municipality(env):
    at = create(new_session_form(env), "Wijkavond Voorbeeldstad")
    created = by_title(env, "Wijkavond Voorbeeldstad")
    assert 'Sessie "Wijkavond Voorbeeldstad" is gemaakt' in at.success[0].value and created.code in at.success[0].value
    assert at.radio(key="sessions.view").value == "overview" and at.metric[0].value == created.code
    demo = by_title(env, next(s.title for s in all_sessions(env.db_url) if s.code == "DEMO01"))
    assert set(created.area_codes) == set(demo.area_codes)  # the demo session covers every buurt
    assert created.settings.moderation == "pre" and created.settings.k == 5
    assert list(created.prompts) == ["proud", "concern", "dream", "idea", "contribution"]
    assert created.settings.stats_layers and created.settings.stats_indicator == created.settings.stats_layers[0]
    assert [(e.action, e.actor) for e in trail(env.db_url, "session", created.id)] == [("create", "Anna")]
    # the form is empty again for the next one
    at.radio(key="sessions.view").set_value("new").run()
    assert at.text_input(key=NEW + "title").value == ""


@pytest.mark.parametrize(("title", "message"), [
    ("", "Geef de sessie een titel"),
    ("   ", "Geef de sessie een titel"),
    ("  demo: WIJKGESPREK Voorbeeldstad (voorbeeldgegevens) ", "Er is al een sessie met deze titel"),
])
def test_empty_and_duplicate_titles_are_refused_and_nothing_is_stored(env, title, message):
    before = len(all_sessions(env.db_url))
    at = create(new_session_form(env), title)
    assert message in at.error[0].value
    assert len(all_sessions(env.db_url)) == before
    assert at.radio(key="sessions.view").value == "new"  # what was entered stays on screen


def test_create_for_chosen_wijken_with_own_prompts_themes_settings_and_keywords(env):
    at = new_session_form(env)
    at.radio(key=NEW + "area_mode").set_value("wijken").run()
    at.multiselect(key=NEW + "wijken").set_value(["WK999901"]).run()
    at.checkbox(key=NEW + "ask.dream").uncheck().run()
    at.text_input(key=NEW + "prompt.proud.nl").input("Wat maakt u blij in de Kerkbuurt?")
    at.text_area(key=NEW + "themes").input("Groen en water\nJongeren\ngroen EN water")
    at.radio(key=NEW + "moderation").set_value("post")
    at.radio(key=NEW + "generalise").set_value("centroid")
    at.number_input(key=NEW + "k").set_value(8)
    at.number_input(key=NEW + "idle").set_value(120)
    at.text_area(key=NEW + "keywords.voorzieningen").input("jeu de boules, Speelbos")
    create(at, "Kerkbuurt in gesprek")
    created = by_title(env, "Kerkbuurt in gesprek")
    assert created.area_codes and set(created.area_codes) == set(buurten_of_wijk(env.db_url, "WK999901"))
    assert "dream" not in created.prompts and created.prompts["proud"]["nl"] == "Wat maakt u blij in de Kerkbuurt?"
    assert created.prompts["proud"]["en"] == "What are you proud of?"
    assert created.themes == ("Groen en water", "Jongeren")
    s = created.settings
    assert (s.moderation, s.generalise, s.k, s.idle_seconds) == ("post", "centroid", 8, 120)
    assert s.keywords == {"voorzieningen": ["jeu de boules", "Speelbos"]}


def test_buurten_chosen_by_clicking_the_map(env):
    at = new_session_form(env)
    at.radio(key=NEW + "area_mode").set_value("buurten").run()
    lat, lon = buurt_point(env.db_url, "BU99990102")
    the_map = at.get("component_instance")[0]
    at.session_state[the_map.key] = {"last_object_clicked": {"lat": lat, "lng": lon}}
    at.run()
    assert not at.exception, at.exception
    assert at.multiselect(key=NEW + "buurten").value == ["BU99990102"]
    assert "1 buurten in het gebied" in " ".join(c.value for c in at.caption)
    create(at, "Alleen de Kerkbuurt")
    assert by_title(env, "Alleen de Kerkbuurt").area_codes == ("BU99990102",)


def test_choosing_nothing_in_buurten_mode_is_refused(env):
    at = new_session_form(env)
    at.radio(key=NEW + "area_mode").set_value("buurten").run()
    create(at, "Geen gebied")
    assert "Kies minstens één wijk of buurt" in at.error[0].value
    assert not [s for s in all_sessions(env.db_url) if s.title == "Geen gebied"]


def test_close_reopen_and_duplicate(env):
    at = open_page(env)
    demo = next(s for s in all_sessions(env.db_url) if s.code == "DEMO01")
    at.button(key=f"sessions.status.{demo.id}").click().run()
    assert "gesloten" in at.success[0].value
    assert not next(s for s in all_sessions(env.db_url) if s.id == demo.id).is_open
    assert any("gesloten" in w.value for w in at.warning)  # the join panel says kiosks refuse stories now
    at.button(key=f"sessions.status.{demo.id}").click().run()
    assert next(s for s in all_sessions(env.db_url) if s.id == demo.id).is_open
    assert [e.action for e in trail(env.db_url, "session", demo.id)][-2:] == ["close", "open"]

    at.text_input(key=f"sessions.duplicate.{demo.id}.title").input("Vervolg: wijkgesprek")
    at.button(key=f"sessions.duplicate.{demo.id}.submit").click().run()
    assert not at.exception, at.exception
    copy = by_title(env, "Vervolg: wijkgesprek")
    assert copy.code != demo.code and copy.area_codes == demo.area_codes and copy.is_open
    assert "Vervolgsessie" in at.success[0].value and at.metric[0].value == copy.code  # the copy is now selected
    assert [e.action for e in trail(env.db_url, "session", copy.id)] == ["create", "duplicate"]


def test_duplicate_needs_a_new_title(env):
    at = open_page(env)
    demo = next(s for s in all_sessions(env.db_url) if s.code == "DEMO01")
    at.button(key=f"sessions.duplicate.{demo.id}.submit").click().run()
    assert "Geef de sessie een titel" in at.error[0].value
    assert len(all_sessions(env.db_url)) == 1


def test_edit_settings_of_an_existing_session(env):
    at = open_page(env)
    demo = next(s for s in all_sessions(env.db_url) if s.code == "DEMO01")
    at.toggle(key=f"sessions.edit.{demo.id}").set_value(True).run()
    prefix = f"sessions.form.{demo.id}."
    assert at.text_input(key=prefix + "title").value == demo.title
    assert at.radio(key=prefix + "area_mode").value == "gemeente"
    at.radio(key=prefix + "moderation").set_value("post")
    at.text_area(key=prefix + "keywords.overlast_onveiligheid").input("brommers")
    at.button(key=prefix + "save").click().run()
    assert not at.exception, at.exception
    assert "opgeslagen" in at.success[0].value
    edited = next(s for s in all_sessions(env.db_url) if s.id == demo.id)
    assert edited.settings.moderation == "post" and edited.settings.keywords == {"overlast_onveiligheid": ["brommers"]}
    assert edited.area_codes == demo.area_codes
    assert trail(env.db_url, "session", demo.id)[-1].detail == {"fields": ["settings"]}
