"""Alembic environment: the URL comes from the caller (storage.db.run_migrations) or APP_DB_URL."""
import os

from alembic import context

from storage.config import load_settings
from storage.db import make_engine
from storage.tables import Base

config = context.config
url = config.get_main_option("sqlalchemy.url") or load_settings(os.environ).database_url


def run_migrations_online() -> None:
    engine = make_engine(url)
    with engine.connect() as connection:
        # render_as_batch: SQLite cannot ALTER most things; batch mode rebuilds tables instead.
        context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations_online()
