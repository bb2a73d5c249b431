"""Figures and stories per buurt: where do the statistics and residents' stories disagree? For analysts."""
import streamlit as st

from components import analysis_view, auth, deps, maps, state, statistics_view
from components.i18n import t
from domain.errors import ClassificationError
from domain.spatial import area_at, bounds_latlon
from storage import analysis as analysis_store
from storage import sessions

auth.require("analysis")
settings = deps.settings()
municipality, version = deps.active_municipality()
if municipality is None:
    statistics_view.render_empty_state(deps.load_demo)
    st.stop()

url, lang = settings.database_url, state.language()
st.title(t("analysis.title", name=municipality.name))
st.markdown(t("analysis.intro"))
with deps.reading() as session:
    work_sessions = sessions.list_sessions(session, municipality.id)
metas, numbers, reasons = deps.indicator_table(url, municipality.id, version)
if not work_sessions:
    st.info(t("analysis.no_sessions"))
    st.stop()
if not metas:
    st.warning(t("analysis.no_indicators"))
    st.stop()

chosen = analysis_view.render_session_picker(work_sessions)
if not chosen:
    st.info(t("analysis.pick_session"))
    st.stop()
meta, pair, min_stories = analysis_view.render_controls(metas, lang)
with deps.reading() as session:
    stories = analysis_store.story_frame(session, [s.id for s in chosen])
buurten = deps.areas_frame(url, municipality.id, version, "buurt")
result = analysis_view.build_analysis(stories, buurten, chosen, numbers, reasons, meta, pair, min_stories)
analysis_view.render_summary(result, stories, chosen, lang)

buurt_json = deps.features_json(url, municipality.id, version, "buurt", settings.simplify_tolerance_m)
wijk_json = deps.features_json(url, municipality.id, version, "wijk", settings.simplify_tolerance_m)
wijken = deps.areas_frame(url, municipality.id, version, "wijk")
bounds = bounds_latlon(result.area if len(result.area) else buurten)
try:
    stats = statistics_view.build_statistics_view(buurten, wijken, buurt_json, wijk_json, numbers, meta,
                                                  scheme="deviation", k=3, lang=lang)
except ClassificationError as err:
    stats = None
    st.warning(err.user_message)
left, right = st.columns(2, gap="small")
left.markdown(f"**{t('analysis.map_stats', label=meta.label(lang))}**")
right.markdown(f"**{t('analysis.map_stories', topic=analysis_view.topic_label(pair.dimension, lang))}**")
synced = analysis_view.build_synced_maps(
    bounds, stats.layers if stats else [maps.build_outline_layer(wijk_json)],
    analysis_view.build_story_layers(result, buurt_json, wijk_json, lang))
returned = analysis_view.render_synced_maps(
    synced, analysis_view.build_selection_layer(buurt_json, state.get(state.ANALYSIS_BUURT)),
    key=state.ANALYSIS_MAPS, height=520)
st.caption(t("analysis.map_note"))
left, right = st.columns(2, gap="small")
if stats is not None:
    left.markdown(stats.legend_html, unsafe_allow_html=True)  # maps.build_legend_html escapes all text
right.markdown(analysis_view.story_legend(result, lang), unsafe_allow_html=True)  # escaped builder
if click := state.take_new_click(f"{state.ANALYSIS_MAPS}.handled", returned.get("last_clicked")):
    state.set_analysis_buurt(area_at(result.area, click["lat"], click["lng"]))
    st.rerun()

divergence_tab, table_tab, who_tab, sessions_tab = st.tabs(
    [t("analysis.tab.divergence"), t("analysis.tab.table"), t("analysis.tab.who"), t("analysis.tab.sessions")])
with divergence_tab:
    analysis_view.render_divergence(result, meta, stats.average if stats else None, lang)
    analysis_view.render_buurt_stories(result, lang)
with table_tab:
    analysis_view.render_count_table(result, lang)
with who_tab:
    analysis_view.render_who_spoke(result, numbers, max(s.settings.k for s in chosen), lang)
with sessions_tab:
    analysis_view.render_compare(work_sessions, buurten, lang)
