"""Pure domain logic for Buurtbeeld: no Streamlit, no SQLAlchemy (see HOUSE_STYLE)."""
