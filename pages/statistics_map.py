"""Statistics map: the buurten coloured by one indicator, a legend beside it, and a buurt's profile."""
import streamlit as st

from components import deps, maps, state, statistics_view
from components.i18n import t
from domain.errors import ClassificationError
from domain.spatial import area_at, bounds_latlon

settings = deps.settings()
municipality, version = deps.active_municipality()
if municipality is None:
    statistics_view.render_empty_state(deps.load_demo)
    st.stop()

url, lang = settings.database_url, state.language()
buurten = deps.areas_frame(url, municipality.id, version, "buurt")
wijken = deps.areas_frame(url, municipality.id, version, "wijk")
metas, numbers, reasons = deps.indicator_table(url, municipality.id, version)

st.title(t("stats.title", name=municipality.name))
if municipality.is_demo:
    st.info(t("app.demo_notice", name=municipality.name), icon=":material/science:")
if not metas:
    st.warning(t("stats.no_indicators"))
    st.stop()
st.caption(t("stats.intro"))
meta, scheme, k, hide_water = statistics_view.render_controls(metas, lang, has_water=bool(buurten["is_water"].any()))
try:
    view = statistics_view.build_statistics_view(
        buurten, wijken, deps.features_json(url, municipality.id, version, "buurt", settings.simplify_tolerance_m),
        deps.features_json(url, municipality.id, version, "wijk", settings.simplify_tolerance_m),
        numbers, meta, scheme=scheme, k=k, lang=lang, hide_water=hide_water)
except ClassificationError as err:
    st.warning(err.user_message)
    st.stop()

map_column, side_column = st.columns([3, 1], gap="medium")
with map_column:
    base = maps.build_base_map(bounds_latlon(buurten), tile_url=settings.tile_url,
                               attribution=settings.tile_attribution)
    result = maps.render_map(base, view.layers, key="stats.map")
with side_column:
    statistics_view.render_side_panel(view, meta, scheme)

if click := state.take_new_click(state.STATS_HANDLED_CLICK, result.get("last_object_clicked")):
    code = area_at(buurten, click["lat"], click["lng"])
    if code is None:
        st.toast(t("stats.clicked_outside"))
    state.put(state.STATS_SELECTED_BUURT, code)
    st.rerun()

code = statistics_view.render_buurt_picker(buurten)
if code:
    name = buurten.loc[buurten["code"] == code, "name"].iloc[0]
    st.subheader(t("stats.profile_title", name=name))
    st.caption(t("stats.profile_caption"))
    statistics_view.render_profile(code, name, numbers, reasons, metas, lang)
