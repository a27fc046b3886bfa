#!/usr/bin/env bash
# Install tracklake with its development tools and run lint, type checks and the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/services.sh

PYTHON=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".[dev]"

.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy
.venv/bin/pytest "$@"
