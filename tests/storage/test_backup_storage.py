"""Werksessie backup and restore on both backends: a session with a story in every status (redacted, duplicate,
withdrawn with its photo erased), photos, themes (one deleted), dots and an action is backed up, restored into an
empty migrated database that has the municipality (SQLite laptop → this backend, and this backend → SQLite), and
backed up again: the two backups hold the same content once ids and the code are set aside. Also a restore next
to the original (new code, receipts stay with the original), the refusals that leave the database as it was, and
the audit rows of both acts."""
from __future__ import annotations

import io
import json
import zipfile
from datetime import UTC, date, datetime

import pytest
from PIL import Image
from sqlalchemy import func, inspect, select
from testsupport import copy_sqlite, sqlite_writer_is_free

from domain import backup as fmt
from domain.backup import BackupRejected
from domain.moderation import AuditEvent
from domain.photos import process_photo
from domain.sessions import SessionSettings
from domain.stories import ValidStory
from storage import audit, backup, sessions, stories, vision
from storage.db import make_session_factory, read_scope, write_scope
from storage.seed import seed_demo
from storage.tables import ActionRow, AuditEventRow, Base, PhotoRow, SessionRow, StoryRow, ThemeRow, VoteRow

NOW = datetime(2026, 11, 27, 20, 0, tzinfo=UTC)
LATER = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
TABLES = (SessionRow, StoryRow, PhotoRow, ThemeRow, VoteRow, ActionRow, AuditEventRow)


def _valid(text: str, token: str | None = None) -> ValidStory:
    return ValidStory(kind="concern", text=text, lat=52.0931, lon=5.1043, buurt_code="BU99990101",
                      place_description="bij de bakker", dimension="voorzieningen", themes=("winkels",),
                      age_band="25-44", relation="lives", language="nl", submission_token=token, kiosk_id="kiosk-1")


def _photo(colour: str):
    out = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(out, format="PNG")
    return process_photo(out.getvalue())


def fill(factory) -> tuple[str, dict[str, str]]:
    """A session worth backing up; returns (code, {label: receipt code})."""
    with write_scope(factory) as s:
        municipality = seed_demo(s, now=NOW)
        work = sessions.create_session(s, title="Backupavond", municipality_id=municipality.id,
                                       area_codes=["BU99990101", "BU99990102"], actor="Anna", now=NOW,
                                       session_date=date(2026, 11, 27), themes=["winkels"],
                                       settings=SessionSettings(moderation="pre", dots_per_visit=5, k=3))
        ids, codes = {}, {}
        for label in ("approved", "redacted", "pending", "hidden", "duplicate", "withdrawn"):
            photo = _photo("red" if label == "approved" else "blue") if label in ("approved", "withdrawn") else None
            receipt = stories.submit_story(s, work, _valid(f"{label}: bel 0612345678", token=f"tok-{label}"),
                                           now=NOW, photo=photo)
            ids[label], codes[label] = receipt.story_id, receipt.code
        for label in ("approved", "redacted", "hidden", "withdrawn"):
            stories.moderate(s, ids[label], "approve", actor="Anna", now=NOW, expected_version=1)
        stories.moderate(s, ids["redacted"], "redact", actor="Anna", now=NOW, expected_version=2,
                         value="0612345678")
        stories.moderate(s, ids["hidden"], "hide", actor="Anna", now=NOW, expected_version=2, reason="naam")
        stories.moderate(s, ids["duplicate"], "mark_duplicate", actor="Anna", now=NOW, expected_version=1,
                         value=ids["approved"], reason="zelfde")
        stories.withdraw_story(s, codes["withdrawn"], now=NOW)
        kept = vision.create_theme(s, work.id, "Winkels", [ids["approved"], ids["redacted"]], actor="Anna", now=NOW)
        gone = vision.create_theme(s, work.id, "Weg ermee", [ids["approved"]], actor="Anna", now=NOW)
        for voter in ("visit-1", "visit-1", "visit-2"):
            vision.cast_dot(s, work.id, kept.id, voter, now=NOW)
        vision.cast_dot(s, work.id, gone.id, "visit-2", now=NOW)
        vision.add_action(s, work.id, what="Bakker vragen", owner="Winkeliers", due_date=date(2027, 1, 15),
                          buurt_codes=["BU99990101"], theme_ids=[kept.id, gone.id], known_buurten={"BU99990101"},
                          actor="Anna", now=NOW)
        vision.delete_theme(s, gone.id, actor="Anna", now=NOW)
        sessions.set_status(s, work.id, "closed", actor="Anna", now=NOW)
    return work.code, codes


