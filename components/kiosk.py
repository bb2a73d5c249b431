"""The resident kiosk's frame: kiosk-only routing, hidden chrome, language switch and right-to-left layout,
the idle reset, the join code, a closed session, the thank-you screen and withdrawal by receipt code.

A kiosk URL (`?kiosk=1&session=CODE`, or `?join` on a phone) runs only pages/resident_kiosk.py: no sidebar,
no navigation. That is a user-interface lock, not security: restricted pages have their own guard.
"""
from __future__ import annotations

import html
import json
import time
from dataclasses import dataclass

import streamlit as st
from sqlalchemy.exc import OperationalError

from components import deps, maps, state
from components.i18n import available_languages, is_rtl, t, translate
from components.navigation import KIOSK_PAGE
from components.story_form import KioskArea, PhotoResult, error_text
from domain.kiosk import MAX_WITHDRAW_FAILURES, clean_kiosk_id, looks_like_receipt, session_buurten
from domain.sessions import WorkSession, normalise_code
from domain.stories import Receipt, StoryDraft, SubmissionRejected, validate_draft
from storage.retry import is_locked_error, retry_when_locked

DEFAULT_LANGUAGE = "nl"
LABEL_LIMIT = 400  # beyond this many buurten no names are drawn at all
NAMES_AT_ONCE = 10  # up to this many buurten, their names show without zooming in (more would overlap)
CHROME_CSS = """<style>
[data-testid="stSidebar"], [data-testid="stExpandSidebarButton"], [data-testid="stSidebarNav"],
header[data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stMainMenu"],
[data-testid="stAppDeployButton"] {display: none !important}
[data-testid="stMainBlockContainer"] {padding-top: 1.25rem; padding-bottom: 5rem; max-width: 760px}
[data-testid="stElementContainer"]:has(#bb-kiosk-client) {display: none}
.stButton button, .stFormSubmitButton button, [data-testid="stBaseButton-secondary"],
[data-testid="stBaseButton-primary"] {min-height: 48px; padding-left: 1.1rem; padding-right: 1.1rem}
[data-testid="stButtonGroup"] button {min-height: 44px; min-width: 44px}
[data-testid="stRadio"] label, [data-testid="stCheckbox"] label {min-height: 44px; align-items: center}
[data-testid="stRadio"] [role="radiogroup"] {gap: 0.15rem}
[data-testid="stExpander"] summary {min-height: 48px}
[data-testid="stSelectbox"] [role="group"], [data-testid="stTextInputRootElement"] {min-height: 48px}
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p, .bb-count {color: #5a5954; opacity: 1}
[data-testid="stFileUploaderDropzoneInstructions"] {display: none}
[data-testid="stFileUploaderDropzone"] button, [data-testid="stCameraInput"] button {min-height: 48px}
.bb-count {font-size: .9rem; text-align: end; margin-top: -.6rem}
.bb-count.bb-over {color: #b00020; font-weight: 600}
.bb-receipt {font: 700 2.6rem/1.2 ui-monospace, monospace; letter-spacing: .12em; direction: ltr;
  unicode-bidi: isolate; display: inline-block; padding: .3em .6em; border: 3px dashed #1f5f8b; border-radius: 10px}
</style>"""
RTL_CSS = """<style>
[data-testid="stMain"] {direction: rtl; text-align: right}
[data-testid="stMain"] [data-testid="stElementContainer"], [data-testid="stMain"] [data-testid="stElementContainer"] * {text-align: start}
[data-testid="stMain"] iframe {direction: ltr}
</style>"""
# Runs in the page (not an iframe): sets lang/dir on <html> and reloads the clean kiosk URL after the idle
# time. It carries only our own settings, never anything a resident typed.
CLIENT_SCRIPT = """<div id="bb-kiosk-client" hidden></div><script>
(function () {
  var cfg = __CONFIG__;
  var doc = window.document;
  doc.documentElement.lang = cfg.lang;
  doc.documentElement.dir = cfg.dir;
  var k = window.__bbKiosk = window.__bbKiosk || {};
  k.cfg = cfg;
  k.last = Date.now();
  function seen() { k.last = Date.now(); }
  function listen(target) {
    if (!target || target.__bbKioskListening) { return; }
    target.__bbKioskListening = true;
    ['pointerdown', 'keydown', 'touchstart', 'input', 'wheel'].forEach(function (type) {
      target.addEventListener(type, seen, {capture: true, passive: true});
    });
  }
  if (k.timer) { return; }
  doc.addEventListener('input', function (event) {
    var box = event.target, counter = doc.querySelector('.bb-count');
    if (!counter || !box.matches || !box.matches('.st-key-kiosk-text textarea')) { return; }
    var n = Array.from(box.value.normalize('NFC').trim()).length, limit = Number(counter.dataset.limit);
    counter.textContent = n + ' / ' + limit + ' ' + counter.dataset.unit + (n > limit ? ' · ' + counter.dataset.over : '');
    counter.classList.toggle('bb-over', n > limit);
  }, true);
  k.timer = window.setInterval(function () {
    listen(doc);
    Array.prototype.forEach.call(doc.querySelectorAll('iframe'), function (frame) {
      try { listen(frame.contentDocument); } catch (e) { /* another origin: ignore */ }
    });
    if (Date.now() - k.last < k.cfg.idleMs) { return; }
    k.last = Date.now();
    var typed = Array.prototype.some.call(doc.querySelectorAll('textarea, input[type="text"]'),
                                          function (el) { return el.value; });
    k.idleCheck = {at: k.last, reset: !(k.cfg.blank && !typed)};  // the browser tests wait for this decision
    if (!k.idleCheck.reset) { return; }
    window.location.replace(k.cfg.resetUrl);
  }, 500);
})();
</script>"""


