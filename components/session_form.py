"""The sessions page's pieces: the session table, the join code with its QR code, open/close/duplicate,
and the editor (area from a list or by clicking buurten on the map, layers, prompts, themes, settings)."""
from __future__ import annotations

import io
import json
from dataclasses import dataclass
from datetime import date

import folium
import geopandas as gpd
import pandas as pd
import streamlit as st

from components import deps, maps, state
from components.i18n import available_languages, t
from domain.models import DIMENSIONS, STORY_KINDS
from domain.moderation import STATUS_LABELS
from domain.session_setup import (
    AREA_MODES,
    BUURTEN,
    WHOLE,
    WIJKEN,
    build_prompts,
    describe_area,
    expand_area,
    kiosk_url,
)
from domain.sessions import (
    CLOSED,
    GENERALISATIONS,
    MODERATION_MODES,
    OPEN,
    SessionInputError,
    SessionSettings,
    WorkSession,
    session_themes,
)
from domain.spatial import area_at, bounds_latlon
from domain.text import safe_text
from domain.themes import KEYWORDS, parse_keywords
from storage import sessions as session_store

SELECTED_FILL, UNSELECTED_FILL = "#1f5f8b", "#ece8df"
OVERVIEW, NEW = "overview", "new"
DEFAULT_LAYERS = ("lbm_score", "woz", "gem_inkomen_per_inwoner", "aantal_inwoners")  # as on the statistics page


@dataclass(frozen=True)
class SetupContext:
    """What the editor offers to choose from, for the active municipality."""

    municipality_id: int
    buurten: gpd.GeoDataFrame
    buurt_names: dict[str, str]
    wijk_names: dict[str, str]
    buurt_wijk: dict[str, str | None]
    buurt_json: str
    wijk_json: str
    indicators: dict[str, str]
    languages: dict[str, str]


@dataclass(frozen=True)
class SessionDraft:
    title: str
    session_date: date | None
    area_codes: list[str]
    prompts: dict
    themes: list[str]
    settings: SessionSettings


def load_context(municipality, version: int, lang: str) -> SetupContext:
    settings = deps.settings()
    url, tolerance = settings.database_url, settings.simplify_tolerance_m
    buurten = deps.areas_frame(url, municipality.id, version, "buurt")
    wijken = deps.areas_frame(url, municipality.id, version, "wijk")
    metas = deps.indicator_table(url, municipality.id, version)[0]
    return SetupContext(
        municipality_id=municipality.id, buurten=buurten,
        buurt_names=dict(sorted(zip(buurten["code"], buurten["name"]), key=lambda item: item[1])),
        wijk_names=dict(sorted(zip(wijken["code"], wijken["name"]), key=lambda item: item[1])),
        buurt_wijk={code: (wijk or None) for code, wijk in zip(buurten["code"], buurten["parent_code"])},
        buurt_json=deps.features_json(url, municipality.id, version, "buurt", tolerance),
        wijk_json=deps.features_json(url, municipality.id, version, "wijk", tolerance),
        indicators={m.key: m.label(lang) for m in metas}, languages=available_languages("kiosk"))


def build_qr_png(url: str, *, scale: int = 10) -> bytes:
    """A QR code for a slide or a printed poster (quiet zone included, so it scans off a projector too)."""
    import segno

    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="png", scale=scale, border=4, dark="#1d1d1b")
    return buffer.getvalue()


def build_area_layer(features_json: str, names: dict[str, str], selected: set[str]) -> folium.FeatureGroup:
    """Buurten to click on: chosen ones dark, the rest light, the (escaped) name as tooltip."""
    collection = json.loads(features_json)
    for feature in collection["features"]:
        feature["properties"] = {"tip": safe_text(names.get(feature["id"], feature["id"]))}
    group = folium.FeatureGroup(name="area")
    folium.GeoJson(collection, name="area",
                   style_function=lambda f: {"fillColor": SELECTED_FILL if f["id"] in selected else UNSELECTED_FILL,
                                             "color": maps.OUTLINE, "weight": 0.8, "fillOpacity": 0.7},
                   highlight_function=lambda f: {"weight": 3},
                   tooltip=folium.GeoJsonTooltip(fields=["tip"], labels=False, sticky=True)).add_to(group)
    maps.stabilise_ids(group, "area")
    return group


