"""Password hashing, lockout delays and the page-access table."""
from datetime import UTC, datetime, timedelta

import pytest

from domain.auth import hash_password, is_valid_hash, lockout_delay, seconds_until_allowed, verify_password
from domain.roles import PAGE_ACCESS, may_open

NOW = datetime(2026, 11, 27, 20, 0, tzinfo=UTC)


def test_hash_and_verify():
    stored = hash_password("correct horse battery")
    assert stored.startswith("scrypt$") and is_valid_hash(stored)
    assert verify_password("correct horse battery", stored)
    assert not verify_password("correct horse batter", stored)
    assert hash_password("x", salt=b"1" * 16) == hash_password("x", salt=b"1" * 16)
    assert hash_password("x") != hash_password("x")  # random salt


@pytest.mark.parametrize("stored", [None, "", "plain-text-password", "scrypt$1$2$3", "bcrypt$a$b$c$d$e",
                                    "scrypt$16384$8$1$!!notbase64$$"])
def test_malformed_hashes_never_verify(stored):
    assert not verify_password("anything", stored)


def test_empty_password_never_verifies():
    assert not verify_password("", hash_password("x"))


@pytest.mark.parametrize("failures, delay", [(0, 0), (1, 0), (2, 0), (3, 2), (4, 4), (5, 8), (10, 256), (11, 300),
                                             (50, 300)])
def test_lockout_delay_grows_and_is_capped(failures, delay):
    assert lockout_delay(failures) == delay


@pytest.mark.parametrize("ages_seconds, expected_wait", [
    ([], 0),
    ([10, 20], 0),                 # two failures: still free
    ([1, 30, 60], 1),              # three: 2 s after the newest, 1 s already passed
    ([5, 30, 60, 90], 0),          # four: 4 s after the newest, 5 s passed
    ([1, 2, 3, 4 * 3600], 1),      # the old one is outside the window: three recent, newest 1 s ago → 1 s left
])
def test_seconds_until_allowed(ages_seconds, expected_wait):
    failures = [NOW - timedelta(seconds=s) for s in ages_seconds]
    assert seconds_until_allowed(failures, NOW) == expected_wait


@pytest.mark.parametrize("role, page, allowed", [
    (None, "statistics", True), (None, "import", False), (None, "moderation", False),
    ("analyst", "import", True), ("analyst", "analysis", True), ("analyst", "moderation", False),
    ("analyst", "sessions", False), ("facilitator", "moderation", True), ("facilitator", "sessions", True),
    ("facilitator", "nonexistent", False), ("intruder", "statistics", False),
    ("analyst", "session_backup", False), ("facilitator", "session_backup", True),
])
def test_page_access(role, page, allowed):
    assert may_open(role, page) is allowed


def test_every_page_admits_the_facilitator():
    assert all("facilitator" in roles for roles in PAGE_ACCESS.values())
