"""The statistics page's pieces: build the coloured map and legend from plain data, then draw them."""
from __future__ import annotations

from dataclasses import dataclass

import folium
import geopandas as gpd
import pandas as pd
import streamlit as st

from components import charts, maps
from components.i18n import t
from domain.classification import Classification, classify
from domain.formatting import format_value
from domain.models import IndicatorMeta
from domain.profile import buurt_profile, indicator_average


@dataclass(frozen=True)
class StatisticsView:
    classification: Classification
    layers: list[folium.FeatureGroup]
    legend_html: str
    average: float | None


def build_statistics_view(buurten: gpd.GeoDataFrame, wijken: gpd.GeoDataFrame, buurt_json: str, wijk_json: str,
                          numbers: pd.DataFrame, meta: IndicatorMeta, *, scheme: str, k: int, lang: str,
                          hide_water: bool = False) -> StatisticsView:
    """Classify one indicator over the buurten and build map layers and legend (no Streamlit calls)."""
    shown = buurten[~buurten["is_water"]] if hide_water else buurten
    column = numbers[meta.key] if meta.key in numbers else pd.Series(dtype="float64")
    values = [None if pd.isna(v := column.get(code)) else float(v) for code in shown["code"]]
    average = indicator_average(numbers.loc[numbers.index.isin(shown["code"])], meta)
    classification = classify(values, scheme, k, direction=meta.direction, average=average,
                              decimals=meta.decimals)
    wijk_names = dict(zip(wijken["code"], wijken["name"]))
    cells = maps.choropleth_cells(
        list(shown["code"]), list(shown["name"]), [wijk_names.get(p) for p in shown["parent_code"]],
        list(shown["is_water"]), values, classification, meta, lang)
    water_count = sum(1 for v, w in zip(values, shown["is_water"]) if v is None and w)
    entries = maps.legend_entries(classification, lang, water_count=water_count)
    unit = f"{t('stats.unit')}: {meta.unit}" if meta.unit else ""
    subtitle = " · ".join(part for part in (
        unit, f"{t('stats.average')}: {format_value(average, meta.unit, meta.decimals, lang)}")
        if part)
    legend = maps.build_legend_html(meta.label(lang), subtitle, entries, count_word=t("stats.buurten"))
    layers = [maps.build_choropleth_layer(buurt_json, cells), maps.build_outline_layer(wijk_json)]
    return StatisticsView(classification, layers, legend, average)


def render_profile(code: str, name: str, numbers: pd.DataFrame, reasons: pd.DataFrame,
                   metas: list[IndicatorMeta], lang: str) -> None:
    """The buurt profile: a deviation chart plus the exact numbers beside the municipal average."""
    rows = buurt_profile(code, numbers, reasons, metas, lang)
    if not rows:
        st.info(t("stats.profile_empty"))
        return
    st.plotly_chart(charts.build_profile_figure(rows, buurt_name=name, lang=lang), key="stats.profile_chart",
                    config={"displaylogo": False, "responsive": True})
    table = pd.DataFrame({
        t("stats.indicator"): [r.label for r in rows],
        name: [format_value(r.value, r.unit, r.decimals, lang) for r in rows],
        t("stats.municipal_average"): [format_value(r.average, r.unit, r.decimals, lang) for r in rows],
    })
    with st.expander(t("stats.profile_table")):
        st.dataframe(table, hide_index=True, width="stretch")


DEFAULT_INDICATORS = ("lbm_score", "woz", "gem_inkomen_per_inwoner", "aantal_inwoners")


def render_controls(metas: list[IndicatorMeta], lang: str, *, has_water: bool) -> tuple[IndicatorMeta, str, int, bool]:
    """Indicator, classification, number of classes and the water toggle; keys live in `stats.*`."""
    from components import state
    from domain.classification import SCHEMES

    by_key = {m.key: m for m in metas}
    default = next((key for key in DEFAULT_INDICATORS if key in by_key), metas[0].key)
    if state.get(state.STATS_INDICATOR) not in by_key:
        state.put(state.STATS_INDICATOR, default)
    first, second, third = st.columns([2.2, 1.6, 1])
    key = first.selectbox(t("stats.indicator"), list(by_key), key=state.STATS_INDICATOR,
                          format_func=lambda k: by_key[k].label(lang))
    scheme = second.selectbox(t("stats.scheme"), list(SCHEMES), key=state.STATS_SCHEME,
                              format_func=lambda s: SCHEMES[s][lang if lang in ("nl", "en") else "nl"])
    k = third.select_slider(t("stats.classes"), options=[3, 4, 5, 6, 7], value=5, key=state.STATS_CLASSES,
                            disabled=scheme == "deviation")
    hide_water = st.toggle(t("stats.hide_water"), key=state.STATS_HIDE_WATER) if has_water else False
    return by_key[key], scheme, int(k), hide_water


def render_side_panel(view: StatisticsView, meta: IndicatorMeta, scheme: str) -> None:
    st.markdown(view.legend_html, unsafe_allow_html=True)  # built by maps.build_legend_html, all text escaped
    st.caption(t("stats.missing_help"))
    if scheme == "deviation":
        st.caption(t("stats.deviation_help") if meta.direction else t("stats.neutral_help"))
    year = f", {meta.year}" if meta.year else ""
    if meta.source:
        st.caption(t("stats.source", source=meta.source, year=year))


def render_buurt_picker(buurten: gpd.GeoDataFrame) -> str | None:
    from components import state

    land = buurten.sort_values("name")
    names = dict(zip(land["code"], land["name"]))
    return st.selectbox(t("stats.pick_buurt"), list(names), key=state.STATS_SELECTED_BUURT, index=None,
                        placeholder=t("stats.pick_buurt_placeholder"),
                        format_func=lambda code: f"{names[code]} ({code})")


def render_empty_state(load_demo) -> None:
    """No municipality yet: say so plainly and offer the demo (`load_demo` seeds it)."""
    st.title(t("empty.title"))
    st.write(t("empty.body"))
    if st.button(t("empty.load_demo"), type="primary", key="stats.load_demo"):
        load_demo()
        st.cache_data.clear()
        st.success(t("empty.loaded"))
        st.rerun()
