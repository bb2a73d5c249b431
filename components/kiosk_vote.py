"""Residents' dot vote at the kiosk ("Stem op thema's"); a deleted theme or a spent budget is refused with a
message, and theme names are shown as button labels and text, never as HTML.

A voting visit is one resident's turn on the vote screen: it starts with "Stem op thema's" and ends with "Klaar
met stemmen" or the idle reset (the kiosk reloads its clean URL, a new browser session; an open vote screen
keeps the idle timer armed). Each visit gets a new voter token, so the session's `dots_per_visit` fresh dots.
Telling a story neither spends nor renews dots: no token lives outside the vote screen, so the thank-you screen
and "Nog een verhaal vertellen" have none to hand on. As with paper dots, the budget is a nudge, not a lock: a
resident who taps "Klaar" and opens the vote again is a new visit.
"""
from __future__ import annotations

import streamlit as st
from sqlalchemy.exc import OperationalError

from components import deps, state
from components.i18n import t
from domain.sessions import WorkSession
from domain.vision import VoteRefused, ranking
from storage import vision
from storage.retry import is_locked_error, retry_when_locked


def render_entry() -> bool:
    """The start-screen button; True while the resident is in the vote section."""
    if not state.kiosk_vote_open():
        st.button(t("kiosk_vote.open"), key="kiosk.vote.open", icon=":material/how_to_vote:", width="stretch",
                  on_click=state.open_kiosk_vote)
    return state.kiosk_vote_open()


def _dot(session_id: int, theme_id: int, token: str) -> None:
    def unit():
        with deps.writing() as db:
            return vision.cast_dot(db, session_id, theme_id, token, now=deps.now())
    try:
        retry_when_locked(unit)
        state.vision_flash("success", t("kiosk_vote.placed"))
    except VoteRefused as err:
        state.vision_flash("warning", refusal_text(err))
    except OperationalError as err:
        if not is_locked_error(err):
            raise
        state.vision_flash("error", t("kiosk_vote.busy"))  # still locked after the retries: nothing stored


def refusal_text(err: VoteRefused) -> str:
    """The refusal in the kiosk's language; the domain's own Dutch/English text if no translation exists."""
    key = f"kiosk_vote.refused.{err.key}"
    text = t(key, **err.params)
    if text != key:
        return text
    return err.nl if state.language() == "nl" else err.en


def render_vote(work_session: WorkSession) -> None:
    token = state.kiosk_vote_token()
    with deps.reading() as db:
        themes = ranking(vision.list_themes(db, work_session.id))
        used = vision.dots_used(db, work_session.id, token)
    st.subheader(t("kiosk_vote.title"), anchor=False)
    if message := state.vision_flash():
        getattr(st, message[0])(message[1])
    left = max(work_session.settings.dots_per_visit - used, 0)
    st.text(t("kiosk_vote.left", n=left))
    if not themes:
        st.info(t("kiosk_vote.none"))
    for theme in themes:
        with st.container(border=True):
            st.text(theme.name)
            # a callback, so a tap on a theme deleted meanwhile still reaches _dot (and its message) even though
            # the rerun no longer draws that button
            st.button(t("kiosk_vote.dot"), key=f"kiosk.vote.{theme.id}", disabled=left == 0, width="stretch",
                      on_click=_dot, args=(work_session.id, theme.id, token))
    st.button(t("kiosk_vote.done"), key="kiosk.vote.done", type="primary", width="stretch",
              on_click=state.end_kiosk_vote)
