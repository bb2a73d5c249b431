"""The moderation queue's pieces: session choice, filters, one card per story with its actions, theme
suggestion and audit trail, and bulk approval.

Everything a resident typed is shown with `st.text` (never Markdown or HTML). Every act runs in a button
callback whose arguments hold the story version the facilitator was looking at; storage refuses an act on a
story that changed in between (another facilitator, or the resident withdrawing it) with a message, and nothing
is overwritten.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import geopandas as gpd
import pandas as pd
import shapely
import streamlit as st

from components import deps, state
from components.i18n import available_languages, t
from components.session_form import render_picker
from domain.models import DIMENSIONS, STORY_KINDS
from domain.moderation import (
    PENDING,
    STATUS_LABELS,
    WITHDRAWN,
    AuditEvent,
    ConcurrentModeration,
    InvalidTransition,
    can,
)
from domain.sessions import WorkSession
from domain.stories import Story
from domain.themes import suggest_dimensions, suggest_themes
from storage import audit, stories
from storage.stories import StoryFilter

PAGE = "moderation"
PAGE_SIZE = 20
LOCATOR_SIZE = 200


@dataclass(frozen=True)
class Queue:
    """What one run of the page shows: the stories (newest first) with their trails and originals."""

    work_session: WorkSession
    shown: list[Story]
    total: int
    trails: dict[int, list[AuditEvent]]
    originals: dict[int, str]
    photos: dict[str, tuple[bytes, str]]
    others: dict[int, str] = field(default_factory=dict)  # story id → short label, for "duplicate of"


def lang() -> str:
    return state.language() if state.language() in ("nl", "en") else "nl"


def kind_label(kind: str) -> str:
    return STORY_KINDS.get(kind, {}).get(lang(), kind)


def dimension_label(dimension: str | None) -> str:
    return DIMENSIONS[dimension][lang()] if dimension in DIMENSIONS else t("moderation.none")


def status_label(status: str) -> str:
    return STATUS_LABELS[status][lang()]


def local_time(moment: datetime) -> str:
    try:
        moment = moment.astimezone(ZoneInfo("Europe/Amsterdam"))
    except ZoneInfoNotFoundError:  # no tz database on this machine: UTC is still a correct time
        moment = moment.astimezone(UTC)
    return moment.strftime("%d-%m-%Y %H:%M")


def snippet(text: str, length: int = 60) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= length else flat[:length - 1] + "…"


# ---------------------------------------------------------------- loading

def render_session_picker(work_sessions: list[WorkSession]) -> WorkSession | None:
    return render_picker(work_sessions, key=state.MODERATION_PICK, label_key="moderation.session",
                         empty_key="moderation.no_sessions")


def render_filters(buurt_names: dict[str, str], work_session: WorkSession) -> StoryFilter:
    state.prefill({state.MODERATION_STATUS: [PENDING]})
    in_area = {code: buurt_names.get(code, code) for code in work_session.area_codes}
    columns = st.columns([1.3, 1.2, 1.4, 1.6])
    statuses = columns[0].multiselect(t("moderation.filter.status"), list(STATUS_LABELS), key=state.MODERATION_STATUS,
                                      format_func=status_label, placeholder=t("moderation.filter.all"))
    kinds = columns[1].multiselect(t("moderation.filter.kind"), list(STORY_KINDS), key=state.MODERATION_KIND,
                                   format_func=kind_label, placeholder=t("moderation.filter.all"))
    dimensions = columns[2].multiselect(t("moderation.filter.dimension"), list(DIMENSIONS),
                                        key=state.MODERATION_DIMENSION, format_func=dimension_label,
                                        placeholder=t("moderation.filter.all"))
    buurten = columns[3].multiselect(t("moderation.filter.buurt"), sorted(in_area, key=in_area.get),
                                     key=state.MODERATION_BUURT, format_func=in_area.get,
                                     placeholder=t("moderation.filter.all"))
    return StoryFilter(tuple(statuses), tuple(kinds), tuple(dimensions), tuple(buurten))


def load_queue(work_session: WorkSession, story_filter: StoryFilter) -> Queue:
    limit = state.moderation_limit(PAGE_SIZE)
    with deps.reading() as db:
        matching = stories.list_stories(db, work_session.id, story_filter)
        shown = matching[:limit]
        trails = {s.id: audit.trail(db, "story", s.id) for s in shown}
        originals = {s.id: stories.original_text(db, s.id) or "" for s in shown if s.is_redacted}
        photos = {s.photo_id: photo for s in shown if s.photo_id and (photo := stories.get_photo(db, s.photo_id))}
        everyone = stories.list_stories(db, work_session.id, limit=300)
    others = {s.id: f"#{s.id} · {kind_label(s.kind)} · {snippet(s.text, 50)}" for s in everyone
              if s.status != WITHDRAWN}
    return Queue(work_session, shown, len(matching), trails, originals, photos, others)


# ---------------------------------------------------------------- acts (button callbacks)

def _act(story_id: int, seen_version: int, action: str, *, reason_key: str | None = None, value=None,
         value_key: str | None = None, clear: Sequence[str] = ()) -> None:
    reason = state.widget_value(reason_key) if reason_key else None
    if value_key:
        value = state.widget_value(value_key)
    try:
        with deps.writing() as db:
            stories.moderate(db, story_id, action, actor=state.actor_name(), now=deps.now(),
                             expected_version=seen_version, reason=reason, value=value)
    except (InvalidTransition, ConcurrentModeration) as err:
        state.flash(PAGE, "error", err.user_message, story_id)
        return
    for key in clear:
        state.forget_widgets(key)  # the input starts empty again
    state.untick_stories([story_id])
    state.flash(PAGE, "success", t(f"moderation.done.{action}", id=story_id), story_id)


def _bulk_approve(seen: dict[int, int]) -> None:
    picked = state.picked_stories(seen)
    if not picked:
        state.flash(PAGE, "warning", t("moderation.bulk.none"))
        return
    done, refused = [], []
    for story_id in picked:
        try:
            with deps.writing() as db:
                stories.moderate(db, story_id, "approve", actor=state.actor_name(), now=deps.now(),
                                 expected_version=seen[story_id])
            done.append(story_id)
        except (InvalidTransition, ConcurrentModeration) as err:
            refused.append(f"#{story_id}: {err.nl if lang() == 'nl' else err.en}")
    state.untick_stories(picked)
    message = t("moderation.bulk.done", count=len(done))
    if refused:
        state.flash(PAGE, "warning", message + "\n\n" + t("moderation.bulk.refused") + "\n\n" +
                    "\n\n".join(refused))
    else:
        state.flash(PAGE, "success", message)


# ---------------------------------------------------------------- rendering

def render_flash(story_id: int | None, *, shown: Sequence[int] = ()) -> None:
    """The outcome of the last act: at the story it concerns, or at the top (`story_id` None) when it concerns
    no single story or one that the filter no longer shows."""
    message = state.peek_flash(PAGE)
    if message and (message[2] == story_id or (story_id is None and message[2] not in shown)):
        level, text, _ = state.take_flash(PAGE)
        getattr(st, level)(text)


def render_counts(counts: dict[str, int]) -> None:
    for column, status in zip(st.columns(len(STATUS_LABELS)), STATUS_LABELS):
        column.metric(status_label(status), counts.get(status, 0))


@st.fragment(run_every=10)
def render_arrivals(session_id: int, pending_seen: int) -> None:
    """Says when new stories have come in since the queue was drawn (the queue itself stays still while
    a facilitator types a reason)."""
    with deps.reading() as db:
        pending_now = stories.count_by_status(db, session_id).get(PENDING, 0)
    if pending_now > pending_seen:
        left, right = st.columns([4, 1])
        left.info(t("moderation.arrivals", count=pending_now - pending_seen))
        if right.button(t("moderation.refresh"), key="moderation.refresh", icon=":material/refresh:"):
            st.rerun(scope="app")


def render_bulk(queue: Queue) -> None:
    pending = {s.id: s.version for s in queue.shown if s.status == PENDING}
    if not pending:
        return
    picked = state.picked_stories(pending)
    st.button(t("moderation.bulk.button", count=len(picked)), type="primary", key="moderation.bulk.approve",
              icon=":material/done_all:", disabled=not picked, on_click=_bulk_approve, args=(pending,),
              help=t("moderation.bulk.help"))


def render_story(story: Story, queue: Queue, buurt_names: dict[str, str], locator: str | None) -> None:
    with st.container(border=True, key=f"moderation.card.{story.id}"):
        st.markdown(f"**#{story.id}** · {kind_label(story.kind)} · **{status_label(story.status)}** · "
                    f"{local_time(story.created_at)}")
        render_flash(story.id)
        if story.status == WITHDRAWN:
            st.info(t("moderation.withdrawn"))
            _render_trail(story, queue)
            return
        text_column, place_column = st.columns([4, 1], gap="medium")
        with text_column:
            st.text(story.text)
            if story.is_redacted:
                st.caption(t("moderation.redacted_note"))
            st.text("\n".join(_details(story, buurt_names)))
            _render_suggestions(story, queue.work_session)
        with place_column:
            if locator:
                st.image(locator, width="stretch", caption=_place_caption(story, buurt_names))
            if story.photo_id and story.photo_id in queue.photos:
                st.image(queue.photos[story.photo_id][0], width="stretch", caption=t("moderation.photo"))
        _render_actions(story, queue)
        _render_trail(story, queue)


def _details(story: Story, buurt_names: dict[str, str]) -> list[str]:
    languages = available_languages("kiosk")
    profile = " · ".join(part for part in (
        story.age_band and t("moderation.age", band=story.age_band),
        story.relation and t(f"moderation.relation.{story.relation}"),
        languages.get(story.language, story.language)) if part)
    lines = [f"{t('moderation.buurt')}: {buurt_names.get(story.buurt_code or '', '–')} ({story.buurt_code or '–'})"]
    if story.place_description:
        lines.append(f"{t('moderation.place')}: {story.place_description}")
    if story.lat is not None and story.lon is not None:
        lines.append(f"{t('moderation.coordinates')}: {story.lat:.5f}, {story.lon:.5f}")
    lines.append(f"{t('moderation.dimension')}: {dimension_label(story.dimension)}")
    lines.append(f"{t('moderation.themes')}: {', '.join(story.themes) or t('moderation.none')}")
    lines.append(f"{t('moderation.profile')}: {profile}")
    if story.duplicate_of_id:
        lines.append(t("moderation.duplicate_of", id=story.duplicate_of_id))
    if story.kiosk_id:
        lines.append(f"{t('moderation.source')}: {story.kiosk_id}")
    return lines


def _place_caption(story: Story, buurt_names: dict[str, str]) -> str:
    return buurt_names.get(story.buurt_code or "", story.buurt_code or "")


def _render_suggestions(story: Story, work_session: WorkSession) -> None:
    """Suggested, never applied silently: each suggestion says why and has its own button."""
    if story.dimension is None:
        for rank, suggestion in enumerate(suggest_dimensions(story.text, work_session.settings.keywords, limit=1)):
            left, right = st.columns([4, 1], vertical_alignment="center")
            left.text(t("moderation.suggestion", target=dimension_label(suggestion.target),
                        words=", ".join(suggestion.matched)))
            right.button(t("moderation.apply"), key=f"moderation.suggest.{story.id}.{rank}", icon=":material/check:",
                         on_click=_act, args=(story.id, story.version, "set_dimension"),
                         kwargs={"value": suggestion.target})
    for rank, suggestion in enumerate(suggest_themes(story.text, work_session.themes, limit=2)):
        if suggestion.target in story.themes:
            continue
        left, right = st.columns([4, 1], vertical_alignment="center")
        left.text(t("moderation.suggestion_theme", target=suggestion.target, words=", ".join(suggestion.matched)))
        right.button(t("moderation.apply"), key=f"moderation.suggest_theme.{story.id}.{rank}",
                     icon=":material/check:", on_click=_act, args=(story.id, story.version, "set_themes"),
                     kwargs={"value": [*story.themes, suggestion.target]})


def _render_actions(story: Story, queue: Queue) -> None:
    k, sid, version = f"moderation.{story.id}", story.id, story.version
    with st.container(horizontal=True, vertical_alignment="center", gap="medium"):
        if can("approve", story.status):
            st.button(t("moderation.approve"), key=f"{k}.approve", type="primary", icon=":material/check_circle:",
                      on_click=_act, args=(sid, version, "approve"))
        if can("restore", story.status):
            st.button(t("moderation.restore"), key=f"{k}.restore", icon=":material/undo:",
                      on_click=_act, args=(sid, version, "restore"), help=t("moderation.restore_help"))
        if story.status == PENDING:
            st.checkbox(t("moderation.pick"), key=f"moderation.pick.{sid}", help=t("moderation.pick_help"))
    if can("hide", story.status):
        with st.form(f"{k}.hide_form", border=False):
            reason_col, button_col = st.columns([4, 1], vertical_alignment="bottom")
            reason_col.text_input(t("moderation.hide_reason"), key=f"{k}.hide.reason", max_chars=200,
                                  placeholder=t("moderation.hide_placeholder"))
            button_col.form_submit_button(t("moderation.hide"), icon=":material/visibility_off:", key=f"{k}.hide",
                                          on_click=_act, args=(sid, version, "hide"),
                                          kwargs={"reason_key": f"{k}.hide.reason", "clear": [f"{k}.hide.reason"]})
    with st.expander(t("moderation.edit"), icon=":material/edit:"):
        _render_edit_forms(story, queue, k)


def _render_edit_forms(story: Story, queue: Queue, k: str) -> None:
    sid, version = story.id, story.version
    with st.form(f"{k}.redact_form"):
        st.text_input(t("moderation.redact_fragment"), key=f"{k}.redact.fragment", max_chars=1000,
                      help=t("moderation.redact_help"))
        st.form_submit_button(t("moderation.redact"), icon=":material/content_cut:", key=f"{k}.redact",
                              on_click=_act, args=(sid, version, "redact"),
                              kwargs={"value_key": f"{k}.redact.fragment", "clear": [f"{k}.redact.fragment"]})
    with st.form(f"{k}.tags_form"):
        kind_col, dim_col = st.columns(2)
        state.prefill({f"{k}.kind": story.kind, f"{k}.dimension": story.dimension or "",
                       f"{k}.themes": [th for th in story.themes if th in _themes(queue)]})
        kind_col.selectbox(t("moderation.kind"), list(STORY_KINDS), key=f"{k}.kind", format_func=kind_label)
        dim_col.selectbox(t("moderation.dimension"), ["", *DIMENSIONS], key=f"{k}.dimension",
                          format_func=lambda d: dimension_label(d or None))
        st.multiselect(t("moderation.themes"), _themes(queue), key=f"{k}.themes")
        st.form_submit_button(t("moderation.save_tags"), icon=":material/label:", key=f"{k}.tags",
                              on_click=_save_tags, args=(story,))
    others = {i: label for i, label in queue.others.items() if i != sid}
    if others:
        with st.form(f"{k}.duplicate_form"):
            st.selectbox(t("moderation.duplicate_pick"), list(others), key=f"{k}.duplicate.of", index=None,
                         format_func=others.get, placeholder=t("moderation.duplicate_placeholder"))
            st.text_input(t("moderation.duplicate_reason"), key=f"{k}.duplicate.reason", max_chars=200)
            st.form_submit_button(t("moderation.duplicate"), icon=":material/call_merge:", key=f"{k}.duplicate",
                                  on_click=_act, args=(sid, version, "mark_duplicate"),
                                  kwargs={"value_key": f"{k}.duplicate.of", "reason_key": f"{k}.duplicate.reason",
                                          "clear": [f"{k}.duplicate.reason"]})


def _themes(queue: Queue) -> list[str]:
    return list(queue.work_session.themes)


def _save_tags(story: Story) -> None:
    """Kind, dimension and themes in one submit: what changed is applied as one storage call (each change its
    own audited act), or nothing is."""
    k = f"moderation.{story.id}"
    try:
        with deps.writing() as db:
            _, acts = stories.set_tags(db, story.id, kind=state.widget_value(f"{k}.kind"),
                                       dimension=state.widget_value(f"{k}.dimension") or None,
                                       themes=list(state.widget_value(f"{k}.themes") or []),
                                       actor=state.actor_name(), now=deps.now(), expected_version=story.version)
    except (InvalidTransition, ConcurrentModeration) as err:
        state.flash(PAGE, "error", err.user_message, story.id)
        return
    if not acts:
        state.flash(PAGE, "info", t("moderation.no_change"), story.id)
        return
    for key in (f"{k}.kind", f"{k}.dimension", f"{k}.themes"):
        state.forget_widgets(key)
    state.untick_stories([story.id])
    state.flash(PAGE, "success", t("moderation.done.tags", id=story.id), story.id)


def _render_trail(story: Story, queue: Queue) -> None:
    trail = queue.trails.get(story.id, [])
    with st.expander(t("moderation.trail", count=len(trail)), icon=":material/history:"):
        if not trail:
            st.caption(t("moderation.trail_empty"))
        else:
            st.dataframe(build_trail_table(trail), hide_index=True, width="stretch",
                         key=f"moderation.{story.id}.trail")
        if story.id in queue.originals:
            st.caption(t("moderation.original"))
            st.text(queue.originals[story.id])


def build_trail_table(trail: list[AuditEvent]) -> pd.DataFrame:
    """Oldest first: when, who, what, why and the details of each act (all as plain text cells)."""
    def detail(event: AuditEvent) -> str:
        d = event.detail or {}
        parts = []
        if "from_status" in d and "to_status" in d and d["from_status"] != d["to_status"]:
            parts.append(f"{status_label(d['from_status'])} → {status_label(d['to_status'])}")
        elif event.action == "submit" and d.get("status") in STATUS_LABELS:
            parts.append(status_label(d["status"]))
        if "old" in d or "new" in d:
            parts.append(f"{_plain(d.get('old'))} → {_plain(d.get('new'))}")
        if "duplicate_of" in d:
            parts.append(t("moderation.duplicate_of", id=d["duplicate_of"]))
        if "removed_characters" in d:
            parts.append(t("moderation.removed_characters", count=d["removed_characters"]))
        return "; ".join(parts)

    return pd.DataFrame({
        t("moderation.col.when"): [local_time(e.created_at) for e in trail],
        t("moderation.col.who"): [e.actor for e in trail],
        t("moderation.col.what"): [t(f"moderation.action.{e.action}") for e in trail],
        t("moderation.col.why"): [e.reason or "" for e in trail],
        t("moderation.col.detail"): [detail(e) for e in trail],
    })


def _plain(value) -> str:
    if value is None or value == []:
        return t("moderation.none")
    if isinstance(value, list):
        return ", ".join(map(str, value))
    if value in DIMENSIONS:
        return dimension_label(value)
    if value in STORY_KINDS:
        return kind_label(value)
    return str(value)


def render_more(queue: Queue) -> None:
    if queue.total > len(queue.shown):
        st.button(t("moderation.more", shown=len(queue.shown), total=queue.total), key="moderation.more",
                  on_click=state.show_more_stories, args=(PAGE_SIZE, PAGE_SIZE))


# ---------------------------------------------------------------- the small locator map

@st.cache_data(show_spinner=False, max_entries=1024)
def locator_base(url: str, municipality_id: int, version: int, code: str) -> str | None:
    """The buurt and its neighbours as a small SVG (shared, cached per buurt)."""
    return build_locator_svg(deps.areas_frame(url, municipality_id, version, "buurt"), code)


def locator(base: str | None, story: Story) -> str | None:
    if base is None:
        return None
    if story.lat is None or story.lon is None:
        return base
    box = base.split('data-box="', 1)[1].split('"', 1)[0]
    left, top, scale, cos_lat = map(float, box.split(","))
    x, y = (story.lon - left) * cos_lat * scale, (top - story.lat) * scale
    dot = (f'<circle cx="{x:.1f}" cy="{y:.1f}" r="7" fill="#c2410c" stroke="#ffffff" stroke-width="3"/>')
    return base.replace("</svg>", dot + "</svg>")


def build_locator_svg(buurten: gpd.GeoDataFrame, code: str, *, size: int = LOCATOR_SIZE) -> str | None:
    """An SVG of buurt `code` (blue) among its neighbours (grey), `size` pixels square; numbers only, no text
    from data, so nothing in it can be markup. `data-box` holds the projection for placing a dot."""
    match = buurten.loc[buurten["code"] == code]
    if match.empty:
        return None
    minx, miny, maxx, maxy = match.geometry.iloc[0].bounds
    cos_lat = math.cos(math.radians((miny + maxy) / 2))
    pad = max((maxx - minx) * cos_lat, maxy - miny) * 0.35
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    half = max((maxx - minx) * cos_lat, maxy - miny) / 2 + pad
    left, top = cx - half / cos_lat, cy + half
    scale = size / (2 * half)
    window = shapely.box(left, cy - half, cx + half / cos_lat, top)
    near = buurten.iloc[buurten.sindex.query(window, predicate="intersects")]

    def path(geom) -> str:
        rings = []
        for polygon in getattr(geom, "geoms", [geom]):
            for ring in [polygon.exterior, *polygon.interiors]:
                points = " L".join(f"{(x - left) * cos_lat * scale:.1f},{(top - y) * scale:.1f}"
                                   for x, y in ring.coords)
                rings.append(f"M{points}Z")
        return "".join(rings)

    shapes = [f'<path d="{path(g)}" fill="{"#cfe3f1" if c == code else "#ece8df"}" '
              f'stroke="{"#1f5f8b" if c == code else "#9a958c"}" stroke-width="{2 if c == code else 0.8}" '
              f'fill-rule="evenodd"/>'
              for c, g in sorted(zip(near["code"], near.geometry), key=lambda item: item[0] == code)
              if g is not None and g.geom_type in ("Polygon", "MultiPolygon")]
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" viewBox="0 0 {size} {size}" '
            f'data-box="{left},{top},{scale},{cos_lat}"><rect width="{size}" height="{size}" fill="#f4f1ea"/>'
            f'{"".join(shapes)}</svg>')
