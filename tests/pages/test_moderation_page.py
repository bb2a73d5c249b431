"""AppTest of the moderation queue: approve, hide (reason required), restore, redact (original in the audit view),
tags, duplicate, bulk approve, theme suggestions applied only on request; HTML/Markdown in every field shown as
text; a second facilitator (also acting in the same instant, on SQLite and PostgreSQL) and a withdrawal in
between are refused with a message; analysts are kept out."""
import threading

import pytest
from sqlalchemy import Engine, event
from streamlit.testing.v1.element_tree import Markdown

from domain.moderation import ConcurrentModeration
from facilitatorsupport import NOW, HTML_PAYLOAD, moderate, public_ids, signed_in, story, submit, trail, withdraw
from storage import stories
from testsupport import writing

PAGE = "pages/moderation.py"


def open_queue(app_env, **kw):
    at = signed_in(app_env, PAGE, **kw).run()
    assert not at.exception, at.exception
    return at


def click(at, key: str):
    at.button(key=key).click().run()
    assert not at.exception, at.exception
    return at


def shown_texts(at) -> list[str]:
    return [t.value for t in at.text]


def everything_rendered_as_markdown(at) -> str:
    """Text of every element Streamlit renders as Markdown (which would turn **x** or links into markup)."""
    kinds = ("markdown", "caption", "title", "header", "subheader", "success", "info", "warning", "error")
    return "\n".join(str(e.value) for kind in kinds for e in at.get(kind))


def test_an_analyst_cannot_open_moderation(app_env):
    at = open_queue(app_env, role="analyst", actor="Ada")
    assert at.title[0].value.startswith("Deze pagina is alleen")
    assert not at.get("metric") and not [b for b in at.button if b.key and b.key.startswith("moderation.")]


def test_queue_shows_pending_newest_first_with_place_profile_and_counts(app_env):
    older, _ = submit(app_env.db_url, "Eerste verhaal over de Kerkbuurt", place="bij de kerk")
    newer, _ = submit(app_env.db_url, "Tweede verhaal")
    at = open_queue(app_env)
    assert [m.label for m in at.metric] == ["Wacht op beoordeling", "Goedgekeurd", "Verborgen", "Ingetrokken"]
    texts = shown_texts(at)
    assert texts.index("Tweede verhaal") < texts.index("Eerste verhaal over de Kerkbuurt")
    details = next(t for t in texts if "bij de kerk" in t)
    assert "Buurt: Kerkbuurt (BU99990102)" in details and "leeftijd 45-64 · woont hier" in details
    assert at.button(key=f"moderation.{older}.approve") and at.button(key=f"moderation.{newer}.approve")


def test_approve(app_env):
    story_id, _ = submit(app_env.db_url, "De bankjes op het plein zijn fijn")
    at = click(open_queue(app_env), f"moderation.{story_id}.approve")
    assert story(app_env.db_url, story_id).status == "approved"
    assert story_id in public_ids(app_env.db_url)
    assert f"Verhaal #{story_id} is goedgekeurd." in [s.value for s in at.success]
    assert [(e.action, e.actor) for e in trail(app_env.db_url, "story", story_id)] == [
        ("submit", "resident"), ("approve", "Anna")]


def test_hide_needs_a_reason_then_restore(app_env):
    story_id, _ = submit(app_env.db_url, "Koop nu goedkope zonnebrillen!!!")
    at = click(open_queue(app_env), f"moderation.{story_id}.hide")
    assert "Geef een reden op" in at.error[0].value and story(app_env.db_url, story_id).status == "pending"
    at.text_input(key=f"moderation.{story_id}.hide.reason").input("reclame")
    click(at, f"moderation.{story_id}.hide")
    assert story(app_env.db_url, story_id).status == "hidden"
    assert trail(app_env.db_url, "story", story_id)[-1].reason == "reclame"
    at.multiselect(key="moderation.filter.status").set_value(["hidden"]).run()
    click(at, f"moderation.{story_id}.restore")
    assert story(app_env.db_url, story_id).status == "pending"


def test_redact_keeps_the_original_for_the_audit_view(app_env):
    story_id, _ = submit(app_env.db_url, "Bel Jan de Vries op 0612345678 over de bankjes")
    at = open_queue(app_env)
    at.text_input(key=f"moderation.{story_id}.redact.fragment").input("0612345678")
    click(at, f"moderation.{story_id}.redact")
    assert story(app_env.db_url, story_id).text == "Bel Jan de Vries op [...] over de bankjes"
    texts = shown_texts(at)
    assert "Bel Jan de Vries op [...] over de bankjes" in texts
    assert "Bel Jan de Vries op 0612345678 over de bankjes" in texts  # the original, in the audit expander
    trail_table = next(df.value for df in at.dataframe if "Wie" in df.value.columns)
    assert list(trail_table["Wat"]) == ["Ingestuurd", "Deel weggelaten"] and list(trail_table["Wie"]) == [
        "resident", "Anna"]
    # a fragment that is not there is refused and changes nothing
    at.text_input(key=f"moderation.{story_id}.redact.fragment").input("bestaat niet")
    click(at, f"moderation.{story_id}.redact")
    assert "staat niet (meer) in het verhaal" in at.error[0].value