def make_backup(factory, code: str, *, now: datetime = LATER) -> fmt.BackupFile:
    return backup.make_backup(factory, code, actor="Anna", now=lambda: now)


def restore(factory, data: bytes) -> fmt.RestoreResult:
    archive = fmt.read_backup(data)  # checked before the write transaction, as the page and the CLI do
    with write_scope(factory) as s:
        return backup.restore_session(s, archive, actor="Bram", now=LATER)


def counts(factory) -> dict[str, int]:
    with read_scope(factory) as s:
        return {table.__tablename__: s.scalar(select(func.count()).select_from(table)) for table in TABLES}


def with_municipality(factory) -> None:
    """An empty migrated database with the demo municipality loaded, and no sessions."""
    with write_scope(factory) as s:
        seed_demo(s, now=NOW)
        for table in (VoteRow, ThemeRow, ActionRow, StoryRow, AuditEventRow, SessionRow):
            s.query(table).delete()


@pytest.fixture
def laptop(_sqlite_template, tmp_path):
    """A second SQLite database, next to whatever `session_factory` is."""
    factory = make_session_factory(copy_sqlite(_sqlite_template, tmp_path / "laptop.db"))
    yield factory
    factory.kw["bind"].dispose()


def test_laptop_to_this_backend_and_back_loses_nothing(laptop, session_factory):
    code, _ = fill(laptop)
    first = make_backup(laptop, code)
    with_municipality(session_factory)
    result = restore(session_factory, first.data)
    assert (result.code, result.title, result.notes) == (code, "Backupavond", ())
    second = make_backup(session_factory, result.code, now=LATER.replace(hour=10))
    a, b = fmt.read_backup(first.data), fmt.read_backup(second.data)
    assert fmt.comparable(a) == fmt.comparable(b, ignore_restore_of=a.manifest)
    assert a.backup.counts() == {"stories": 6, "photos": 1, "themes": 2, "votes": 4, "actions": 1,
                                 "audit_events": b.backup.counts()["audit_events"] - 1}
    # …and the comparison does see a difference in content:
    with write_scope(session_factory) as s:
        s.execute(StoryRow.__table__.update().where(StoryRow.session_id == result.session_id,
                                                    StoryRow.status == "hidden").values(text="anders"))
    third = fmt.read_backup(make_backup(session_factory, result.code).data)
    assert fmt.comparable(a) != fmt.comparable(third, ignore_restore_of=a.manifest)


def test_this_backend_to_a_laptop(session_factory, laptop):
    code, _ = fill(session_factory)
    first = make_backup(session_factory, code)
    with_municipality(laptop)
    result = restore(laptop, first.data)
    a, b = fmt.read_backup(first.data), fmt.read_backup(make_backup(laptop, result.code).data)
    assert fmt.comparable(a) == fmt.comparable(b, ignore_restore_of=a.manifest)


