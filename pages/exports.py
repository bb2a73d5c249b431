"""Exports for analysts and facilitators: the werksessie report as one offline HTML file, and the data of one
session or of all sessions as CSV, GeoJSON and GeoPackage — approved stories only (docs/exports.md)."""
import streamlit as st

from components import auth, backup_view, deps
from components import exports_view as view
from components import map_export_view
from components.i18n import t
from components.projector import centroids_of
from domain import exports
from storage import exports as export_store
from storage import sessions

auth.require("exports")
st.title(t("exports.title"))
municipality, version = deps.active_municipality()
if municipality is None:
    st.info(t("exports.no_municipality"))
    st.stop()
with deps.reading() as db:
    work_sessions = sessions.list_sessions(db, municipality.id)
backup_view.render_backup(work_sessions)  # facilitators only; also restores into a DB without sessions
if not work_sessions:
    st.info(t("exports.no_sessions"))
    st.stop()

st.markdown(t("exports.intro"))
chosen = view.render_scope_picker(work_sessions)
url = deps.settings().database_url
buurten = deps.areas_frame(url, municipality.id, version, "buurt")
metas, numbers, _ = deps.indicator_table(url, municipality.id, version)
geography = exports.Geography(buurten, centroids_of(buurten), numbers, metas)
with deps.reading() as db:
    data = export_store.load_export_data(db, [s.id for s in chosen])
lang = view.report_language()
records = exports.story_records(data, geography, lang)
stem = view.file_stem(data, municipality.code)
view.render_summary(data, records)

if len(chosen) == 1:
    report = exports.session_report(data, geography, municipality=municipality.name,
                                    made_at=view.local_moment(deps.now()), lang=lang)
    view.render_report(report, lang, stem)
else:
    st.info(t("exports.report_needs_one"))
view.render_downloads(data, geography, records, stem)
map_export_view.render_map_exports(data, geography, records, stem, municipality)
