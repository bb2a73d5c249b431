"""`python -m storage.cli init` and `hash-password`, the commands README's quick start and run.sh rely on."""
from __future__ import annotations

import getpass
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select, text

from domain.auth import verify_password
from storage import areas, cli, sessions
from storage.db import make_session_factory, read_scope, write_scope
from storage.tables import MunicipalityRow, SessionRow


def _counts(url: str) -> tuple[int, int, str]:
    factory = make_session_factory(url)
    try:
        with read_scope(factory) as s:
            return (s.scalar(select(func.count()).select_from(MunicipalityRow)),
                    s.scalar(select(func.count()).select_from(SessionRow)),
                    s.scalar(text("SELECT version_num FROM alembic_version")))
    finally:
        factory.kw["bind"].dispose()


def test_init_migrates_loads_the_demo_once_and_leaves_real_data_alone(db_url, db_backend, capsys):
    if db_backend == "sqlite":  # a file nothing has touched yet, as on a fresh laptop
        db_url = db_url.replace("test.db", "fresh.db")
    assert cli.main(["--database-url", db_url, "init"]) == 0
    assert "Voorbeeldstad" in capsys.readouterr().out
    municipalities, work_sessions, revision = _counts(db_url)
    assert municipalities == 1 and work_sessions >= 1 and revision
    assert cli.main(["--database-url", db_url, "init"]) == 0  # run.sh calls it on every start
    assert "Database ready" in capsys.readouterr().out
    assert _counts(db_url) == (municipalities, work_sessions, revision)
    factory = make_session_factory(db_url)
    try:
        with write_scope(factory) as s:  # a facilitator's own session in the demo municipality survives a reload
            own = sessions.create_session(s, title="Eigen avond", municipality_id=areas.active_municipality(s).id,
                                          area_codes=[], actor="fac", now=datetime.now(UTC))
        assert cli.main(["--database-url", db_url, "init", "--force-demo"]) == 0
        with read_scope(factory) as s:
            assert areas.active_municipality(s).code == "GM9999"
            assert sessions.get_session(s, own.id).title == "Eigen avond"
            assert s.scalar(select(func.count()).select_from(SessionRow)) == work_sessions + 1
    finally:
        factory.kw["bind"].dispose()


@pytest.mark.parametrize(("typed", "code", "said"), [
    (["wijkavond-2026!", "wijkavond-2026!"], 0, None),
    (["wijkavond-2026!", "wijkavond-2027!"], 2, "verschillen"),
    (["", ""], 2, "leeg"),
    (["kort", "kort"], 2, "minstens 10"),
])
def test_hash_password_asks_twice_and_prints_a_hash_that_signs_in(monkeypatch, capsys, typed, code, said):
    answers = iter(typed)
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": next(answers))
    assert cli.main(["hash-password", "--role", "analyst"]) == code
    out, err = capsys.readouterr()
    if code:
        assert said in err and out == ""
        return
    key, _, quoted = out.strip().partition(" = ")
    assert key == "analyst_password_hash" and verify_password(typed[0], quoted.strip('"'))
    assert "BUURTBEELD_ANALYST_PASSWORD_HASH" in err
    assert typed[0] not in out + err
