"""Vision board: group approved stories into themes, see the room's dot votes live, record agreed actions
(issue 5) — every act audited."""
import streamlit as st

from components import auth, deps, session_form, state
from components import vision_board as board
from components.i18n import t
from storage import stories, vision

auth.require("vision_board")
st.title(t("vision.title"))
municipality, version = session_form.active_municipality_or_stop()
work_session = session_form.render_picker(session_form.sessions_or_stop(municipality.id), key=state.VISION_SESSION,
                                          label_key="projector.session")
session_id = work_session.id
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