def test_what_the_restored_session_holds(laptop, session_factory):
    code, _ = fill(laptop)
    data = make_backup(laptop, code).data
    with_municipality(session_factory)
    result = restore(session_factory, data)
    with read_scope(session_factory) as s:
        work = sessions.get_session_by_code(s, result.code)
        by_status = stories.count_by_status(s, work.id)
        rows = {r.original_text.split(":")[0] or "withdrawn": r for r in s.scalars(
            select(StoryRow).where(StoryRow.session_id == work.id))}
        themes = vision.list_themes(s, work.id, include_deleted=True)
        [action] = vision.list_actions(s, work.id)
        photo = stories.get_photo(s, rows["approved"].photo_id)
    assert (work.status, work.session_date, work.settings.k, work.themes) == ("closed", date(2026, 11, 27), 3,
                                                                              ("winkels",))
    assert by_status == {"approved": 2, "pending": 1, "hidden": 2, "withdrawn": 1}
    assert rows["redacted"].text == "redacted: bel [...]" and rows["redacted"].original_text == \
        "redacted: bel 0612345678"
    assert rows["duplicate"].duplicate_of_id == rows["approved"].id
    assert rows["approved"].receipt_hash and rows["approved"].submission_token == "tok-approved"
    assert photo is not None and photo[1] == "image/jpeg"
    withdrawn = rows["withdrawn"]
    assert (withdrawn.text, withdrawn.photo_id, withdrawn.receipt_hash, withdrawn.lat) == ("", None, None, None)
    assert [(t.name, t.votes, t.is_deleted) for t in themes] == [("Winkels", 3, False), ("Weg ermee", 1, True)]
    assert set(themes[0].story_ids) == {rows["approved"].id, rows["redacted"].id}
    assert action.theme_ids == (themes[0].id, themes[1].id)


def test_every_column_is_in_the_backup():
    """A column added later must be added to the backup format too, or a restore would lose it."""
    skipped = {"session_id", "municipality_id"}  # implied by the backup / named by CBS code
    for part, table in [("session", SessionRow), ("stories", StoryRow), ("photos", PhotoRow), ("themes", ThemeRow),
                        ("votes", VoteRow), ("actions", ActionRow), ("audit_events", AuditEventRow)]:
        columns = {c.key for c in inspect(table).columns} - skipped - ({"data"} if part == "photos" else set())
        assert columns <= set(fmt.RECORD_FIELDS[part]), (part, columns - set(fmt.RECORD_FIELDS[part]))


def test_text_limits_match_the_columns():
    """PostgreSQL refuses a value longer than its column; the restore checks the same limits first."""
    tables = Base.metadata.tables
    names = {"session": "sessions", "stories": "stories", "photos": "photos", "themes": "themes", "votes": "votes",
             "actions": "actions", "audit_events": "audit_events"}
    for part, fields in fmt.RECORD_FIELDS.items():
        for name, spec in fields.items():
            column = tables[names[part]].columns.get(name)
            if column is not None and spec.kind == "str":
                assert spec.max_length == getattr(column.type, "length", None), (part, name)


def test_restore_next_to_the_original(session_factory):
    code, receipts = fill(session_factory)
    data = make_backup(session_factory, code).data
    before = counts(session_factory)
    result = restore(session_factory, data)
    assert result.code != code and result.original_code == code
    assert result.title == "Backupavond (hersteld)"
    assert [n.key for n in result.notes] == ["code_changed", "title_changed", "receipts_kept"]
    after = counts(session_factory)
    assert after["stories"] - before["stories"] == 6 and after["photos"] - before["photos"] == 1
    with read_scope(session_factory) as s:
        copy = sessions.get_session_by_code(s, result.code)
        copied = list(s.scalars(select(StoryRow).where(StoryRow.session_id == copy.id)))
        original_photo = s.scalar(select(StoryRow.photo_id).where(StoryRow.receipt_hash.is_not(None),
                                                                  StoryRow.photo_id.is_not(None),
                                                                  StoryRow.session_id != copy.id))
    assert all(r.receipt_hash is None and r.submission_token is None for r in copied)
    assert {r.photo_id for r in copied if r.photo_id} and original_photo not in {r.photo_id for r in copied}
    # The receipt still withdraws the original; the copy keeps its text (the note says so).
    with write_scope(session_factory) as s:
        assert stories.withdraw_story(s, receipts["approved"], now=LATER)
    with read_scope(session_factory) as s:
        assert s.scalar(select(func.count()).select_from(StoryRow).where(
            StoryRow.session_id == copy.id, StoryRow.text.like("approved:%"))) == 1