def build_session_table(work_sessions: list[WorkSession], counts: dict[int, dict[str, int]],
                        lang: str) -> pd.DataFrame:
    """One row per session: title, date, join code, open/closed and its stories per status."""
    def label(status: str) -> str:
        return STATUS_LABELS[status].get(lang, STATUS_LABELS[status]["nl"])

    return pd.DataFrame({
        t("sessions.col.title"): [s.title for s in work_sessions],
        t("sessions.col.date"): [s.session_date for s in work_sessions],
        t("sessions.col.code"): [s.code for s in work_sessions],
        t("sessions.col.status"): [t(f"sessions.status.{s.status}") for s in work_sessions],
        **{label(status): [counts.get(s.id, {}).get(status, 0) for s in work_sessions]
           for status in STATUS_LABELS},
    })


# ---------------------------------------------------------------- overview

def render_flash() -> None:
    if message := state.take_flash("sessions"):
        level, text, _ = message
        getattr(st, level)(text)


def render_view_switch() -> str:
    state.apply_requested_widget_values()
    state.prefill({state.SESSIONS_VIEW: OVERVIEW})
    return st.radio(t("sessions.view"), [OVERVIEW, NEW], key=state.SESSIONS_VIEW, horizontal=True,
                    format_func=lambda v: t(f"sessions.view.{v}"), label_visibility="collapsed")


def active_municipality_or_stop():
    """The active municipality and its data version; without one, say how to load one and stop the page."""
    municipality, version = deps.active_municipality()
    if municipality is None:
        st.info(t("sessions.no_municipality"))
        st.stop()
    return municipality, version


def sessions_or_stop(municipality_id: int, *, empty_key: str = "sessions.none_yet") -> list[WorkSession]:
    """The municipality's werksessies; with none yet, say so and stop the page."""
    with deps.reading() as db:
        work_sessions = session_store.list_sessions(db, municipality_id)
    if not work_sessions:
        st.info(t(empty_key))
        st.stop()
    return work_sessions


def render_picker(work_sessions: list[WorkSession], *, key: str = state.SESSIONS_PICK,
                  label_key: str = "sessions.pick", empty_key: str = "sessions.none_yet", where=st,
                  label_visibility: str = "visible") -> WorkSession | None:
    """Pick one session; the choice is shared by the facilitator pages (last picked, else the first open one).
    `where` is the container to draw in (a column of a toolbar, say)."""
    by_id = {s.id: s for s in work_sessions}
    if not by_id:
        where.info(t(empty_key))
        return None
    if state.widget_value(key) not in by_id:
        chosen = state.facilitator_session()
        first_open = next((s.id for s in work_sessions if s.is_open), work_sessions[0].id)
        state.forget_widgets(key)
        state.prefill({key: chosen if chosen in by_id else first_open})
    picked = where.selectbox(t(label_key), list(by_id), key=key, label_visibility=label_visibility,
                             format_func=lambda i: f"{by_id[i].title} · {by_id[i].code} · "
                                                   f"{t(f'sessions.status.{by_id[i].status}')}")
    state.set_facilitator_session(picked)
    return by_id[picked]


def render_join_panel(work_session: WorkSession, base_url: str) -> None:
    """Join code, QR code, the kiosk address as text, and the QR as a PNG download."""
    url = kiosk_url(base_url, work_session.code)
    png = build_qr_png(url)
    qr_column, text_column = st.columns([1, 2], gap="large")
    with qr_column:
        st.image(png, width=260, caption=t("sessions.qr_caption"))
    with text_column:
        st.metric(t("sessions.join_code"), work_session.code)
        st.caption(t("sessions.kiosk_url"))
        st.code(url, language=None)
        st.download_button(t("sessions.qr_download"), png, file_name=f"buurtbeeld-{work_session.code}.png",
                           mime="image/png", key=f"sessions.qr.{work_session.id}", icon=":material/qr_code_2:")
        st.link_button(t("sessions.open_kiosk"), url, icon=":material/open_in_new:")
        if not work_session.is_open:
            st.warning(t("sessions.closed_note"))


