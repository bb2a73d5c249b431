"""AppTest of the kiosk's "Stem op thema's" section: the visit's dots run out at dots_per_visit (3), a theme
deleted after the screen was drawn is refused with a message, both ends of a visit ("klaar" and the idle
reset) give the next resident fresh dots, and the screen and its refusals speak every kiosk language."""
import json
import re
from datetime import UTC, datetime
from unittest.mock import patch

import pytest
from facilitatorsupport import DEMO_CODE, moderate, submit
from kiosksupport import ALL_LANGUAGES, make_session
from kiosksupport import open_kiosk_app as open_kiosk
from sqlalchemy import func, select

from storage import sessions, vision
from storage.db import make_session_factory, read_scope, write_scope
from storage.tables import VoteRow

NOW = datetime(2026, 11, 27, 20, 0, tzinfo=UTC)


def vote_script():
    from components import kiosk_vote
    from components.deps import reading
    from storage import sessions

    with reading() as db:
        work = sessions.get_session_by_code(db, "DEMO01")
    if kiosk_vote.render_entry():
        kiosk_vote.render_vote(work)


def setup_themes(db_url):
    story_id, _ = submit(db_url, "Meer groen", kind="idea")
    moderate(db_url, story_id, "approve", actor="Anna")
    factory = make_session_factory(db_url)
    with write_scope(factory) as s:
        session_id = sessions.get_session_by_code(s, DEMO_CODE).id
        return session_id, [vision.create_theme(s, session_id, name, [story_id], actor="Anna", now=NOW).id
                            for name in ("Groen", "Spelen")]


def votes(db_url, session_id):
    with read_scope(make_session_factory(db_url)) as s:
        return {t.name: t.votes for t in vision.list_themes(s, session_id, include_deleted=True)}


def voter_tokens(db_url, session_id) -> int:
    with read_scope(make_session_factory(db_url)) as s:
        return s.scalar(select(func.count(func.distinct(VoteRow.voter_token))).where(VoteRow.session_id == session_id))


def idle_timer(at) -> dict:
    """The settings the kiosk's idle timer runs with in the browser (components/kiosk.py CLIENT_SCRIPT)."""
    [script] = [h.proto.body for h in at.get("html") if "var cfg = " in h.proto.body]
    return json.loads(re.search(r"var cfg = (\{.*?\});", script).group(1))


def test_dots_run_out_deleted_theme_refused_and_next_visit_starts_fresh(app_env):
    from streamlit.testing.v1 import AppTest

    session_id, (green, play) = setup_themes(app_env.db_url)
    at = AppTest.from_function(vote_script, default_timeout=30).run()
    at.button(key="kiosk.vote.open").click().run()
    assert "Stippen die u nog kunt geven: 3" in [t.value for t in at.text]
    for _ in range(3):
        at.button(key=f"kiosk.vote.{green}").click().run()
        assert not at.exception, at.exception
    assert "Stippen die u nog kunt geven: 0" in [t.value for t in at.text]
    assert "Uw stip is geplaatst." in [m.value for m in at.success]
    assert at.button(key=f"kiosk.vote.{play}").disabled
    assert votes(app_env.db_url, session_id) == {"Groen": 3, "Spelen": 0}

    at.button(key="kiosk.vote.done").click().run()
    at.button(key="kiosk.vote.open").click().run()
    assert "Stippen die u nog kunt geven: 3" in [t.value for t in at.text]  # a new visit
    with write_scope(make_session_factory(app_env.db_url)) as s:
        vision.delete_theme(s, play, actor="Anna", now=NOW)
    at.button(key=f"kiosk.vote.{play}").click().run()  # still on screen from before the delete
    assert not at.exception, at.exception
    assert any("weggehaald" in w.value for w in at.warning)
    assert votes(app_env.db_url, session_id) == {"Groen": 3, "Spelen": 0}


def test_vote_section_is_reachable_from_the_kiosk_start_screen(app_env):
    session_id, (green, _) = setup_themes(app_env.db_url)
    at = open_kiosk(app_env)
    at.button(key="kiosk.vote.open").click().run()
    at.button(key=f"kiosk.vote.{green}").click().run()
    assert not at.exception, at.exception
    assert votes(app_env.db_url, session_id)["Groen"] == 1
    at.button(key="kiosk.vote.done").click().run()
    assert at.button(key="kiosk.vote.open")  # back on the start screen
    assert idle_timer(at)["blank"]  # ... which the idle timer leaves alone


