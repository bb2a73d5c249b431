"""Reliability under load on both backends (issue 7): 20 writers × 50 stories from threads and from spawned
processes all arrive, once each, with no error for any resident; a double tap reaching the database twice
at the same moment stores one story; many facilitators acting on one story: one act wins per version;
replicas starting at once on an empty database all migrate."""
import multiprocessing
import os
import threading
from collections import Counter
from concurrent.futures import ProcessPoolExecutor

import pytest
from sqlalchemy import create_engine, func, inspect, select
from sqlalchemy.exc import OperationalError

import load_workers
from domain.moderation import ConcurrentModeration
from storage import audit, stories
from storage.db import read_scope, write_scope
from storage.retry import is_locked_error
from storage.tables import AuditEventRow, StoryRow
from testsupport import half_written, REPO_ROOT, fresh_pg_database

PG_URL_ENV = "BUURTBEELD_TEST_PG_URL"

WRITERS, STORIES_EACH = 20, 50
REPLICAS = 3
JOIN_TIMEOUT_S = 300  # generous: a loaded 2-core CI box spawns 20 interpreters slowly


@pytest.fixture
def work_session(session_factory):
    return load_workers.make_work_session(session_factory)


def assert_all_stored(factory, session_id: int, submitted: list, expected: int) -> None:
    assert len(submitted) == expected
    assert not any(s.duplicate for s in submitted)
    ids, codes = [s.story_id for s in submitted], [s.code for s in submitted]
    assert len(set(ids)) == expected, "two submissions were given the same story"
    assert None not in codes and len(set(codes)) == expected, "a receipt code was handed out twice"
    assert load_workers.stored_story_ids_by_code(factory, codes) == dict(zip(codes, ids))
    with read_scope(factory) as s:
        assert s.scalar(select(func.count()).select_from(StoryRow).where(StoryRow.session_id == session_id)) \
            == expected
        assert s.scalar(select(func.count(func.distinct(StoryRow.submission_token)))) == expected
        submits = Counter(s.scalars(select(AuditEventRow.entity_id).where(AuditEventRow.entity == "story",
                                                                          AuditEventRow.action == "submit")))
    assert submits == Counter(ids), "every story has exactly one submit audit row"
    assert all(v == 0 for v in half_written(factory).values())


def test_20_threads_times_50_stories_all_arrive_once(session_factory, work_session):
    # One engine shared by all threads, as in one app replica (components/deps.py).
    start = threading.Barrier(WRITERS)
    submitted, errors = [], []

    def writer(n: int) -> None:
        try:
            start.wait(timeout=JOIN_TIMEOUT_S)
            submitted.extend(load_workers.submit_burst(session_factory, work_session.id, f"t{n}", STORIES_EACH))
        except BaseException as err:
            errors.append(err)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=JOIN_TIMEOUT_S)
    assert not any(t.is_alive() for t in threads)
    assert errors == []
    assert_all_stored(session_factory, work_session.id, submitted, WRITERS * STORIES_EACH)


@pytest.fixture(scope="module")
def writer_processes():
    """20 spawned processes, started once for both backends (a spawn costs about a second of imports each)."""
    context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(WRITERS, mp_context=context, initializer=load_workers.init_process_writer,
                               initargs=(context.Barrier(WRITERS), context.Barrier(REPLICAS)))
    try:
        yield pool
    finally:
        # Idle workers are killed, not asked to exit: 20 interpreter shutdowns take half a minute on a busy box.
        workers = list(pool._processes.values())
        pool.shutdown(wait=False, cancel_futures=True)
        for worker in workers:
            worker.kill()
        for worker in workers:
            worker.join(timeout=30)


def test_20_processes_times_50_stories_all_arrive_once(session_factory, db_url, work_session, writer_processes):
    # Each task blocks its process at the barrier until all 20 have one, so every process gets exactly one.
    futures = [writer_processes.submit(load_workers.process_writer, db_url, work_session.id, f"p{n}", STORIES_EACH)
               for n in range(WRITERS)]
    submitted = [s for future in futures for s in future.result(timeout=JOIN_TIMEOUT_S)]
    assert_all_stored(session_factory, work_session.id, submitted, WRITERS * STORIES_EACH)


def migration_head() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory(str(REPO_ROOT / "migrations")).get_current_head()


@pytest.fixture
def empty_db_url(db_url, db_backend, tmp_path):
    """A database without any tables yet (`db_url` is requested only for its skip-or-fail on PostgreSQL)."""
    if db_backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    with fresh_pg_database(os.environ[PG_URL_ENV], "buurtbeeld_m") as url:
        yield url


