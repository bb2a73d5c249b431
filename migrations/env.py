"""Alembic environment: the URL comes from the caller (storage.db.run_migrations) or APP_DB_URL."""
import os

from alembic import context

from storage.config import load_settings
from storage.db import IMMEDIATE_OPTION, make_engine
from storage.tables import Base

# Replicas starting at once against a fresh database must not run the migrations side by side (issue 7):
# PostgreSQL waits on this advisory lock, SQLite on BEGIN IMMEDIATE.
MIGRATION_LOCK_ID = 0x6275757274  # "buurt"
config = context.config
url = config.get_main_option("sqlalchemy.url") or load_settings(os.environ).database_url


def run_migrations_online() -> None:
    engine = make_engine(url)
    with engine.connect() as connection:
        connection = connection.execution_options(**{IMMEDIATE_OPTION: True})
        # render_as_batch: SQLite cannot ALTER most things; batch mode rebuilds tables instead.
        context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
        with context.begin_transaction():
            if connection.dialect.name == "postgresql":  # inside the migration's own transaction
                connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK_ID})")
            context.run_migrations()
    engine.dispose()


run_migrations_online()
