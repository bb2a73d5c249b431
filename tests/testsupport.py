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


@contextmanager
def start_app_server(env: Mapping[str, str], port: int, *, log: Path, timeout: float = 60) -> Iterator[str]:
    """`streamlit run app.py` on 127.0.0.1:`port` with exactly `env` (e.g. `{**os.environ, "APP_DB_URL": …}`);
    yields its base URL once healthy, output goes to `log`; stopped (terminate, then kill) on exit."""
    cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
           "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
           "--server.fileWatcherType", "none"]  # a test server never reloads
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, cwd=REPO_ROOT, env={**env, "PYTHONUNBUFFERED": "1"}, stdout=out,
                                stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_health(url, proc, log, timeout)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@contextmanager
def fresh_pg_database(base_url: str, prefix: str = "buurtbeeld_x") -> Iterator[str]:
    """A new, empty database next to the one in `base_url` (the role needs CREATEDB), dropped afterwards."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    name = f"{prefix}_{os.getpid()}_{secrets.token_hex(3)}"
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5})
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        try:
            yield make_url(base_url).set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.dispose()
