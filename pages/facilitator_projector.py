"""Projector: the session's map full screen, live, in a staged reveal (numbers → voices → both → comparison);
only approved stories ever reach it (DESIGN facilitator flow 2, issue 5)."""
import streamlit as st
from sqlalchemy.exc import DBAPIError

from components import auth, deps, maps, state
from components import projector as view
from components.i18n import t
from components import session_form
from components.statistics_view import build_statistics_view
from domain.profile import buurt_profile
from domain.projector import STAGE_SHOWS, count_stories, lean_per_buurt, step_stage
from domain.session_setup import kiosk_url
from domain.spatial import area_at, bounds_latlon
from domain.vision import ranking
from storage import sessions, stories, vision

auth.require("projector")
view.render_chrome_free()
lang = state.language()
municipality, version = session_form.active_municipality_or_stop()
work_sessions = session_form.sessions_or_stop(municipality.id)

url = deps.settings().database_url
all_buurten = deps.areas_frame(url, municipality.id, version, "buurt")
wijken = deps.areas_frame(url, municipality.id, version, "wijk")
buurt_json = deps.features_json(url, municipality.id, version, "buurt", 5.0)
wijk_json = deps.features_json(url, municipality.id, version, "wijk", 5.0)
metas, numbers, reasons = deps.indicator_table(url, municipality.id, version)
by_key = {m.key: m for m in metas}

top = st.columns([2.4, 2.2, 0.7, 2.2, 0.7, 1.4], vertical_alignment="center")
work_session = session_form.render_picker(work_sessions, key=state.PROJECTOR_SESSION, label_key="projector.session",
                                          where=top[0], label_visibility="collapsed")
session_id = work_session.id
offered = [k for k in (work_session.settings.stats_layers or tuple(by_key)) if k in by_key] or list(by_key)
chosen = work_session.settings.stats_indicator
if state.get(state.PROJECTOR_INDICATOR) not in offered:
    state.put(state.PROJECTOR_INDICATOR, chosen if chosen in offered else offered[0])
meta = by_key[top[1].selectbox(t("projector.indicator"), offered, key=state.PROJECTOR_INDICATOR,
                               format_func=lambda k: by_key[k].label(lang), label_visibility="collapsed")]
stage = state.projector_stage()
top[2].button("◀", key="projector-prev", width="stretch", help=t("projector.prev_help"),
              on_click=lambda: state.set_projector_stage(step_stage(state.projector_stage(), -1)))
top[3].markdown(f"<div class='bb-stage' data-stage='{stage}'>{t(f'projector.stage.{stage}')}</div>",
                unsafe_allow_html=True)
top[4].button("▶", key="projector-next", width="stretch", help=t("projector.next_help"),
              on_click=lambda: state.set_projector_stage(step_stage(state.projector_stage(), 1)))
with top[5].container(key="projector-freeze"):
    st.toggle(t("projector.freeze"), key=state.PROJECTOR_FREEZE)
view.render_keyboard()

area = set(work_session.area_codes)
buurten = all_buurten[all_buurten["code"].isin(area)] if area else all_buurten
buurten = buurten if len(buurten) else all_buurten
buurt_names = dict(zip(all_buurten["code"], all_buurten["name"]))
centroids = view.centroids_of(buurten)


def photo(photo_id):
    try:
        with deps.reading() as db:
            return stories.get_photo(db, photo_id)
    except DBAPIError:
        return None


def live_view():
    reconnecting = False
    try:
        with deps.reading() as db:
            current = sessions.get_session(db, session_id) or work_session
            public = stories.public_stories(db, session_id)
            themes = vision.list_themes(db, session_id)
        state.set_projector_last_good(session_id, (current, public, themes))
    except DBAPIError:  # OperationalError is a DBAPIError: keep showing the last good picture
        reconnecting = True
        current, public, themes = state.projector_last_good(session_id) or (work_session, [], [])
    show_stats, show_pins, show_lean = STAGE_SHOWS[state.projector_stage()]
    # Built afresh on every run: st_folium adds the layers to the map it is given (the same objects again
    # would change the base map's JS and remount the iframe).
    base = maps.build_base_map(bounds_latlon(buurten))
    stats = build_statistics_view(buurten, wijken, buurt_json, wijk_json, numbers, meta, scheme="quantiles", k=5,
                                  lang=lang, hide_water=True)
    layers = list(stats.layers) if show_stats else [
        maps.build_outline_layer(buurt_json, name="buurten", weight=1.2, colour=maps.OUTLINE), stats.layers[1]]
    layers.append(view.build_story_pins(public if show_pins else [], current.settings.generalise, centroids))
    layers.append(view.build_lean_layer(lean_per_buurt(public, list(buurten["code"])) if show_lean else {},
                                        centroids))
    if reconnecting:
        st.markdown(f"<div class='bb-banner' role='status'>{t('projector.reconnecting')}</div>", unsafe_allow_html=True)
    if not current.is_open:
        st.markdown(f"<div class='bb-banner'>{t('projector.closed')}</div>", unsafe_allow_html=True)
    map_column, side = st.columns([3, 1.15], gap="medium")
    with map_column:
        out = maps.render_map(base, layers, key=state.PROJECTOR_MAP, height=880, returned_objects=["last_clicked"])
    if (click := state.take_projector_click(out.get("last_clicked"))) is not None:
        state.set_projector_focus(area_at(buurten, click["lat"], click["lng"]))
    counts = count_stories(public)
    with side:
        if focus := state.projector_focus():
            st.button(t("projector.focus_close"), key="projector-close-focus", width="stretch",
                      on_click=lambda: state.set_projector_focus(None))
            view.render_focus(buurt_names.get(focus, focus), buurt_profile(focus, numbers, reasons, metas, lang),
                              [s for s in public if s.buurt_code == focus], lang)
            return
        if show_stats:
            view.render_legend(stats.legend_html)
        if show_pins:
            view.render_legend(view.build_kind_legend_html(counts, lang))
        if not public:
            link = kiosk_url(deps.settings().public_base_url, current.code)
            view.render_empty(current, link, session_form.build_qr_png(link, scale=8))
        elif show_pins:
            view.render_legend(view.build_dimension_counts_html(counts, lang))
            view.render_latest(public, buurt_names, photo, lang)
        elif show_lean:
            st.text(t("projector.lean_help"))
        if any(theme.votes for theme in themes):
            view.render_ranking(ranking(themes)[:5], t("vision.ranking"))


refresh = None if state.projector_frozen() else max(int(work_session.settings.refresh_seconds or 5), 1)
st.fragment(live_view, run_every=refresh)()
