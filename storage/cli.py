"""Command line: `python -m storage.cli init` prepares the database (used by run.sh, test.sh and CI);
`import-kwb`, `import-csv` and `gemeenten` load real municipalities and their figures; `backup-session` and
`restore-session` move one werksessie between databases.
"""
from __future__ import annotations

import argparse
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

from domain.errors import ImportRejected
from domain.models import ImportSummary
from storage.config import PROJECT_DIR, load_settings
from storage.db import make_session_factory, read_scope, run_migrations, write_scope


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


def cmd_hash_password(args: argparse.Namespace) -> int:
    """Ask for a password twice and print the scrypt hash to put in secrets.toml or the environment."""
    import getpass

    from domain.auth import hash_password

    first = getpass.getpass("Wachtwoord / Password: ")
    second = getpass.getpass("Nog een keer / Again: ")
    if not first or first != second:
        print("De wachtwoorden zijn leeg of verschillen. / The passwords are empty or differ.", file=sys.stderr)
        return 2
    if len(first) < 10:
        print("Kies minstens 10 tekens. / Choose at least 10 characters.", file=sys.stderr)
        return 2
    key = f"{args.role}_password_hash"
    print(f'{key} = "{hash_password(first)}"')
    print(f"# of / or: export BUURTBEELD_{key.upper()}='…'", file=sys.stderr)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m storage.cli", description="Buurtbeeld data commands")
    parser.add_argument("--database-url", help="default: APP_DB_URL or the local SQLite file")
    sub = parser.add_subparsers(dest="command", required=True)
    init = sub.add_parser("init", help="migrate the database and load the demo municipality if empty")
    init.add_argument("--force-demo", action="store_true", help="(re)load the demo even if data exists")
    init.set_defaults(func=cmd_init)
    hashing = sub.add_parser("hash-password", help="print the hash of a facilitator or analyst password")
    hashing.add_argument("--role", choices=["facilitator", "analyst"], default="facilitator")
    hashing.set_defaults(func=cmd_hash_password)
    _add_import_commands(sub)
    _add_analysis_commands(sub)
    _add_backup_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except ImportRejected as err:
        print(f"Import geweigerd: {err.nl}\nImport rejected: {err.en}", file=sys.stderr)
        return 2


# --- Import commands -------------------------------------------------------------------------------

def _migrated_factory(args: argparse.Namespace):
    url = args.database_url or load_settings(os.environ).database_url
    run_migrations(url)
    return make_session_factory(url)


def _progress(fraction: float, message_nl: str) -> None:
    print(f"  {fraction:4.0%}  {message_nl}", file=sys.stderr)


def format_summary(summary: ImportSummary) -> str:
    """The import summary for a terminal, Dutch and English labels side by side."""
    lines = [f"Gemeente / Municipality: {summary.municipality_name} ({summary.municipality_code})",
             f"Buurten: {summary.buurten}   Wijken: {summary.wijken}",
             f"Indicatoren / Indicators ({len(summary.indicators)}): {', '.join(summary.indicators) or '-'}",
             f"Waarden / Values: {summary.values}   Ontbrekend (geheim/onbekend) / Missing (secret/unknown): "
             f"{summary.missing_values}",
             f"Gerepareerde geometrieën / Repaired geometries: {summary.repaired_geometries}",
             f"Waterbuurten / Water buurten: {summary.water_buurten}"]
    if summary.skipped:
        lines.append(f"Overgeslagen / Skipped ({len(summary.skipped)}):")
        lines += [f"  - {what}: {why}" for what, why in summary.skipped]
    if summary.notes:
        lines.append("Opmerkingen / Notes:")
        lines += [f"  - {note}" for note in summary.notes]
    return "\n".join(lines)