# ---------------------------------------------------------------- routing

def requested() -> bool:
    """Does this URL ask for the resident kiosk (`?kiosk=1`, `?join`, `?join=CODE`)?"""
    params = st.query_params
    return params.get("kiosk") == "1" or "join" in params


def run_kiosk_app() -> None:
    """Run the kiosk page and nothing else (app.py calls this instead of the normal navigation)."""
    st.set_page_config(layout="centered", initial_sidebar_state="collapsed")
    page = st.Page(KIOSK_PAGE, title="Buurtbeeld", default=True)
    st.navigation([page], position="hidden").run()


def session_code() -> str:
    params = st.query_params
    code = params.get("session") or ""
    join = params.get("join") or ""
    if not code and join not in ("", "1"):
        code = join
    return normalise_code(code)[:12]


def find_session(code: str) -> WorkSession | None:
    from storage import sessions

    if not code:
        return None
    with deps.reading() as session:
        return sessions.get_session_by_code(session, code)


def kiosk_id() -> str:
    return clean_kiosk_id(st.query_params.get("kiosk_id"), "kiosk")


# ---------------------------------------------------------------- frame

def render_frame(work_session: WorkSession | None) -> str:
    """Hide the chrome, draw the language switch, set the direction and start the idle timer; returns the
    language. Only the session's languages are offered (Dutch always)."""
    names = available_languages(area="kiosk")
    wanted = work_session.settings.languages if work_session else tuple(names)
    offered = [code for code in names if code == DEFAULT_LANGUAGE or code in wanted]
    lang = state.kiosk_language(offered, st.query_params.get("lang"), DEFAULT_LANGUAGE)
    st.html(CHROME_CSS + (RTL_CSS if is_rtl(lang) else ""))
    st.segmented_control(t("kiosk.language"), offered, format_func=names.get, key=state.KIOSK_LANG,
                         required=True)
    idle = work_session.settings.idle_seconds if work_session else 90
    st.html(client_script(lang=lang, rtl=is_rtl(lang), idle_seconds=idle, reset_url=reset_url(work_session),
                          blank=state.kiosk_is_blank(DEFAULT_LANGUAGE)), unsafe_allow_javascript=True)
    return lang


def reset_url(work_session: WorkSession | None) -> str:
    """The clean start of this kiosk: same session, default language, no draft."""
    if work_session is None:
        return "?join=1"
    query = f"?kiosk=1&session={normalise_code(work_session.code)}"
    device = clean_kiosk_id(st.query_params.get("kiosk_id"), "")
    return query + (f"&kiosk_id={device}" if device else "")


def client_script(*, lang: str, rtl: bool, idle_seconds: int, reset_url: str, blank: bool) -> str:
    # `run` changes on every rerun, so the script runs again and counts it as activity: every rerun comes
    # from a resident's touch, also inside the map, whose events this page cannot always see.
    config = {"lang": lang, "dir": "rtl" if rtl else "ltr", "idleMs": max(int(idle_seconds), 2) * 1000,
              "resetUrl": reset_url, "blank": bool(blank), "run": time.monotonic_ns()}
    as_json = json.dumps(config).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return CLIENT_SCRIPT.replace("__CONFIG__", as_json)


# ---------------------------------------------------------------- the session's area