def test_replicas_starting_at_once_on_an_empty_database_all_migrate(empty_db_url, writer_processes):
    # Each replica runs the migrations on its first page (components/deps.py); on a fresh database they
    # used to trip over each other creating alembic_version (migrations/env.py now serialises them).
    futures = [writer_processes.submit(load_workers.process_migrate, empty_db_url) for _ in range(REPLICAS)]
    assert [f.result(timeout=JOIN_TIMEOUT_S) for f in futures] == ["ok"] * REPLICAS
    engine = create_engine(empty_db_url)
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").all() == [(migration_head(),)]
            assert "stories" in inspect(conn).get_table_names()
    finally:
        engine.dispose()


def test_a_double_tap_arriving_twice_at_once_stores_one_story(session_factory, work_session):
    # On PostgreSQL both transactions pass the "token seen?" check; the unique token decides (storage/stories.py).
    taps = 12
    start = threading.Barrier(taps)
    receipts, errors = [], []

    def tap() -> None:
        try:
            start.wait(timeout=JOIN_TIMEOUT_S)
            receipts.append(load_workers.submit_once(session_factory, work_session.id, "same-draft", "Eén verhaal"))
        except BaseException as err:
            errors.append(err)

    threads = [threading.Thread(target=tap) for _ in range(taps)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=JOIN_TIMEOUT_S)
    assert errors == []
    assert len({r.story_id for r in receipts}) == 1 and len(receipts) == taps
    assert sorted(r.duplicate for r in receipts) == [False] + [True] * (taps - 1)
    with read_scope(session_factory) as s:
        assert s.scalar(select(func.count()).select_from(StoryRow)) == 1
        assert [e.action for e in audit.trail(s, "story", receipts[0].story_id)] == ["submit"]


def test_many_facilitators_on_one_story_one_act_wins_per_version(session_factory, work_session):
    facilitators, rounds = 8, 4
    story_id = load_workers.submit_once(session_factory, work_session.id, "to-moderate", "Mooi plein").story_id
    start = threading.Barrier(facilitators)
    wins: list[tuple[int, str]] = []
    refusals: list[tuple[int, str]] = []
    errors: list[BaseException] = []

    def facilitator(name: str, version: int) -> None:
        try:
            start.wait(timeout=JOIN_TIMEOUT_S)
            with write_scope(session_factory) as s:
                stories.moderate(s, story_id, "set_themes", actor=name, now=load_workers.NOW,
                                 expected_version=version, value=[f"thema van {name}"])
            wins.append((version, name))
        except ConcurrentModeration:
            refusals.append((version, name))
        except BaseException as err:
            errors.append(err)

    for version in range(1, rounds + 1):  # every round, everyone saw the same version
        threads = [threading.Thread(target=facilitator, args=(f"fac{n}", version)) for n in range(facilitators)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=JOIN_TIMEOUT_S)
    assert errors == []
    assert Counter(v for v, _ in wins) == dict.fromkeys(range(1, rounds + 1), 1)
    assert Counter(v for v, _ in refusals) == dict.fromkeys(range(1, rounds + 1), facilitators - 1)
    with read_scope(session_factory) as s:
        trail = audit.trail(s, "story", story_id)
        current = stories.get_story(s, story_id)
    assert [(e.action, e.actor) for e in trail] == [("submit", "resident")] + [("set_themes", n) for _, n in wins]
    assert current.version == rounds + 1 and current.themes == (f"thema van {wins[-1][1]}",)


class _DriverError(Exception):
    def __init__(self, message: str, sqlstate: str | None) -> None:
        super().__init__(message)
        self.sqlstate = sqlstate  # as psycopg's errors carry it


def _operational(message: str, sqlstate: str | None = None) -> OperationalError:
    return OperationalError("stmt", {}, _DriverError(message, sqlstate))


@pytest.mark.parametrize(("error", "retried"), [
    (_operational("database is locked"), True),
    (_operational("database table is locked"), True),
    (_operational("could not serialize access due to concurrent update", "40001"), True),
    (_operational("deadlock detected", "40P01"), True),
    (_operational("canceling statement due to lock timeout", "55P03"), True),
    (_operational("connection refused", "08006"), False),
    (_operational("no such table: stories"), False),
    (ValueError("database is locked"), False),
])
def test_which_errors_the_storage_retry_runs_again(error, retried):
    assert is_locked_error(error) is retried
