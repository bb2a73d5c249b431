"""`python -m storage.cli backup-session CODE FILE` and `restore-session FILE`: the demo session from a laptop's
SQLite file into this backend; a file only its owner can read; refusals exit 2 with both languages and change
nothing."""
from __future__ import annotations

import stat

import pytest
from sqlalchemy import func, select, text
from testsupport import FIXTURE_NOW, sqlite_writer_is_free

from domain import backup as fmt
from storage import cli
from storage.db import make_session_factory, read_scope, write_scope
from storage.seed import DEMO_SESSION_CODE, seed_demo, write_fixture_database
from storage.tables import AuditEventRow, SessionRow, StoryRow


def url_of(factory) -> str:
    return factory.kw["bind"].url.render_as_string(hide_password=False)


def count(factory, table) -> int:
    with read_scope(factory) as s:
        return s.scalar(select(func.count()).select_from(table))


@pytest.fixture
def laptop_url(tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 'laptop.db'}"
    write_fixture_database(url, now=FIXTURE_NOW)
    return url


def test_backup_on_the_laptop_restore_on_the_server(laptop_url, session_factory, tmp_path, capsys):
    target = tmp_path / "wijkavond.zip"
    assert cli.main(["--database-url", laptop_url, "backup-session", DEMO_SESSION_CODE.lower(), str(target)]) == 0
    out, err = capsys.readouterr()
    assert f"{DEMO_SESSION_CODE} → {target}" in out and "verhalen/stories 56" in out
    assert "personal data" in err
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert not list(tmp_path.glob(".*.partial"))

    first = target.read_bytes()
    assert cli.main(["--database-url", laptop_url, "backup-session", DEMO_SESSION_CODE, str(target)]) == 2
    assert "--overwrite" in capsys.readouterr().err and target.read_bytes() == first

    server = url_of(session_factory)
    assert cli.main(["--database-url", server, "restore-session", str(target)]) == 2
    err = capsys.readouterr().err
    assert "Herstel geweigerd: De gemeente GM9999 (Voorbeeldstad)" in err and "Restore refused: " in err
    assert "Nothing was restored" in err
    assert count(session_factory, SessionRow) == 0 and count(session_factory, AuditEventRow) == 0

    with write_scope(session_factory) as s:
        seed_demo(s, now=FIXTURE_NOW)
        s.query(StoryRow).delete()
        s.query(SessionRow).delete()
    assert cli.main(["--database-url", server, "restore-session", str(target)]) == 0
    out = capsys.readouterr().out
    assert f"code {DEMO_SESSION_CODE}" in out and "Voorbeeldstad (GM9999)" in out and "verhalen/stories 56" in out
    assert count(session_factory, StoryRow) == 56

    assert cli.main(["--database-url", server, "restore-session", str(target)]) == 0
    out = capsys.readouterr().out
    assert f"De sessiecode {DEMO_SESSION_CODE} is in deze database al in gebruik" in out
    assert count(session_factory, SessionRow) == 2 and count(session_factory, StoryRow) == 112


@pytest.mark.parametrize("content, expected", [
    (None, "does not exist"),
    (b"", "Restore refused: This is not a ZIP file"),
    (b"PK\x05\x06" + b"\x00" * 18, "Restore refused: "),
])
def test_refusals_exit_2(session_factory, tmp_path, capsys, content, expected):
    path = tmp_path / "backup.zip"
    if content is not None:
        path.write_bytes(content)
    assert cli.main(["--database-url", url_of(session_factory), "restore-session", str(path)]) == 2
    assert expected in capsys.readouterr().err
    assert count(session_factory, SessionRow) == 0


def test_an_unknown_code_exits_2(laptop_url, tmp_path, capsys):
    target = tmp_path / "x.zip"
    assert cli.main(["--database-url", laptop_url, "backup-session", "NOPE42", str(target)]) == 2
    assert "There is no session with code NOPE42" in capsys.readouterr().err and not target.exists()


# --- review fixes: a backup changes nothing; a restore checks the file before it takes the write lock -----------

def revision(url: str) -> str:
    factory = make_session_factory(url)
    try:
        with read_scope(factory) as s:
            return s.scalar(text("SELECT version_num FROM alembic_version"))
    finally:
        factory.kw["bind"].dispose()


def test_backup_does_not_migrate_and_names_the_schema(laptop_url, tmp_path, capsys, monkeypatch):
    def no_migrations(url):
        raise AssertionError("a backup must not change the database")

    monkeypatch.setattr(cli, "run_migrations", no_migrations)
    assert cli.main(["--database-url", laptop_url, "backup-session", DEMO_SESSION_CODE, str(tmp_path / "b.zip")]) == 0
    assert f"schema {revision(laptop_url)}" in capsys.readouterr().out


def test_backup_refuses_a_database_of_another_schema_and_leaves_it_alone(laptop_url, tmp_path, capsys):
    with write_scope(make_session_factory(laptop_url)) as s:
        s.execute(text("UPDATE alembic_version SET version_num = '0000_older'"))
    target = tmp_path / "b.zip"
    assert cli.main(["--database-url", laptop_url, "backup-session", DEMO_SESSION_CODE, str(target)]) == 2
    err = capsys.readouterr().err
    assert "0000_older" in err and "Backup refused" in err and not target.exists()
    assert revision(laptop_url) == "0000_older"


def test_backup_of_a_missing_database_creates_none(tmp_path, capsys):
    missing = tmp_path / "nowhere" / "app.db"
    assert cli.main(["--database-url", f"sqlite:///{missing}", "backup-session", "K7Q4FX",
                     str(tmp_path / "b.zip")]) == 2
    assert str(missing) in capsys.readouterr().err
    assert not missing.exists() and not missing.parent.exists()


def test_restore_checks_the_file_before_taking_the_write_lock(laptop_url, session_factory, tmp_path, monkeypatch):
    """A restore reads and checks up to 200 MB; kiosks must be able to send stories meanwhile."""
    target = tmp_path / "b.zip"
    assert cli.main(["--database-url", laptop_url, "backup-session", DEMO_SESSION_CODE, str(target)]) == 0
    with write_scope(session_factory) as s:
        seed_demo(s, now=FIXTURE_NOW)
        s.query(StoryRow).delete()
        s.query(SessionRow).delete()
    checked = []

    def read_backup(data):
        checked.append(sqlite_writer_is_free(session_factory))
        return real_read_backup(data)

    real_read_backup = fmt.read_backup
    monkeypatch.setattr(fmt, "read_backup", read_backup)
    assert cli.main(["--database-url", url_of(session_factory), "restore-session", str(target)]) == 0
    assert checked == [True]
    assert count(session_factory, StoryRow) == 56
