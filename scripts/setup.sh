#!/usr/bin/env bash
# Shared by run.sh and test.sh: a virtualenv with the pinned requirements, installed only when they change.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "Buurtbeeld: creating .venv / virtuele omgeving maken…"
  "$PYTHON" -m venv .venv
fi
wanted=$(sha256sum requirements.txt | cut -d' ' -f1)
if [ "$(cat .venv/.requirements.sha 2>/dev/null)" != "$wanted" ]; then
  echo "Buurtbeeld: installing requirements / pakketten installeren…"
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
  echo "$wanted" > .venv/.requirements.sha
fi