def test_tags_and_duplicate(app_env):
    first, _ = submit(app_env.db_url, "Er is te weinig groen")
    second, _ = submit(app_env.db_url, "Er is te weinig groen!")
    at = open_queue(app_env)
    at.selectbox(key=f"moderation.{second}.kind").set_value("idea")
    at.selectbox(key=f"moderation.{second}.dimension").set_value("fysieke_omgeving")
    click(at, f"moderation.{second}.tags")
    tagged = story(app_env.db_url, second)
    assert (tagged.kind, tagged.dimension) == ("idea", "fysieke_omgeving")
    assert [e.action for e in trail(app_env.db_url, "story", second)][-2:] == ["set_kind", "set_dimension"]
    click(at, f"moderation.{second}.duplicate")  # no original, no reason
    assert story(app_env.db_url, second).duplicate_of_id is None and at.error
    at.selectbox(key=f"moderation.{second}.duplicate.of").set_value(first)
    at.text_input(key=f"moderation.{second}.duplicate.reason").input("twee keer verstuurd")
    click(at, f"moderation.{second}.duplicate")
    merged = story(app_env.db_url, second)
    assert (merged.status, merged.duplicate_of_id) == ("hidden", first)


def test_bulk_approve_the_ticked_ones(app_env):
    a, _ = submit(app_env.db_url, "a: mooi")
    b, _ = submit(app_env.db_url, "b: ook mooi")
    c, _ = submit(app_env.db_url, "c: niet aangevinkt")
    at = open_queue(app_env)
    assert at.button(key="moderation.bulk.approve").disabled
    at.checkbox(key=f"moderation.pick.{a}").check().run()
    at.checkbox(key=f"moderation.pick.{b}").check().run()
    assert at.button(key="moderation.bulk.approve").label == "Aangevinkte goedkeuren (2)"
    click(at, "moderation.bulk.approve")
    assert [story(app_env.db_url, i).status for i in (a, b, c)] == ["approved", "approved", "pending"]
    assert "2 verhalen goedgekeurd." in [s.value for s in at.success]


def test_bulk_approve_skips_what_someone_else_handled_meanwhile(app_env):
    a, _ = submit(app_env.db_url, "a")
    b, _ = submit(app_env.db_url, "b")
    at = open_queue(app_env)
    at.checkbox(key=f"moderation.pick.{a}").check()
    at.checkbox(key=f"moderation.pick.{b}").check().run()
    moderate(app_env.db_url, b, "hide", actor="Bert", reason="scheldwoord")
    click(at, "moderation.bulk.approve")
    assert story(app_env.db_url, a).status == "approved" and story(app_env.db_url, b).status == "hidden"
    assert "Bert" in at.warning[0].value and f"#{b}" in at.warning[0].value


def test_html_and_markdown_in_every_field_are_shown_as_text(app_env):
    story_id, _ = submit(app_env.db_url, HTML_PAYLOAD, place=HTML_PAYLOAD[:200], themes=())
    at = open_queue(app_env)
    texts = shown_texts(at)
    assert HTML_PAYLOAD in texts  # the story itself, literally
    assert any(HTML_PAYLOAD[:200] in t for t in texts)  # the place description, literally
    markdown = everything_rendered_as_markdown(at)
    for fragment in ("<script", "onerror", "**vet**", "](http://example.org", "${alert"):
        assert fragment not in markdown
    assert all(not e.proto.allow_html for e in at.get("markdown") if isinstance(e, Markdown))


def test_a_second_facilitator_is_told_who_was_first(app_env):
    story_id, _ = submit(app_env.db_url, "Mooi plein")
    at = open_queue(app_env)  # Anna sees version 1
    moderate(app_env.db_url, story_id, "hide", actor="Bert", reason="persoonsgegevens")
    click(at, f"moderation.{story_id}.approve")
    assert "al behandeld door Bert" in at.error[0].value
    assert story(app_env.db_url, story_id).status == "hidden"  # nothing overwritten
    assert [e.actor for e in trail(app_env.db_url, "story", story_id)] == ["resident", "Bert"]


