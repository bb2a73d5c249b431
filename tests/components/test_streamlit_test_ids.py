"""Every Streamlit test id our CSS hides or styles, and every one a browser test looks for, exists in the
installed Streamlit's frontend. A selector on an id Streamlit does not have matches nothing, so CSS meant to hide
a way out of the kiosk would hide nothing, and a browser test that it is hidden could not fail."""
import re
from pathlib import Path

import pytest
import streamlit

from testsupport import REPO_ROOT

FRONTEND = Path(streamlit.__file__).parent / "static"
IN_CSS = re.compile(r'data-testid="(st[A-Za-z]+)"')
IN_TESTS = re.compile(r'get_by_test_id\("(st[A-Za-z]+)"\)')


def _used() -> dict[str, set[str]]:
    used: dict[str, set[str]] = {}
    sources = [(p, IN_CSS) for folder in ("components", "pages") for p in (REPO_ROOT / folder).glob("*.py")]
    sources += [(REPO_ROOT / "app.py", IN_CSS)] + [(p, IN_TESTS) for p in (REPO_ROOT / "tests").rglob("*.py")]
    for path, pattern in sources:
        for test_id in pattern.findall(path.read_text()):
            used.setdefault(test_id, set()).add(str(path.relative_to(REPO_ROOT)))
    return used


@pytest.fixture(scope="module")
def frontend_test_ids() -> set[str]:
    bundle = "\n".join(p.read_text(errors="replace") for p in FRONTEND.rglob("*.js"))
    return set(re.findall(r"`(st[A-Za-z]+)`", bundle)) | set(re.findall(r'"(st[A-Za-z]+)"', bundle))


def test_the_frontend_bundle_is_where_this_test_looks(frontend_test_ids):
    assert {"stSidebar", "stHeader", "stExpandSidebarButton", "stMainBlockContainer"} <= frontend_test_ids


def test_every_test_id_we_use_exists_in_this_streamlit(frontend_test_ids):
    used = _used()
    assert len(used) > 10, "the scan found almost nothing: check the patterns"
    unknown = {test_id: sorted(where) for test_id, where in used.items() if test_id not in frontend_test_ids}
    assert unknown == {}, f"not in streamlit {streamlit.__version__}'s frontend"
