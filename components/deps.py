"""Process-wide dependencies (settings, database) and cached, shared, read-only data loaders.

Never cache per-user data here: st.cache_* is shared by every browser session (HOUSE_STYLE).
"""
from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import streamlit as st
from sqlalchemy.orm import Session, sessionmaker

from storage.config import Settings, load_settings
from storage.db import make_session_factory, read_scope, run_migrations, write_scope


def _secrets() -> dict:
    try:
        return dict(st.secrets)
    except Exception:  # no secrets.toml at all is a normal, documented state
        return {}


def settings() -> Settings:
    return load_settings(os.environ, _secrets())


@st.cache_resource(show_spinner=False)
def _factory(url: str) -> sessionmaker[Session]:
    run_migrations(url)
    return make_session_factory(url)


def session_factory() -> sessionmaker[Session]:
    return _factory(settings().database_url)


@contextmanager
def reading() -> Iterator[Session]:
    with read_scope(session_factory()) as session:
        yield session


@contextmanager
def writing() -> Iterator[Session]:
    with write_scope(session_factory()) as session:
        yield session


def now() -> datetime:
    return datetime.now(UTC)


@st.cache_resource(show_spinner=False)
def local_assets_installed() -> bool:
    from components.assets import install_local_assets

    install_local_assets()
    return True
