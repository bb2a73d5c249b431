"""Dependency arrows go one way (pages → components → domain/storage, storage → domain): domain imports no framework and no project layer,
storage never imports Streamlit. Checked by importing in a clean interpreter and by reading the source
(the second also catches imports hidden inside functions and names the line)."""
from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = {
    "domain": {"streamlit", "sqlalchemy", "alembic", "storage", "components", "pages"},
    "storage": {"streamlit", "components", "pages"},
}


def modules_of(package: str) -> list[str]:
    return [package] + sorted(f"{package}.{p.stem}" for p in (REPO_ROOT / package).glob("*.py")
                              if p.stem != "__init__")


def loaded_after_import(modules: list[str]) -> set[str]:
    code = ("import importlib, json, sys\n"
            f"for name in {modules!r}: importlib.import_module(name)\n"
            "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))")
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_importing_the_package_loads_no_forbidden_module(package):
    loaded = loaded_after_import(modules_of(package))
    assert not (loaded & FORBIDDEN[package]), f"{package}/ pulled in {sorted(loaded & FORBIDDEN[package])}"


def imported_roots(path: Path) -> list[tuple[str, int]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(alias.name.split(".")[0], node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module.split(".")[0], node.lineno))
    return found


@pytest.mark.parametrize("path", [p for package in sorted(FORBIDDEN) for p in sorted((REPO_ROOT / package).glob("*.py"))],
                         ids=lambda p: f"{p.parent.name}/{p.name}")
def test_source_has_no_forbidden_import(path):
    forbidden = FORBIDDEN[path.parent.name]
    offending = [f"{path.parent.name}/{path.name}:{line} imports {root}"
                 for root, line in imported_roots(path) if root in forbidden]
    assert not offending, "\n".join(offending)