def test_backup_and_restore_leave_audit_rows(session_factory, laptop):
    code, _ = fill(session_factory)
    made = make_backup(session_factory, code)
    with read_scope(session_factory) as s:
        row = s.scalar(select(AuditEventRow).where(AuditEventRow.action == "backup"))
    assert (row.entity, row.actor, row.detail["sha256"], row.detail["counts"]["stories"]) == (
        "session", "Anna", made.sha256, 6)
    actions = [e["action"] for e in fmt.read_backup(made.data).backup.audit_events]
    assert "backup" not in actions and actions.count("approve") == 4  # its own row is not in it…
    again = fmt.read_backup(make_backup(session_factory, code).data).backup.audit_events
    assert [e["action"] for e in again].count("backup") == 1  # …but the next backup holds it
    with_municipality(laptop)
    result = restore(laptop, made.data)
    with read_scope(laptop) as s:
        row = s.scalar(select(AuditEventRow).where(AuditEventRow.action == "restore"))
    assert (row.entity_id, row.session_id, row.actor) == (result.session_id, result.session_id, "Bram")
    assert row.detail["from_code"] == code and row.detail["counts"]["stories"] == 6


def test_a_missing_municipality_is_named_and_nothing_is_written(session_factory, laptop):
    code, _ = fill(laptop)
    data = make_backup(laptop, code).data
    before = counts(session_factory)
    with pytest.raises(BackupRejected) as caught:
        restore(session_factory, data)
    assert caught.value.key == "unknown_municipality"
    assert "GM9999 (Voorbeeldstad)" in caught.value.nl and "Import it first" in caught.value.en
    assert counts(session_factory) == before


