"""AppTest of the backup section of the exports page (seeded demo): analysts never see it; a facilitator downloads
a backup of the demo session (every status, an audit row for the act), built only when the button is clicked and
never kept in the session state, restores it next to the original with a summary, gets a translated refusal for
a bad file with the database left alone, and can restore into a municipality without any session yet."""
from __future__ import annotations

import hashlib

from facilitatorsupport import DEMO_CODE
from sqlalchemy import delete, func, select

from domain.backup import BackupFile, read_backup
from storage.db import make_session_factory, write_scope
from storage.tables import AuditEventRow, SessionRow, StoryRow
from testsupport import reading

PAGE = "pages/exports.py"
PENDING_WERFKADE = "bewonersvereniging"  # a demo story that is still pending


def run(app_env, role="facilitator", lang="nl"):
    at = app_env.app_test(PAGE, timeout=120)
    at.session_state["app.lang"] = lang
    at.session_state["auth.role"] = role
    at.session_state["auth.actor"] = "Ada"
    return at.run()


def scalar(db_url: str, query):
    with reading(db_url) as s:
        return s.scalar(query)


def sessions_and_stories(db_url: str) -> tuple[int, int]:
    return (scalar(db_url, select(func.count()).select_from(SessionRow)),
            scalar(db_url, select(func.count()).select_from(StoryRow)))


def make_backup(at, deferred) -> bytes:
    """What a click on the download button hands over (Streamlit runs the callable in a server thread)."""
    assert not at.exception, at.exception
    [name] = [n for n in deferred if n.startswith(f"buurtbeeld-backup-{DEMO_CODE}-")]
    build, mime = deferred[name]
    assert mime == "application/zip" and name.endswith(".zip")
    return build()


def backups_logged(db_url: str) -> int:
    return scalar(db_url, select(func.count()).select_from(AuditEventRow).where(AuditEventRow.action == "backup"))


def test_analysts_do_not_get_the_backup(app_env, deferred, downloads):
    at = run(app_env, role="analyst")
    assert not at.exception
    keys = {w.key for kind in ("button", "file_uploader", "selectbox", "download_button") for w in at.get(kind)}
    assert not keys & {"exports.download.backup", "exports.backup.restore", "exports.backup.upload",
                       "exports.backup.session"}
    assert not any(e.label.startswith("Backup") for e in at.expander)
    assert not any(name.startswith("buurtbeeld-backup") for name in [*downloads, *deferred])


def test_facilitator_downloads_a_backup_with_every_story(app_env, deferred):
    at = run(app_env)
    assert not at.exception
    [expander] = [e for e in at.expander if e.label.startswith("Backup en herstel")]
    assert "Bevat persoonsgegevens" in expander.warning[0].value
    assert [b.label for b in at.get("download_button") if b.key == "exports.download.backup"] == [
        "Backup downloaden (ZIP)"]
    assert backups_logged(app_env.db_url) == 0  # nothing is made until the button is clicked
    data = make_backup(at, deferred)
    archive = read_backup(data)
    assert archive.manifest.session_code == DEMO_CODE
    assert {s["status"] for s in archive.backup.stories} >= {"approved", "pending", "hidden"}
    assert any(PENDING_WERFKADE in s["text"] for s in archive.backup.stories)
    row = scalar(app_env.db_url, select(AuditEventRow).where(AuditEventRow.action == "backup"))
    assert (row.actor, row.detail["counts"]["stories"]) == ("Ada", len(archive.backup.stories))
    assert row.detail["sha256"] == hashlib.sha256(data).hexdigest()


def test_the_backup_file_never_sits_in_the_session_state(app_env, deferred):
    """A zip of personal data, up to 200 MB, must not outlive the download in the browser session (nor survive a
    sign-out there)."""
    at = run(app_env)
    make_backup(at, deferred)
    at.run()
    assert not at.exception
    for key, value in at.session_state.items():
        assert not isinstance(value, bytes | BackupFile), key
        assert not (isinstance(value, tuple) and any(isinstance(v, bytes | BackupFile) for v in value)), key


def test_restore_next_to_the_original_shows_what_came_back(app_env, deferred):
    at = run(app_env)
    data = make_backup(at, deferred)
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


def test_restore_into_a_municipality_without_sessions(app_env, deferred):
    data = make_backup(run(app_env), deferred)
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
    assert not [b for b in at.get("download_button") if b.key == "exports.download.backup"]
    at.file_uploader(key="exports.backup.upload").set_value(("b.zip", data[:-10], "application/zip")).run()
    at.button(key="exports.backup.restore").click().run()
    assert "Nothing was restored; the database is unchanged." in at.error[0].value
    at.file_uploader(key="exports.backup.upload").set_value(("b.zip", data, "application/zip")).run()
    at.button(key="exports.backup.restore").click().run()
    assert not at.exception, at.exception
    assert any(s.value == f"Werksessie restored with code {DEMO_CODE}." for s in at.success)
    assert sessions_and_stories(app_env.db_url)[0] == 1
    # …and after the rerun it is there to back up again
    assert [b for b in at.get("download_button") if b.key == "exports.download.backup"]
