"""Werksessie backup and restore: read one session's rows into a zip (domain/backup.py), and write a checked zip
back as a new session, in the same or another database, with new ids and an audit row for either act."""
from __future__ import annotations

import secrets as _secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from domain.backup import (
    RECORD_FIELDS,
    WITHDRAWN,
    BackupArchive,
    BackupFile,
    BackupRejected,
    Photo,
    RestorePlan,
    RestoreResult,
    SessionBackup,
    build_backup,
    plan_restore,
    remap_audit,
    remap_record,
    shown_text,
)
from domain.moderation import AuditEvent, erased_fields
from domain.sessions import normalise_code
from storage import audit
from storage.db import write_scope
from storage.tables import (
    ActionRow,
    AreaRow,
    AuditEventRow,
    MunicipalityRow,
    PhotoRow,
    SessionRow,
    StoryRow,
    ThemeRow,
    VoteRow,
)


@contextmanager
def snapshot_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A read-only transaction whose reads all see one moment, so a story sent while a backup is read is either
    wholly in it (with its audit row) or not, and which takes no write lock, so kiosks go on sending meanwhile.
    PostgreSQL: REPEATABLE READ, READ ONLY. SQLite: a plain (deferred) BEGIN; in WAL mode (storage/db.py) its
    first read fixes the snapshot that every later read of the transaction sees. Nothing is committed."""
    with factory() as session:
        if factory.kw["bind"].dialect.name == "postgresql":
            session.connection(execution_options={"isolation_level": "REPEATABLE READ",
                                                  "postgresql_readonly": True})
        yield session
        session.rollback()


def schema_revision(session: Session) -> str:
    """The Alembic revision of this database ("" when it was never migrated)."""
    return session.scalar(text("SELECT version_num FROM alembic_version")) or ""


def _fields(part: str, row, **extra) -> dict:
    values = {name: getattr(row, name) for name in RECORD_FIELDS[part] if name not in extra}
    return {**values, **extra}


def read_session_backup(session: Session, code: str) -> SessionBackup:
    """Every row of one session: the session, all its stories (every status), their photos, themes (deleted
    ones too), dots, actions and its audit rows, each in id order."""
    found = session.execute(select(SessionRow, MunicipalityRow).join(
        MunicipalityRow, MunicipalityRow.id == SessionRow.municipality_id)
        .where(SessionRow.code == normalise_code(code))).first()
    if found is None:
        raise BackupRejected("unknown_session", f"Er is geen werksessie met code {normalise_code(code)}.",
                             f"There is no session with code {normalise_code(code)}.")
    row, municipality = found
    session_record = _fields("session", row, municipality_code=municipality.code,
                             municipality_name=municipality.name, area_codes=list(row.area_codes or []),
                             themes=list(row.themes or []), prompts=dict(row.prompts or {}),
                             settings=dict(row.settings or {}))
    stories = list(session.scalars(select(StoryRow).where(StoryRow.session_id == row.id).order_by(StoryRow.id)))
    photo_order = list(dict.fromkeys(s.photo_id for s in stories if s.photo_id))
    photos = {p.id: p for p in session.scalars(select(PhotoRow).where(PhotoRow.id.in_(photo_order)))}

    def rows(table) -> list:
        return list(session.scalars(select(table).where(table.session_id == row.id).order_by(table.id)))

    return SessionBackup(
        session=session_record,
        stories=tuple(_fields("stories", s, themes=list(s.themes or [])) for s in stories),
        photos=tuple(Photo(_fields("photos", photos[i], member=""), bytes(photos[i].data)) for i in photo_order),
        themes=tuple(_fields("themes", t, story_ids=list(t.story_ids or [])) for t in rows(ThemeRow)),
        votes=tuple(_fields("votes", v) for v in rows(VoteRow)),
        actions=tuple(_fields("actions", a, buurt_codes=list(a.buurt_codes or []), theme_ids=list(a.theme_ids or []))
                      for a in rows(ActionRow)),
        audit_events=tuple(_fields("audit_events", e, detail=dict(e.detail or {})) for e in rows(AuditEventRow)))


def record_backup(session: Session, session_id: int, made: BackupFile, *, actor: str, now: datetime) -> None:
    """The "backup" audit row of a file that was made (after the read, so a backup holds the backups made before
    it, not itself)."""
    audit.record(session, AuditEvent("session", session_id, "backup", actor, now,
                                     detail={"format_version": made.manifest.format_version,
                                             "counts": made.manifest.counts, "sha256": made.sha256,
                                             "file_name": made.file_name},
                                     session_id=session_id))
    session.flush()


def make_backup(factory: sessionmaker[Session], code: str, *, actor: str, now: Callable[[], datetime],
                keep: Callable[[BackupFile], None] = lambda made: None) -> BackupFile:
    """The backup of one session, in three steps so that no write lock is held while it is read and zipped: read
    in `snapshot_scope`, build the zip outside any transaction, then `keep` it (write the file, say) and record
    the audit row in one short write transaction, so a file that was not kept leaves no row. A command, like
    the page's deferred download, so it takes the factory rather than a session."""
    with snapshot_scope(factory) as session:
        backup = read_session_backup(session, code)
        app_schema = schema_revision(session)
    made = build_backup(backup, app_schema=app_schema, created_at=now())
    with write_scope(factory) as session:
        keep(made)
        record_backup(session, backup.session["id"], made, actor=actor, now=now())
    return made


