"""Writers for the concurrency and crash-safety tests (issue 7): submit stories the way a kiosk does, from
threads, from spawned processes, or as a subprocess that prints each receipt once its transaction committed.

`python tests/storage/load_workers.py DB_URL SESSION_ID PREFIX` runs the crash-test burst.
"""
from __future__ import annotations

import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

if __name__ == "__main__":  # run by path from the crash test: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sqlalchemy import select  # noqa: E402

from domain.photos import ProcessedPhoto  # noqa: E402
from domain.sessions import WorkSession  # noqa: E402
from domain.stories import Receipt, ValidStory, receipt_hash  # noqa: E402
from storage import sessions, stories  # noqa: E402
from storage.db import make_session_factory, read_scope, write_scope  # noqa: E402
from storage.retry import retry_when_locked  # noqa: E402
from storage.tables import MunicipalityRow, StoryRow  # noqa: E402

NOW = datetime(2026, 11, 27, 19, 0, tzinfo=UTC)
BUURT = "BU99990101"
# A real JPEG would only slow the burst down; the bytes are never decoded.
PHOTO = ProcessedPhoto(data=b"\xff\xd8\xff\xe0" + bytes(range(256)) * 8, mime="image/jpeg", width=64, height=48)


@dataclass(frozen=True)
class Submitted:
    token: str
    story_id: int
    code: str | None
    duplicate: bool


def make_work_session(factory) -> WorkSession:
    """A municipality row and one open, pre-moderated werksessie: all a kiosk needs (no areas: fast)."""
    with write_scope(factory) as s:
        municipality = MunicipalityRow(code="GM9998", name="Lasttest", source="", year=None, is_demo=False,
                                       is_active=True, imported_at=NOW, version=1)
        s.add(municipality)
        s.flush()
        return sessions.create_session(s, title="Drukke avond", municipality_id=municipality.id,
                                       area_codes=[BUURT], actor="fac", now=NOW)


def story(token: str, text: str) -> ValidStory:
    return ValidStory(kind="proud", text=text, lat=52.1, lon=5.1, buurt_code=BUURT, place_description=None,
                      dimension=None, themes=(), age_band=None, relation=None, language="nl",
                      submission_token=token, kiosk_id="load")


def submit_once(factory, session_id: int, token: str, text: str, photo: ProcessedPhoto | None = None) -> Receipt:
    """One kiosk submission as components/kiosk.py stores it: re-read the session, submit, in one write
    transaction, retried with the storage-level retry when the database is locked."""
    def unit() -> Receipt:
        with write_scope(factory) as s:
            current = sessions.get_session(s, session_id)
            return stories.submit_story(s, current, story(token, text), now=NOW, photo=photo)

    return retry_when_locked(unit)


def submit_burst(factory, session_id: int, prefix: str, count: int, *,
                 acknowledge: Callable[[Submitted], None] | None = None, photo_every: int = 0,
                 max_seconds: float | None = None) -> list[Submitted]:
    done = []
    deadline = time.monotonic() + max_seconds if max_seconds else None
    for i in range(count):
        if deadline and time.monotonic() > deadline:
            break
        token = f"{prefix}-{i}-{uuid.uuid4().hex[:8]}"
        photo = PHOTO if photo_every and i % photo_every == 0 else None
        receipt = submit_once(factory, session_id, token, f"Verhaal {prefix} nummer {i}", photo)
        submitted = Submitted(token, receipt.story_id, receipt.code, receipt.duplicate)
        done.append(submitted)
        if acknowledge:
            acknowledge(submitted)
    return done


_start = _start_replicas = None


def init_process_writer(start, start_replicas) -> None:
    """Initializer of a spawned process: the barriers that line the writers (or the "replicas") up."""
    global _start, _start_replicas
    _start, _start_replicas = start, start_replicas


def process_writer(url: str, session_id: int, prefix: str, count: int) -> list[Submitted]:
    """A task for a spawned writer process: its own engine from the URL, wait for the others, then write."""
    factory = make_session_factory(url)
    try:
        _start.wait(timeout=300)
        return submit_burst(factory, session_id, prefix, count)
    finally:
        factory.kw["bind"].dispose()


def process_migrate(url: str) -> str:
    """A task for a spawned process: migrate at the same moment as the others, as replicas starting at once."""
    from storage.db import run_migrations

    _start_replicas.wait(timeout=300)
    run_migrations(url)
    return "ok"


def stored_story_ids_by_code(factory, codes: list[str]) -> dict[str, int | None]:
    """Each receipt code's story, found the way withdrawal finds it (by receipt hash)."""
    by_hash = {receipt_hash(code): code for code in codes}
    found: dict[str, int | None] = dict.fromkeys(codes)
    hashes = list(by_hash)
    with read_scope(factory) as s:
        for start in range(0, len(hashes), 500):
            chunk = hashes[start:start + 500]
            for story_id, hashed in s.execute(select(StoryRow.id, StoryRow.receipt_hash)
                                              .where(StoryRow.receipt_hash.in_(chunk))):
                found[by_hash[hashed]] = story_id
    return found


def _crash_burst(url: str, session_id: int, prefix: str) -> None:
    """Submit until killed (or a minute has passed, should the test never kill it); one line per committed
    story: `ack <code> <story id>`."""
    factory = make_session_factory(url)
    print("ready", flush=True)

    def acknowledge(submitted: Submitted) -> None:
        print(f"ack {submitted.code} {submitted.story_id}", flush=True)

    submit_burst(factory, session_id, prefix, 100_000, acknowledge=acknowledge, photo_every=2,
                 max_seconds=60)


if __name__ == "__main__":
    _crash_burst(sys.argv[1], int(sys.argv[2]), sys.argv[3])
