"""The resident's story form on the kiosk: where (map pin or buurt list), what, photo, who, consent.

Each `render_*` draws one part and returns what the resident chose; `build_draft` turns that into a
`StoryDraft` for `domain.stories.validate_draft`. Nothing a resident typed is echoed as markup.
"""
from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass

import folium
import geopandas as gpd
import streamlit as st

from components import maps, state
from components.i18n import t, translate
from domain.kiosk import THEME_PREFIX, map_point, prompt_for, split_topic, topic_options
from domain.photos import MAX_UPLOAD_BYTES, ProcessedPhoto, process_photo
from domain.stories import AGE_BANDS, RELATIONS, StoryDraft, SubmissionRejected, clean_text

MAP_HEIGHT = 430
PIN_ZOOM = 15  # after the first tap: close enough to nudge precisely, buurt names shown
PHOTO_TYPES = ["jpg", "jpeg", "png", "webp"]
PHOTO_LIMIT_MB = MAX_UPLOAD_BYTES // (1024 * 1024)
# Well above process_photo's own limit, so a too-large photo gets our translated message; the uploader's
# own (untranslatable) size line is hidden by the kiosk CSS and our help text names the real limit.
UPLOAD_LIMIT_MB = PHOTO_LIMIT_MB * 3


@dataclass(frozen=True)
class KioskArea:
    """The session's buurten as the form needs them (built from shared, cached data)."""

    buurten: gpd.GeoDataFrame
    area_json: str
    bounds: list[list[float]]
    labels: tuple[tuple[str, float, float], ...]
    fills: dict[str, str]
    legend_html: str = ""
    label_zoom: float = 14  # buurt names appear from this zoom on (at once for a small area)

    @property
    def codes(self) -> set[str]:
        return set(self.buurten["code"])

    @property
    def names(self) -> dict[str, str]:
        return dict(zip(self.buurten["code"], self.buurten["name"]))

    def locate(self, lat: float, lon: float) -> str | None:
        from domain.spatial import area_at

        return area_at(self.buurten, lat, lon)


@dataclass(frozen=True)
class Location:
    lat: float | None = None
    lon: float | None = None
    buurt_code: str | None = None
    place_description: str = ""


@dataclass(frozen=True)
class PhotoResult:
    photo: ProcessedPhoto | None = None
    error: SubmissionRejected | None = None


def error_text(err: SubmissionRejected) -> str:
    """The translated message for a refusal; the domain's own Dutch/English text if no translation exists."""
    key = f"kiosk.error.{err.key}"
    text = t(key, **err.params)
    if text != key:
        return text
    return err.nl if state.language() == "nl" else err.en


# ---------------------------------------------------------------- where

def render_location(area: KioskArea, *, tile_url: str | None, attribution: str) -> Location:
    """Map with tap-to-pin and pan-to-nudge, or (the resident's choice) a buurt list and a place description."""
    st.subheader(t("kiosk.where.title"), anchor=False)
    no_map = st.toggle(t("kiosk.where.no_map"), key=state.KIOSK_NO_MAP)
    if no_map:
        return _render_buurt_choice(area)
    return _render_pin_picker(area, tile_url=tile_url, attribution=attribution)


def _render_buurt_choice(area: KioskArea) -> Location:
    names = area.names
    codes = sorted(names, key=lambda code: names[code].casefold())
    code = st.selectbox(t("kiosk.where.buurt"), codes, index=None, key=state.KIOSK_BUURT,
                        format_func=names.get, placeholder=t("kiosk.where.buurt_placeholder"))
    place = st.text_input(t("kiosk.where.place"), key=state.KIOSK_PLACE, max_chars=200,
                          placeholder=t("kiosk.where.place_placeholder"))
    return Location(buurt_code=code, place_description=place or "")


