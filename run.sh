#!/usr/bin/env bash
# Start Buurtbeeld on the embedded default (SQLite file in data/ + the demo municipality).
# Extra arguments go to `streamlit run`, e.g. ./run.sh --server.port 8600
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/setup.sh
.venv/bin/python -m storage.cli init
exec .venv/bin/python -m streamlit run app.py "$@"