def render_manage(work_session: WorkSession) -> None:
    """Open/close, duplicate for a follow-up meeting, and the switch that opens the editor."""
    close_column, duplicate_column = st.columns([1, 2], gap="large")
    with close_column:
        target = CLOSED if work_session.is_open else OPEN
        if st.button(t(f"sessions.to_{target}"), key=f"sessions.status.{work_session.id}",
                     icon=":material/lock:" if target == CLOSED else ":material/lock_open:"):
            with deps.writing() as db:
                session_store.set_status(db, work_session.id, target, actor=state.actor_name(), now=deps.now())
            state.flash("sessions", "success", t(f"sessions.done_{target}", title=work_session.title))
            st.rerun()
        st.toggle(t("sessions.edit"), key=f"{state.SESSIONS_EDIT}.{work_session.id}")
    with duplicate_column, st.form(f"sessions.duplicate.{work_session.id}", clear_on_submit=True):
        st.markdown(f"**{t('sessions.duplicate')}**")
        st.caption(t("sessions.duplicate_help"))
        title = st.text_input(t("sessions.field.title"), key=f"sessions.duplicate.{work_session.id}.title",
                              placeholder=t("sessions.duplicate_placeholder"))
        when = st.date_input(t("sessions.field.date"), value=None, key=f"sessions.duplicate.{work_session.id}.date",
                             format="DD-MM-YYYY")
        if st.form_submit_button(t("sessions.duplicate_submit"), icon=":material/content_copy:",
                                 key=f"sessions.duplicate.{work_session.id}.submit"):
            try:
                with deps.writing() as db:
                    copy = session_store.duplicate_session(db, work_session.id, title=title, session_date=when,
                                                           actor=state.actor_name(), now=deps.now())
            except SessionInputError as err:
                st.error(err.user_message)
            else:
                state.set_facilitator_session(copy.id)
                state.forget_widgets(state.SESSIONS_PICK)
                state.flash("sessions", "success", t("sessions.done_duplicate", title=copy.title, code=copy.code))
                st.rerun()


def is_editing(work_session: WorkSession) -> bool:
    return bool(state.widget_value(f"{state.SESSIONS_EDIT}.{work_session.id}"))


# ---------------------------------------------------------------- editor

def _prefix(work_session: WorkSession | None) -> str:
    return f"sessions.form.{work_session.id if work_session else 'new'}."


def _initial(work_session: WorkSession | None, ctx: SetupContext) -> dict:
    ws_settings = work_session.settings if work_session else SessionSettings()
    mode, chosen = describe_area(work_session.area_codes, ctx.buurt_wijk) if work_session else (WHOLE, [])
    prompts = work_session.prompts if work_session else {}
    layers = list(ws_settings.stats_layers) or ([ws_settings.stats_indicator] if ws_settings.stats_indicator else [])
    if work_session is None:
        layers = [next((key for key in DEFAULT_LAYERS if key in ctx.indicators), None)]
    k = _prefix(work_session)
    values = {
        k + "title": work_session.title if work_session else "",
        k + "date": (work_session.session_date if work_session else date.today()),
        k + "area_mode": mode, k + "wijken": chosen if mode == WIJKEN else [],
        k + "buurten": chosen if mode == BUURTEN else [],
        k + "layers": [key for key in layers if key in ctx.indicators],
        k + "themes": "\n".join(work_session.themes if work_session else ()),
        k + "moderation": ws_settings.moderation, k + "generalise": ws_settings.generalise, k + "k": ws_settings.k,
        k + "idle": ws_settings.idle_seconds, k + "dots": ws_settings.dots_per_visit,
        k + "refresh": ws_settings.refresh_seconds,
        k + "languages": [lang for lang in ws_settings.languages if lang in ctx.languages],
    }
    for kind, spec in STORY_KINDS.items():
        values[k + f"ask.{kind}"] = not prompts or kind in prompts
        for lang in ctx.languages:
            default = spec.get(f"prompt_{lang}", "")
            values[k + f"prompt.{kind}.{lang}"] = (prompts.get(kind) or {}).get(lang, default)
    for dim in DIMENSIONS:
        values[k + f"keywords.{dim}"] = ", ".join(ws_settings.keywords.get(dim, []))
    return values


