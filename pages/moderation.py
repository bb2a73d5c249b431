"""Moderation queue: newest first; approve, hide, restore, redact, tag, mark duplicates, bulk approve — every
act audited, nothing deleted (a withdrawal by the resident is the one erasure)."""
import streamlit as st

from components import auth, deps, session_form
from components import moderation_queue as queue_view
from components.i18n import t
from domain.moderation import PENDING
from storage import sessions, stories

auth.require("moderation")
st.title(t("moderation.title"))
municipality, version = session_form.active_municipality_or_stop()

with deps.reading() as db:
    work_sessions = sessions.list_sessions(db, municipality.id)
work_session = queue_view.render_session_picker(work_sessions)
if work_session is None:
    st.stop()

url = deps.settings().database_url
buurten = deps.areas_frame(url, municipality.id, version, "buurt")
buurt_names = dict(zip(buurten["code"], buurten["name"]))
with deps.reading() as db:
    counts = stories.count_by_status(db, work_session.id)
queue_view.render_counts(counts)
story_filter = queue_view.render_filters(buurt_names, work_session)
queue = queue_view.load_queue(work_session, story_filter)

queue_view.render_arrivals(work_session.id, counts.get(PENDING, 0))
queue_view.render_flash(None, shown=[story.id for story in queue.shown])
st.caption(t("moderation.intro", shown=len(queue.shown), total=queue.total))
queue_view.render_bulk(queue)
if not queue.shown:
    st.info(t("moderation.empty"))
for story in queue.shown:
    base = queue_view.locator_base(url, municipality.id, version, story.buurt_code) if story.buurt_code else None
    queue_view.render_story(story, queue, buurt_names, queue_view.locator(base, story))
queue_view.render_more(queue)
