"""Persistence: SQLAlchemy 2.x models, repositories that take a session and return plain data."""
