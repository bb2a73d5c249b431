"""AppTest of the projector page: closed to analysts, each reveal stage sends the right layers, only approved
stories reach the map and the panel (as text), the empty and closed states, freeze stops the self-refresh, and a
database hiccup keeps the last good picture with "opnieuw verbinden…"."""
import json

import pytest
from sqlalchemy.exc import OperationalError
from streamlit.runtime.forward_msg_queue import ForwardMsgQueue

from facilitatorsupport import HTML_PAYLOAD, moderate, signed_in, submit, withdraw

PAGE = "pages/facilitator_projector.py"


def open_projector(app_env, **kw):
    at = signed_in(app_env, PAGE, **kw).run()
    assert not at.exception, at.exception
    return at


def map_args(at) -> dict:
    return json.loads(at.get("component_instance")[-1].proto.json_args)


def pins(at) -> list[list]:
    """The `[lat, lon, kind, id]` rows the projector sent to the map."""
    script = map_args(at)["feature_group"]
    line = next(x for x in script.splitlines() if x.strip().startswith("var story_pins") and "_pins = " in x)
    return json.loads(line.split(" = ", 1)[1].rstrip(";"))


def test_an_analyst_cannot_open_the_projector(app_env):
    at = open_projector(app_env, role="analyst", actor="Ada")
    assert at.title[0].value.startswith("Deze pagina is alleen")
    assert not at.get("component_instance")


def test_stages_step_forward_and_back_and_clamp(app_env):
    at = open_projector(app_env)
    stages = []
    for key in ["projector-next"] * 4 + ["projector-prev"] * 4:
        stages.append(at.session_state["projector.stage"] if "projector.stage" in at.session_state  # noqa: SIM401
                      else "numbers")
        at.button(key=key).click().run()
        assert not at.exception, at.exception
    assert stages == ["numbers", "stories", "both", "compare", "compare", "both", "stories", "numbers"]


def test_numbers_stage_has_no_pins_and_stories_stage_has_no_colours(app_env):
    at = open_projector(app_env)
    fg = map_args(at)["feature_group"]
    assert "ChoroplethGeoJson" in fg or "_styles" in fg
    assert pins(at) == []
    at.button(key="projector-next").click().run()
    fg = map_args(at)["feature_group"]
    assert "_styles" not in fg and len(pins(at)) > 0


def test_only_approved_stories_reach_the_projector_and_text_stays_text(app_env):
    pending, _ = submit(app_env.db_url, "Nog niet beoordeeld geheim")
    hidden, _ = submit(app_env.db_url, "Verborgen verhaal geheim")
    moderate(app_env.db_url, hidden, "hide", actor="Anna", reason="test")
    gone, code = submit(app_env.db_url, "Ingetrokken verhaal geheim")
    moderate(app_env.db_url, gone, "approve", actor="Anna")
    withdraw(app_env.db_url, code)
    shown, _ = submit(app_env.db_url, HTML_PAYLOAD, kind="proud")
    moderate(app_env.db_url, shown, "approve", actor="Anna")
    at = open_projector(app_env)
    at.button(key="projector-next").click().run()
    ids = {p[3] for p in pins(at)}
    assert shown in ids and not ids & {pending, hidden, gone}
    texts = [t.value for t in at.text]
    assert HTML_PAYLOAD in texts
    assert not any("geheim" in t for t in texts)
    markdown = "\n".join(str(m.value) for m in at.markdown)
    assert "<script>" not in markdown and "geheim" not in markdown and "onerror" not in markdown
    assert "geheim" not in map_args(at)["feature_group"] and "onerror" not in map_args(at)["feature_group"]


@pytest.fixture
def auto_reruns(monkeypatch) -> list[float]:
    """The intervals of the "rerun this fragment every n seconds" messages the page sends the browser (that is
    how the projector refreshes itself); clear it before the run you look at."""
    sent: list[float] = []
    original = ForwardMsgQueue.enqueue

    def enqueue(self, msg):
        if msg.HasField("auto_rerun"):
            sent.append(msg.auto_rerun.interval)
        return original(self, msg)

    monkeypatch.setattr(ForwardMsgQueue, "enqueue", enqueue)
    return sent


def test_freeze_stops_the_refresh_and_unfreezing_starts_it_again(app_env, auto_reruns):
    at = open_projector(app_env)
    assert auto_reruns == [5.0]  # the session's refresh_seconds
    for frozen, expected in [(True, []), (False, [5.0])]:
        auto_reruns.clear()
        at.toggle(key="projector.freeze").set_value(frozen).run()
        assert not at.exception, at.exception
        assert auto_reruns == expected, f"frozen={frozen}"


def test_database_hiccup_keeps_the_last_picture(app_env, monkeypatch):
    at = open_projector(app_env)
    at.button(key="projector-next").click().run()
    before = pins(at)
    assert before
    from storage import stories

    def broken(*args, **kwargs):
        raise OperationalError("SELECT", {}, Exception("database is locked"))

    monkeypatch.setattr(stories, "public_stories", broken)
    at.run()
    assert not at.exception, at.exception
    assert pins(at) == before
    assert any("Opnieuw verbinden" in str(m.value) for m in at.markdown)


def test_a_click_on_a_buurt_opens_its_focus_panel(app_env):
    from facilitatorsupport import KERKBUURT, buurt_point

    story_id, _ = submit(app_env.db_url, "Het hek van de speeltuin staat altijd open", kind="concern")
    moderate(app_env.db_url, story_id, "approve", actor="Anna")
    at = open_projector(app_env)
    lat, lon = buurt_point(app_env.db_url, KERKBUURT)
    at.session_state[at.get("component_instance")[-1].key] = {"last_clicked": {"lat": lat, "lng": lon}}
    at.run()
    assert not at.exception, at.exception
    assert any(m.value.endswith(">Kerkbuurt</div>") for m in at.markdown if "bb-stage" in str(m.value))
    texts = [t.value for t in at.text]
    assert "– Het hek van de speeltuin staat altijd open" in texts
    assert any("gemiddelde gemeente" in t for t in texts)
    at.button(key="projector-close-focus").click().run()
    assert at.session_state["projector.focus"] is None


def test_dot_votes_show_on_the_projector(app_env):
    from datetime import UTC, datetime

    from storage import sessions as session_store
    from storage import vision
    from storage.db import make_session_factory, write_scope

    story_id, _ = submit(app_env.db_url, "Meer bomen", kind="dream")
    moderate(app_env.db_url, story_id, "approve", actor="Anna")
    now = datetime(2026, 11, 27, 20, 0, tzinfo=UTC)
    with write_scope(make_session_factory(app_env.db_url)) as s:
        session_id = session_store.get_session_by_code(s, "DEMO01").id
        theme = vision.create_theme(s, session_id, "Bomen", [story_id], actor="Anna", now=now)
        vision.cast_dot(s, session_id, theme.id, "visit-1", now=now)
    at = open_projector(app_env)
    assert "1. Bomen — 1" in [t.value for t in at.text]