def _render_pin_picker(area: KioskArea, *, tile_url: str | None, attribution: str) -> Location:
    pin = state.kiosk_pin()
    code = area.locate(*pin) if pin else None
    pin_state = "none" if pin is None else ("inside" if code else "outside")
    st.caption(t("kiosk.where.tap_help") if pin is None else t("kiosk.where.nudge_help"))
    base = build_kiosk_map(area, tile_url=tile_url, attribution=attribution)
    result = maps.render_pin_map(base, [maps.build_pin_layer(pin_state)], key=state.KIOSK_MAP,
                                 height=MAP_HEIGHT, center=state.kiosk_recentre(), zoom=PIN_ZOOM)
    if area.legend_html:
        with st.expander(t("kiosk.where.legend")):
            st.markdown(area.legend_html, unsafe_allow_html=True)  # maps.build_legend_html escapes every part
    if _handle_map_events(area, result, has_pin=pin is not None):
        st.rerun()
    if pin is None:
        if result.get("center") and st.button(t("kiosk.where.pin_here"), key=state.KIOSK_PIN_HERE):
            _place_at_centre(area, result["center"])
        return Location()
    if code is None:
        st.warning(t("kiosk.error.outside_area"))
    else:
        st.success(t("kiosk.where.pinned", buurt=area.names[code]))
    return Location(lat=pin[0], lon=pin[1])


def build_kiosk_map(area: KioskArea, *, tile_url: str | None, attribution: str) -> folium.Map:
    return maps.build_kiosk_base_map(area.bounds, area.area_json, fills=area.fills, labels=area.labels,
                                     label_zoom=area.label_zoom, tile_url=tile_url, attribution=attribution)


def _handle_map_events(area: KioskArea, result: dict, *, has_pin: bool) -> bool:
    """Turn a new tap or a pan into the pin position; True when the page must be drawn again."""
    centre = result.get("center")
    tap = state.take_new_click(state.KIOSK_HANDLED_CLICK, result.get("last_clicked"))
    if tap is not None:
        state.put(state.KIOSK_HANDLED_CENTER, centre)  # the centre sent with a tap is the old one
        point = map_point(tap)
        if point is None:
            st.warning(t("kiosk.error.bad_location"))
            return False
        if area.locate(*point) is None:
            st.warning(t("kiosk.error.outside_area"))
            return False
        state.set_kiosk_pin(point, recentre=True)
        return True
    moved = state.take_new_click(state.KIOSK_HANDLED_CENTER, centre)
    if moved is not None and has_pin:
        point = map_point(moved)
        if point is not None and point != state.kiosk_pin():
            state.set_kiosk_pin(point, recentre=False)
            return True
    return False


def _place_at_centre(area: KioskArea, centre: dict) -> None:
    point = map_point(centre)
    if point is None or area.locate(*point) is None:
        st.warning(t("kiosk.error.outside_area"))
        return
    state.set_kiosk_pin(point, recentre=False)
    st.rerun()


# ---------------------------------------------------------------- what

@dataclass(frozen=True)
class StoryFields:
    kind: str | None
    text: str
    topic: str | None


def render_story_fields(kinds: tuple[str, ...], prompts: dict, themes: tuple[str, ...], *, lang: str,
                        max_chars: int) -> StoryFields:
    """Kind (the session's prompts, appreciative-inquiry order), the story with a live count, a topic.

    The text box has no hard `max_chars`: Streamlit would cut a longer paste off silently. The count
    below it turns red past the limit and the submit then says so, with nothing lost."""
    st.subheader(t("kiosk.what.title"), anchor=False)
    kind = st.radio(t("kiosk.what.kind"), list(kinds), index=None, key=state.KIOSK_KIND,
                    format_func=lambda k: prompt_for(k, lang, prompts,
                                                     lambda kk: translate(lang, f"kiosk.kind.{kk}.prompt")))
    text = st.text_area(t("kiosk.what.text"), key=state.KIOSK_TEXT, height=160,
                        placeholder=t("kiosk.what.text_placeholder"))
    st.html(character_count_html(len(clean_text(text or "")), max_chars, unit=t("kiosk.what.count_unit"),
                                 over=t("kiosk.what.over_limit")))
    topic = st.selectbox(t("kiosk.what.topic"), topic_options(themes), index=None, key=state.KIOSK_TOPIC,
                         format_func=lambda option: topic_label(option, lang),
                         placeholder=t("kiosk.what.topic_placeholder"))
    return StoryFields(kind, text or "", topic)


