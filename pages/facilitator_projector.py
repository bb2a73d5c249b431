"""Projector: the session's map full screen, live, in a staged reveal (numbers → voices → both → comparison);
only approved stories ever reach it (issue 5)."""
import streamlit as st

from components import auth, deps, maps, session_form, state
from components import projector as view
from components.statistics_view import build_statistics_view
from domain.profile import buurt_profile
from domain.projector import STAGE_SHOWS, lean_per_buurt
from domain.spatial import area_at, bounds_latlon

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
work_session, meta = view.render_toolbar(work_sessions, {m.key: m for m in metas}, lang)

area = set(work_session.area_codes)
buurten = all_buurten[all_buurten["code"].isin(area)] if area else all_buurten
buurten = buurten if len(buurten) else all_buurten
buurt_names = dict(zip(all_buurten["code"], all_buurten["name"]))
centroids = view.centroids_of(buurten)


def live_view():
    current, public, themes, reconnecting = view.load_live(work_session)
    shows = STAGE_SHOWS[state.projector_stage()]
    show_stats, show_pins, show_lean = shows
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
    view.render_banners(reconnecting=reconnecting, is_open=current.is_open)
    map_column, side = st.columns([3, 1.15], gap="medium")
    with map_column:
        out = maps.render_map(base, layers, key=state.PROJECTOR_MAP, height=880, returned_objects=["last_clicked"])
    if (click := state.take_projector_click(out.get("last_clicked"))) is not None:
        state.set_projector_focus(area_at(buurten, click["lat"], click["lng"]))
    with side:
        view.render_side(current, public, themes, shows, stats.legend_html, buurt_names,
                         lambda code: buurt_profile(code, numbers, reasons, metas, lang), lang)


refresh = None if state.projector_frozen() else max(int(work_session.settings.refresh_seconds or 5), 1)
st.fragment(live_view, run_every=refresh)()
