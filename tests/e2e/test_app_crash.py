"""Crash safety of the real app (issue 7): two kiosk tablets send stories through the running Streamlit app,
the app process is SIGKILLed while both are sending, and started again on the same database and port. Every
story a resident saw a receipt for is stored, the SQLite file passes its integrity check, nothing is
half-written, and the tablets reconnect by themselves and take new stories.

(tests/storage/test_crash_safety.py does the same with a bare writer process on both backends, for many more
submissions; this one proves it for the app process a tablet actually talks to.)"""
from __future__ import annotations

import os
import signal
import sqlite3
from contextlib import ExitStack, closing

import pytest
from playwright.sync_api import expect

from browsersteps import fill_and_send, no_map, open_kiosk, receipt_on_screen
from kiosksupport import make_session, story_by_receipt
from storage import sessions
from storage.db import make_session_factory, read_scope
from testsupport import copy_sqlite, free_port, half_written, launch_app, stop_app, wait_for_app_run

ROUNDS_BEFORE_KILL = 1  # acknowledged stories per tablet before the kill


@pytest.fixture
def crash_db_url(seeded_db_url, tmp_path) -> str:
    return copy_sqlite(seeded_db_url, tmp_path / "crash.db")


def half_written_rows(db_url: str, session_code: str) -> dict[str, int]:
    factory = make_session_factory(db_url)
    try:
        with read_scope(factory) as s:
            session_id = sessions.get_session_by_code(s, session_code).id
        return half_written(factory, session_id)
    finally:
        factory.kw["bind"].dispose()


def test_killing_the_app_mid_burst_loses_no_acknowledged_story(two_tablet_pages, crash_db_url, tmp_path):
    env = {**os.environ, "APP_DB_URL": crash_db_url}
    port, log = free_port(), tmp_path / "streamlit.log"
    code = make_session(crash_db_url, "E2E crash: drukke avond", moderation="post")
    acknowledged: dict[str, str] = {}  # receipt code → text

    with ExitStack() as stack:
        tablets = two_tablet_pages
        app = launch_app(env, port, log=log)
        stack.callback(lambda: stop_app(app))
        base = f"http://127.0.0.1:{port}"

        for round_no in range(ROUNDS_BEFORE_KILL):
            for n, page in enumerate(tablets):
                text = f"Crashtest: verhaal {round_no} van tablet {n}"
                open_kiosk(page, base, code)
                no_map(page, "Kerkbuurt")
                fill_and_send(page, text)
                acknowledged[receipt_on_screen(page)] = text

        # Both tablets send at once; the app dies while (at least) their reruns are on their way.
        in_flight = []
        for n, page in enumerate(tablets):
            open_kiosk(page, base, code)
            no_map(page, "Kerkbuurt")
            in_flight.append(f"Crashtest: onderweg van tablet {n}")
        for page, text in zip(tablets, in_flight, strict=True):
            fill_and_send(page, text)
        os.kill(app.pid, signal.SIGKILL)
        assert app.wait(timeout=30) == -signal.SIGKILL
        # A receipt that made it onto a screen before the kill counts as acknowledged too.
        for page, text in zip(tablets, in_flight, strict=True):
            if page.locator(".bb-receipt").count():
                acknowledged[page.locator(".bb-receipt").inner_text().strip()] = text

        with closing(sqlite3.connect(crash_db_url.removeprefix("sqlite:///"))) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        assert len(acknowledged) >= len(tablets) * ROUNDS_BEFORE_KILL
        for receipt, text in acknowledged.items():
            stored = story_by_receipt(crash_db_url, receipt)
            assert stored is not None, f"receipt {receipt} was shown but its story is gone"
            assert stored["text"] == text
        problems = half_written_rows(crash_db_url, code)
        assert problems == dict.fromkeys(problems, 0)

        # Restart on the same port: the tablets reconnect without anyone touching them, and work.
        app = launch_app(env, port, log=log)
        for n, page in enumerate(tablets):
            wait_for_app_run(page, timeout=60_000)
            open_kiosk(page, base, code)
            no_map(page, "Kerkbuurt")
            text = f"Crashtest: na de herstart, tablet {n}"
            fill_and_send(page, text)
            assert story_by_receipt(crash_db_url, receipt_on_screen(page))["text"] == text
            expect(page.get_by_test_id("stException")).to_have_count(0)
            assert page.external_requests == []
