"""The analysis page's pieces: build the comparison of figures and stories from plain data (no `st.`), then
draw controls, the two maps, the divergence table and scatter, the buurt × topic table, "who spoke" and the
session comparison. The method is in domain/analysis.py and docs/method.md.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

import folium
import geopandas as gpd
import pandas as pd
import streamlit as st
from folium.plugins import DualMap
from folium.template import Template

from components import charts, deps, maps, state
from components.i18n import t
from domain import analysis
from domain.analysis import ALL, TOPICS, BetaPrior, DimensionPair
from domain.formatting import format_number
from domain.models import DIMENSIONS, STORY_KINDS, IndicatorMeta
from domain.sessions import WorkSession
from domain.story_generator import GENERATED_KIOSK
from domain.text import safe_text

STORY_FILLS = {-1: "#d6604d", 0: "#f7f7f7", 1: "#4393c3"}  # more concerns / around / fewer (maps.JUDGED)
NO_STORIES_FILL = "#ebe7de"
TOP_SENTENCES = 5
SELECTED_OUTLINE = "#c2410c"


def _md(text: str) -> str:
    """Buurt names come from import files: escape markdown so they stay plain text."""
    return "".join(f"\\{c}" if c in "\\`*_{}[]()#+-.!|<>~$" else c for c in str(text))


@dataclass(frozen=True)
class Analysis:
    """Everything the page shows for one choice of sessions, indicator and topic."""

    area: gpd.GeoDataFrame  # land buurten of the sessions' area
    linked: pd.DataFrame  # approved stories with linked_code / link
    table: pd.DataFrame  # buurt × dimension counts (analysis.count_table)
    priors: dict[str, BetaPrior | None]
    divergence: pd.DataFrame
    pair: DimensionPair
    min_stories: int


def session_area(buurten: gpd.GeoDataFrame, chosen: list[WorkSession]) -> gpd.GeoDataFrame:
    codes = set().union(*(set(s.area_codes) for s in chosen)) if chosen else set()
    area = buurten[buurten["code"].isin(codes)] if codes else buurten
    return area[~area["is_water"].astype(bool)]


def build_analysis(stories: pd.DataFrame, buurten: gpd.GeoDataFrame, chosen: list[WorkSession],
                   numbers: pd.DataFrame, reasons: pd.DataFrame, meta: IndicatorMeta, pair: DimensionPair,
                   min_stories: int) -> Analysis:
    area = session_area(buurten, chosen)
    linked = analysis.link_stories(stories, area)
    table, priors = analysis.count_table(linked, area, numbers)
    divergence = analysis.divergence_table(table, priors.get(pair.dimension), numbers, meta, pair,
                                           min_stories=min_stories, reasons=reasons)
    return Analysis(area, linked, table, priors, divergence, pair, min_stories)


def topic_label(dimension: str, lang: str) -> str:
    return TOPICS[dimension][lang if lang in ("nl", "en") else "nl"].lower()


def _pct(value, lang: str) -> str:
    return "" if value is None or pd.isna(value) else f"{format_number(100 * float(value), 0, lang)}%"


@dataclass(frozen=True)
class StoryCell:
    fill: str
    tooltip_html: str  # built here from escaped parts only
    dashed: bool = False


def story_cells(result: Analysis, buurten: gpd.GeoDataFrame, lang: str) -> dict[str, StoryCell]:
    """Fill and tooltip per buurt for the stories map: the shrunken concern share against the overall share."""
    rows = result.divergence.set_index("code")
    prior = result.priors.get(result.pair.dimension)
    cells = {}
    for code, name in zip(buurten["code"], buurten["name"]):
        lines = [f"<b>{safe_text(name)}</b>"]
        if code not in rows.index or rows.at[code, "n"] == 0:
            cells[code] = StoryCell(NO_STORIES_FILL, "<br>".join([*lines, safe_text(t("analysis.legend.none"))]))
            continue
        r = rows.loc[code]
        lines.append(safe_text(t("analysis.tip.stories", n=int(r["n"]), concern=int(r["concern"]))))
        lines.append(safe_text(t("analysis.tip.share", share=_pct(r["concern_share"], lang),
                                 low=_pct(r["wilson_low"], lang), high=_pct(r["wilson_high"], lang),
                                 shrunk=_pct(r["shrunk_share"], lang))))
        if int(r["n"]) < result.min_stories or r["story_z"] is None or pd.isna(r["story_z"]) or prior is None:
            lines.append(safe_text(t("analysis.legend.too_few")))
            cells[code] = StoryCell(maps.MISSING_FILL, "<br>".join(lines), dashed=True)
        else:
            cells[code] = StoryCell(STORY_FILLS[analysis.judgement(float(r["story_z"]))], "<br>".join(lines))
    return cells


def story_legend(result: Analysis, lang: str) -> str:
    prior = result.priors.get(result.pair.dimension)
    cells = story_cells(result, result.area, lang)
    count = {fill: sum(1 for c in cells.values() if c.fill == fill) for fill in
             [*STORY_FILLS.values(), maps.MISSING_FILL, NO_STORIES_FILL]}
    entries = [maps.LegendEntry(STORY_FILLS[-1], t("analysis.legend.more"), count[STORY_FILLS[-1]]),
               maps.LegendEntry(STORY_FILLS[0], t("analysis.legend.around"), count[STORY_FILLS[0]]),
               maps.LegendEntry(STORY_FILLS[1], t("analysis.legend.fewer"), count[STORY_FILLS[1]]),
               maps.LegendEntry(maps.MISSING_FILL, t("analysis.legend.too_few"), count[maps.MISSING_FILL], dashed=True),
               maps.LegendEntry(NO_STORIES_FILL, t("analysis.legend.none"), count[NO_STORIES_FILL])]
    return maps.build_legend_html(t("analysis.map_stories", topic=topic_label(result.pair.dimension, lang)),
                                  t("analysis.legend.subtitle", share=_pct(prior.mean if prior else None, lang)),
                                  entries, count_word=t("stats.buurten"))


def build_story_layer(features_json: str, cells: dict[str, StoryCell]) -> folium.FeatureGroup:
    """The session's buurten coloured per `cells`, hover tooltip from the escaped parts
    (GeoJsonTooltip sets innerHTML, so every part went through domain/text.py first)."""
    collection = json.loads(features_json)
    features = [{**f, "properties": {"tip": cells[f["id"]].tooltip_html}} for f in collection["features"]
                if f["id"] in cells]
    styles = {code: {"fillColor": c.fill, "color": maps.OUTLINE, "weight": 0.8, "fillOpacity": 0.8,
                     **({"dashArray": "4 3"} if c.dashed else {})} for code, c in cells.items()}
    group = folium.FeatureGroup(name="stories")
    folium.GeoJson({"type": "FeatureCollection", "features": features}, name="stories",
                   style_function=lambda f: styles[f["id"]],
                   highlight_function=lambda f: {"weight": 3, "color": maps.WIJK_OUTLINE},
                   tooltip=folium.GeoJsonTooltip(fields=["tip"], labels=False, sticky=True)).add_to(group)
    maps.stabilise_ids(group, "stories")
    return group


def build_story_layers(result: Analysis, buurt_json: str, wijk_json: str, lang: str) -> list[folium.FeatureGroup]:
    return [build_story_layer(buurt_json, story_cells(result, result.area, lang)), maps.build_outline_layer(wijk_json)]


class SyncedMaps(DualMap):
    """folium's DualMap (which streamlit-folium supports) with our own few lines of sync instead of the
    Leaflet.Sync plugin, which folium loads from a CDN (the app must work without internet). Panning or zooming
    either map moves the other; a click on the right map is passed to the left one, the map streamlit-folium
    listens to, so `last_clicked` reports clicks on both."""

    default_js: tuple = ()  # no CDN plugin: the sync below is our own
    _template = Template("""{% macro script(this, kwargs) %}
