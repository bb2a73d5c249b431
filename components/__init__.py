"""Streamlit-aware pieces: dependencies, state, translations, maps, charts."""
