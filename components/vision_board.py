"""Vision board pieces: the live ranking, grouping stories into themes, theme upkeep and agreed actions.
Story texts and theme names are shown with `st.text` / widget labels, never as HTML."""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import streamlit as st

from components import deps, state
from components.i18n import t
from domain.errors import UserFacingError
from domain.models import STORY_KINDS
from domain.vision import ranking
from storage import vision


def render_flash() -> None:
    if message := state.vision_flash():
        getattr(st, message[0])(message[1])


def _act(unit, ok_text: str) -> None:
    try:
        with deps.writing() as db:
            unit(db)
        state.vision_flash("success", ok_text)
    except UserFacingError as err:
        state.vision_flash("error", err.user_message)


def render_ranking(themes) -> None:
    """Live themes, most dots first, as big bars with the count."""
    ranked = ranking(themes)
    if not ranked:
        st.info(t("vision.no_themes"))
        return
    top = max(t_.votes for t_ in ranked) or 1
    with st.container(key="vision-ranking"):
        for place, theme in enumerate(ranked, 1):
            st.text(f"{place}. {theme.name} — {t('vision.dots', n=theme.votes)}")
            st.progress(theme.votes / top)


def render_grouping(session_id: int, public: Sequence) -> None:
    by_id = {s.id: s for s in public}
    with st.form("vision.group", clear_on_submit=True):
        picked = st.multiselect(t("vision.pick_stories"), list(by_id), key=state.VISION_STORIES,
                                format_func=lambda i: f"#{i} {STORY_KINDS[by_id[i].kind]['nl']}: {by_id[i].text[:90]}")
        name = st.text_input(t("vision.theme_name"), key=state.VISION_NAME, max_chars=200)
        if st.form_submit_button(t("vision.group_button"), type="primary"):
            if not picked:
                state.vision_flash("warning", t("vision.pick_first"))
            else:
                _act(lambda db: vision.create_theme(db, session_id, name, picked, actor=state.actor_name(),
                                                    now=deps.now()), t("vision.grouped"))
            st.rerun()


def render_theme_upkeep(themes, story_texts: Mapping[int, str]) -> None:
    for theme in themes:
        with st.expander(f"{theme.name} ({t('vision.dots', n=theme.votes)})"):
            for story_id in theme.story_ids:
                st.text(f"#{story_id} {story_texts.get(story_id, '')}")
            new_name = st.text_input(t("vision.rename"), value=theme.name, key=f"vision.rename.{theme.id}")
            left, right = st.columns(2)
            if left.button(t("vision.rename_button"), key=f"vision.rename_go.{theme.id}"):
                _act(lambda db, tid=theme.id, name=new_name: vision.rename_theme(db, tid, name, actor=state.actor_name(),
                                                                               now=deps.now()),
                     t("vision.renamed"))
                st.rerun()
            if right.button(t("vision.delete_button"), key=f"vision.delete.{theme.id}"):
                _act(lambda db, tid=theme.id: vision.delete_theme(db, tid, actor=state.actor_name(), now=deps.now()),
                     t("vision.deleted"))
                st.rerun()


def render_actions(session_id: int, themes, buurt_names: Mapping[str, str], actions) -> None:
    theme_names = {th.id: th.name for th in themes}
    with st.form("vision.action", clear_on_submit=True):
        what = st.text_area(t("vision.action_what"), key="vision.action_what", max_chars=1000)
        owner = st.text_input(t("vision.action_owner"), key="vision.action_owner", max_chars=200)
        due = st.date_input(t("vision.action_due"), value=None, key="vision.action_due", format="DD-MM-YYYY")
        codes = st.multiselect(t("vision.action_buurten"), sorted(buurt_names, key=buurt_names.get),
                               format_func=buurt_names.get, key="vision.action_buurten")
        linked = st.multiselect(t("vision.action_themes"), list(theme_names), format_func=theme_names.get,
                                key="vision.action_themes")
        if st.form_submit_button(t("vision.action_add"), type="primary"):
            _act(lambda db: vision.add_action(db, session_id, what=what, owner=owner, due_date=due, buurt_codes=codes,
                                              theme_ids=linked, known_buurten=set(buurt_names),
                                              actor=state.actor_name(), now=deps.now()), t("vision.action_added"))
            st.rerun()
    for action in actions:
        with st.container(border=True):
            st.text(action.what)
            st.text(" · ".join(part for part in (
                f"{t('vision.action_owner')}: {action.owner}",
                f"{t('vision.action_due')}: {action.due_date:%d-%m-%Y}" if action.due_date else "",
                ", ".join(buurt_names.get(c, c) for c in action.buurt_codes),
                ", ".join(theme_names.get(i, f"#{i}") for i in action.theme_ids)) if part))
