"""Helpers shared by the conftests and tests (importable as `testsupport`: pytest puts tests/ on sys.path)."""
from __future__ import annotations

import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
# A fixed clock for seeded data, so screenshots and "n days ago" texts do not drift.
FIXTURE_NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}


def skip_or_fail(reason: str) -> None:
    """Skip on a laptop without the service; in CI a missing service is a failure, never a silent skip."""
    if in_ci():
        pytest.fail(f"{reason} [CI=true: required here, so this fails instead of skipping]", pytrace=False)
    pytest.skip(reason)


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