def render_editor(work_session: WorkSession | None, ctx: SetupContext) -> bool:
    """All of a session's settings; True when the facilitator presses save (then call `save`)."""
    k = _prefix(work_session)
    state.apply_requested_widget_values()
    state.prefill(_initial(work_session, ctx))
    first, second = st.columns([3, 1])
    first.text_input(t("sessions.field.title"), key=k + "title", max_chars=120)
    second.date_input(t("sessions.field.date"), key=k + "date", format="DD-MM-YYYY")
    _render_area(k, ctx)
    st.subheader(t("sessions.section.content"))
    st.multiselect(t("sessions.field.layers"), list(ctx.indicators), key=k + "layers",
                   format_func=ctx.indicators.get, help=t("sessions.field.layers_help"),
                   placeholder=t("sessions.field.layers_placeholder"))
    with st.expander(t("sessions.section.prompts"), icon=":material/forum:"):
        st.caption(t("sessions.prompts_help"))
        for kind, spec in STORY_KINDS.items():
            st.checkbox(t("sessions.ask", kind=spec.get(state.language(), spec["nl"])), key=k + f"ask.{kind}")
            for column, lang in zip(st.columns(min(len(ctx.languages), 3)) * 3, ctx.languages):
                column.text_input(ctx.languages[lang], key=k + f"prompt.{kind}.{lang}", max_chars=200,
                                  disabled=not state.widget_value(k + f"ask.{kind}"),
                                  placeholder=t("sessions.prompt_translated_default"))
    st.text_area(t("sessions.field.themes"), key=k + "themes", height=110, help=t("sessions.field.themes_help"))
    st.caption(t("sessions.dimensions_always", names=", ".join(d[_lang()] for d in DIMENSIONS.values())))
    _render_settings(k, ctx)
    with st.expander(t("sessions.section.keywords"), icon=":material/label:"):
        st.caption(t("sessions.keywords_help"))
        for dim, labels in DIMENSIONS.items():
            st.text_area(labels[_lang()], key=k + f"keywords.{dim}", height=68,
                         help=t("sessions.keywords_builtin", words=", ".join(KEYWORDS[dim]["nl"][:12]) + ", …"))
    label = t("sessions.save") if work_session else t("sessions.create")
    return st.button(label, type="primary", key=k + "save", icon=":material/save:")


def _lang() -> str:
    return state.language() if state.language() in ("nl", "en") else "nl"


def _render_area(k: str, ctx: SetupContext) -> None:
    st.subheader(t("sessions.section.area"))
    mode = st.radio(t("sessions.field.area_mode"), AREA_MODES, key=k + "area_mode", horizontal=True,
                    format_func=lambda m: t(f"sessions.area.{m}"))
    if mode == WHOLE:
        st.caption(t("sessions.area.whole_caption", count=len(ctx.buurt_names)))
        return
    map_column, list_column = st.columns([3, 2], gap="medium")
    widget = k + ("wijken" if mode == WIJKEN else "buurten")
    chosen = set(state.widget_value(widget) or [])
    selected = expand_area(mode, chosen, ctx.buurt_wijk) if chosen else []
    with map_column:
        st.caption(t("sessions.area.map_help"))
        base = maps.build_base_map(bounds_latlon(ctx.buurten), scroll_wheel_zoom=False)
        result = maps.render_map(base, [build_area_layer(ctx.buurt_json, ctx.buurt_names, set(selected)),
                                        maps.build_outline_layer(ctx.wijk_json)], key=k + "map", height=420)
    if click := state.take_new_click(state.SESSIONS_HANDLED_CLICK, result.get("last_object_clicked")):
        code = area_at(ctx.buurten, click["lat"], click["lng"])
        target = ctx.buurt_wijk.get(code) if mode == WIJKEN else code
        if target:
            state.request_widget_values({widget: sorted(chosen ^ {target})})
            st.rerun()
    with list_column:
        options = ctx.wijk_names if mode == WIJKEN else ctx.buurt_names
        st.multiselect(t(f"sessions.area.pick_{mode}"), list(options), key=widget, format_func=options.get,
                       placeholder=t("sessions.area.placeholder"))
        st.caption(t("sessions.area.count", count=len(selected)))


