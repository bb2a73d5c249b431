"""Command line: `python -m storage.cli init` prepares the database (used by run.sh, test.sh and CI)."""
from __future__ import annotations

import argparse
import os
import sys
from datetime import UTC, datetime

from storage.config import load_settings
from storage.db import make_session_factory, run_migrations, write_scope


def cmd_init(args: argparse.Namespace) -> int:
    """Migrate to the newest schema and load the demo municipality when nothing is loaded yet."""
    from storage import areas, seed

    url = args.database_url or load_settings(os.environ).database_url
    run_migrations(url)
    factory = make_session_factory(url)
    with write_scope(factory) as session:
        if areas.list_municipalities(session) and not args.force_demo:
            print("Database ready / Database klaar.")
            return 0
        municipality = seed.seed_demo(session, now=datetime.now(UTC))
    print(f"Demo municipality loaded / Demogemeente geladen: {municipality.name} ({municipality.code})")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m storage.cli", description="Buurtbeeld data commands")
    parser.add_argument("--database-url", help="default: APP_DB_URL or the local SQLite file")
    sub = parser.add_subparsers(dest="command", required=True)
    init = sub.add_parser("init", help="migrate the database and load the demo municipality if empty")
    init.add_argument("--force-demo", action="store_true", help="(re)load the demo even if data exists")
    init.set_defaults(func=cmd_init)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
