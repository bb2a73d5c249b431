"""The only module that reads or writes `st.session_state`; keys are namespaced per page."""
from __future__ import annotations

import streamlit as st

LANGUAGE = "app.lang"
STATS_INDICATOR = "stats.indicator"
STATS_SCHEME = "stats.scheme"
STATS_CLASSES = "stats.classes"
STATS_SELECTED_BUURT = "stats.selected_buurt"
STATS_HANDLED_CLICK = "stats.handled_click"
STATS_HIDE_WATER = "stats.hide_water"


AUTH_ROLE = "auth.role"
AUTH_ACTOR = "auth.actor"


def signed_in_role() -> str | None:
    return st.session_state.get(AUTH_ROLE)


def actor_name() -> str:
    """Who the audit trail names for this browser session's acts."""
    return st.session_state.get(AUTH_ACTOR) or st.session_state.get(AUTH_ROLE) or "onbekend"


def sign_in(role: str, actor: str) -> None:
    st.session_state[AUTH_ROLE] = role
    st.session_state[AUTH_ACTOR] = actor


def sign_out() -> None:
    st.session_state.pop(AUTH_ROLE, None)
    st.session_state.pop(AUTH_ACTOR, None)
    st.session_state.pop(_BACKUP_RESTORED, None)  # the last restore's summary is the facilitator's, not the next user's


def language() -> str:
    return st.session_state.get(LANGUAGE, "nl")


def set_language(lang: str) -> None:
    st.session_state[LANGUAGE] = lang


def selected_buurt() -> str | None:
    return st.session_state.get(STATS_SELECTED_BUURT)


def set_selected_buurt(code: str | None) -> None:
    st.session_state[STATS_SELECTED_BUURT] = code


def take_new_click(key: str, click: dict | None) -> dict | None:
    """st_folium returns the same last click on every rerun; hand each click out once."""
    if not click or click == st.session_state.get(key):
        return None
    st.session_state[key] = click
    return click


def get(key: str, default=None):
    return st.session_state.get(key, default)


def put(key: str, value) -> None:
    st.session_state[key] = value


def setdefault(key: str, value):
    return st.session_state.setdefault(key, value)


# --- Data import page (components/import_form.py) ---------------------------------------------------------
# `kind` is "kwb" or "csv". Inspecting a national file takes about a second, so the result is memoised per
# session here (never in st.cache_*, which every session shares).

def import_upload(kind: str) -> tuple[str, str] | None:
    """(upload id, temp file path) of the file saved for this tab, if any."""
    return st.session_state.get(f"import.{kind}.saved_upload")


def set_import_upload(kind: str, upload: tuple[str, str] | None) -> None:
    st.session_state[f"import.{kind}.saved_upload"] = upload


def import_memo(kind: str, token: tuple, compute):
    """`compute()` once per `token` (file and choices) for this tab; exceptions are not memoised."""
    memo = st.session_state.setdefault(f"import.{kind}.memo", {})
    if token not in memo:
        if len(memo) >= 4:
            memo.pop(next(iter(memo)))
        memo[token] = compute()
    return memo[token]


def import_summary(kind: str):
    """The ImportSummary of this tab's last successful import, shown until the next upload."""
    return st.session_state.get(f"import.{kind}.summary")


def set_import_summary(kind: str, summary) -> None:
    st.session_state[f"import.{kind}.summary"] = summary