def cmd_import_kwb(args: argparse.Namespace) -> int:
    from storage import importer

    factory = _migrated_factory(args)
    with write_scope(factory) as session:
        summary = importer.import_kwb(session, args.path, gemeente=args.gemeente, now=datetime.now(UTC),
                                      layer=args.layer, hide_water=args.hide_water, name=args.naam,
                                      progress=_progress, actor="cli")
    print(format_summary(summary))
    return 0


def cmd_import_csv(args: argparse.Namespace) -> int:
    from storage import areas, importer

    factory = _migrated_factory(args)
    with write_scope(factory) as session:
        municipality = areas.active_municipality(session)
        if municipality is None:
            raise ImportRejected(nl="Er is nog geen gemeente geladen. Importeer eerst een wijk- en buurtkaart "
                                    "met `import-kwb`.",
                                 en="No municipality is loaded yet. Import a wijk- en buurtkaart first with "
                                    "`import-kwb`.")
        mapping = None
        if args.key_column:
            mapping = importer.inspect_csv(args.path, key_column=args.key_column, year=args.year).mapping
        summary = importer.import_indicator_csv(session, args.path, municipality_id=municipality.id,
                                                now=datetime.now(UTC), mapping=mapping, year=args.year,
                                                progress=_progress, actor="cli")
    print(format_summary(summary))
    return 0


def cmd_gemeenten(args: argparse.Namespace) -> int:
    from storage import importer

    info = importer.inspect_geofile(args.path, layer=args.layer)
    print(f"{info.format}, laag / layer '{info.layer}' ({', '.join(layer.name for layer in info.layers)})")
    if info.mapping.code is None:
        raise ImportRejected(nl="Geen kolom met buurtcodes gevonden in deze laag.",
                             en="No buurt code column found in this layer.")
    print(f"{'code':<8} {'buurten':>7}  naam / name")
    for gemeente in info.gemeenten:
        print(f"{gemeente.code:<8} {gemeente.buurten:>7}  {gemeente.name or '-'}")
    return 0


def _add_import_commands(sub) -> None:
    kwb = sub.add_parser("import-kwb", help="import one gemeente from a CBS wijk- en buurtkaart file "
                                            "(.gpkg, .geojson, .topojson, zipped shapefile)")
    kwb.add_argument("path")
    kwb.add_argument("--gemeente", required=True, help="gemeente code (GM0344) or name (Utrecht)")
    kwb.add_argument("--layer", help="layer to read (default: the buurten layer)")
    kwb.add_argument("--hide-water", action="store_true", help="leave out water buurten (WATER = JA)")
    kwb.add_argument("--naam", help="gemeente name, for files that carry only codes (TopoJSON)")
    kwb.set_defaults(func=cmd_import_kwb)
    csv = sub.add_parser("import-csv", help="add indicator values from a CSV keyed on buurt- or wijkcode "
                                            "to the active gemeente")
    csv.add_argument("path")
    csv.add_argument("--year", type=int, help="year to use when the CSV has a year column (default: latest)")
    csv.add_argument("--key-column", help="column holding the buurt or wijk codes (default: detected)")
    csv.set_defaults(func=cmd_import_csv)
    gemeenten = sub.add_parser("gemeenten", help="list the gemeenten in a wijk- en buurtkaart file")
    gemeenten.add_argument("path")
    gemeenten.add_argument("--layer", help="layer to read (default: the buurten layer)")
    gemeenten.set_defaults(func=cmd_gemeenten)


# --- Analysis: generated test stories ---------------------------------------------------------------------

