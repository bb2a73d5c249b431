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


AUTH_ROLE = "auth.role"
AUTH_ACTOR = "auth.actor"


def signed_in_role() -> str | None:
    return st.session_state.get(AUTH_ROLE)


def actor_name() -> str:
    """Who the audit trail names for this browser session's acts."""
    return st.session_state.get(AUTH_ACTOR) or st.session_state.get(AUTH_ROLE) or "onbekend"


def sign_in(role: str, actor: str) -> None:
    st.session_state[AUTH_ROLE] = role
    st.session_state[AUTH_ACTOR] = actor


def sign_out() -> None:
    st.session_state.pop(AUTH_ROLE, None)
    st.session_state.pop(AUTH_ACTOR, None)


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


# --- Data import page (components/import_form.py) ---------------------------------------------------------
# `kind` is "kwb" or "csv". Inspecting a national file takes about a second, so the result is memoised per
# session here (never in st.cache_*, which every session shares).

def import_upload(kind: str) -> tuple[str, str] | None:
    """(upload id, temp file path) of the file saved for this tab, if any."""
    return st.session_state.get(f"import.{kind}.saved_upload")


def set_import_upload(kind: str, upload: tuple[str, str] | None) -> None:
    st.session_state[f"import.{kind}.saved_upload"] = upload


def import_memo(kind: str, token: tuple, compute):
    """`compute()` once per `token` (file and choices) for this tab; exceptions are not memoised."""
    memo = st.session_state.setdefault(f"import.{kind}.memo", {})
    if token not in memo:
        if len(memo) >= 4:
            memo.pop(next(iter(memo)))
        memo[token] = compute()
    return memo[token]


def import_summary(kind: str):
    """The ImportSummary of this tab's last successful import, shown until the next upload."""
    return st.session_state.get(f"import.{kind}.summary")


def set_import_summary(kind: str, summary) -> None:
    st.session_state[f"import.{kind}.summary"] = summary


# --- Analysis page (components/analysis_view.py) ----------------------------------------------------------
# The selected buurt is set by the picker, a map click, a table row or a scatter point; each click-like
# source is handed out once (`take_new_click`) so the picker can still change it afterwards.
ANALYSIS_SESSIONS = "analysis.sessions"
ANALYSIS_INDICATOR = "analysis.indicator"
ANALYSIS_DIMENSION = "analysis.dimension"
ANALYSIS_ORIENTATION = "analysis.orientation"
ANALYSIS_MIN_STORIES = "analysis.min_stories"
ANALYSIS_BUURT = "analysis.buurt"
ANALYSIS_TABLE = "analysis.divergence_table"
ANALYSIS_SCATTER = "analysis.scatter"
ANALYSIS_STATS_MAP = "analysis.stats_map"
ANALYSIS_STORIES_MAP = "analysis.stories_map"
ANALYSIS_WHO_SCOPE = "analysis.who_scope"
ANALYSIS_COMPARE_A = "analysis.compare_a"
ANALYSIS_COMPARE_B = "analysis.compare_b"
_ANALYSIS_PAIR_FOR = "analysis.pair_for"


def analysis_pair_widgets_for(indicator: str) -> bool:
    """True once per indicator change: the dimension/orientation widgets then take the pair's defaults."""
    if st.session_state.get(_ANALYSIS_PAIR_FOR) == indicator:
        return False
    st.session_state[_ANALYSIS_PAIR_FOR] = indicator
    return True


def set_analysis_buurt(code: str | None) -> None:
    st.session_state[ANALYSIS_BUURT] = code