def restore_session(session: Session, archive: BackupArchive, *, actor: str, now: datetime) -> RestoreResult:
    """Write a backup that read_backup checked (before the write transaction: checking up to 200 MB must not
    hold the write lock) as a new session of the municipality with the backup's CBS code, with new ids
    everywhere. Raises BackupRejected before writing anything when the database does not fit; the caller's
    transaction (write_scope) makes it all or nothing."""
    backup = archive.backup
    municipality = session.scalar(select(MunicipalityRow).where(
        MunicipalityRow.code == backup.session["municipality_code"]))
    if municipality is None:
        # Shown as Markdown by the page: the file's values as plain text only.
        code, name = shown_text(backup.session["municipality_code"]), shown_text(backup.session["municipality_name"])
        raise BackupRejected(
            "unknown_municipality",
            f"De gemeente {code} ({name}) van deze sessie is in deze database niet geladen. Importeer die eerst "
            f"(pagina Gegevens importeren, of `python -m storage.cli import-kwb BESTAND --gemeente {code}`) en "
            "herstel de backup daarna opnieuw.",
            f"The municipality {code} ({name}) of this session is not loaded in this database. Import it first "
            f"(the data import page, or `python -m storage.cli import-kwb FILE --gemeente {code}`), then restore "
            "the backup again.")
    plan = plan_restore(
        archive,
        code_taken=lambda c: session.scalar(select(SessionRow.id).where(SessionRow.code == c)) is not None,
        existing_titles=list(session.scalars(select(SessionRow.title).where(
            SessionRow.municipality_id == municipality.id))),
        taken_receipts=_statuses(session, StoryRow.receipt_hash, [s["receipt_hash"] for s in backup.stories]),
        taken_tokens=_statuses(session, StoryRow.submission_token, [s["submission_token"] for s in backup.stories]),
        known_buurten=list(session.scalars(select(AreaRow.code).where(AreaRow.municipality_id == municipality.id,
                                                                      AreaRow.level == "buurt"))),
        app_schema=schema_revision(session))
    try:
        session_id = _write(session, backup, plan, municipality.id, actor=actor, now=now)
    except IntegrityError:
        # Another restore or a kiosk took the same code or receipt between our check and our insert.
        raise BackupRejected("conflict", "Tegelijk met dit herstel kwam er een sessie of verhaal met dezelfde code "
                             "bij. Er is niets hersteld; probeer het nog eens.",
                             "A session or story with the same code arrived during this restore. Nothing was "
                             "restored; please try again.") from None
    audit.record(session, AuditEvent(
        "session", session_id, "restore", actor, now,
        detail={"from_code": backup.session["code"], "code": plan.code,
                "backup_created_at": archive.manifest.created_at.isoformat(),
                "format_version": archive.manifest.format_version, "app_schema": archive.manifest.app_schema,
                "counts": backup.counts(), "notes": [n.key for n in plan.notes], "erased": len(plan.erased)},
        session_id=session_id))
    session.flush()
    return RestoreResult(session_id, plan.code, backup.session["code"], plan.title, municipality.code,
                         municipality.name, backup.counts(), plan.notes)


