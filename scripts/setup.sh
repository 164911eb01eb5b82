#!/usr/bin/env bash
# Make .venv: torch 2.13.0 (the CPU build) first, so that nothing pulls a
# CUDA build, then torchcrepe in editable mode with the given extras.
#   scripts/setup.sh [EXTRAS]      e.g. scripts/setup.sh plot
set -euo pipefail
cd "$(dirname "$0")/.."
extras=${1:-test}
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check torch==2.13.0
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".[$extras]"
