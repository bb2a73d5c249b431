"""The exports page's pieces: which sessions, what is in them, and the download buttons. The files themselves are
built by domain/exports.py; this module only picks the language, the file names and draws."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import partial
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import streamlit as st

from components import state
from components.i18n import available_languages, t, translate
from domain import exports
from domain.sessions import WorkSession

CSV_MIME = "text/csv; charset=utf-8"


def report_language() -> str:
    """The interface language when the exports are translated into it, otherwise Dutch."""
    lang = state.language()
    return lang if lang in available_languages("exports") else "nl"


def local_moment(moment: datetime) -> datetime:
    try:
        return moment.astimezone(ZoneInfo("Europe/Amsterdam"))
    except ZoneInfoNotFoundError:  # no tz database on this machine: UTC is still a correct time
        return moment


def render_scope_picker(work_sessions: Sequence[WorkSession]) -> list[WorkSession]:
    """One session (the facilitator's current one, else the newest) or every session of the municipality."""
    by_id = {s.id: s for s in work_sessions}
    options = [*by_id, state.EXPORTS_ALL]
    if state.get(state.EXPORTS_SCOPE) not in options:
        current = state.facilitator_session()
        state.put(state.EXPORTS_SCOPE, current if current in by_id else work_sessions[0].id)
    scope = st.selectbox(t("exports.scope"), options, key=state.EXPORTS_SCOPE, help=t("exports.scope_help"),
                         format_func=lambda i: t("exports.scope_all", n=len(by_id)) if i == state.EXPORTS_ALL
                         else f"{by_id[i].title} · {by_id[i].code}")
    return list(work_sessions) if scope == state.EXPORTS_ALL else [by_id[scope]]


def render_summary(data: exports.ExportData, records: Sequence[dict]) -> None:
    live_themes = [th for th in data.themes if not th.is_deleted]
    st.caption(t("exports.summary", stories=len(records), themes=len(live_themes), actions=len(data.actions)))
    if not records:
        st.info(t("exports.no_stories"))


def file_stem(data: exports.ExportData, municipality_code: str) -> str:
    if len(data.sessions) == 1:
        return f"buurtbeeld-{data.sessions[0].code}"
    return f"buurtbeeld-{municipality_code}-alle-sessies"


def render_report(report: exports.SessionReport, lang: str, stem: str) -> None:
    st.subheader(t("exports.report_title"), anchor=False)
    st.markdown(t("exports.report_help"))
    html = exports.build_report_html(report, partial(translate, lang), lang)
    st.download_button(t("exports.report_button"), html.encode("utf-8"), file_name=f"{stem}-verslag.html",
                       mime="text/html", key="exports.download.report", icon=":material/description:",
                       on_click="ignore", type="primary")


def render_downloads(data: exports.ExportData, geography: exports.Geography, records: Sequence[dict],
                     stem: str) -> None:
    st.subheader(t("exports.data_title"), anchor=False)
    st.markdown(t("exports.data_help"))
    files = [
        ("stories_csv", exports.build_stories_csv(records), f"{stem}-verhalen.csv", CSV_MIME),
        ("stories_geojson", exports.build_stories_geojson(records), f"{stem}-verhalen.geojson",
         "application/geo+json"),
        ("themes_csv", exports.build_csv(exports.theme_records(data), exports.THEME_COLUMNS),
         f"{stem}-themas-stemmen.csv", CSV_MIME),
        ("actions_csv", exports.build_csv(exports.action_records(data, geography), exports.ACTION_COLUMNS),
         f"{stem}-afspraken.csv", CSV_MIME),
    ]
    try:
        files.insert(2, ("geopackage", exports.build_geopackage(data, geography, records), f"{stem}.gpkg",
                         "application/geopackage+sqlite3"))
    except exports.ExportFailed as err:
        st.error(err.user_message)
    for name, payload, file_name, mime in files:
        st.download_button(t(f"exports.{name}"), payload, file_name=file_name, mime=mime,
                           key=f"exports.download.{name}", icon=":material/download:", on_click="ignore")
        st.caption(t(f"exports.{name}_help"))
    st.caption(t("exports.privacy_note"))
