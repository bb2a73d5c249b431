"""Run one write unit again when SQLite says "database is locked" (or PostgreSQL reports a lock timeout,
deadlock or serialization failure), with a short growing pause.

BEGIN IMMEDIATE plus busy_timeout (storage/db.py) already waits for a writer; this covers the rare case
where the lock outlasts that wait (a backup, a long import), so a resident's story is retried, not lost.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import OperationalError

T = TypeVar("T")
DEFAULT_DELAYS = (0.2, 0.5, 1.0)
# PostgreSQL: serialization_failure, deadlock_detected, lock_not_available; the whole unit may run again (issue 7).
RETRYABLE_SQLSTATES = frozenset({"40001", "40P01", "55P03"})


def is_locked_error(err: BaseException) -> bool:
    """True for SQLite's "database is locked"/"database table is locked" and PostgreSQL lock timeouts,
    deadlocks and serialization failures.

    Examples:
        >>> is_locked_error(OperationalError("INSERT …", {}, Exception("database is locked")))
        True
        >>> is_locked_error(OperationalError("SELECT …", {}, Exception("no such table: stories")))
        False
    """
    if not isinstance(err, OperationalError):
        return False
    if getattr(getattr(err, "orig", None), "sqlstate", None) in RETRYABLE_SQLSTATES:
        return True
    message = str(getattr(err, "orig", err)).lower()
    return "database is locked" in message or "database table is locked" in message \
        or "lock timeout" in message or "could not obtain lock" in message


def retry_when_locked(unit: Callable[[], T], *, delays: tuple[float, ...] = DEFAULT_DELAYS,
                      sleep: Callable[[float], None] = time.sleep) -> T:
    """Call `unit()` (a whole transaction) and call it again after each delay while the database is locked.

    The last failure propagates, so the caller can keep the draft and tell the resident.
    """
    for delay in delays:
        try:
            return unit()
        except OperationalError as err:
            if not is_locked_error(err):
                raise
        sleep(delay)
    return unit()
