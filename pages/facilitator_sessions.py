"""Werksessies: list the active municipality's sessions, create and edit them, open/close and duplicate them;
each shows its join code and a QR code that opens the kiosk."""
import streamlit as st

from components import auth, deps, session_form, state
from components.i18n import t
from storage import sessions, stories

auth.require("sessions")
st.title(t("sessions.title"))
municipality, version = session_form.active_municipality_or_stop()

ctx = session_form.load_context(municipality, version, state.language())
with deps.reading() as db:
    work_sessions = sessions.list_sessions(db, municipality.id)
    counts = {ws.id: stories.count_by_status(db, ws.id) for ws in work_sessions}

session_form.render_flash()
if session_form.render_view_switch() == session_form.NEW:
    st.caption(t("sessions.new_intro", name=municipality.name))
    if session_form.render_editor(None, ctx):
        session_form.save(None, ctx)
    st.stop()

st.caption(t("sessions.intro", name=municipality.name))
st.dataframe(session_form.build_session_table(work_sessions, counts, state.language()), hide_index=True,
             width="stretch", key="sessions.table")
chosen = session_form.render_picker(work_sessions)
if chosen is None:
    st.stop()

st.subheader(t("sessions.join_title"))
session_form.render_join_panel(chosen, deps.settings().public_base_url)
if st.button(t("sessions.to_moderation"), icon=":material/fact_check:", key="sessions.to_moderation"):
    st.switch_page("pages/moderation.py")
st.divider()
session_form.render_manage(chosen)
if session_form.is_editing(chosen):
    st.subheader(t("sessions.edit_title"))
    if session_form.render_editor(chosen, ctx):
        session_form.save(chosen, ctx)
