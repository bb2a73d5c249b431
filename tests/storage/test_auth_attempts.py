"""Failed sign-ins are counted in the database, reset by a success, and forgotten after the window."""
from datetime import UTC, datetime, timedelta

from storage.auth import record_attempt, recent_failures
from storage.db import read_scope, write_scope

NOW = datetime(2026, 11, 27, 20, 0, tzinfo=UTC)


def test_failures_since_last_success_inside_window(session_factory):
    with write_scope(session_factory) as s:
        record_attempt(s, "facilitator", succeeded=False, now=NOW - timedelta(hours=1))   # outside window
        record_attempt(s, "facilitator", succeeded=False, now=NOW - timedelta(minutes=10))
        record_attempt(s, "facilitator", succeeded=True, now=NOW - timedelta(minutes=5))
        record_attempt(s, "facilitator", succeeded=False, now=NOW - timedelta(minutes=2))
        record_attempt(s, "facilitator", succeeded=False, now=NOW - timedelta(minutes=1))
        record_attempt(s, "analyst", succeeded=False, now=NOW - timedelta(minutes=1))
    with read_scope(session_factory) as s:
        failures = recent_failures(s, "facilitator", now=NOW)
    assert sorted(failures) == [NOW - timedelta(minutes=2), NOW - timedelta(minutes=1)]