def test_a_story_withdrawn_while_in_the_queue(app_env):
    story_id, receipt = submit(app_env.db_url, "Toch liever niet")
    at = open_queue(app_env)
    assert withdraw(app_env.db_url, receipt)
    click(at, f"moderation.{story_id}.approve")
    assert "door de inzender ingetrokken" in at.error[0].value
    assert story(app_env.db_url, story_id).status == "withdrawn"
    at.multiselect(key="moderation.filter.status").set_value(["withdrawn"]).run()
    assert "Toch liever niet" not in shown_texts(at)
    assert any("Door de inzender ingetrokken" in i.value for i in at.info)
    assert not [b for b in at.button if b.key == f"moderation.{story_id}.approve"]


def test_theme_suggestion_is_applied_only_when_asked(app_env):
    story_id, _ = submit(app_env.db_url, "De speeltuin bij de school is kapot", dimension=None)
    at = open_queue(app_env)
    suggestion = next(t for t in shown_texts(at) if t.startswith("Voorstel:"))
    assert suggestion == "Voorstel: Voorzieningen (op grond van: speeltuin, school)"
    assert story(app_env.db_url, story_id).dimension is None  # suggested, not applied
    click(at, f"moderation.suggest.{story_id}.0")
    assert story(app_env.db_url, story_id).dimension == "voorzieningen"
    assert trail(app_env.db_url, "story", story_id)[-1].action == "set_dimension"
    assert not [t for t in shown_texts(at) if t.startswith("Voorstel:")]


def test_filters(app_env):
    concern, _ = submit(app_env.db_url, "zorg in de Kerkbuurt", kind="concern")
    proud, _ = submit(app_env.db_url, "trots elders", kind="proud", buurt="BU99990101")
    at = open_queue(app_env)
    at.multiselect(key="moderation.filter.kind").set_value(["proud"]).run()
    assert "trots elders" in shown_texts(at) and "zorg in de Kerkbuurt" not in shown_texts(at)
    at.multiselect(key="moderation.filter.kind").set_value([]).run()
    at.multiselect(key="moderation.filter.buurt").set_value(["BU99990102"]).run()
    assert "zorg in de Kerkbuurt" in shown_texts(at) and "trots elders" not in shown_texts(at)
    at.multiselect(key="moderation.filter.status").set_value(["approved"]).run()
    assert "zorg in de Kerkbuurt" not in shown_texts(at)


@pytest.mark.parametrize("db_backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
                         indirect=True)
def test_two_facilitators_through_the_page_never_overwrite_each_other(backend_app_env, db_backend):
    """Issue 21, bug 1, as the page does it: Anna and Bert both look at version 1; Bert's hide (another laptop,
    another replica) lands just before Anna's approve takes its row lock. PostgreSQL lets Bert commit first and
    Anna is refused; SQLite's write lock makes Bert wait, so Anna is first and Bert is refused."""
    env = backend_app_env
    story_id, _ = submit(env.db_url, "Mooi plein")
    at = open_queue(env)
    bert: dict[str, object] = {}

    def bert_hides() -> None:
        try:
            with writing(env.db_url) as s:
                bert["story"] = stories.moderate(s, story_id, "hide", actor="Bert", now=NOW, expected_version=1,
                                                 reason="persoonsgegevens")
        except ConcurrentModeration as err:
            bert["refused"] = err

    other = threading.Thread(target=bert_hides)

    def just_before_annas_lock(conn, cursor, statement, parameters, context, executemany):
        locking = "FOR UPDATE" in statement if db_backend == "postgresql" else "WHERE stories.id =" in statement
        if not other.is_alive() and "stories" not in bert and "refused" not in bert and statement.startswith(
                "SELECT") and "FROM stories" in statement and locking:
            other.start()
            if db_backend == "postgresql":
                other.join(timeout=30)  # nothing of Anna's blocks Bert here

    event.listen(Engine, "before_cursor_execute", just_before_annas_lock)
    try:
        click(at, f"moderation.{story_id}.approve")
    finally:
        event.remove(Engine, "before_cursor_execute", just_before_annas_lock)
    other.join(timeout=30)
    final = story(env.db_url, story_id)
    acts = [(e.action, e.actor) for e in trail(env.db_url, "story", story_id)][1:]
    if db_backend == "postgresql":
        assert "al behandeld door Bert" in at.error[0].value and "story" in bert
        assert (final.status, acts) == ("hidden", [("hide", "Bert")])
    else:
        assert "Anna" in bert["refused"].nl and f"Verhaal #{story_id} is goedgekeurd." in [s.value for s in at.success]
        assert (final.status, acts) == ("approved", [("approve", "Anna")])