def _statuses(session: Session, column, values: list) -> dict[str, str]:
    """Which of these receipt hashes or submission tokens stories here already have, with those stories' status
    (withdraw_story keeps the token of the row it erases, so a withdrawal shows up here)."""
    wanted = sorted({v for v in values if v})
    found: dict[str, str] = {}
    for start in range(0, len(wanted), 500):  # stay below SQLite's bound-parameter limit
        rows = session.execute(select(column, StoryRow.status).where(column.in_(wanted[start:start + 500])))
        found.update({value: status for value, status in rows})
    return found


def _write(session: Session, backup: SessionBackup, plan: RestorePlan, municipality_id: int, *, actor: str,
           now: datetime) -> int:
    """Insert everything in id order (new ids keep the old order) and return the new session id."""
    record = backup.session
    row = SessionRow(**{k: record[k] for k in ("session_date", "area_codes", "prompts", "themes", "settings",
                                               "status", "is_demo", "created_at", "closed_at")},
                     code=plan.code, title=plan.title, municipality_id=municipality_id)
    session.add(row)
    session.flush()
    maps: dict[str, dict] = {"session": {record["id"]: row.id}, "photo": {}}
    wanted = {s["photo_id"] for s in backup.stories if s["photo_id"] and s["id"] not in plan.erased}
    for photo in (p for p in backup.photos if p.record["id"] in wanted):
        new_id = _secrets.token_hex(16)  # never the old id: a copy must not share a photo with its original
        maps["photo"][photo.record["id"]] = new_id
        session.add(PhotoRow(id=new_id, mime=photo.record["mime"], width=photo.record["width"],
                             height=photo.record["height"], data=photo.data, created_at=photo.record["created_at"]))
    session.flush()

    story_rows = []
    for story in backup.stories:
        values = {k: v for k, v in story.items() if k not in ("id", "duplicate_of_id")}
        values["photo_id"] = maps["photo"].get(story["photo_id"]) if story["photo_id"] else None
        if story["id"] in plan.cleared_receipts:
            values["receipt_hash"] = None
        if story["id"] in plan.cleared_tokens:
            values["submission_token"] = None
        if story["id"] in plan.erased:  # as withdraw_story left the original here
            values.update(erased_fields(), status=WITHDRAWN, submission_token=None,
                          version=story["version"] + 1, updated_at=now)
        story_rows.append(StoryRow(session_id=row.id, duplicate_of_id=None, **values))
    maps["story"] = _insert(session, backup.stories, story_rows)
    for story, story_row in zip(backup.stories, story_rows):
        if story["duplicate_of_id"] is not None:
            story_row.duplicate_of_id = maps["story"][story["duplicate_of_id"]]

    maps["theme"] = _insert(session, backup.themes, [
        ThemeRow(session_id=row.id, **_without_id(remap_record("themes", t, maps))) for t in backup.themes])
    maps["vote"] = _insert(session, backup.votes, [
        VoteRow(session_id=row.id, **_without_id(remap_record("votes", v, maps))) for v in backup.votes])
    maps["action"] = _insert(session, backup.actions, [
        ActionRow(session_id=row.id, **_without_id(remap_record("actions", a, maps))) for a in backup.actions])
    for event in backup.audit_events:
        session.add(AuditEventRow(session_id=row.id, **_without_id(remap_audit(event, maps))))
    for story in backup.stories:
        if story["id"] in plan.erased:
            audit.record(session, AuditEvent("story", maps["story"][story["id"]], "withdraw", actor, now,
                                             "ingetrokken na de backup / withdrawn after the backup",
                                             {"from_status": story["status"]}, session_id=row.id))
    session.flush()
    return row.id


def _without_id(record: dict) -> dict:
    return {k: v for k, v in record.items() if k != "id"}


def _insert(session: Session, records, rows: list) -> dict[int, int]:
    session.add_all(rows)
    session.flush()
    return {record["id"]: new.id for record, new in zip(records, rows)}