# --- Kiosk (components/kiosk.py, components/story_form.py) ----------------------------------------------
# Widget keys share the `kiosk.` namespace so AppTest can find them. The draft lives in the widgets; they
# are not drawn on the thank-you screen, so Streamlit forgets them there and the next resident starts clean.
KIOSK_LANG = "kiosk.lang"
KIOSK_MAP = "kiosk.map"
KIOSK_NO_MAP = "kiosk.no_map"
KIOSK_PIN_HERE = "kiosk.pin_here"
KIOSK_BUURT = "kiosk.buurt"
KIOSK_PLACE = "kiosk.place"
KIOSK_KIND = "kiosk.kind"
KIOSK_TEXT = "kiosk.text"
KIOSK_TOPIC = "kiosk.topic"
KIOSK_USE_CAMERA = "kiosk.use_camera"
KIOSK_PHOTO_FILE = "kiosk.photo_file"
KIOSK_PHOTO_CAMERA = "kiosk.photo_camera"
KIOSK_AGE = "kiosk.age"
KIOSK_RELATION = "kiosk.relation"
KIOSK_CONSENT = "kiosk.consent"
KIOSK_SUBMIT = "kiosk.submit"
KIOSK_AGAIN = "kiosk.again"
KIOSK_WITHDRAW_CODE = "kiosk.withdraw_code"
KIOSK_WITHDRAW = "kiosk.withdraw"
KIOSK_WITHDRAW_OPEN = "kiosk.withdraw_open"
KIOSK_JOIN_CODE = "kiosk.join_code"
KIOSK_JOIN = "kiosk.join"
KIOSK_HANDLED_CLICK = "kiosk.handled_click"
KIOSK_HANDLED_CENTER = "kiosk.handled_center"
_KIOSK_PIN = "kiosk.pin"
_KIOSK_RECENTRE = "kiosk.recentre"
_KIOSK_TOKEN = "kiosk.submission_token"
_KIOSK_RECEIPT = "kiosk.receipt"
_KIOSK_PHOTO_MEMO = "kiosk.photo_memo"
_KIOSK_WITHDRAW_FAILURES = "kiosk.withdraw_failures"
_KIOSK_WITHDRAW_NOTICE = "kiosk.withdraw_notice"
_KIOSK_DRAFT_WIDGETS = (KIOSK_NO_MAP, KIOSK_BUURT, KIOSK_PLACE, KIOSK_KIND, KIOSK_TEXT, KIOSK_TOPIC, KIOSK_PHOTO_FILE,
                        KIOSK_PHOTO_CAMERA, KIOSK_AGE, KIOSK_RELATION, KIOSK_CONSENT, KIOSK_WITHDRAW_CODE,
                        KIOSK_JOIN_CODE)


def kiosk_language(offered: list[str], requested: str | None, default: str) -> str:
    """The kiosk's language: the switch's value, else `?lang=`, else the default; also sets the app language."""
    current = st.session_state.get(KIOSK_LANG)
    if current not in offered:
        current = requested if requested in offered else default
        st.session_state[KIOSK_LANG] = current
    st.session_state[LANGUAGE] = current
    return current


def kiosk_pin() -> tuple[float, float] | None:
    return st.session_state.get(_KIOSK_PIN)


def set_kiosk_pin(point: tuple[float, float], *, recentre: bool) -> None:
    """Place the pin; `recentre` also asks the map to centre on it (after a tap, not after a pan)."""
    st.session_state[_KIOSK_PIN] = point
    if recentre:
        st.session_state[_KIOSK_RECENTRE] = point


def kiosk_recentre() -> tuple[float, float] | None:
    return st.session_state.get(_KIOSK_RECENTRE)


def kiosk_submission_token() -> str:
    """One token per draft: a second tap on "send" finds the first story instead of storing another."""
    import secrets

    return st.session_state.setdefault(_KIOSK_TOKEN, secrets.token_urlsafe(24))


def kiosk_photo_memo(upload_id: str, compute):
    """`compute()` once per uploaded file (a 15 MB photo is not re-encoded on every rerun)."""
    memo = st.session_state.get(_KIOSK_PHOTO_MEMO)
    if not memo or memo[0] != upload_id:
        memo = (upload_id, compute())
        st.session_state[_KIOSK_PHOTO_MEMO] = memo
    return memo[1]


def kiosk_finish(receipt) -> None:
    """The story is stored: keep only the receipt for the thank-you screen, forget the draft's own state.

    The last handled tap stays: the browser may send the old map value once more with the next run, and it
    must not place the previous resident's pin again."""
    for key in (_KIOSK_PIN, _KIOSK_RECENTRE, _KIOSK_TOKEN, _KIOSK_PHOTO_MEMO):
        st.session_state.pop(key, None)
    st.session_state[_KIOSK_RECEIPT] = receipt


def kiosk_receipt():
    return st.session_state.get(_KIOSK_RECEIPT)


def kiosk_start_again() -> None:
    st.session_state.pop(_KIOSK_RECEIPT, None)


def kiosk_is_blank(default_language: str) -> bool:
    """Nothing a resident entered or chose is on screen (the idle timer then has nothing to wipe).

    The vote screen is never blank: its idle reset is what ends a walked-away resident's voting visit."""
    if st.session_state.get(_KIOSK_RECEIPT) is not None or st.session_state.get(_KIOSK_PIN) is not None:
        return False
    if kiosk_vote_open() or _KIOSK_VOTE_TOKEN in st.session_state:
        return False
    if st.session_state.get(KIOSK_LANG, default_language) != default_language:
        return False
    return not any(st.session_state.get(key) for key in _KIOSK_DRAFT_WIDGETS)


def kiosk_withdraw_failures() -> int:
    return st.session_state.get(_KIOSK_WITHDRAW_FAILURES, 0)


