"""The only module that reads or writes `st.session_state`; keys are namespaced per page."""
from __future__ import annotations

import streamlit as st

LANGUAGE = "app.lang"
STATS_INDICATOR = "stats.indicator"
STATS_SCHEME = "stats.scheme"
STATS_CLASSES = "stats.classes"
STATS_SELECTED_BUURT = "stats.selected_buurt"
STATS_HANDLED_CLICK = "stats.handled_click"
STATS_HIDE_WATER = "stats.hide_water"


def language() -> str:
    return st.session_state.get(LANGUAGE, "nl")


def set_language(lang: str) -> None:
    st.session_state[LANGUAGE] = lang


def selected_buurt() -> str | None:
    return st.session_state.get(STATS_SELECTED_BUURT)


def set_selected_buurt(code: str | None) -> None:
    st.session_state[STATS_SELECTED_BUURT] = code


def take_new_click(key: str, click: dict | None) -> dict | None:
    """st_folium returns the same last click on every rerun; hand each click out once."""
    if not click or click == st.session_state.get(key):
        return None
    st.session_state[key] = click
    return click


def get(key: str, default=None):
    return st.session_state.get(key, default)


def put(key: str, value) -> None:
    st.session_state[key] = value


def setdefault(key: str, value):
    return st.session_state.setdefault(key, value)
