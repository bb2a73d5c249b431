"""The exports page's backup section, for facilitators only: a full backup of one werksessie (personal data) to
download, and a restore from such a file with a summary of what came back. The format and its checks live in
domain/backup.py, the reading and writing in storage/backup.py."""
from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import streamlit as st

from components import deps, state
from components.i18n import t
from domain.backup import (
    MAX_BACKUP_BYTES,
    BackupRejected,
    RestoreResult,
    backup_file_name,
    read_backup,
)
from domain.roles import may_open
from domain.sessions import WorkSession
from storage import backup as backup_store

COUNTS = ("stories", "photos", "themes", "votes", "actions", "audit_events")


def render_backup(work_sessions: Sequence[WorkSession]) -> None:
    """Nothing at all for analysts: they may not take the personal data of a session home."""
    if not may_open(state.signed_in_role(), "session_backup"):
        return
    restored = state.backup_restored()
    with st.expander(t("exports.backup.title"), icon=":material/settings_backup_restore:",
                     expanded=not work_sessions or restored is not None):
        st.warning(t("exports.backup.privacy"), icon=":material/lock:")
        if work_sessions:
            _render_make(work_sessions)
        _render_restore(restored)


def _render_make(work_sessions: Sequence[WorkSession]) -> None:
    st.subheader(t("exports.backup.make_title"), anchor=False)
    st.caption(t("exports.backup.make_help"))
    by_id = {s.id: s for s in work_sessions}
    if state.get(state.BACKUP_SESSION) not in by_id:
        current = state.facilitator_session()
        state.put(state.BACKUP_SESSION, current if current in by_id else work_sessions[0].id)
    chosen = st.selectbox(t("exports.backup.session"), list(by_id), key=state.BACKUP_SESSION,
                          format_func=lambda i: f"{by_id[i].title} · {by_id[i].code}")
    # Built when clicked (a deferred download), so the file never sits in the session state; the name carries the
    # time of this run, the manifest inside the exact moment of the read.
    code = by_id[chosen].code
    build = _deferred_backup(deps.session_factory(), code, state.actor_name())
    st.download_button(t("exports.backup.download"), build, file_name=backup_file_name(code, deps.now()),
                       mime="application/zip", key="exports.download.backup", icon=":material/download:",
                       on_click="ignore", type="primary")
    st.caption(t("exports.backup.made_help"))


def _deferred_backup(factory, code: str, actor: str):
    """What the download button runs when clicked, in a server thread outside the script run: no st. calls or
    session state in it, only what was captured here. It writes the audit row of the backup it builds."""
    def build() -> bytes:
        return backup_store.make_backup(factory, code, actor=actor, now=deps.now).data

    return build


def _render_restore(restored: RestoreResult | None) -> None:
    st.subheader(t("exports.backup.restore_title"), anchor=False)
    st.caption(t("exports.backup.restore_help"))
    upload = st.file_uploader(t("exports.backup.upload"), type=["zip"], key="exports.backup.upload",
                              max_upload_size=MAX_BACKUP_BYTES // (1024 * 1024))
    if st.button(t("exports.backup.restore"), key="exports.backup.restore", disabled=upload is None,
                 icon=":material/settings_backup_restore:"):
        try:
            archive = read_backup(upload.getvalue())  # checked before the write lock: kiosks keep sending
            with deps.writing() as db:
                result = backup_store.restore_session(db, archive, actor=state.actor_name(), now=deps.now())
        except BackupRejected as err:
            st.error(f"{err.user_message}\n\n{t('exports.backup.untouched')}")
        else:
            state.set_backup_restored(result)
            st.rerun()  # the page's session lists were read before the restore
    if restored is not None:
        _render_summary(restored)


def _render_summary(result: RestoreResult) -> None:
    st.success(t("exports.backup.restored", code=result.code))
    rows = [(t("exports.backup.row.title"), result.title), (t("exports.backup.row.code"), result.code),
            (t("exports.backup.row.original_code"), result.original_code),
            (t("exports.backup.row.municipality"), f"{result.municipality_name} ({result.municipality_code})"),
            *[(t(f"exports.backup.count.{part}"), str(result.counts[part])) for part in COUNTS]]
    # A dataframe shows the title as plain text, whatever a facilitator typed into it.
    st.dataframe(pd.DataFrame(rows, columns=[t("exports.backup.col.what"), t("exports.backup.col.value")]),
                 hide_index=True)
    for note in result.notes:
        st.info(note.en if state.language() == "en" else note.nl)