(function (a, b) {
    var busy = false;
    function follow(src, dst) {
        src.on('move zoom', function () {
            if (busy) { return; }
            busy = true;
            dst.setView(src.getCenter(), src.getZoom(), {animate: false});
            busy = false;
        });
    }
    follow(a, b);
    follow(b, a);
    b.on('click', function (e) { a.fire('click', {latlng: e.latlng}); });
})({{ this.m1.get_name() }}, {{ this.m2.get_name() }});
{% endmacro %}""")


def build_synced_maps(bounds: list[list[float]], left: list[folium.FeatureGroup],
                      right: list[folium.FeatureGroup]) -> SyncedMaps:
    """Statistics left, stories right, one view: no tiles (the outlines are the basemap)."""
    centre = [(bounds[0][0] + bounds[1][0]) / 2, (bounds[0][1] + bounds[1][1]) / 2]
    pair = SyncedMaps(location=centre, zoom_start=13, tiles=None, prefer_canvas=True, control_scale=True,
                      zoom_snap=0.25)
    for target, layers, prefix in ((pair.m1, left, "left"), (pair.m2, right, "right")):
        for layer in layers:
            layer.add_to(target)
        target.fit_bounds(bounds)
        # The same builders make layers for both maps; streamlit-folium maps element ids to JS names, so
        # each map's elements need ids of their own (and fixed ones, so reruns do not reload the maps).
        maps.stabilise_ids(target, prefix)
    pair.get_root().header.add_child(folium.Element(
        f"<style>.leaflet-container{{background:{maps.PAPER};font-size:15px}}"
        ".leaflet-tooltip{font-size:15px;line-height:1.35}</style>"))
    return pair


class _SelectionOutline(folium.MacroElement):
    """Outlines the selected buurt on both maps. It travels in streamlit-folium's feature group, so a new
    selection never reloads the maps; it finds them by the names streamlit-folium gives them."""

    _template = Template("""{% macro script(this, kwargs) %}