def character_count_html(count: int, limit: int, *, unit: str, over: str) -> str:
    """The count under the story box: numbers and our own words only (the page script keeps it live)."""
    over_limit = count > limit
    text = f"{int(count)} / {int(limit)} {unit}" + (f" · {over}" if over_limit else "")
    return (f"<div class='bb-count{' bb-over' if over_limit else ''}' data-limit='{int(limit)}' "
            f"data-unit='{html.escape(unit)}' data-over='{html.escape(over)}'>{html.escape(text)}</div>")


def topic_label(option: str, lang: str) -> str:
    if option.startswith(THEME_PREFIX):
        return option.removeprefix(THEME_PREFIX)
    return translate(lang, f"kiosk.dimension.{option}")


# ---------------------------------------------------------------- photo

def render_photo() -> PhotoResult | None:
    """Camera or file; checked and re-encoded at once (no EXIF/GPS kept), so a problem shows straight away."""
    st.subheader(t("kiosk.photo.title"), anchor=False)
    if st.toggle(t("kiosk.photo.use_camera"), key=state.KIOSK_USE_CAMERA):
        upload = st.camera_input(t("kiosk.photo.camera"), key=state.KIOSK_PHOTO_CAMERA)
    else:
        upload = st.file_uploader(t("kiosk.photo.file"), type=PHOTO_TYPES, key=state.KIOSK_PHOTO_FILE,
                                  max_upload_size=UPLOAD_LIMIT_MB)
        st.caption(t("kiosk.photo.help", limit_mb=PHOTO_LIMIT_MB))
    if upload is None:
        return None
    result = state.kiosk_photo_memo(upload.file_id, lambda: check_photo(upload.getvalue()))
    if result.error is not None:
        st.error(error_text(result.error))
    else:
        st.image(result.photo.data, caption=t("kiosk.photo.ready"), width=260)
    return result


def check_photo(data: bytes) -> PhotoResult:
    try:
        return PhotoResult(photo=process_photo(data))
    except SubmissionRejected as err:
        return PhotoResult(error=err)


# ---------------------------------------------------------------- who and consent

def render_profile(lang: str) -> tuple[str | None, str | None]:
    st.subheader(t("kiosk.who.title"), anchor=False)
    st.caption(t("kiosk.who.help"))
    age = st.pills(t("kiosk.who.age"), list(AGE_BANDS), key=state.KIOSK_AGE,
                   format_func=lambda band: translate(lang, f"kiosk.age.{band}"))
    relation = st.pills(t("kiosk.who.relation"), list(RELATIONS), key=state.KIOSK_RELATION,
                        format_func=lambda rel: translate(lang, f"kiosk.relation.{rel}"))
    return age, relation


def render_consent(moderation: str, generalise: str, k: int) -> bool:
    st.subheader(t("kiosk.consent.title"), anchor=False)
    with st.container(border=True):
        st.markdown(consent_statement(moderation, generalise, k))
    return st.checkbox(t("kiosk.consent.agree"), key=state.KIOSK_CONSENT)


def consent_statement(moderation: str, generalise: str, k: int) -> str:
    """The plain-language statement: what is stored, who sees it, how long, how to withdraw."""
    seen = "kiosk.consent.seen_pre" if moderation == "pre" else "kiosk.consent.seen_post"
    place = f"kiosk.consent.place_{generalise}" if generalise in ("exact", "grid100", "centroid") \
        else "kiosk.consent.place_exact"
    parts = [t("kiosk.consent.stored"), t(seen), t(place), t("kiosk.consent.profile", k=k),
             t("kiosk.consent.kept"), t("kiosk.consent.withdraw")]
    return "\n".join(f"- {part}" for part in parts)


# ---------------------------------------------------------------- the draft

def build_draft(location: Location, fields: StoryFields, age: str | None, relation: str | None, consent: bool, *,
                lang: str, kiosk_id: str, token: str) -> StoryDraft:
    dimension, themes = split_topic(fields.topic)
    return StoryDraft(kind=fields.kind, text=fields.text, lat=location.lat, lon=location.lon,
                      buurt_code=location.buurt_code, place_description=location.place_description,
                      dimension=dimension, themes=themes, age_band=age, relation=relation, language=lang,
                      consent=bool(consent), submission_token=token, kiosk_id=kiosk_id)


def render_submit(on_submit: Callable[[], None]) -> None:
    if st.button(t("kiosk.submit"), type="primary", key=state.KIOSK_SUBMIT, width="stretch"):
        on_submit()
