"""Buurtbeeld: page config, settings, navigation per role and the shared frame. Nothing else lives here."""
import streamlit as st

from components import auth, deps, kiosk, navigation, state
from components.i18n import available_languages, t

st.set_page_config(page_title="Buurtbeeld", page_icon=deps.app_icon(), layout="wide")
deps.local_assets_installed()

if kiosk.requested():  # resident kiosk/phone: only the kiosk page, no sidebar, no way out (issue 3)
    kiosk.run_kiosk_app()
    st.stop()

languages = available_languages()
state.setdefault(state.LANGUAGE, deps.settings().default_language)
with st.sidebar:
    st.markdown(f"### {t('app.title')}")
    st.caption(t("app.tagline"))
    st.selectbox(t("app.language"), list(languages), key=state.LANGUAGE, format_func=languages.get)
    auth.render_signed_in_sidebar()

st.navigation(navigation.build_pages(state.signed_in_role())).run()