(function () {
    (window.bbSelection || []).forEach(function (layer) { layer.remove(); });
    var data = {{ this.data }};
    window.bbSelection = [window.map_div, window.map_div2].filter(Boolean).map(function (m) {
        return L.geoJson(data, {interactive: false, style: {fill: false, color: '{{ this.colour }}', weight: 4}})
            .addTo(m);
    });
})();
{% endmacro %}""")

    def __init__(self, data: dict, colour: str):
        super().__init__()
        self._name = "SelectionOutline"
        self.data = json.dumps(data, separators=(",", ":"))
        self.colour = colour


def build_selection_layer(features_json: str, code: str | None) -> folium.FeatureGroup:
    """A thick outline around the selected buurt on both maps (not clickable)."""
    collection = json.loads(features_json)
    features = [f for f in collection["features"] if code and f["id"] == code]
    group = folium.FeatureGroup(name="selected")
    _SelectionOutline({"type": "FeatureCollection", "features": features}, SELECTED_OUTLINE).add_to(group)
    maps.stabilise_ids(group, "selected")
    return group


def render_synced_maps(pair: SyncedMaps, selection: folium.FeatureGroup, *, key: str, height: int) -> dict:
    from streamlit_folium import st_folium

    return st_folium(pair, key=key, height=height, use_container_width=True, feature_group_to_add=[selection],
                     returned_objects=["last_clicked"]) or {}


def _z(value) -> str:
    return "" if value is None or pd.isna(value) else f"{float(value):+.2f}"


def divergence_display(frame: pd.DataFrame, meta: IndicatorMeta, lang: str) -> pd.DataFrame:
    """The divergence table as the analyst reads it: ranked rows, then the unranked ones with their reason."""
    shown = frame[frame["status"] != analysis.NO_STORIES]
    return pd.DataFrame({
        t("analysis.col.rank"): ["" if pd.isna(r) else str(int(r)) for r in shown["rank"]],
        t("analysis.col.buurt"): shown["name"],
        t("analysis.col.status"): [t(f"analysis.status.{s}") for s in shown["status"]],
        t("analysis.col.score"): [_z(v) for v in shown["score"]],
        t("analysis.col.value"): [analysis.value_text(v, meta, lang) for v in shown["value"]],
        t("analysis.col.stat_z"): [_z(v) for v in shown["stat_z"]],
        t("analysis.col.proud"): shown["proud"],
        t("analysis.col.concern"): shown["concern"],
        t("analysis.col.share"): [_pct(v, lang) for v in shown["concern_share"]],
        t("analysis.col.interval"): [f"{_pct(lo, lang)} – {_pct(hi, lang)}" for lo, hi in
                                     zip(shown["wilson_low"], shown["wilson_high"])],
        t("analysis.col.shrunk"): [_pct(v, lang) for v in shown["shrunk_share"]],
        t("analysis.col.story_z"): [_z(v) for v in shown["story_z"]],
        t("analysis.col.sentence"): shown["sentence_en" if lang == "en" else "sentence_nl"],
    }).reset_index(drop=True).assign(_code=shown["code"].to_numpy())


def count_display(table: pd.DataFrame, dimension: str, lang: str) -> pd.DataFrame:
    rows = table[(table["dimension"] == dimension) & (table["total"] > 0)].sort_values(["total", "code"],
                                                                                       ascending=[False, True])
    kinds = {kind: STORY_KINDS[kind]["en" if lang == "en" else "nl"] for kind in STORY_KINDS}
    return pd.DataFrame({
        t("analysis.col.buurt"): rows["name"],
        **{label: rows[kind] for kind, label in kinds.items()},
        t("analysis.col.total"): rows["total"],
        t("analysis.col.inhabitants"): [format_number(v, 0, lang) if pd.notna(v) else "" for v in rows["inhabitants"]],
        t("analysis.col.rate"): [format_number(v, 1, lang) if pd.notna(v) else "" for v in rows["rate_per_1000"]],
        t("analysis.col.concern_rate"): [format_number(v, 1, lang) if pd.notna(v) else ""
                                         for v in rows["concern_rate_per_1000"]],
        t("analysis.col.share"): [_pct(v, lang) for v in rows["concern_share"]],
        t("analysis.col.interval"): [f"{_pct(lo, lang)} – {_pct(hi, lang)}" if pd.notna(lo) else ""
                                     for lo, hi in zip(rows["wilson_low"], rows["wilson_high"])],
        t("analysis.col.shrunk"): [_pct(v, lang) for v in rows["shrunk_share"]],
    }).reset_index(drop=True)


# ----------------------------------------------------------------------------------------------- render

def render_session_picker(work_sessions: list[WorkSession]) -> list[WorkSession]:
    by_id = {s.id: s for s in work_sessions}
    chosen = state.get(state.ANALYSIS_SESSIONS)
    if chosen is None or not all(i in by_id for i in chosen):
        state.put(state.ANALYSIS_SESSIONS, [work_sessions[0].id])
    ids = st.multiselect(t("analysis.sessions"), list(by_id), key=state.ANALYSIS_SESSIONS,
                         format_func=lambda i: f"{by_id[i].title} ({by_id[i].code})", help=t("analysis.sessions_help"))
    return [by_id[i] for i in ids]


def render_controls(metas: list[IndicatorMeta], lang: str) -> tuple[IndicatorMeta, DimensionPair, int]:
    """Indicator, the topic it is compared with (from the pairing table, editable) and the threshold."""
    from components.statistics_view import DEFAULT_INDICATORS

    by_key = {m.key: m for m in metas}
    default = next((k for k in ("lbm_score", *DEFAULT_INDICATORS) if k in by_key), metas[0].key)
    if state.get(state.ANALYSIS_INDICATOR) not in by_key:
        state.put(state.ANALYSIS_INDICATOR, default)
    first, second = st.columns(2)
    key = first.selectbox(t("analysis.indicator"), list(by_key), key=state.ANALYSIS_INDICATOR,
                          format_func=lambda k: by_key[k].label(lang))
    meta = by_key[key]
    suggested = analysis.pair_for(meta)
    if state.analysis_pair_widgets_for(key):
        state.put(state.ANALYSIS_DIMENSION, suggested.dimension if suggested else ALL)
        state.put(state.ANALYSIS_ORIENTATION, suggested.orientation if suggested else (meta.direction or 1))
    language = lang if lang in ("nl", "en") else "nl"
    dimension = second.selectbox(t("analysis.dimension"), list(TOPICS), key=state.ANALYSIS_DIMENSION,
                                 format_func=lambda d: TOPICS[d][language], help=t("analysis.dimension_help"))
    third, fourth = st.columns(2)
    orientation = third.selectbox(t("analysis.orientation"), [1, -1], key=state.ANALYSIS_ORIENTATION,
                                  format_func=lambda o: t("analysis.orientation.better" if o > 0 else
                                                          "analysis.orientation.worse"))
    min_stories = fourth.number_input(t("analysis.min_stories"), min_value=1, max_value=30,
                                      value=analysis.MIN_STORIES, step=1, key=state.ANALYSIS_MIN_STORIES,
                                      help=t("analysis.min_stories_help"))
    if suggested and (dimension, orientation) == (suggested.dimension, suggested.orientation):
        pair = suggested
        st.caption(t("analysis.pair_note", note=pair.note(language)))
    else:
        pair = analysis.custom_pair(meta, dimension, int(orientation))
        st.caption(t("analysis.no_pair") if suggested is None else t("analysis.pair_note", note=pair.note(language)))
    if meta.direction == 0:
        st.caption(t("analysis.neutral_note"))
    return meta, pair, int(min_stories)


def render_summary(result: Analysis, stories: pd.DataFrame, chosen: list[WorkSession], lang: str) -> None:
    generated = int((stories["is_demo"].astype(bool) | (stories["kiosk_id"] == GENERATED_KIOSK)).sum())
    if generated:
        st.info(t("analysis.demo_stories", count=generated), icon=":material/science:")
    linked = int(result.linked["linked_code"].notna().sum())
    st.caption(t("analysis.counted", approved=len(stories), sessions=len(chosen), linked=linked))
    outside = analysis.unlinked(result.linked)
    if len(outside):
        with st.expander(t("analysis.outside_title", count=len(outside)), icon=":material/wrong_location:"):
            st.caption(t("analysis.outside_body"))
            st.dataframe(outside[["id", "kind", "buurt_code", "lat", "lon", "link"]], hide_index=True)
    with st.expander(t("analysis.method_title"), icon=":material/help:"):
        st.markdown(t("analysis.method_body"))
        language = lang if lang in ("nl", "en") else "nl"
        for dimension, prior in result.priors.items():
            topic = TOPICS[dimension][language].lower()
            if prior is None:
                st.caption(t("analysis.no_prior", topic=topic))
            else:
                st.caption(t("analysis.prior", topic=topic, share=_pct(prior.mean, lang),
                             strength=format_number(prior.strength, 1, lang),
                             fallback="" if prior.estimated else t("analysis.prior_fallback")))


def render_divergence(result: Analysis, meta: IndicatorMeta, average: float | None, lang: str) -> None:
    st.caption(t("analysis.divergence_caption"))
    frame = result.divergence
    if not (frame["status"] == analysis.RANKED).any():
        st.info(t("analysis.divergence_empty"))
    display = divergence_display(frame, meta, lang)
    codes = display.pop("_code").tolist()
    event = st.dataframe(display, hide_index=True, width="stretch", height=min(38 + 35 * len(display), 460),
                         on_select="rerun", selection_mode="single-row", key=state.ANALYSIS_TABLE,
                         column_config={t("analysis.col.sentence"): st.column_config.TextColumn(width="large"),
                                        t("analysis.col.buurt"): st.column_config.TextColumn(width="medium")})
    rows = (event or {}).get("selection", {}).get("rows", [])
    if state.take_new_click(f"{state.ANALYSIS_TABLE}.handled", {"rows": rows, "codes": codes[:1]}) and rows:
        state.set_analysis_buurt(codes[rows[0]])
        st.rerun()  # so both maps and the scatter mark the buurt too
    none = int((frame["status"] == analysis.NO_STORIES).sum())
    if none:
        st.caption(t("analysis.no_story_buurten", count=none))
    sentence = "sentence_en" if lang == "en" else "sentence_nl"
    top = frame[(frame["status"] == analysis.RANKED) & (frame["score"] > 0)].head(TOP_SENTENCES)
    if len(top):
        st.markdown(f"**{t('analysis.top_sentences')}**")
        st.markdown("\n".join(f"{int(r['rank'])}. **{_md(r['name'])}**: {_md(r[sentence])}" for _, r in top.iterrows()))
    prior = result.priors.get(result.pair.dimension)
    label = meta.label(lang)
    figure = charts.build_divergence_scatter(
        frame, indicator_label=label, unit=meta.unit, decimals=meta.decimals, average=average,
        overall_share=prior.mean if prior else None, lang=lang, selected=state.get(state.ANALYSIS_BUURT),
        texts={"ranked": t("analysis.scatter_ranked"), "too_few": t("analysis.scatter_too_few"),
               "overall": t("analysis.scatter_overall", share=_pct(prior.mean if prior else None, lang)),
               "average": t("analysis.scatter_average", value=analysis.value_text(average, meta, lang)),
               "title": t("analysis.scatter_title", label=label), "x": t("analysis.scatter_x", label=label),
               "y": t("analysis.scatter_y")})
    picked = st.plotly_chart(figure, key=state.ANALYSIS_SCATTER, on_select="rerun", selection_mode="points",
                             config={"displaylogo": False, "responsive": True})
    points = (picked or {}).get("selection", {}).get("points", [])
    if state.take_new_click(f"{state.ANALYSIS_SCATTER}.handled", {"points": points}) and points:
        code = points[0].get("customdata")
        state.set_analysis_buurt(code[0] if isinstance(code, list) else code)
        st.rerun()


def render_buurt_stories(result: Analysis, lang: str) -> None:
    """The stories of the selected buurt, as plain text (never HTML or markdown from a resident)."""
    names = dict(zip(result.area["code"], result.area["name"]))
    if state.get(state.ANALYSIS_BUURT) not in names:
        state.set_analysis_buurt(None)
    code = st.selectbox(t("analysis.buurt"), sorted(names, key=names.get), key=state.ANALYSIS_BUURT, index=None,
                        placeholder=t("analysis.buurt_placeholder"), format_func=lambda c: f"{names[c]} ({c})")
    if not code:
        return
    mine = result.linked[result.linked["linked_code"] == code]
    st.subheader(t("analysis.buurt_stories", name=names[code], count=len(mine)))
    row = result.divergence[result.divergence["code"] == code]
    if len(row):
        st.info(row.iloc[0]["sentence_en" if lang == "en" else "sentence_nl"], icon=":material/compare:")
    if mine.empty:
        st.info(t("analysis.buurt_no_stories"))
        return
    language = lang if lang in ("nl", "en") else "nl"
    for story in mine.itertuples():
        dimension = DIMENSIONS[story.dimension][language] if story.dimension in DIMENSIONS else \
            t("analysis.no_dimension")
        with st.container(border=True):
            st.caption(t("analysis.story_meta", kind=STORY_KINDS[story.kind][language], dimension=dimension,
                         date=pd.Timestamp(story.created_at).strftime("%d-%m-%Y")))
            st.text(story.text)


def render_count_table(result: Analysis, lang: str) -> None:
    language = lang if lang in ("nl", "en") else "nl"
    dimension = st.radio(t("analysis.table_dimension"), list(TOPICS), horizontal=True,
                         index=list(TOPICS).index(result.pair.dimension), key="analysis.table_dimension",
                         format_func=lambda d: TOPICS[d][language])
    st.caption(t("analysis.table_caption"))
    st.dataframe(count_display(result.table, dimension, lang), hide_index=True, width="stretch")


def who_spoke_display(who: analysis.WhoSpoke, column: str, lang: str) -> pd.DataFrame:
    rows = who.ages if column == "age" else who.relations
    hidden = t("analysis.who_hidden")
    frame = {t("analysis.who_group"): [r.label(lang) for r in rows],
             t("analysis.who_count"): [hidden if r.count is None else str(r.count) for r in rows],
             t("analysis.who_share"): [hidden if r.count is None else _pct(r.share, lang) for r in rows]}
    if column == "age" and any(r.population_share is not None for r in rows):
        frame[t("analysis.who_population")] = [_pct(r.population_share, lang) for r in rows]
    return pd.DataFrame(frame)


def render_who_spoke(result: Analysis, numbers: pd.DataFrame, k: int, lang: str) -> None:
    st.caption(t("analysis.who_caption", k=k))
    codes = list(result.area["code"])
    everyone = analysis.who_spoke(result.linked, codes, numbers, k)
    names = dict(zip(result.area["code"], result.area["name"]))
    options = [None, *sorted((c for c in codes if everyone[c].total), key=names.get)]
    if state.get(state.ANALYSIS_WHO_SCOPE) not in options:
        state.put(state.ANALYSIS_WHO_SCOPE, None)
    scope = st.selectbox(t("analysis.who_scope"), options, key=state.ANALYSIS_WHO_SCOPE,
                         format_func=lambda c: t("analysis.who_all") if c is None else f"{names[c]} ({c})")
    who = everyone[scope]
    if who.total < k:
        st.warning(t("analysis.who_too_few", total=who.total, k=k))
        return
    if warnings := who.warnings(lang):
        st.warning(t("analysis.who_missing", groups="; ".join(warnings)))
    left, right = st.columns(2)
    with left:
        st.markdown(f"**{t('analysis.who_age')}**")
        st.dataframe(who_spoke_display(who, "age", lang), hide_index=True, width="stretch")
        if any(r.population_share is None for r in who.ages if r.group != analysis.NOT_GIVEN):
            st.caption(t("analysis.who_no_cbs"))
        st.caption(t("analysis.who_bands"))
    with right:
        st.markdown(f"**{t('analysis.who_relation')}**")
        st.dataframe(who_spoke_display(who, "relation", lang), hide_index=True, width="stretch")


def _points(share_difference: float, lang: str) -> str:
    return format_number(float(round(100 * share_difference)), 0, lang)  # whole points, never "-0"


def compare_display(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    language = lang if lang in ("nl", "en") else "nl"

    def interval(share, low, high):
        if share is None or pd.isna(share):
            return ""
        return f"{_pct(share, lang)} ({_pct(low, lang)} – {_pct(high, lang)})"

    return pd.DataFrame({
        t("analysis.col.dimension"): [TOPICS[d][language] for d in frame["dimension"]],
        t("analysis.col.all_a"): frame[[f"{k}_a" for k in STORY_KINDS]].sum(axis=1),
        t("analysis.col.n_a"): frame["n_a"],
        t("analysis.col.share_a"): [interval(*v) for v in zip(frame["share_a"], frame["low_a"], frame["high_a"])],
        t("analysis.col.all_b"): frame[[f"{k}_b" for k in STORY_KINDS]].sum(axis=1),
        t("analysis.col.n_b"): frame["n_b"],
        t("analysis.col.share_b"): [interval(*v) for v in zip(frame["share_b"], frame["low_b"], frame["high_b"])],
        t("analysis.col.difference"): [
            "" if d is None or pd.isna(d) else
            f"{_points(d, lang)} pp ({_points(lo, lang)} – {_points(hi, lang)})"
            for d, lo, hi in zip(frame["difference"], frame["difference_low"], frame["difference_high"])],
    })


def render_compare(work_sessions: list[WorkSession], buurten: gpd.GeoDataFrame, lang: str) -> None:
    from storage import analysis as analysis_store

    if len(work_sessions) < 2:
        st.info(t("analysis.compare_need_two"))
        return
    by_id = {s.id: s for s in work_sessions}
    ids = list(by_id)
    state.setdefault(state.ANALYSIS_COMPARE_A, ids[1])
    state.setdefault(state.ANALYSIS_COMPARE_B, ids[0])
    left, right = st.columns(2)

    def label(i: int) -> str:
        return f"{by_id[i].title} ({by_id[i].code})"

    a = left.selectbox(t("analysis.compare_a"), ids, key=state.ANALYSIS_COMPARE_A, format_func=label)
    b = right.selectbox(t("analysis.compare_b"), ids, key=state.ANALYSIS_COMPARE_B, format_func=label)
    if a == b:
        st.info(t("analysis.compare_same"))
        return
    overlap = analysis.area_overlap(by_id[a].area_codes, by_id[b].area_codes)
    if overlap < 1:
        st.warning(t("analysis.compare_overlap", pct=_pct(overlap, lang)))
    with deps.reading() as session:
        frames = [analysis_store.story_frame(session, [i]) for i in (a, b)]
    linked = [analysis.link_stories(f, session_area(buurten, [by_id[i]]))
              for f, i in zip(frames, (a, b))]
    linked = [f[f["linked_code"].notna()] for f in linked]
    st.caption(t("analysis.compare_caption"))
    st.dataframe(compare_display(analysis.compare_sessions(*linked), lang), hide_index=True, width="stretch")
