"""What one app replica handles: start one `streamlit run app.py` on 127.0.0.1 (SQLite or PostgreSQL, seeded
with the demo) and drive N concurrent Streamlit sessions over the websocket, for a bounded time.

    .venv/bin/python bench/bench_replica.py                                   # SQLite, statistics page
    .venv/bin/python bench/bench_replica.py --page kiosk --levels 1,5,10,20 --seconds 20
    .venv/bin/python bench/bench_replica.py --pg-url postgresql+psycopg://buurtbeeld@127.0.0.1:5444/buurtbeeld_test

A "session" here is what a new visitor costs the server: open the websocket, run the page once to the end
(`script_finished`), close. A "rerun" is what every tap or keystroke that changes a widget costs: the same
script run again on an open session. The client speaks Streamlit's own protocol (BackMsg/ForwardMsg
protobufs over `/_stcore/stream`), so no browser shares the two cores with the server; the browser's own
work (Leaflet, static files, which the browser caches) is not measured.

First, memory: the server's RSS after a warm-up, and again with --memory-sessions idle open sessions that
each ran the page once; the difference divided by their number is the memory per session. Then, per
concurrency level N:
  sessions/s   new sessions completed per second, N clients in a closed loop (connect, run, close); closed
               sessions stay in memory for server.disconnectedSessionTTL (120 s), as in production
  p50/p95 s    time from connect to script_finished
  reruns/s     N open sessions each asking for reruns back to back (p50/p95 per rerun)
  CPU s/...    the server's CPU seconds (user + system) per completed session or rerun: unlike the rates, this
               hardly changes when other programs share the machine, so it is the number to size with
Errors (exceptions in the page, timeouts, refused connections) are counted and printed, never hidden.
Only 127.0.0.1 is ever contacted; every phase has a deadline, and the server is stopped at the end.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

import websockets  # noqa: E402  (a dependency of streamlit itself)
from streamlit.proto.BackMsg_pb2 import BackMsg  # noqa: E402
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg  # noqa: E402

from storage.seed import DEMO_SESSION_CODE, write_fixture_database  # noqa: E402

PAGES = {"statistics": "", "kiosk": f"kiosk=1&session={DEMO_SESSION_CODE}"}
RUN_TIMEOUT_S = 60
NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)


@dataclass
class Phase:
    done: int = 0
    errors: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    seconds: float = 0.0  # wall time until the last client finished (runs started before the deadline count)
    cpu: float = 0.0  # server CPU seconds in that time


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of the server so far: robust on a busy machine, where wall times are not."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rerun_message(query: str) -> bytes:
    msg = BackMsg()
    msg.rerun_script.query_string = query
    msg.rerun_script.page_script_hash = ""
    msg.rerun_script.context_info.timezone = "Europe/Amsterdam"
    msg.rerun_script.context_info.locale = "nl-NL"
    return msg.SerializeToString()


async def run_once(ws, query: str) -> None:
    """Ask for a script run and wait for its end; raise on an exception element or a timeout."""
    await ws.send(rerun_message(query))
    async with asyncio.timeout(RUN_TIMEOUT_S):
        while True:
            msg = ForwardMsg.FromString(await ws.recv())
            kind = msg.WhichOneof("type")
            if kind == "delta" and msg.delta.WhichOneof("type") == "new_element" \
                    and msg.delta.new_element.WhichOneof("type") == "exception":
                raise RuntimeError(f"exception in the page: {msg.delta.new_element.exception.message[:200]}")
            if kind == "script_finished":
                return


def stream_url(base: str) -> str:
    return base.replace("http://", "ws://") + "/_stcore/stream"


async def connect(base: str):
    return await websockets.connect(stream_url(base), subprotocols=["streamlit"], max_size=None,
                                    open_timeout=RUN_TIMEOUT_S, origin=base)


async def new_sessions(base: str, query: str, clients: int, seconds: float, pid: int) -> Phase:
    cpu_before = cpu_seconds(pid)
    started_phase = time.monotonic()
    phase, deadline = Phase(), started_phase + seconds

    async def client() -> None:
        while time.monotonic() < deadline:
            started = time.monotonic()
            try:
                async with await connect(base) as ws:
                    await run_once(ws, query)
                phase.done += 1
                phase.latencies.append(time.monotonic() - started)
            except Exception as err:  # counted and reported
                phase.errors.append(f"{type(err).__name__}: {err}"[:200])

    await asyncio.gather(*(client() for _ in range(clients)))
    phase.seconds = time.monotonic() - started_phase
    phase.cpu = cpu_seconds(pid) - cpu_before
    return phase


async def reruns(base: str, query: str, clients: int, seconds: float, pid: int) -> Phase:
    """N sessions are opened and run once; then, from one moment on, each asks for reruns until the deadline."""
    phase = Phase()
    settled, go = [0], asyncio.Event()
    deadline = 0.0

    async def client() -> None:
        try:
            async with await connect(base) as ws:
                await run_once(ws, query)
                settled[0] += 1
                await go.wait()
                while time.monotonic() < deadline:
                    started = time.monotonic()
                    await run_once(ws, query)
                    phase.done += 1
                    phase.latencies.append(time.monotonic() - started)
        except Exception as err:
            phase.errors.append(f"{type(err).__name__}: {err}"[:200])
        finally:
            if not go.is_set():
                settled[0] += 1

    async def starter() -> None:
        nonlocal deadline
        while settled[0] < clients:
            await asyncio.sleep(0.05)
        phase.cpu = -cpu_seconds(pid)
        deadline = time.monotonic() + seconds
        go.set()

    started_phase = time.monotonic()
    await asyncio.gather(starter(), *(client() for _ in range(clients)))
    phase.cpu += cpu_seconds(pid)
    phase.seconds = time.monotonic() - max(started_phase, deadline - seconds)
    return phase


async def idle_memory(base: str, query: str, clients: int, pid: int) -> tuple[float, float, list[str]]:
    """RSS before and with `clients` open sessions that each ran the page once."""
    await asyncio.sleep(2)
    before = rss_mib(pid)
    sockets, errors = [], []
    try:
        for _ in range(clients):
            try:
                ws = await connect(base)
                sockets.append(ws)
                await run_once(ws, query)
            except Exception as err:
                errors.append(f"{type(err).__name__}: {err}"[:200])
        await asyncio.sleep(2)
        return before, rss_mib(pid), errors
    finally:
        for ws in sockets:
            await ws.close()


def start_server(db_url: str, workdir: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    log = open(workdir / "streamlit.log", "wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
        cwd=REPO_ROOT, env={**os.environ, "APP_DB_URL": db_url, "PYTHONUNBUFFERED": "1"}, stdout=log,
        stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited: {(workdir / 'streamlit.log').read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as response:
                if response.read().strip() == b"ok":
                    return proc, base
        except OSError:
            pass
        time.sleep(0.3)
    proc.kill()
    raise RuntimeError("streamlit did not become healthy within 120 s")


def pg_database(base_url: str):
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    name = f"buurtbeeld_bench_{os.getpid()}_{secrets.token_hex(3)}"
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()

    return make_url(base_url).set(database=name).render_as_string(hide_password=False), drop


def fmt(phase: Phase) -> tuple[str, str, str]:
    rate = f"{phase.done / phase.seconds:6.2f}" if phase.seconds else "   -"
    if not phase.latencies:
        return rate, "   -", "   -"
    ordered = sorted(phase.latencies)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    return rate, f"{statistics.median(ordered):5.2f}", f"{p95:5.2f}"


async def bench(base: str, pid: int, query: str, levels: list[int], seconds: float, memory_sessions: int) -> None:
    await new_sessions(base, query, 1, 3, pid)  # warm the caches (areas, GeoJSON, indicator table)
    before, after, errors = await idle_memory(base, query, memory_sessions, pid)
    print(f"memory: RSS {before:.0f} MiB after warm-up, {after:.0f} MiB with {memory_sessions} open sessions "
          f"that each ran the page once: {(after - before) / memory_sessions:.1f} MiB per session"
          + (f"; {len(errors)} errors: {errors[:3]}" if errors else ""), flush=True)
    print("\n|   N | sessions/s | p50 s | p95 s | CPU s/session | reruns/s | p50 s | p95 s | CPU s/rerun | RSS MiB "
          "| errors |\n|---|---|---|---|---|---|---|---|---|---|---|", flush=True)
    problems = []
    for n in levels:
        fresh = await new_sessions(base, query, n, seconds, pid)
        rerun = await reruns(base, query, n, seconds, pid)
        s_rate, s_p50, s_p95 = fmt(fresh)
        r_rate, r_p50, r_p95 = fmt(rerun)
        s_cpu = fresh.cpu / fresh.done if fresh.done else float("nan")
        r_cpu = rerun.cpu / rerun.done if rerun.done else float("nan")
        print(f"| {n:>3} | {s_rate} | {s_p50} | {s_p95} | {s_cpu:5.2f} | {r_rate} | {r_p50} | {r_p95} | {r_cpu:5.2f} | "
              f"{rss_mib(pid):6.0f} | {len(fresh.errors) + len(rerun.errors)} |", flush=True)
        problems += fresh.errors[:3] + rerun.errors[:3]
    for problem in problems:
        print(f"error: {problem}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--page", choices=sorted(PAGES), default="statistics")
    parser.add_argument("--levels", default="1,5,10,20", help="concurrent sessions per step")
    parser.add_argument("--seconds", type=float, default=15, help="length of each measured phase")
    parser.add_argument("--memory-sessions", type=int, default=20, help="idle open sessions for the memory step")
    parser.add_argument("--pg-url", help="PostgreSQL base URL (role with CREATEDB); default SQLite in a temp dir")
    args = parser.parse_args()
    levels = [int(n) for n in args.levels.split(",")]

    with tempfile.TemporaryDirectory(prefix="buurtbeeld-bench-") as tmp:
        workdir = Path(tmp)
        drop = None
        if args.pg_url:
            db_url, drop = pg_database(args.pg_url)
        else:
            db_url = f"sqlite:///{workdir / 'bench.db'}"
        try:
            write_fixture_database(db_url, now=NOW)
            proc, base = start_server(db_url, workdir)
            try:
                started_rss = rss_mib(proc.pid)
                print(f"# {args.page} page, {'PostgreSQL' if args.pg_url else 'SQLite'}, {os.cpu_count()} CPUs, "
                      f"load average {os.getloadavg()[0]:.1f}, {args.seconds:.0f} s per phase; "
                      f"server RSS at start {started_rss:.0f} MiB", flush=True)
                budget = len(levels) * (2 * args.seconds + RUN_TIMEOUT_S * 2) + args.memory_sessions * 10 + 60
                asyncio.run(asyncio.wait_for(bench(base, proc.pid, PAGES[args.page], levels, args.seconds,
                                                   args.memory_sessions), timeout=budget))
            finally:
                proc.terminate()
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    proc.kill()
        finally:
            if drop:
                drop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
