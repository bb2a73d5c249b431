"""Process-wide dependencies (settings, database) and cached, shared, read-only data loaders.

Never cache per-user data here: st.cache_* is shared by every browser session, and a kiosk and the
projector are different sessions; per-user state lives in components/state.py.
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


# --- Shared read-only data, cached per (database, municipality, version) --------------------------------

def active_municipality():
    from storage import areas

    with reading() as session:
        municipality = areas.active_municipality(session)
        version = areas.municipality_version(session, municipality.id) if municipality else 0
    return municipality, version


@st.cache_data(show_spinner=False, max_entries=8)
def areas_frame(url: str, municipality_id: int, version: int, level: str = "buurt"):
    """Areas of one level with geometry (EPSG:4326)."""
    from storage import areas

    with read_scope(_factory(url)) as session:
        return areas.load_areas(session, municipality_id, level)


@st.cache_data(show_spinner=False, max_entries=16)
def features_json(url: str, municipality_id: int, version: int, level: str, tolerance_m: float) -> str:
    """Simplified GeoJSON string for the browser: computed once per import, shared by every session."""
    from domain.spatial import to_feature_collection

    frame = areas_frame(url, municipality_id, version, level)
    return to_feature_collection(frame, [], tolerance_m=tolerance_m)


@st.cache_data(show_spinner=False, max_entries=8)
def indicator_table(url: str, municipality_id: int, version: int, level: str = "buurt"):
    """(indicator metadata, numbers wide, missing reasons wide) for one municipality."""
    from domain.profile import wide_values
    from storage import areas

    with read_scope(_factory(url)) as session:
        metas = areas.load_indicators(session, municipality_id)
        values = areas.load_values(session, municipality_id, level)
    numbers, reasons = wide_values(values)
    return metas, numbers, reasons


def load_demo() -> None:
    from storage import seed

    with writing() as session:
        seed.seed_demo(session, now=now())


@st.cache_resource(show_spinner=False)
def app_icon():
    """A small map-pin favicon drawn here: an emoji or Material icon would be fetched from the internet."""
    from PIL import Image, ImageDraw

    icon = Image.new("RGBA", (64, 64), (0, 0, 0, 0))
    draw = ImageDraw.Draw(icon)
    draw.ellipse((12, 4, 52, 44), fill=(31, 95, 139, 255))
    draw.polygon([(16, 34), (48, 34), (32, 62)], fill=(31, 95, 139, 255))
    draw.ellipse((24, 16, 40, 32), fill=(251, 250, 247, 255))
    return icon
