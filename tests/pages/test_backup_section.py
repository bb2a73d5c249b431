"""AppTest of the backup section of the exports page (seeded demo): analysts never see it; a facilitator makes a
backup of the demo session (every status, an audit row for the act) and downloads it, restores it next to the
original with a summary, gets a translated refusal for a bad file with the database left alone, and can restore
into a municipality without any session yet."""
from __future__ import annotations

from facilitatorsupport import DEMO_CODE
from sqlalchemy import delete, func, select

from domain.backup import read_backup
from storage.db import make_session_factory, read_scope, write_scope
from storage.tables import AuditEventRow, SessionRow, StoryRow

PAGE = "pages/exports.py"
PENDING_WERFKADE = "bewonersvereniging"  # a demo story that is still pending


def run(app_env, role="facilitator", lang="nl"):
    at = app_env.app_test(PAGE, timeout=120)
    at.session_state["app.lang"] = lang
    at.session_state["auth.role"] = role
    at.session_state["auth.actor"] = "Ada"
    return at.run()


def scalar(db_url: str, query):
    factory = make_session_factory(db_url)
    try:
        with read_scope(factory) as s:
            return s.scalar(query)
    finally:
        factory.kw["bind"].dispose()


def sessions_and_stories(db_url: str) -> tuple[int, int]:
    return (scalar(db_url, select(func.count()).select_from(SessionRow)),
            scalar(db_url, select(func.count()).select_from(StoryRow)))


def make_backup(at, downloads) -> bytes:
    at.button(key="exports.backup.make").click().run()
    assert not at.exception, at.exception
    [name] = [n for n in downloads if n.startswith(f"buurtbeeld-backup-{DEMO_CODE}-")]
    data, mime = downloads[name]
    assert mime == "application/zip" and name.endswith(".zip")
    return data


def test_analysts_do_not_get_the_backup(app_env, downloads):
    at = run(app_env, role="analyst")
    assert not at.exception
    keys = {w.key for kind in ("button", "file_uploader", "selectbox") for w in at.get(kind)}
    assert not keys & {"exports.backup.make", "exports.backup.restore", "exports.backup.upload",
                       "exports.backup.session"}
    assert not any(e.label.startswith("Backup") for e in at.expander)
    assert not any(name.startswith("buurtbeeld-backup") for name in downloads)


def test_facilitator_makes_a_backup_with_every_story(app_env, downloads):
    at = run(app_env)
    assert not at.exception
    [expander] = [e for e in at.expander if e.label.startswith("Backup en herstel")]
    assert "Bevat persoonsgegevens" in expander.warning[0].value
    assert not any(n.startswith("buurtbeeld-backup") for n in downloads)  # nothing is made until asked
    data = make_backup(at, downloads)
    archive = read_backup(data)
    assert archive.manifest.session_code == DEMO_CODE
    assert {s["status"] for s in archive.backup.stories} >= {"approved", "pending", "hidden"}
    assert any(PENDING_WERFKADE in s["text"] for s in archive.backup.stories)
    assert at.success[0].value.startswith(f"Backup klaar: {len(archive.backup.stories)} verhalen")
    assert [b.label for b in at.get("download_button") if b.key == "exports.download.backup"] == [
        "Backup downloaden (ZIP)"]
    row = scalar(app_env.db_url, select(AuditEventRow).where(AuditEventRow.action == "backup"))
    assert (row.actor, row.detail["counts"]["stories"]) == ("Ada", len(archive.backup.stories))


def test_restore_next_to_the_original_shows_what_came_back(app_env, downloads):
    at = run(app_env)
    data = make_backup(at, downloads)
    before = sessions_and_stories(app_env.db_url)
    at.file_uploader(key="exports.backup.upload").set_value(("wijkavond.zip", data, "application/zip")).run()
    at.button(key="exports.backup.restore").click().run()
    assert not at.exception, at.exception
    [done] = [s.value for s in at.success if s.value.startswith("Werksessie hersteld")]
    new_code = done.removeprefix("Werksessie hersteld met code ").rstrip(".")
    assert new_code != DEMO_CODE and len(new_code) == 6
    summary = at.dataframe[0].value
    shown = dict(zip(summary["Wat"], summary["Hersteld"]))
    assert shown["Code in de backup"] == DEMO_CODE and shown["Code"] == new_code
    assert shown["Titel"].endswith("(hersteld)") and shown["Gemeente"] == "Voorbeeldstad (GM9999)"
    assert shown["Verhalen (alle statussen)"] == str(before[1])
    assert any(f"De sessiecode {DEMO_CODE} is in deze database al in gebruik" in i.value for i in at.info)
    assert sessions_and_stories(app_env.db_url) == (before[0] + 1, before[1] * 2)
    row = scalar(app_env.db_url, select(AuditEventRow).where(AuditEventRow.action == "restore"))
    assert (row.actor, row.detail["code"]) == ("Ada", new_code)
    # The page read its sessions again: the restored one can be picked for the next backup.
    assert any(new_code in option for option in at.selectbox(key="exports.backup.session").options)


def test_a_bad_file_is_refused_and_nothing_changes(app_env):
    before = sessions_and_stories(app_env.db_url)
    at = run(app_env)
    at.file_uploader(key="exports.backup.upload").set_value(("x.zip", b"PK\x03\x04 kapot", "application/zip")).run()
    at.button(key="exports.backup.restore").click().run()
    assert not at.exception
    [error] = at.error
    assert "Dit is geen ZIP-bestand" in error.value and "*This is not a ZIP file" in error.value
    assert "Er is niets hersteld; de database is ongewijzigd." in error.value
    assert sessions_and_stories(app_env.db_url) == before
    assert scalar(app_env.db_url, select(func.count()).select_from(AuditEventRow).where(
        AuditEventRow.action == "restore")) == 0


def test_restore_into_a_municipality_without_sessions(app_env, downloads):
    data = make_backup(run(app_env), downloads)
    factory = make_session_factory(app_env.db_url)
    with write_scope(factory) as s:
        for table in (StoryRow, AuditEventRow, SessionRow):
            s.execute(delete(table))
    factory.kw["bind"].dispose()
    # In English, and with the page below stopped (no sessions): only the restore is offered.
    at = run(app_env, lang="en")
    assert not at.exception
    assert next(e.label for e in at.expander) == "Back up and restore a werksessie (facilitators only)"
    assert at.info[0].value.startswith("This municipality has no werksessies yet")
    assert not [b for b in at.get("button") if b.key == "exports.backup.make"]
    at.file_uploader(key="exports.backup.upload").set_value(("b.zip", data[:-10], "application/zip")).run()
    at.button(key="exports.backup.restore").click().run()
    assert "Nothing was restored; the database is unchanged." in at.error[0].value
    at.file_uploader(key="exports.backup.upload").set_value(("b.zip", data, "application/zip")).run()
    at.button(key="exports.backup.restore").click().run()
    assert not at.exception, at.exception
    assert any(s.value == f"Werksessie restored with code {DEMO_CODE}." for s in at.success)
    assert sessions_and_stories(app_env.db_url)[0] == 1
    assert at.button(key="exports.backup.make")  # …and after the rerun it is there to back up again