def cmd_generate_stories(args: argparse.Namespace) -> int:
    """Add N generated stories (marked "[Gegenereerd]", is_demo, kiosk "generated") to a session."""
    from domain.profile import wide_values
    from domain.stories import SubmissionRejected
    from domain.story_generator import generate_stories
    from storage import analysis, areas, sessions

    factory = _migrated_factory(args)
    with write_scope(factory) as session:
        work_session = sessions.get_session_by_code(session, args.session)
        if work_session is None:
            print(f"Geen sessie met code {args.session}. / No session with code {args.session}.", file=sys.stderr)
            return 2
        buurten = areas.load_areas(session, work_session.municipality_id, "buurt")
        if work_session.area_codes:
            buurten = buurten[buurten["code"].isin(work_session.area_codes)]
        numbers, _ = wide_values(areas.load_values(session, work_session.municipality_id, "buurt"))
        generated = generate_stories(buurten, args.count, seed=args.seed, numbers=numbers,
                                     mismatches=args.mismatches)
        try:
            count = analysis.add_generated_stories(session, work_session, generated, now=datetime.now(UTC),
                                                   actor="cli")
        except SubmissionRejected as err:
            print(f"{err.nl} Heropen de sessie eerst. / {err.en} Reopen the session first.", file=sys.stderr)
            return 2
    names = dict(zip(buurten["code"], buurten["name"]))
    print(f"{count} gegenereerde verhalen toegevoegd aan / generated stories added to {work_session.title} "
          f"({work_session.code}).")
    for code, sign in generated.mismatches.items():
        what = "cijfers goed, vooral zorgen" if sign > 0 else "cijfers zwak, vooral trots"
        print(f"  opzettelijke mismatch / deliberate mismatch: {names.get(code, code)} ({code}): {what}")
    return 0


def _add_analysis_commands(sub) -> None:
    gen = sub.add_parser("generate-stories", help="add generated test stories (clearly marked, never real) to a "
                                                  "session, placed inside its buurten")
    gen.add_argument("--session", required=True, help="session code, e.g. K7Q4FX")
    gen.add_argument("--count", type=int, default=300)
    gen.add_argument("--seed", type=int, default=0)
    gen.add_argument("--mismatches", type=int, default=2,
                     help="buurten whose stories deliberately contradict their figures (default 2)")
    gen.set_defaults(func=cmd_generate_stories)


# --- Werksessie backup and restore ------------------------------------------------------------------------------

def _backup_counts(counts: dict[str, int]) -> str:
    return (f"verhalen/stories {counts['stories']}, foto's/photos {counts['photos']}, thema's/themes "
            f"{counts['themes']}, stippen/dots {counts['votes']}, afspraken/actions {counts['actions']}, "
            f"logboek/audit {counts['audit_events']}")


def _existing_factory(args: argparse.Namespace):
    """The database as it is: not migrated, and a SQLite file that is not there is not created either."""
    from domain.backup import BackupRejected

    url = args.database_url or load_settings(os.environ).database_url
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).is_file():
        where = url.removeprefix("sqlite:///")
        raise BackupRejected("no_database", f"Er is geen database in {where}.", f"There is no database at {where}.")
    return make_session_factory(url)


def _head_revision() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config(str(PROJECT_DIR / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_DIR / "migrations"))
    return ScriptDirectory.from_config(config).get_current_head() or ""


def _check_schema(factory) -> str:
    """The database's schema revision, which must be this version's: a backup reads every column as this version
    knows them, and must not migrate the database to get there."""
    from sqlalchemy.exc import SQLAlchemyError

    from domain.backup import BackupRejected
    from storage import backup

    try:
        with read_scope(factory) as session:
            revision = backup.schema_revision(session)
    except SQLAlchemyError:  # no alembic_version table: not a Buurtbeeld database, or never migrated
        revision = ""
    head = _head_revision()
    if revision != head:
        raise BackupRejected(
            "schema", f"De database heeft schemaversie {revision or '(geen)'}; deze versie van Buurtbeeld kent "
            f"{head}. Een backup verandert de database niet, ook het schema niet: maak de backup met de versie van "
            "Buurtbeeld die bij deze database hoort, of werk de database eerst bij (`python -m storage.cli init`).",
            f"The database has schema revision {revision or '(none)'}; this version of Buurtbeeld knows {head}. A "
            "backup does not change the database, its schema included: make the backup with the version of "
            "Buurtbeeld that fits this database, or upgrade the database first (`python -m storage.cli init`).")
    return revision


