"""Settings as a pure function of environment and secrets (datasette's resolve_env_secrets idea)."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_DB_PATH = PROJECT_DIR / "data" / "buurtbeeld.db"
SECRET_FIELDS = {"database_url", "facilitator_password_hash", "analyst_password_hash"}


@dataclass(frozen=True)
class Settings:
    database_url: str = f"sqlite:///{DEFAULT_DB_PATH}"
    default_language: str = "nl"
    # Optional online basemap; off by default because community centres are often offline.
    tile_url: str | None = None
    tile_attribution: str = ""
    simplify_tolerance_m: float = 5.0
    facilitator_password_hash: str | None = None
    analyst_password_hash: str | None = None
    # Where residents reach this app; the session QR codes and kiosk links start with it.
    public_base_url: str = "http://localhost:8501"

    def redacted(self) -> dict[str, object]:
        """Settings safe to show on screen: secrets replaced, passwords in URLs hidden."""
        shown: dict[str, object] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "database_url" and isinstance(value, str):
                shown[f.name] = redact_url(value)
            elif f.name in SECRET_FIELDS and value:
                shown[f.name] = "***"
            else:
                shown[f.name] = value
        return shown


def redact_url(url: str) -> str:
    """Hide the password in a database URL.

    Examples:
        >>> redact_url("postgresql+psycopg://bb:geheim@db:5432/bb")
        'postgresql+psycopg://bb:***@db:5432/bb'
        >>> redact_url("sqlite:///data/buurtbeeld.db")
        'sqlite:///data/buurtbeeld.db'
    """
    scheme, sep, rest = url.partition("://")
    if not sep or "@" not in rest:
        return url
    creds, at, host = rest.rpartition("@")
    user = creds.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}" if ":" in creds else url


def _pick(key: str, environ: Mapping[str, str], secrets: Mapping) -> str | None:
    env_key = f"BUURTBEELD_{key.upper()}"
    if environ.get(env_key):
        return environ[env_key]
    value = secrets.get(key)
    return str(value) if value not in (None, "") else None


def load_settings(environ: Mapping[str, str], secrets: Mapping | None = None) -> Settings:
    """Build settings from env vars (`BUURTBEELD_*`, `APP_DB_URL`) and Streamlit secrets; env wins."""
    secrets = secrets or {}
    values: dict[str, object] = {}
    db_url = environ.get("APP_DB_URL") or _pick("database_url", environ, secrets)
    if db_url:
        values["database_url"] = db_url
    for key in ("default_language", "tile_url", "tile_attribution",
                "facilitator_password_hash", "analyst_password_hash", "public_base_url"):
        picked = _pick(key, environ, secrets)
        if picked is not None:
            values[key] = picked
    tolerance = _pick("simplify_tolerance_m", environ, secrets)
    if tolerance is not None:
        values["simplify_tolerance_m"] = float(tolerance)
    if "public_base_url" in values:
        values["public_base_url"] = str(values["public_base_url"]).rstrip("/")
    if values.get("default_language") not in (None, "nl", "en"):
        values.pop("default_language")
    return Settings(**values)
