"""Vision board: group approved stories into themes, see the room's dot votes live, record agreed actions
(DESIGN facilitator flow 4, issue 5) — every act audited."""
import streamlit as st

from components import auth, deps, state
from components import vision_board as board
from components.i18n import t
from storage import sessions, stories, vision

auth.require("vision_board")
st.title(t("vision.title"))
municipality, version = deps.active_municipality()
if municipality is None:
    st.info(t("sessions.no_municipality"))
    st.stop()
with deps.reading() as db:
    work_sessions = {s.id: s for s in sessions.list_sessions(db, municipality.id)}
if not work_sessions:
    st.info(t("sessions.none_yet"))
    st.stop()
if state.get(state.VISION_SESSION) not in work_sessions:
    state.put(state.VISION_SESSION, state.facilitator_session() if state.facilitator_session() in work_sessions
              else next(iter(work_sessions)))
session_id = st.selectbox(t("projector.session"), list(work_sessions), key=state.VISION_SESSION,
                          format_func=lambda i: f"{work_sessions[i].title} · {work_sessions[i].code}")
work_session = work_sessions[session_id]
buurten = deps.areas_frame(deps.settings().database_url, municipality.id, version, "buurt")
area = set(work_session.area_codes)
buurt_names = {c: n for c, n in zip(buurten["code"], buurten["name"]) if not area or c in area}
board.render_flash()


@st.fragment(run_every=max(int(work_session.settings.refresh_seconds or 5), 1))
def live_ranking():
    with deps.reading() as db:
        board.render_ranking(vision.list_themes(db, session_id))


st.subheader(t("vision.ranking"))
st.caption(t("vision.ranking_help", n=work_session.settings.dots_per_visit))
live_ranking()

with deps.reading() as db:
    public = stories.public_stories(db, session_id)
    themes = vision.list_themes(db, session_id)
    actions = vision.list_actions(db, session_id)
group_tab, themes_tab, actions_tab = st.tabs([t("vision.tab_group"), t("vision.tab_themes"), t("vision.tab_actions")])
with group_tab:
    board.render_grouping(session_id, public)
with themes_tab:
    board.render_theme_upkeep(themes, {s.id: s.text for s in public})
with actions_tab:
    board.render_actions(session_id, themes, buurt_names, actions)