def test_the_idle_reset_ends_a_voting_visit_and_the_next_resident_gets_fresh_dots(app_env):
    session_id, (green, play) = setup_themes(app_env.db_url)
    at = open_kiosk(app_env)
    assert idle_timer(at)["blank"]  # an untouched start screen is not reloaded every idle period
    at.button(key="kiosk.vote.open").click().run()
    assert not idle_timer(at)["blank"]  # opened and walked away: the timer resets it
    for _ in range(3):
        at.button(key=f"kiosk.vote.{green}").click().run()
    assert "Stippen die u nog kunt geven: 0" in [t.value for t in at.text]
    timer = idle_timer(at)
    assert not timer["blank"] and timer["resetUrl"] == f"?kiosk=1&session={DEMO_CODE}"

    # After the idle time the browser loads resetUrl: a new Streamlit session, so a new AppTest (the browser
    # test in tests/e2e/test_vision_board_browser.py checks the real reload).
    at = open_kiosk(app_env)
    at.button(key="kiosk.vote.open").click().run()
    assert "Stippen die u nog kunt geven: 3" in [t.value for t in at.text]
    at.button(key=f"kiosk.vote.{play}").click().run()
    assert not at.exception, at.exception
    assert votes(app_env.db_url, session_id) == {"Groen": 3, "Spelen": 1}
    assert voter_tokens(app_env.db_url, session_id) == 2


@pytest.mark.parametrize("lang", ["en", "ar", "tr", "pl"])
def test_the_vote_screen_and_its_refusals_speak_every_kiosk_language(app_env, lang):
    from components.i18n import translate

    code = make_session(app_env.db_url, "Meertalig stemmen", languages=ALL_LANGUAGES)
    story_id, _ = submit(app_env.db_url, "Een bankje bij de speeltuin", code=code, kind="idea")
    moderate(app_env.db_url, story_id, "approve", actor="Anna")
    with write_scope(make_session_factory(app_env.db_url)) as s:
        session_id = sessions.get_session_by_code(s, code).id
        theme_id = vision.create_theme(s, session_id, "Bankjes", [story_id], actor="Anna", now=NOW).id
    at = open_kiosk(app_env, code, lang=lang)
    assert at.button(key="kiosk.vote.open").label == translate(lang, "kiosk_vote.open") != "Stem op thema's"
    at.button(key="kiosk.vote.open").click().run()
    assert at.subheader[0].value == translate(lang, "kiosk_vote.title")
    assert translate(lang, "kiosk_vote.left", n=3) in [t.value for t in at.text]
    with write_scope(make_session_factory(app_env.db_url)) as s:
        vision.delete_theme(s, theme_id, actor="Anna", now=NOW)
    at.button(key=f"kiosk.vote.{theme_id}").click().run()
    assert not at.exception, at.exception
    refusal = translate(lang, "kiosk_vote.refused.theme_deleted")
    assert [w.value for w in at.warning] == [refusal] and refusal != translate("nl", "kiosk_vote.refused.theme_deleted")
    assert at.button(key="kiosk.vote.done").label == translate(lang, "kiosk_vote.done")


def test_a_spent_budget_and_a_closed_session_are_refused_in_the_residents_language():
    from components.i18n import translate
    from components.kiosk_vote import refusal_text
    from domain.vision import VoteRefused, check_dot

    with pytest.raises(VoteRefused) as spent:
        check_dot(used=3, budget=3, theme_deleted=False)
    closed = VoteRefused("closed", "Deze sessie is gesloten.", "This session is closed.")
    for lang in ALL_LANGUAGES:
        with patch("components.state.language", return_value=lang):
            assert refusal_text(spent.value) == translate(lang, "kiosk_vote.refused.no_dots_left", budget=3)
            assert "3" in refusal_text(spent.value)
            assert refusal_text(closed) == translate(lang, "kiosk_vote.refused.closed")
    unknown = VoteRefused("not_translated", "Alleen Nederlands.", "English only.")
    with patch("components.state.language", return_value="tr"):
        assert refusal_text(unknown) == "English only."


def test_a_database_locked_for_too_long_says_so_and_stores_no_dot(app_env, monkeypatch):
    from sqlalchemy.exc import OperationalError
    from streamlit.testing.v1 import AppTest

    def always_busy(*args, **kwargs):
        raise OperationalError("INSERT INTO votes", {}, Exception("database is locked"))

    session_id, (green, _) = setup_themes(app_env.db_url)
    monkeypatch.setattr(vision, "cast_dot", always_busy)
    at = AppTest.from_function(vote_script, default_timeout=30).run()
    at.button(key="kiosk.vote.open").click().run()
    at.button(key=f"kiosk.vote.{green}").click().run()
    assert not at.exception, at.exception
    assert [e.value for e in at.error] == ["Het lukte even niet om uw stip te plaatsen; het is druk. "
                                           "Probeer het zo nog eens."]
    assert votes(app_env.db_url, session_id) == {"Groen": 0, "Spelen": 0}
