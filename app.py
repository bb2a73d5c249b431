"""Buurtbeeld: page config, settings, navigation and the shared frame. Nothing else lives here."""
import streamlit as st

from components import deps, state
from components.i18n import available_languages, t

st.set_page_config(page_title="Buurtbeeld", page_icon=deps.app_icon(), layout="wide")
deps.local_assets_installed()

languages = available_languages()
with st.sidebar:
    st.markdown(f"### {t('app.title')}")
    st.caption(t("app.tagline"))
    state.setdefault(state.LANGUAGE, deps.settings().default_language)
    st.selectbox(t("app.language"), list(languages), key=state.LANGUAGE, format_func=languages.get)

pages = {
    t("nav.section.explore"): [
        st.Page("pages/statistics_map.py", title=t("nav.statistics"), icon=":material/map:",
                default=True),
    ],
    t("nav.section.data"): [
        st.Page("pages/data_import.py", title=t("nav.import"), icon=":material/upload_file:", url_path="import"),
    ],
}
st.navigation(pages).run()
