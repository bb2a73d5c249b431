"""Shared fixtures: a migrated database per test (SQLite everywhere, PostgreSQL too under tests/storage),
the seeded demo database, and a clean environment for AppTest. Usage: docs/testing.md.
"""
from __future__ import annotations

import os
import secrets
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

from storage.config import redact_url
from storage.db import make_session_factory, run_migrations
from testsupport import FIXTURE_NOW, REPO_ROOT, copy_sqlite, skip_or_fail

STORAGE_TESTS = REPO_ROOT / "tests" / "storage"
PG_URL_ENV = "BUURTBEELD_TEST_PG_URL"
# Left alone when a test database is wiped: Alembic's bookkeeping and PostGIS's own table.
KEEP_TABLES = {"alembic_version", "spatial_ref_sys"}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    # Storage tests run on both backends; everything else gets the SQLite default of `db_backend`.
    if "db_backend" not in metafunc.fixturenames or STORAGE_TESTS not in metafunc.definition.path.parents:
        return
    if any("db_backend" in m.args[0] for m in metafunc.definition.iter_markers("parametrize")):
        return
    metafunc.parametrize("db_backend", [
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgresql", id="pg", marks=pytest.mark.postgres),
    ], indirect=True)


@pytest.fixture(autouse=True)
def _real_main_module() -> Iterator[None]:
    """Put back the interpreter's `__main__` after every test. Streamlit's script runner (AppTest) leaves the
    app script installed as `__main__`; a process spawned afterwards by multiprocessing would then run the
    whole app while starting up, and die (this broke the spawned writers of test_concurrency.py in CI)."""
    main = sys.modules["__main__"]
    yield
    sys.modules["__main__"] = main


# ---------------------------------------------------------------- SQLite

@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Migrated once per run; each test gets a copy (a copy is ~50x faster than running Alembic)."""
    path = tmp_path_factory.mktemp("sqlite-template") / "migrated.db"
    run_migrations(f"sqlite:///{path}")
    return path


@pytest.fixture
def sqlite_db_url(_sqlite_template: Path, tmp_path: Path) -> str:
    """URL of a fresh, migrated, empty SQLite file in tmp_path."""
    return copy_sqlite(_sqlite_template, tmp_path / "test.db")


@pytest.fixture
def sqlite_session_factory(sqlite_db_url: str):
    factory = make_session_factory(sqlite_db_url)
    yield factory
    factory.kw["bind"].dispose()


# ---------------------------------------------------------------- PostgreSQL

@dataclass
class PgTestDatabase:
    url: str
    tables: list[str]
    engine: object

    def wipe(self) -> None:
        if self.tables:
            with self.engine.begin() as conn:
                quote = conn.dialect.identifier_preparer.quote
                conn.exec_driver_sql(
                    f"TRUNCATE {', '.join(quote(t) for t in self.tables)} RESTART IDENTITY CASCADE")


@pytest.fixture(scope="session")
def _pg_database() -> Iterator[PgTestDatabase]:
    """One migrated database per pytest run (so parallel runs on one server never meet), wiped per test."""
    from sqlalchemy import create_engine, inspect
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import DBAPIError

    base_url = os.environ.get(PG_URL_ENV)
    if not base_url:
        skip_or_fail(f"PostgreSQL tests need {PG_URL_ENV}; start a throwaway server with "
                     "`scripts/test_postgres.sh start` (docs/testing.md)")
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5})
    try:
        admin_conn = admin.connect()
    except DBAPIError as err:
        admin.dispose()
        skip_or_fail(f"PostgreSQL at {redact_url(base_url)} is not reachable: {err.orig}".strip())
    name = f"buurtbeeld_t_{os.getpid()}_{secrets.token_hex(3)}"
    try:
        admin_conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        url = make_url(base_url).set(database=name).render_as_string(hide_password=False)
        own_database = True
    except DBAPIError:
        # Role without CREATEDB: use the given database itself, after dropping whatever is in it.
        url, own_database = base_url, False
        _drop_all_tables(admin_conn)
    try:
        run_migrations(url)
        engine = create_engine(url)
        tables = sorted(set(inspect(engine).get_table_names()) - KEEP_TABLES)
        yield PgTestDatabase(url=url, tables=tables, engine=engine)
        engine.dispose()
    finally:
        if own_database:
            admin_conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin_conn.close()
        admin.dispose()


def _drop_all_tables(conn) -> None:
    from sqlalchemy import MetaData

    metadata = MetaData()
    metadata.reflect(conn)
    metadata.drop_all(conn, tables=[t for t in metadata.sorted_tables if t.name != "spatial_ref_sys"])


# ---------------------------------------------------------------- backend-neutral

@pytest.fixture
def db_backend(request: pytest.FixtureRequest) -> str:
    """"sqlite" or "postgresql"; parametrised over both under tests/storage, "sqlite" elsewhere."""
    return getattr(request, "param", "sqlite")


@pytest.fixture
def db_url(db_backend: str, request: pytest.FixtureRequest) -> str:
    """A migrated, empty database of the current backend."""
    if db_backend == "sqlite":
        return request.getfixturevalue("sqlite_db_url")
    database: PgTestDatabase = request.getfixturevalue("_pg_database")
    database.wipe()
    return database.url


@pytest.fixture
def session_factory(db_url: str):
    """`sessionmaker` bound to `db_url`; use `with session_factory.begin() as session:` or write_scope."""
    factory = make_session_factory(db_url)
    yield factory
    factory.kw["bind"].dispose()


# ---------------------------------------------------------------- seeded demo + AppTest

@pytest.fixture(scope="session")
def fixture_now() -> datetime:
    return FIXTURE_NOW


@pytest.fixture(scope="session")
def seeded_db_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The demo database of storage.seed, built once per run. Treat as read-only: copy it
    (`copy_sqlite`, or the `app_env` fixture) before writing to it."""
    from storage.seed import write_fixture_database  # imported lazily: not every run needs the seed

    url = f"sqlite:///{tmp_path_factory.mktemp('seeded') / 'seeded.db'}"
    write_fixture_database(url, now=FIXTURE_NOW)
    return url


