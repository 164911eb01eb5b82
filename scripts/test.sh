#!/usr/bin/env bash
# Set up, then run the whole test suite (the wheel test included).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test
.venv/bin/python -m pytest "$@"
