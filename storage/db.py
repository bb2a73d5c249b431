"""Engine and session factory per process; SQLite pragmas on every connection; migrations."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker

from storage.config import PROJECT_DIR

IMMEDIATE_OPTION = "buurtbeeld_immediate"
SQLITE_PRAGMAS = ("journal_mode=WAL", "busy_timeout=10000", "foreign_keys=ON", "synchronous=NORMAL")


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, pool_pre_ping=True)
    if engine.dialect.name == "sqlite":
        _install_sqlite_pragmas(engine)
    return engine


def _install_sqlite_pragmas(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        # pysqlite's own transaction handling defers BEGIN; we issue BEGIN IMMEDIATE ourselves so
        # read-then-write units take the write lock up front: a deferred transaction that reads and then writes
        # fails at once with "database is locked", and busy_timeout does not help it.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        for pragma in SQLITE_PRAGMAS:
            cur.execute(f"PRAGMA {pragma}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        immediate = conn.get_execution_options().get(IMMEDIATE_OPTION, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


@contextmanager
def write_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A transaction that will write: on SQLite it takes the write lock at BEGIN, so a
    read-then-write unit never fails half-way with "database is locked"."""
    with factory.begin() as session:
        session.connection(execution_options={IMMEDIATE_OPTION: True})
        yield session


@contextmanager
def read_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    with factory() as session:
        yield session


def make_session_factory(url_or_engine: str | Engine) -> sessionmaker[Session]:
    engine = make_engine(url_or_engine) if isinstance(url_or_engine, str) else url_or_engine
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    event.listen(factory, "do_orm_execute", _locked_rows_are_read_afresh)
    return factory


def _locked_rows_are_read_afresh(execute_state: ORMExecuteState) -> None:
    """Every `SELECT … FOR UPDATE` (`Session.get(with_for_update=…)`, `select().with_for_update()`) refreshes the
    objects the session already holds. Without this SQLAlchemy keeps their attributes as first loaded, so a check
    made under the lock (a story's version, a session's status) would judge what this transaction saw before the
    lock, and a change another replica committed in between would be overwritten (issue 21, bug 1)."""
    if execute_state.is_select and getattr(execute_state.statement, "_for_update_arg", None) is not None:
        execute_state.update_execution_options(populate_existing=True)


def run_migrations(url: str, revision: str = "head") -> None:
    """Bring the database to the newest schema (or to `revision`, for a migration's test) with Alembic (never
    `create_all`)."""
    from alembic import command
    from alembic.config import Config

    config = Config(str(PROJECT_DIR / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_DIR / "migrations"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    command.upgrade(config, revision)
