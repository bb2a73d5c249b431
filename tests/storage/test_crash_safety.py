"""Crash safety on both backends (issue 7): SIGKILL a writer in the middle of a submission burst, start a new
one, and every story that was acknowledged with a receipt is there, the database is intact, nothing is
half-written."""
import os
import queue
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from contextlib import closing
from pathlib import Path

from sqlalchemy import func, select, text

import load_workers
from storage.db import read_scope
from storage.tables import StoryRow
from testsupport import half_written, REPO_ROOT

WORKER = Path(load_workers.__file__)
FIRST_ACKS = 40  # acknowledged stories before the kill
SECOND_ACKS = 5
ACK_TIMEOUT_S = 60


class Writer:
    """`load_workers.py` as a subprocess; its `ack <code> <story id>` lines are read in a thread."""

    def __init__(self, url: str, session_id: int, prefix: str) -> None:
        self.proc = subprocess.Popen([sys.executable, str(WORKER), url, str(session_id), prefix], cwd=REPO_ROOT,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.lines: queue.Queue = queue.Queue()
        self.acks: dict[str, int] = {}
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.put(line.split())
        self.lines.put(None)

    def wait_for_acks(self, count: int) -> None:
        deadline = time.monotonic() + ACK_TIMEOUT_S
        while len(self.acks) < count:
            try:
                words = self.lines.get(timeout=max(deadline - time.monotonic(), 0.01))
            except queue.Empty:
                raise AssertionError(f"only {len(self.acks)} acknowledgements in {ACK_TIMEOUT_S} s") from None
            if words is None:
                raise AssertionError(f"the writer died early: {self.proc.wait()} {self.proc.stderr.read()}")
            if words[0] == "ack":
                self.acks[words[1]] = int(words[2])

    def kill(self) -> None:
        """SIGKILL, then collect the acknowledgements it printed before it died."""
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)
        while (words := self.lines.get(timeout=30)) is not None:
            if words[0] == "ack":
                self.acks[words[1]] = int(words[2])
        assert self.proc.returncode == -signal.SIGKILL


def test_a_killed_writer_loses_no_acknowledged_story(session_factory, db_url, db_backend):
    work_session = load_workers.make_work_session(session_factory)
    first = Writer(db_url, work_session.id, "first")
    try:
        first.wait_for_acks(FIRST_ACKS)
    finally:
        first.kill()  # most likely in the middle of the next submission's transaction
    second = Writer(db_url, work_session.id, "second")  # "restart the app"
    try:
        second.wait_for_acks(SECOND_ACKS)
    finally:
        second.kill()

    acknowledged = {**first.acks, **second.acks}
    assert len(acknowledged) >= FIRST_ACKS + SECOND_ACKS
    found = load_workers.stored_story_ids_by_code(session_factory, list(acknowledged))
    assert found == acknowledged, "an acknowledged receipt has no story"
    with read_scope(session_factory) as s:
        stored = s.scalar(select(func.count()).select_from(StoryRow))
    assert len(acknowledged) <= stored <= len(acknowledged) + 2  # at most the two in flight at the kills
    problems = half_written(session_factory)
    assert problems == dict.fromkeys(problems, 0)
    if db_backend == "sqlite":
        with closing(sqlite3.connect(db_url.removeprefix("sqlite:///"))) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    else:  # the server rolled back the killed writers' open transactions: none is left holding locks
        with read_scope(session_factory) as s:
            assert s.scalar(text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                 "AND state LIKE 'idle in transaction%'")) == 0