def _write_private(path: Path, made) -> None:
    """The zip at `path`, readable by its owner only (personal data), or no file at all."""
    partial = path.with_name(f".{path.name}.partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(made.data)
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def cmd_backup_session(args: argparse.Namespace) -> int:
    from domain.backup import BackupRejected
    from storage import backup

    path = Path(args.file)
    if path.exists() and not args.overwrite:
        print(f"{path} bestaat al; kies een andere naam of gebruik --overwrite. / {path} exists; choose another "
              "name or use --overwrite.", file=sys.stderr)
        return 2
    try:
        factory = _existing_factory(args)
        try:
            _check_schema(factory)
            # The file is written inside the audit row's transaction: no row for a backup that never reached
            # the disk.
            made = backup.make_backup(factory, args.code, actor="cli", now=lambda: datetime.now(UTC),
                                      keep=lambda made: _write_private(path, made))
        finally:
            factory.kw["bind"].dispose()
    except BackupRejected as err:
        print(f"Backup geweigerd: {err.nl}\nBackup refused: {err.en}", file=sys.stderr)
        return 2
    print(f"Backup van / of {made.manifest.session_code} → {path} ({len(made.data):,} bytes, sha256 {made.sha256}, "
          f"schema {made.manifest.app_schema})")
    print(_backup_counts(made.manifest.counts))
    print("Let op: dit bestand bevat persoonsgegevens; bewaar het zoals de database zelf. / Mind: this file holds "
          "personal data; keep it as safe as the database itself.", file=sys.stderr)
    return 0


def cmd_restore_session(args: argparse.Namespace) -> int:
    from domain import backup as backup_format
    from domain.backup import MAX_BACKUP_BYTES, BackupRejected
    from storage import backup

    path = Path(args.file)
    if not path.is_file():
        print(f"{path} bestaat niet. / {path} does not exist.", file=sys.stderr)
        return 2
    try:
        # Read at most one byte over the limit: the restore refuses a larger file without reading all of it.
        with path.open("rb") as handle:
            data = handle.read(MAX_BACKUP_BYTES + 1)
        # Checked before the write transaction: kiosks go on sending while up to 200 MB is read.
        archive = backup_format.read_backup(data)
        factory = _migrated_factory(args)
        with write_scope(factory) as session:
            result = backup.restore_session(session, archive, actor="cli", now=datetime.now(UTC))
    except BackupRejected as err:
        print(f"Herstel geweigerd: {err.nl}\nRestore refused: {err.en}\n"
              "Er is niets hersteld; de database is ongewijzigd. / Nothing was restored; the database is unchanged.",
              file=sys.stderr)
        return 2
    print(f"Hersteld / Restored: {result.title} — code {result.code} — gemeente / municipality "
          f"{result.municipality_name} ({result.municipality_code})")
    print(_backup_counts(result.counts))
    for note in result.notes:
        print(f"  - {note.nl}\n    {note.en}")
    return 0


def _add_backup_commands(sub) -> None:
    make = sub.add_parser("backup-session", help="write a full backup of one werksessie (all stories, photos, "
                                                 "vision board, audit trail; personal data!) to a zip file; "
                                                 "the database is read as it is, never migrated")
    make.add_argument("code", help="session code, e.g. K7Q4FX")
    make.add_argument("file", help="the zip file to write")
    make.add_argument("--overwrite", action="store_true", help="replace FILE if it exists")
    make.set_defaults(func=cmd_backup_session)
    restore = sub.add_parser("restore-session", help="restore a werksessie backup as a new session in this database "
                                                     "(its municipality must be loaded)")
    restore.add_argument("file", help="a zip made by backup-session or the Exports page")
    restore.set_defaults(func=cmd_restore_session)


if __name__ == "__main__":
    sys.exit(main())