def add_kiosk_withdraw_failure() -> int:
    st.session_state[_KIOSK_WITHDRAW_FAILURES] = kiosk_withdraw_failures() + 1
    return st.session_state[_KIOSK_WITHDRAW_FAILURES]


def set_kiosk_withdraw_notice(level: str, key: str, **params) -> None:
    st.session_state[_KIOSK_WITHDRAW_NOTICE] = (level, key, params)


def take_kiosk_withdraw_notice() -> tuple[str, str, dict] | None:
    """The outcome of the last withdrawal attempt, shown once."""
    return st.session_state.pop(_KIOSK_WITHDRAW_NOTICE, None)


# --- Facilitator (components/session_form.py, components/moderation_queue.py) ------------------------------
# Widget keys live under `sessions.` and `moderation.`; the session a facilitator works on is shared by both
# pages. Moderation acts run in widget callbacks, so the version a facilitator saw is bound when the button
# is drawn (not re-read when it is clicked) and a concurrent change is reported, never overwritten.
FACILITATOR_SESSION = "facilitator.session_id"
SESSIONS_VIEW = "sessions.view"
SESSIONS_PICK = "sessions.pick"
SESSIONS_EDIT = "sessions.edit"
SESSIONS_HANDLED_CLICK = "sessions.handled_click"
MODERATION_PICK = "moderation.session"
MODERATION_STATUS = "moderation.filter.status"
MODERATION_KIND = "moderation.filter.kind"
MODERATION_DIMENSION = "moderation.filter.dimension"
MODERATION_BUURT = "moderation.filter.buurt"
_SESSIONS_NEXT = "sessions.next"
_FLASH = "{page}.flash"
_MODERATION_LIMIT = "moderation.limit"


def facilitator_session() -> int | None:
    return st.session_state.get(FACILITATOR_SESSION)


def set_facilitator_session(session_id: int | None) -> None:
    st.session_state[FACILITATOR_SESSION] = session_id


def flash(page: str, level: str, message: str, story_id: int | None = None) -> None:
    """A message for the next run of `page` (`success`/`error`/`warning`), optionally tied to one story."""
    st.session_state[_FLASH.format(page=page)] = (level, message, story_id)


def take_flash(page: str) -> tuple[str, str, int | None] | None:
    return st.session_state.pop(_FLASH.format(page=page), None)


def peek_flash(page: str) -> tuple[str, str, int | None] | None:
    return st.session_state.get(_FLASH.format(page=page))


def request_widget_values(values: dict) -> None:
    """Set widget values at the start of the next run (a drawn widget's value cannot change in its own run)."""
    st.session_state.setdefault(_SESSIONS_NEXT, {}).update(values)


def apply_requested_widget_values() -> None:
    for key, value in st.session_state.pop(_SESSIONS_NEXT, {}).items():
        st.session_state[key] = value


def prefill(values: dict) -> None:
    """Initial widget values, set once (the widgets are then created without a default of their own)."""
    for key, value in values.items():
        st.session_state.setdefault(key, value)


def forget_widgets(prefix: str) -> None:
    for key in [k for k in st.session_state if isinstance(k, str) and k.startswith(prefix)]:
        del st.session_state[key]


def widget_value(key: str, default=None):
    return st.session_state.get(key, default)


def picked_stories(story_ids) -> list[int]:
    """Stories ticked for bulk approval (`moderation.pick.<id>` checkboxes)."""
    return [i for i in story_ids if st.session_state.get(f"moderation.pick.{i}")]


def untick_stories(story_ids) -> None:
    for story_id in story_ids:
        st.session_state.pop(f"moderation.pick.{story_id}", None)


def moderation_limit(default: int) -> int:
    return st.session_state.get(_MODERATION_LIMIT, default)


def show_more_stories(step: int, default: int) -> None:
    st.session_state[_MODERATION_LIMIT] = moderation_limit(default) + step


# --- Analysis page (components/analysis_view.py) ----------------------------------------------------------
# The selected buurt is set by the picker, a map click, a table row or a scatter point; each click-like
# source is handed out once (`take_new_click`) so the picker can still change it afterwards.
ANALYSIS_SESSIONS = "analysis.sessions"
ANALYSIS_INDICATOR = "analysis.indicator"
ANALYSIS_DIMENSION = "analysis.dimension"
ANALYSIS_ORIENTATION = "analysis.orientation"
ANALYSIS_MIN_STORIES = "analysis.min_stories"
ANALYSIS_BUURT = "analysis.buurt"
ANALYSIS_TABLE = "analysis.divergence_table"
ANALYSIS_SCATTER = "analysis.scatter"
ANALYSIS_MAPS = "analysis.maps"
ANALYSIS_WHO_SCOPE = "analysis.who_scope"
ANALYSIS_COMPARE_A = "analysis.compare_a"
ANALYSIS_COMPARE_B = "analysis.compare_b"
_ANALYSIS_PAIR_FOR = "analysis.pair_for"


