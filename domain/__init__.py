"""Pure domain logic for Buurtbeeld: no Streamlit, no SQLAlchemy, no project layer (tests/unit/test_architecture.py)."""
