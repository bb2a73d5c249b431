"""Sign-in for facilitators and analysts, and the guard every restricted page calls first."""
from __future__ import annotations

import time

import streamlit as st

from components import deps, state
from components.i18n import t
from domain.auth import ANALYST, FACILITATOR, is_valid_hash, seconds_until_allowed, verify_password
from domain.roles import may_open
from storage import auth as auth_store


def configured_roles() -> dict[str, str]:
    """Role → password hash, for the roles that have a (well-formed) hash configured."""
    settings = deps.settings()
    hashes = {FACILITATOR: settings.facilitator_password_hash, ANALYST: settings.analyst_password_hash}
    return {role: value for role, value in hashes.items() if is_valid_hash(value)}


def attempt_sign_in(role: str, password: str, actor: str) -> tuple[bool, str]:
    """Check a password with the slow-down after repeated failures; returns (ok, message)."""
    stored = configured_roles().get(role)
    now = deps.now()
    with deps.writing() as session:
        wait = seconds_until_allowed(auth_store.recent_failures(session, role, now=now), now)
        if wait:
            return False, t("auth.wait", seconds=wait)
        ok = verify_password(password, stored)
        auth_store.record_attempt(session, role, succeeded=ok, now=now)
    if not ok:
        time.sleep(0.5)  # a small fixed cost per wrong guess on top of the growing delay
        return False, t("auth.wrong")
    state.sign_in(role, " ".join(actor.split())[:60] or t(f"auth.role.{role}"))
    return True, ""


def render_sign_in(*, key: str = "auth") -> None:
    roles = configured_roles()
    if not roles:
        st.warning(t("auth.not_configured"))
        st.code("./.venv/bin/python -m storage.cli hash-password --role facilitator\n"
                "# → zet de regel in .streamlit/secrets.toml (zie secrets.toml.example)\n"
                "#   of: export BUURTBEELD_FACILITATOR_PASSWORD_HASH='scrypt$…'", language="bash")
        return
    with st.form(f"{key}.form", clear_on_submit=True):
        role = st.radio(t("auth.role"), list(roles), format_func=lambda r: t(f"auth.role.{r}"), horizontal=True,
                        key=f"{key}.form.role")
        actor = st.text_input(t("auth.name"), max_chars=60, key=f"{key}.form.name", help=t("auth.name_help"))
        password = st.text_input(t("auth.password"), type="password", key=f"{key}.form.password")
        submitted = st.form_submit_button(t("auth.submit"), type="primary")
    if submitted:
        ok, message = attempt_sign_in(role, password, actor)
        if ok:
            st.rerun()
        st.error(message)


def require(page_id: str) -> None:
    """Stop the page unless the signed-in role may open it (pages not in the menu can still be typed in)."""
    if may_open(state.signed_in_role(), page_id):
        return
    st.title(t("auth.closed_title"))
    st.info(t("auth.closed_body"))
    render_sign_in(key=f"auth.{page_id}")
    st.stop()


def render_signed_in_sidebar() -> None:
    role = state.signed_in_role()
    if role:
        st.caption(t("auth.signed_in_as", name=state.actor_name(), role=t(f"auth.role.{role}")))
        if st.button(t("auth.sign_out"), key="auth.sign_out", icon=":material/logout:"):
            state.sign_out()
            st.rerun()