def analysis_pair_widgets_for(indicator: str) -> bool:
    """True once per indicator change: the dimension/orientation widgets then take the pair's defaults."""
    if st.session_state.get(_ANALYSIS_PAIR_FOR) == indicator:
        return False
    st.session_state[_ANALYSIS_PAIR_FOR] = indicator
    return True


def set_analysis_buurt(code: str | None) -> None:
    st.session_state[ANALYSIS_BUURT] = code


# --- Projector / vision board (pages/facilitator_projector.py, pages/vision_board.py) ------------------------
PROJECTOR_SESSION = "projector.session"
PROJECTOR_INDICATOR = "projector.indicator"
PROJECTOR_FREEZE = "projector.freeze"
PROJECTOR_MAP = "projector.map"
_PROJECTOR_STAGE = "projector.stage"
_PROJECTOR_LAST_GOOD = "projector.last_good"
_PROJECTOR_FOCUS = "projector.focus"
_PROJECTOR_HANDLED_CLICK = "projector.handled_click"


def projector_stage() -> str:
    return st.session_state.get(_PROJECTOR_STAGE, "numbers")


def set_projector_stage(stage: str) -> None:
    st.session_state[_PROJECTOR_STAGE] = stage


def projector_frozen() -> bool:
    return bool(st.session_state.get(PROJECTOR_FREEZE, False))


def projector_last_good(session_id: int):
    """The last data the projector read for this session (shown while the database is unreachable)."""
    return (st.session_state.get(_PROJECTOR_LAST_GOOD) or {}).get(session_id)


def set_projector_last_good(session_id: int, data) -> None:
    st.session_state[_PROJECTOR_LAST_GOOD] = {session_id: data}


def projector_focus() -> str | None:
    return st.session_state.get(_PROJECTOR_FOCUS)


def set_projector_focus(code: str | None) -> None:
    st.session_state[_PROJECTOR_FOCUS] = code


def take_projector_click(click: dict | None) -> dict | None:
    return take_new_click(_PROJECTOR_HANDLED_CLICK, click)

VISION_SESSION = "vision.session"
VISION_STORIES = "vision.stories"
VISION_NAME = "vision.name"
_VISION_FLASH = "vision.flash"
_KIOSK_VOTE_TOKEN = "kiosk.vote_token"
_KIOSK_VOTE_OPEN = "kiosk.vote_open"


def vision_flash(level: str | None = None, text: str | None = None):
    """Set a one-off message (with arguments) or take it (without)."""
    if level is not None:
        st.session_state[_VISION_FLASH] = (level, text)
        return None
    return st.session_state.pop(_VISION_FLASH, None)


def kiosk_vote_token() -> str:
    """One voter token per voting visit (see components/kiosk_vote.py): the dot budget counts against it."""
    import secrets

    return st.session_state.setdefault(_KIOSK_VOTE_TOKEN, secrets.token_hex(16))


def end_kiosk_vote() -> None:
    """The resident is done voting: the next resident gets a new visit (and new dots)."""
    st.session_state.pop(_KIOSK_VOTE_TOKEN, None)
    st.session_state[_KIOSK_VOTE_OPEN] = False


def kiosk_vote_open() -> bool:
    return bool(st.session_state.get(_KIOSK_VOTE_OPEN))


def open_kiosk_vote() -> None:
    """A new voting visit: a token left over from any earlier visit is never carried into it."""
    st.session_state.pop(_KIOSK_VOTE_TOKEN, None)
    st.session_state[_KIOSK_VOTE_OPEN] = True


# --- Exports page (components/exports_view.py) -----------------------------------------------------------
EXPORTS_SCOPE = "exports.scope"
EXPORTS_ALL = "all"  # the scope option "every session of the active municipality"


# --- Exports page: werksessie backup and restore (components/backup_view.py) ---------------------------------
# No backup file is kept here: the download button builds it when clicked (components/backup_view.py).
BACKUP_SESSION = "exports.backup.session"
_BACKUP_RESTORED = "exports.backup.restored"


def backup_restored():
    return st.session_state.get(_BACKUP_RESTORED)


def set_backup_restored(result) -> None:
    st.session_state[_BACKUP_RESTORED] = result
