"""Helpers shared by the conftests and tests (importable as `testsupport`: pytest puts tests/ on sys.path)."""
from __future__ import annotations

import os
import secrets
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.db import make_session_factory, read_scope, write_scope
from storage.tables import AuditEventRow, PhotoRow, StoryRow

REPO_ROOT = Path(__file__).resolve().parent.parent
# The real CBS and Leefbaarometer files stay outside the repository (next to it, in ../shared/data, on CI too).
SHARED_DATA = Path(os.environ.get("BUURTBEELD_SHARED_DATA") or REPO_ROOT.parent / "shared" / "data")
# A fixed clock for seeded data, so screenshots and "n days ago" texts do not drift.
FIXTURE_NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}


def skip_or_fail(reason: str) -> None:
    """Skip on a laptop without the service; in CI a missing service is a failure, never a silent skip."""
    if in_ci():
        pytest.fail(f"{reason} [CI=true: required here, so this fails instead of skipping]", pytrace=False)
    pytest.skip(reason)


def require_shared_data(*paths: Path) -> None:
    """Skip (on a laptop) or fail (under CI=true) when one of these files under SHARED_DATA is missing."""
    missing = [str(path) for path in paths if not path.exists()]
    if missing:
        skip_or_fail(f"the shared data files are missing at {SHARED_DATA} ({', '.join(missing)}); "
                     "set BUURTBEELD_SHARED_DATA to their folder")


def copy_sqlite(src_url_or_path: str | Path, dest: Path) -> str:
    """Copy a SQLite database consistently (backup API, so WAL content is included); returns its URL."""
    source = sqlite3.connect(str(src_url_or_path).removeprefix("sqlite:///"))
    target = sqlite3.connect(dest)
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()
    return f"sqlite:///{dest}"


APP_ROOT = '[data-testid="stApp"]'
# Values of data-test-script-state in streamlit 1.67's frontend (static/js/index.*.js):
# "initial" before the first run, then "running" / "notRunning" / "rerunRequested" /
# "stopRequested" / "compilationError".
IDLE_STATES = ("notRunning", "compilationError")


def wait_for_app_run(page, *, timeout: float = 30_000, settle_ms: int = 100) -> None:
    """Wait until the websocket is connected and the script run has finished.

    Like Streamlit's own e2e helper, it waits `settle_ms` afterwards, because the state attribute can
    still read "notRunning" for a moment right after a click, before the rerun starts. After an
    interaction, prefer waiting for its visible result with `expect(...)`.
    """
    page.wait_for_selector(f'{APP_ROOT}[data-test-connection-state="CONNECTED"]', state="attached",
                           timeout=timeout)
    page.wait_for_selector(", ".join(f'{APP_ROOT}[data-test-script-state="{s}"]' for s in IDLE_STATES),
                           state="attached", timeout=timeout)
    if page.get_attribute(APP_ROOT, "data-test-script-state") == "compilationError":
        raise AssertionError("Streamlit reports a compilation error in the app script")
    if settle_ms:
        page.wait_for_timeout(settle_ms)


# ---------------------------------------------------------------- app servers and databases (issue 7)

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def tail(path: Path, lines: int = 60) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no server output)"


def wait_for_health(url: str, proc: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    """Poll `/_stcore/health` until it answers "ok"; raise with the server's output if it dies or never does."""
    deadline = time.monotonic() + timeout
    last_error = "no answer yet"
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with code {proc.returncode} before it was healthy.\n"
                               f"--- server output ---\n{tail(log)}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200 and response.read().strip() == b"ok":
                    return
        except (urllib.error.URLError, OSError) as err:
            last_error = str(err)
        time.sleep(0.2)
    raise RuntimeError(f"streamlit not healthy at {url} after {timeout:.0f} s ({last_error}).\n"
                       f"--- server output ---\n{tail(log)}")


def launch_app(env: Mapping[str, str], port: int, *, log: Path, timeout: float = 60) -> subprocess.Popen:
    """`streamlit run app.py` on 127.0.0.1:`port` with exactly `env` (e.g. `{**os.environ, "APP_DB_URL": …}`),
    output appended to `log`; returns the process once it answers its health check."""
    cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
           "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
           "--server.fileWatcherType", "none"]  # a test server never reloads
    with open(log, "ab") as out:
        proc = subprocess.Popen(cmd, cwd=REPO_ROOT, env={**env, "PYTHONUNBUFFERED": "1"}, stdout=out,
                                stderr=subprocess.STDOUT)
    try:
        wait_for_health(f"http://127.0.0.1:{port}", proc, log, timeout)
    except BaseException:
        stop_app(proc)
        raise
    return proc