@st.cache_data(show_spinner=False, max_entries=32)
def _area_parts(url: str, municipality_id: int, version: int, area_codes: tuple[str, ...], municipality_code: str,
                tolerance_m: float, stats_indicator: str | None, lang: str):
    """Shared by every kiosk of a session (the same for everyone; nothing per resident)."""
    from domain.spatial import bounds_latlon, to_feature_collection

    buurten = session_buurten(deps.areas_frame(url, municipality_id, version, "buurt"), area_codes, municipality_code)
    area_json = to_feature_collection(buurten, [], tolerance_m=tolerance_m)
    points = buurten.geometry.representative_point()
    labels = tuple((str(name), float(p.y), float(p.x)) for name, p in zip(buurten["name"], points)
                   if not p.is_empty)
    fills, legend = _statistics_fills(url, municipality_id, version, buurten, stats_indicator, lang)
    return buurten, area_json, bounds_latlon(buurten), labels, fills, legend


def _statistics_fills(url, municipality_id, version, buurten, indicator_key, lang) -> tuple[dict[str, str], str]:
    """Colours per buurt for the facilitator's chosen indicator, classed over the whole municipality
    (quantiles, as on the statistics page), plus its legend; nothing when no indicator was chosen."""
    if not indicator_key:
        return {}, ""
    import pandas as pd

    from domain.classification import classify
    from domain.errors import ClassificationError
    from domain.profile import indicator_average

    metas, numbers, _ = deps.indicator_table(url, municipality_id, version)
    meta = next((m for m in metas if m.key == indicator_key), None)
    if meta is None or meta.key not in numbers:
        return {}, ""
    everyone = deps.areas_frame(url, municipality_id, version, "buurt")
    column = numbers[meta.key]
    values = [None if pd.isna(v := column.get(code)) else float(v) for code in everyone["code"]]
    try:
        classification = classify(values, "quantiles", 5, direction=meta.direction,
                                  average=indicator_average(numbers, meta), decimals=meta.decimals)
    except ClassificationError:
        return {}, ""
    colours = maps.class_colours(classification)
    by_code = {code: (maps.MISSING_FILL if klass is None else colours[klass])
               for code, klass in zip(everyone["code"], classification.class_of)}
    fills = {code: by_code[code] for code in buurten["code"] if code in by_code}
    entries = maps.legend_entries(classification, lang if lang in ("nl", "en") else "nl")
    legend = maps.build_legend_html(meta.label(lang if lang in ("nl", "en") else "nl"), meta.source or "", entries,
                                    count_word=translate(lang, "kiosk.where.buurten"))
    return fills, legend


def load_area(work_session: WorkSession, lang: str) -> KioskArea:
    from storage import areas

    settings = deps.settings()
    with deps.reading() as session:
        version = areas.municipality_version(session, work_session.municipality_id)
        municipality_code = next((m.code for m in areas.list_municipalities(session)
                                  if m.id == work_session.municipality_id), "")
    buurten, area_json, bounds, labels, fills, legend = _area_parts(
        settings.database_url, work_session.municipality_id, version, tuple(sorted(work_session.area_codes)),
        municipality_code, settings.simplify_tolerance_m, work_session.settings.stats_indicator, lang)
    return KioskArea(buurten=buurten, area_json=area_json, bounds=bounds,
                     labels=labels if len(labels) <= LABEL_LIMIT else (), fills=fills, legend_html=legend,
                     label_zoom=0 if len(labels) <= NAMES_AT_ONCE else 14)


# ---------------------------------------------------------------- screens

def render_join(code_was_unknown: bool) -> None:
    """A phone (or a kiosk without a session) asks for the join code and then locks to that session."""
    st.title(t("kiosk.join.title"), anchor=False)
    if code_was_unknown:
        st.warning(t("kiosk.join.unknown"))
    st.write(t("kiosk.join.body"))
    with st.form("kiosk.join_form", border=False):
        code = st.text_input(t("kiosk.join.code"), key=state.KIOSK_JOIN_CODE, max_chars=12,
                             placeholder="K7Q4FX")
        go = st.form_submit_button(t("kiosk.join.go"), type="primary")
    if go:
        found = find_session(normalise_code(code or ""))
        if found is None:
            st.warning(t("kiosk.join.unknown"))
            return
        st.query_params.clear()
        st.query_params.update({"kiosk": "1", "session": found.code, "kiosk_id": "phone"})
        st.rerun()


def render_closed(work_session: WorkSession) -> None:
    st.title(t("kiosk.closed.title"), anchor=False)
    st.text(work_session.title)
    st.info(t("kiosk.closed.body"))


