"""AppTest: the sign-in flow, the slow-down after failures, role-filtered navigation and sign-out."""
import re

import pytest

from domain.auth import hash_password

PASSWORD = "wijkavond-2026!"


@pytest.fixture
def with_password(app_env, monkeypatch):
    monkeypatch.setenv("BUURTBEELD_FACILITATOR_PASSWORD_HASH", hash_password(PASSWORD))
    return app_env


def test_without_a_password_the_app_says_how_to_set_one(app_env):
    at = app_env.app_test("pages/sign_in.py").run()
    assert not at.exception
    assert "BUURTBEELD_FACILITATOR_PASSWORD_HASH" in at.warning[0].value
    assert "hash-password" in at.code[0].value


def test_sign_in_and_out(with_password):
    at = with_password.app_test("pages/sign_in.py").run()
    at.text_input(key="auth.form.name").input("Anna")
    at.text_input(key="auth.form.password").input(PASSWORD)
    at.button[0].click().run()
    assert not at.exception
    assert at.session_state["auth.role"] == "facilitator" and at.session_state["auth.actor"] == "Anna"
    assert "Ingelogd als Anna" in at.success[0].value


def waiting(message: str | None) -> int | None:
    """The seconds a "wait" message asks for."""
    found = re.search(r"Wacht (\d+)", message or "")
    return int(found.group(1)) if found else None


def test_wrong_passwords_slow_down_until_the_delay_is_over(with_password, clock, monkeypatch):
    """On the app's own clock (the `clock` fixture), so no step depends on how fast this machine runs them."""
    from components import auth

    monkeypatch.setattr(auth.time, "sleep", lambda seconds: None)  # the fixed cost per wrong guess: not tested here
    at = with_password.app_test("pages/sign_in.py").run()

    def try_password(password: str) -> str | None:
        at.text_input(key="auth.form.password").input(password)
        at.button[0].click().run()
        assert not at.exception, at.exception
        return at.error[0].value if at.error else None

    messages = [try_password("fout") for _ in range(3)]
    assert all("klopt niet" in m for m in messages)
    assert waiting(try_password("fout")) == 2  # the fourth try, in the same second: 2 s after 3 failures
    clock.advance(1)
    assert waiting(try_password(PASSWORD)) == 1  # even the right password waits until the delay is over
    assert "auth.role" not in at.session_state
    clock.advance(1)
    assert try_password(PASSWORD) is None and at.session_state["auth.role"] == "facilitator"


def test_restricted_page_shows_sign_in_not_the_page(with_password):
    at = with_password.app_test("pages/data_import.py").run()
    assert at.title[0].value.startswith("Deze pagina is alleen")
    assert not at.get("file_uploader")


def test_navigation_lists_import_only_after_signing_in(with_password):
    at = with_password.app_test().run()
    assert not at.exception
    before = at.session_state["auth.role"] if "auth.role" in at.session_state else None
    assert before is None
    at.switch_page("pages/sign_in.py").run()
    at.text_input(key="auth.form.password").input(PASSWORD)
    at.button[0].click().run()
    assert at.session_state["auth.role"] == "facilitator"
    at.switch_page("pages/data_import.py").run()
    assert not at.exception and at.get("file_uploader")
    at.button(key="auth.sign_out").click().run()
    assert "auth.role" not in at.session_state