def stop_app(proc: subprocess.Popen) -> None:
    """Terminate, then kill; a process that already ended is left as it is."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


@contextmanager
def start_app_server(env: Mapping[str, str], port: int, *, log: Path, timeout: float = 60) -> Iterator[str]:
    """`launch_app` for the length of a `with`: yields the base URL; stopped on exit."""
    proc = launch_app(env, port, log=log, timeout=timeout)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stop_app(proc)


@contextmanager
def fresh_pg_database(base_url: str, prefix: str = "buurtbeeld_x", *, template: str | None = None) -> Iterator[str]:
    """A new, empty database next to the one in `base_url` (the role needs CREATEDB), dropped afterwards.
    `template="template0"` gives one without the extensions the test server puts in template1 (PostGIS)."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    name = f"{prefix}_{os.getpid()}_{secrets.token_hex(3)}"
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5})
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"' + (f" TEMPLATE {template} ENCODING 'UTF8'" if template else ""))
        try:
            yield make_url(base_url).set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.dispose()


# ---------------------------------------------------------------- a test's own look into a database

@contextmanager
def reading(db_url: str) -> Iterator[Session]:
    """A read transaction on `db_url` through its own engine, disposed afterwards (a test reading what the
    app server or a page stored)."""
    factory = make_session_factory(db_url)
    try:
        with read_scope(factory) as session:
            yield session
    finally:
        factory.kw["bind"].dispose()


@contextmanager
def writing(db_url: str) -> Iterator[Session]:
    """A write transaction on `db_url` through its own engine, disposed afterwards (a test preparing data)."""
    factory = make_session_factory(db_url)
    try:
        with write_scope(factory) as session:
            yield session
    finally:
        factory.kw["bind"].dispose()


# ---------------------------------------------------------------- stored data checks

def half_written(factory, session_id: int | None = None) -> dict[str, int]:
    """Counts of rows that only a half-finished submission could leave; all must be 0. With `session_id`, the
    story checks look at that werksessie only (the demo seed's stories were never submitted at a kiosk)."""
    in_session = StoryRow.session_id == session_id if session_id is not None else True
    with read_scope(factory) as s:
        submit_audits = select(AuditEventRow.entity_id).where(AuditEventRow.entity == "story",
                                                              AuditEventRow.action == "submit")
        return {
            "story pointing at a missing photo": s.scalar(
                select(func.count()).select_from(StoryRow).outerjoin(PhotoRow, StoryRow.photo_id == PhotoRow.id)
                .where(StoryRow.photo_id.is_not(None), PhotoRow.id.is_(None))),
            "photo without its story": s.scalar(
                select(func.count()).select_from(PhotoRow)
                .where(PhotoRow.id.not_in(select(StoryRow.photo_id).where(StoryRow.photo_id.is_not(None))))),
            "submit audit row without its story": s.scalar(
                select(func.count()).select_from(AuditEventRow)
                .where(AuditEventRow.entity == "story", AuditEventRow.action == "submit",
                       AuditEventRow.entity_id.not_in(select(StoryRow.id)))),
            "story without its submit audit row": s.scalar(
                select(func.count()).select_from(StoryRow).where(in_session, StoryRow.id.not_in(submit_audits))),
            "story without receipt": s.scalar(
                select(func.count()).select_from(StoryRow).where(in_session, StoryRow.receipt_hash.is_(None))),
        }


def sqlite_writer_is_free(factory) -> bool:
    """Whether another connection could take SQLite's write lock right now, without waiting (PostgreSQL: True)."""
    url = factory.kw["bind"].url
    if url.get_backend_name() != "sqlite":
        return True
    other = sqlite3.connect(url.database, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        other.close()