def render_thanks(receipt: Receipt, idle_seconds: int) -> None:
    st.title(t("kiosk.thanks.title"), anchor=False)
    if receipt.code:
        st.write(t("kiosk.thanks.code_intro"))
        # The code comes from our own alphabet (no markup possible); the class makes it large and LTR.
        st.html(f"<p><span class='bb-receipt' aria-label='{html.escape(t('kiosk.thanks.code_label'))}'>"
                f"{html.escape(receipt.code)}</span></p>")
        st.write(t("kiosk.thanks.code_use"))
    else:
        st.info(t("kiosk.thanks.already"))
    st.write(t("kiosk.thanks.pending") if receipt.status == "pending" else t("kiosk.thanks.approved"))
    st.caption(t("kiosk.thanks.reset", seconds=idle_seconds))
    st.button(t("kiosk.thanks.again"), type="primary", key=state.KIOSK_AGAIN, on_click=state.kiosk_start_again,
              width="stretch")


def render_withdraw() -> None:
    """Withdraw a story with its receipt code, from any kiosk; a few wrong codes per browser session."""
    notice = state.take_kiosk_withdraw_notice()
    blocked = state.kiosk_withdraw_failures() >= MAX_WITHDRAW_FAILURES
    if notice is not None or blocked:
        state.put(state.KIOSK_WITHDRAW_OPEN, True)
    # A key and on_change keep the open/closed state on the server, so a rerun never folds it shut.
    with st.expander(t("kiosk.withdraw.title"), icon=":material/undo:", key=state.KIOSK_WITHDRAW_OPEN,
                     on_change="rerun"):
        st.write(t("kiosk.withdraw.body"))
        st.text_input(t("kiosk.withdraw.code"), key=state.KIOSK_WITHDRAW_CODE, max_chars=12, placeholder="K7-4QF",
                      disabled=blocked)
        st.button(t("kiosk.withdraw.go"), key=state.KIOSK_WITHDRAW, on_click=_withdraw, disabled=blocked)
    if blocked and (notice is None or notice[1] != "kiosk.withdraw.done"):
        notice = ("error", "kiosk.withdraw.blocked", {})
    if notice:  # outside the expander, so it shows even if the expander is folded
        level, key, params = notice
        getattr(st, level)(t(key, **params))


def _withdraw() -> None:
    code = state.get(state.KIOSK_WITHDRAW_CODE) or ""
    if state.kiosk_withdraw_failures() >= MAX_WITHDRAW_FAILURES:
        return
    if not looks_like_receipt(code):
        state.set_kiosk_withdraw_notice("warning", "kiosk.withdraw.malformed")
        return
    from storage import stories

    def unit() -> bool:
        with deps.writing() as session:
            return stories.withdraw_story(session, code, now=deps.now())

    try:
        done = retry_when_locked(unit)
    except OperationalError as err:
        if not is_locked_error(err):
            raise
        state.set_kiosk_withdraw_notice("error", "kiosk.error.busy")
        return
    state.put(state.KIOSK_WITHDRAW_CODE, "")
    if done:
        state.set_kiosk_withdraw_notice("success", "kiosk.withdraw.done")
        return
    left = MAX_WITHDRAW_FAILURES - state.add_kiosk_withdraw_failure()
    if left > 0:
        state.set_kiosk_withdraw_notice("warning", "kiosk.withdraw.unknown", left=left)


# ---------------------------------------------------------------- submit

@dataclass(frozen=True)
class Submission:
    draft: StoryDraft
    photo: PhotoResult | None


def submit(work_session: WorkSession, area: KioskArea, submission: Submission) -> None:
    """Validate, store (retrying a locked database) and show the receipt; on any refusal the draft stays."""
    try:
        valid = validate_draft(submission.draft, kinds=work_session.kinds, themes=work_session.themes,
                               buurt_codes=area.codes, locate=area.locate, max_chars=work_session.settings.max_chars)
        if submission.photo is not None and submission.photo.error is not None:
            raise submission.photo.error
        photo = submission.photo.photo if submission.photo else None
        with st.spinner(t("kiosk.sending")):
            receipt = retry_when_locked(lambda: _store(work_session, valid, photo))
    except SubmissionRejected as err:
        st.error(error_text(err))
        return
    except OperationalError as err:
        if not is_locked_error(err):
            raise
        st.error(t("kiosk.error.busy"))
        return
    state.kiosk_finish(receipt)
    st.rerun()


def _store(work_session: WorkSession, valid, photo) -> Receipt:
    from storage import stories

    with deps.writing() as session:  # storage refuses a session closed since this page was drawn
        return stories.submit_story(session, work_session, valid, now=deps.now(), photo=photo)
