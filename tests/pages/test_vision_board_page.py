"""AppTest of the vision board: closed to analysts; group approved stories into a theme, rename, delete (soft),
record an action — each audited — and the ranking counts dots placed from the kiosk component."""
from datetime import UTC, datetime

from facilitatorsupport import (
    DEMO_CODE,
    HTML_PAYLOAD,
    moderate,
    signed_in,
    submit,
    trail,
)

from storage import sessions, vision
from storage.db import make_session_factory, read_scope, write_scope

PAGE = "pages/vision_board.py"
NOW = datetime(2026, 11, 27, 20, 0, tzinfo=UTC)


def open_board(app_env, **kw):
    at = signed_in(app_env, PAGE, **kw).run()
    assert not at.exception, at.exception
    return at


def themes(db_url, include_deleted=False):
    factory = make_session_factory(db_url)
    with read_scope(factory) as s:
        return vision.list_themes(s, sessions.get_session_by_code(s, DEMO_CODE).id, include_deleted=include_deleted)


def test_an_analyst_cannot_open_the_vision_board(app_env):
    at = open_board(app_env, role="analyst", actor="Ada")
    assert at.title[0].value.startswith("Deze pagina is alleen")


def test_group_rename_delete_and_action(app_env):
    story_id, _ = submit(app_env.db_url, HTML_PAYLOAD, kind="idea")
    moderate(app_env.db_url, story_id, "approve", actor="Anna")
    at = open_board(app_env)
    at.multiselect(key="vision.stories").select(story_id)
    at.text_input(key="vision.name").input("Groen en spelen")
    at.button[0].click().run()  # the form's submit button
    assert not at.exception, at.exception
    [theme] = themes(app_env.db_url)
    assert theme.name == "Groen en spelen" and theme.story_ids == (story_id,)
    assert "Het thema is gemaakt." in [s.value for s in at.success]
    assert HTML_PAYLOAD in [t.value for t in at.text] or any(HTML_PAYLOAD[:20] in t.value for t in at.text)

    at.text_input(key=f"vision.rename.{theme.id}").input("Groen")
    at.button(key=f"vision.rename_go.{theme.id}").click().run()
    assert [t.name for t in themes(app_env.db_url)] == ["Groen"]

    at.text_area(key="vision.action_what").input("Geveltuintjes aanleggen")
    at.text_input(key="vision.action_owner").input("Bewonersgroep Kerkbuurt")
    at.multiselect(key="vision.action_themes").select(theme.id)
    next(b for b in at.button if "Afspraak" in b.label).click().run()
    assert not at.exception, at.exception
    assert "De afspraak is vastgelegd." in [s.value for s in at.success]
    assert "Geveltuintjes aanleggen" in [t.value for t in at.text]

    at.button(key=f"vision.delete.{theme.id}").click().run()
    assert themes(app_env.db_url) == [] and themes(app_env.db_url, include_deleted=True)[0].is_deleted
    assert [e.action for e in trail(app_env.db_url, "theme", theme.id)] == ["create", "rename", "delete"]


def test_ranking_shows_dots(app_env):
    story_id, _ = submit(app_env.db_url, "Meer bankjes", kind="idea")
    moderate(app_env.db_url, story_id, "approve", actor="Anna")
    factory = make_session_factory(app_env.db_url)
    with write_scope(factory) as s:
        session_id = sessions.get_session_by_code(s, DEMO_CODE).id
        a = vision.create_theme(s, session_id, "Bankjes", [story_id], actor="Anna", now=NOW)
        b = vision.create_theme(s, session_id, "Licht", [story_id], actor="Anna", now=NOW)
        for theme, token in ((b, "v1"), (b, "v2"), (a, "v1")):
            vision.cast_dot(s, session_id, theme.id, token, now=NOW)
    at = open_board(app_env)
    texts = [t.value for t in at.text]
    assert texts.index("1. Licht — 2 stippen") < texts.index("2. Bankjes — 1 stippen")
