"""Settings are a pure function of the environment and secrets.toml (README, "Configuration"): the environment
wins, `APP_DB_URL` and `BUURTBEELD_DATABASE_URL` both name the database, empty values count as unset, and a
shown copy never holds a secret."""
import pytest

from storage.config import DEFAULT_DB_PATH, load_settings

PG = "postgresql+psycopg://bb:geheim@db/bb"

# (environment, secrets.toml, expected database_url)
DATABASE_URLS = [
    ({}, {}, f"sqlite:///{DEFAULT_DB_PATH}"),
    ({}, {"database_url": PG}, PG),
    ({"BUURTBEELD_DATABASE_URL": "sqlite:///env.db"}, {"database_url": PG}, "sqlite:///env.db"),
    ({"APP_DB_URL": "sqlite:///app.db"}, {"database_url": PG}, "sqlite:///app.db"),
    ({"APP_DB_URL": "sqlite:///app.db", "BUURTBEELD_DATABASE_URL": "sqlite:///env.db"}, {}, "sqlite:///app.db"),
    ({"APP_DB_URL": "", "BUURTBEELD_DATABASE_URL": ""}, {"database_url": PG}, PG),  # empty is unset
]


@pytest.mark.parametrize(("environ", "secrets", "expected"), DATABASE_URLS)
def test_which_database(environ, secrets, expected):
    assert load_settings(environ, secrets).database_url == expected


@pytest.mark.parametrize(("environ", "secrets", "expected"), [
    ({}, {}, "http://localhost:8501"),
    ({}, {"public_base_url": "http://10.0.0.5:8501/"}, "http://10.0.0.5:8501"),  # one slash less, not two
    ({"BUURTBEELD_PUBLIC_BASE_URL": "http://192.168.1.20:8501"}, {"public_base_url": "http://10.0.0.5:8501"},
     "http://192.168.1.20:8501"),
])
def test_the_address_residents_reach(environ, secrets, expected):
    assert load_settings(environ, secrets).public_base_url == expected


@pytest.mark.parametrize(("environ", "secrets", "expected"), [
    ({}, {}, "nl"),
    ({}, {"default_language": "en"}, "en"),
    ({"BUURTBEELD_DEFAULT_LANGUAGE": "nl"}, {"default_language": "en"}, "nl"),
    ({"BUURTBEELD_DEFAULT_LANGUAGE": "fr"}, {}, "nl"),  # only nl and en run the whole app
])
def test_the_default_language(environ, secrets, expected):
    assert load_settings(environ, secrets).default_language == expected


def test_every_other_setting_follows_the_same_precedence():
    secrets = {"facilitator_password_hash": "scrypt$from-secrets", "analyst_password_hash": "scrypt$a",
               "tile_url": "https://tiles/{z}/{x}/{y}.png", "simplify_tolerance_m": 12}
    environ = {"BUURTBEELD_FACILITATOR_PASSWORD_HASH": "scrypt$from-env", "BUURTBEELD_SIMPLIFY_TOLERANCE_M": "2.5"}
    settings = load_settings(environ, secrets)
    assert (settings.facilitator_password_hash, settings.analyst_password_hash) == ("scrypt$from-env", "scrypt$a")
    assert (settings.tile_url, settings.simplify_tolerance_m) == ("https://tiles/{z}/{x}/{y}.png", 2.5)
    assert load_settings({}, None).facilitator_password_hash is None


def test_the_shown_copy_hides_secrets_and_the_database_password():
    shown = load_settings({"APP_DB_URL": PG, "BUURTBEELD_ANALYST_PASSWORD_HASH": "scrypt$x"}).redacted()
    assert shown["database_url"] == "postgresql+psycopg://bb:***@db/bb"
    assert shown["analyst_password_hash"] == "***" and shown["facilitator_password_hash"] is None
    assert "geheim" not in repr(shown)
