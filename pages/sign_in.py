"""Sign-in for facilitators and analysts (an offline password; st.login needs an online identity provider)."""
import streamlit as st

from components import auth, state
from components.i18n import t

st.title(t("auth.title"))
if state.signed_in_role():
    st.success(t("auth.signed_in_as", name=state.actor_name(), role=t(f"auth.role.{state.signed_in_role()}")))
else:
    st.write(t("auth.intro"))
    auth.render_sign_in()