def test_a_damaged_file_writes_nothing(session_factory):
    code, _ = fill(session_factory)
    data = make_backup(session_factory, code).data
    before = counts(session_factory)
    with pytest.raises(BackupRejected) as caught:
        restore(session_factory, data[: len(data) // 2])
    assert caught.value.key == "not_a_zip"
    assert counts(session_factory) == before


def test_a_clash_half_way_rolls_everything_back(session_factory, monkeypatch):
    """A receipt that appears between the plan and the insert (another restore, say): the story insert fails
    after the session and photos were written, and the whole restore goes."""
    code, _ = fill(session_factory)
    data = make_backup(session_factory, code).data
    before = counts(session_factory)
    monkeypatch.setattr(backup, "_statuses", lambda session, column, values: {})
    with pytest.raises(BackupRejected) as caught:
        restore(session_factory, data)
    assert caught.value.key == "conflict" and "try again" in caught.value.en
    assert counts(session_factory) == before


def test_an_unknown_code_cannot_be_backed_up(session_factory):
    with pytest.raises(BackupRejected) as caught:
        make_backup(session_factory, "zzz-999")
    assert caught.value.key == "unknown_session" and "ZZZ999" in caught.value.en


# --- review fixes --------------------------------------------------------------------------------------------------

def test_a_story_withdrawn_after_the_backup_stays_erased_in_the_copy(session_factory):
    """Withdrawal keeps the submission token on the contentless row; a restore next to it finds the token and
    erases the copy as withdraw_story erased the original, instead of bringing text, place and photo back."""
    code, receipts = fill(session_factory)
    data = make_backup(session_factory, code).data
    with write_scope(session_factory) as s:
        assert stories.withdraw_story(s, receipts["approved"], now=LATER)
    before = counts(session_factory)
    result = restore(session_factory, data)
    assert [n.key for n in result.notes] == ["code_changed", "title_changed", "receipts_kept", "withdrawn_here"]
    with read_scope(session_factory) as s:
        copy = sessions.get_session_by_code(s, result.code)
        rows = list(s.scalars(select(StoryRow).where(StoryRow.session_id == copy.id)))
        erasures = list(s.scalars(select(AuditEventRow).where(AuditEventRow.session_id == copy.id,
                                                              AuditEventRow.action == "withdraw",
                                                              AuditEventRow.actor == "Bram")))
    assert not [r for r in rows if "approved:" in r.text + r.original_text]
    withdrawn = [r for r in rows if r.status == "withdrawn"]
    assert len(withdrawn) == 2  # withdrawn before the backup, and after it
    for row in withdrawn:
        assert (row.text, row.original_text, row.themes, row.lat, row.lon, row.place_description, row.age_band,
                row.relation, row.dimension, row.photo_id, row.receipt_hash, row.submission_token) == (
            "", "", [], None, None, None, None, None, None, None, None, None)
    assert counts(session_factory)["photos"] == before["photos"]  # the erased story's photo did not come back
    assert [e.detail["from_status"] for e in erasures] == ["approved"]


def rewrite_session(data: bytes, **changes) -> bytes:
    """The backup with fields of its session changed (the manifest follows), as a hand-edited file would be."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        files = {info.filename: archive.read(info) for info in archive.infolist()}
    files["session.jsonl"] = (json.dumps({**json.loads(files["session.jsonl"]), **changes}) + "\n").encode()
    manifest = json.loads(files["manifest.json"])
    manifest["session"].update({k: v for k, v in changes.items() if k in manifest["session"]})
    manifest["members"]["session.jsonl"] = {"sha256": fmt._sha256(files["session.jsonl"]),
                                            "bytes": len(files["session.jsonl"])}
    files["manifest.json"] = json.dumps(manifest).encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, body in files.items():
            archive.writestr(name, body)
    return out.getvalue()


def test_an_unknown_municipality_is_named_as_plain_text(session_factory, laptop):
    code, _ = fill(laptop)
    data = rewrite_session(make_backup(laptop, code).data, municipality_code="GM`1`",
                           municipality_name="[Klik hier](http://e.vil) *nu*")
    with pytest.raises(BackupRejected) as caught:
        restore(session_factory, data)
    assert caught.value.key == "unknown_municipality"
    for message in (caught.value.nl, caught.value.en):
        assert "GM?1? (?Klik hier?(http?//e.vil) ?nu?)" in message
        assert "[" not in message and "*" not in message and "`1`" not in message


def test_a_backup_reads_one_moment_without_holding_the_write_lock(session_factory, monkeypatch):
    """A kiosk can send a story while a backup is read (SQLite: no write lock; PostgreSQL: no lock at all),
    and the backup still sees one moment: what arrives during the read is not half in it."""
    code, _ = fill(session_factory)
    read = backup.read_session_backup
    seen = []

    def read_while_a_kiosk_writes(session, code):
        first = read(session, code)
        assert sqlite_writer_is_free(session_factory)
        with write_scope(session_factory) as other:
            audit.record(other, AuditEvent("session", first.session["id"], "note", "kiosk", LATER,
                                           session_id=first.session["id"]))
        seen.append(read(session, code) == first)
        return first

    monkeypatch.setattr(backup, "read_session_backup", read_while_a_kiosk_writes)
    built = []
    monkeypatch.setattr(backup, "build_backup", lambda *a, **k: built.append(sqlite_writer_is_free(
        session_factory)) or fmt.build_backup(*a, **k))
    made = make_backup(session_factory, code)
    assert seen == [True] and built == [True]
    assert "note" not in [e["action"] for e in fmt.read_backup(made.data).backup.audit_events]
    with read_scope(session_factory) as s:  # the audit row of the backup was written after the read
        assert s.scalar(select(func.count()).select_from(AuditEventRow).where(AuditEventRow.action == "backup")) == 1


def test_a_backup_that_is_not_kept_leaves_no_audit_row(session_factory):
    code, _ = fill(session_factory)

    def disk_full(made):
        raise OSError("no space left on device")

    with pytest.raises(OSError):
        backup.make_backup(session_factory, code, actor="Anna", now=lambda: LATER, keep=disk_full)
    with read_scope(session_factory) as s:
        assert s.scalar(select(func.count()).select_from(AuditEventRow).where(AuditEventRow.action == "backup")) == 0