def _render_settings(k: str, ctx: SetupContext) -> None:
    st.subheader(t("sessions.section.settings"))
    left, right = st.columns(2, gap="large")
    with left:
        st.radio(t("sessions.field.moderation"), list(MODERATION_MODES), key=k + "moderation",
                 format_func=lambda m: MODERATION_MODES[m][_lang()])
        st.radio(t("sessions.field.generalise"), list(GENERALISATIONS), key=k + "generalise",
                 format_func=lambda g: GENERALISATIONS[g][_lang()], help=t("sessions.field.generalise_help"))
        st.multiselect(t("sessions.field.languages"), list(ctx.languages), key=k + "languages",
                       format_func=ctx.languages.get)
    with right:
        st.number_input(t("sessions.field.k"), min_value=1, max_value=50, step=1, key=k + "k",
                        help=t("sessions.field.k_help"))
        st.number_input(t("sessions.field.idle"), min_value=20, max_value=1800, step=10, key=k + "idle")
        st.number_input(t("sessions.field.dots"), min_value=1, max_value=20, step=1, key=k + "dots")
        st.number_input(t("sessions.field.refresh"), min_value=2, max_value=120, step=1, key=k + "refresh")


def _draft(k: str, ctx: SetupContext) -> SessionDraft:
    value = state.widget_value
    mode = value(k + "area_mode")
    chosen = value(k + ("wijken" if mode == WIJKEN else "buurten")) or []
    layers = list(value(k + "layers") or [])
    wording = {kind: {lang: value(k + f"prompt.{kind}.{lang}", "") for lang in ctx.languages} for kind in STORY_KINDS}
    asked = [kind for kind in STORY_KINDS if value(k + f"ask.{kind}")]
    keywords = {dim: words for dim in DIMENSIONS if (words := parse_keywords(value(k + f"keywords.{dim}", "")))}
    settings = SessionSettings(
        moderation=value(k + "moderation"), generalise=value(k + "generalise"), k=int(value(k + "k")),
        idle_seconds=int(value(k + "idle")), languages=tuple(value(k + "languages") or ()),
        stats_indicator=layers[0] if layers else None, stats_layers=tuple(layers),
        refresh_seconds=int(value(k + "refresh")), dots_per_visit=int(value(k + "dots")), keywords=keywords)
    return SessionDraft(title=value(k + "title", ""), session_date=value(k + "date"),
                        area_codes=expand_area(mode, chosen, ctx.buurt_wijk),
                        prompts=build_prompts(asked, wording),
                        themes=session_themes(value(k + "themes", "").splitlines()), settings=settings)


def save(work_session: WorkSession | None, ctx: SetupContext) -> None:
    """Create or update from the editor's values; a problem in them is shown and nothing is stored."""
    try:
        draft = _draft(_prefix(work_session), ctx)
        with deps.writing() as db:
            if work_session is None:
                saved = session_store.create_session(
                    db, title=draft.title, municipality_id=ctx.municipality_id, area_codes=draft.area_codes,
                    actor=state.actor_name(), now=deps.now(), session_date=draft.session_date, prompts=draft.prompts,
                    themes=draft.themes, settings=draft.settings)
            else:
                saved = session_store.update_session(
                    db, work_session.id, actor=state.actor_name(), now=deps.now(), title=draft.title,
                    session_date=draft.session_date, area_codes=draft.area_codes, prompts=draft.prompts,
                    themes=draft.themes, settings=draft.settings)
    except SessionInputError as err:
        st.error(err.user_message)
        return
    state.set_facilitator_session(saved.id)
    state.forget_widgets(_prefix(work_session))
    state.forget_widgets(state.SESSIONS_PICK)
    if work_session is None:
        state.request_widget_values({state.SESSIONS_VIEW: OVERVIEW})
        state.flash("sessions", "success", t("sessions.done_create", title=saved.title, code=saved.code))
    else:
        state.forget_widgets(f"{state.SESSIONS_EDIT}.{saved.id}")
        state.flash("sessions", "success", t("sessions.done_update", title=saved.title))
    st.rerun()