@dataclass(frozen=True)
class AppEnv:
    db_url: str
    app_path: Path

    def app_test(self, script: str | Path | None = None, *, timeout: float = 30):
        """An AppTest for app.py (or another script, relative to the repo root); call .run() yourself."""
        from streamlit.testing.v1 import AppTest

        path = REPO_ROOT / script if script else self.app_path
        return AppTest.from_file(str(path), default_timeout=timeout)


def _clear_streamlit_caches() -> None:
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture
def app_env(seeded_db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[AppEnv]:
    """APP_DB_URL → a private copy of the seeded demo DB, cwd = repo root, Streamlit caches cleared
    before and after. `app_env.app_test().run()` gives a ready AppTest of app.py."""
    url = copy_sqlite(seeded_db_url, tmp_path / "app.db")
    monkeypatch.setenv("APP_DB_URL", url)
    monkeypatch.chdir(REPO_ROOT)
    _clear_streamlit_caches()
    yield AppEnv(db_url=url, app_path=REPO_ROOT / "app.py")
    _clear_streamlit_caches()


class FakeClock:
    """`deps.now()` for a test: time stands still until the test moves it on."""

    def __init__(self, start: datetime):
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    """The app's clock (`components.deps.now`) under the test's control, from the demo's evening on; AppTest runs
    the page in this process, so the page sees it too."""
    from components import deps

    fake = FakeClock(FIXTURE_NOW + timedelta(hours=10))
    monkeypatch.setattr(deps, "now", fake)
    return fake


@pytest.fixture
def backend_app_env(db_backend: str, db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[AppEnv]:
    """`app_env` on a demo database of `db_backend`: parametrize that over "sqlite" and "postgresql" (marked
    `postgres`) for the few page tests that must hold on both backends."""
    from storage.seed import write_fixture_database

    write_fixture_database(db_url, now=FIXTURE_NOW)
    monkeypatch.setenv("APP_DB_URL", db_url)
    monkeypatch.chdir(REPO_ROOT)
    _clear_streamlit_caches()
    yield AppEnv(db_url=db_url, app_path=REPO_ROOT / "app.py")
    _clear_streamlit_caches()


@pytest.fixture
def downloads(monkeypatch) -> dict[str, tuple[bytes, str]]:
    """AppTest: file name → (bytes, mime type) of every download button of the last runs."""
    files: dict[str, tuple[bytes, str]] = {}
    original = MemoryMediaFileStorage.load_and_get_id

    def capture(self, path_or_data, mimetype, kind, filename=None):
        if filename:
            files[filename] = (path_or_data, mimetype)
        return original(self, path_or_data, mimetype, kind, filename)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", capture)
    return files


@pytest.fixture
def deferred(monkeypatch) -> dict[str, tuple[object, str]]:
    """AppTest: file name → (the callable a click on a deferred download button runs, mime type)."""
    files: dict[str, tuple[object, str]] = {}
    original = MediaFileManager.add_deferred

    def capture(self, data_callable, mimetype, coordinates, file_name=None, **kwargs):
        files[file_name] = (data_callable, mimetype)
        return original(self, data_callable, mimetype, coordinates, file_name=file_name, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add_deferred", capture)
    return files
