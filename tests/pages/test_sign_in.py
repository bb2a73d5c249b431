"""AppTest: the sign-in flow, the slow-down after failures, role-filtered navigation and sign-out."""
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


def test_wrong_passwords_slow_down(with_password):
    at = with_password.app_test("pages/sign_in.py").run()
    messages = []
    for _ in range(4):
        at.text_input(key="auth.form.password").input("fout")
        at.button[0].click().run()
        messages.append(at.error[0].value)
    assert "klopt niet" in messages[0]
    assert "Wacht" in messages[-1]  # the fourth try comes within the delay after three failures
    assert "auth.role" not in at.session_state
    # even the right password waits until the delay is over
    at.text_input(key="auth.form.password").input(PASSWORD)
    at.button[0].click().run()
    assert "auth.role" not in at.session_state


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
