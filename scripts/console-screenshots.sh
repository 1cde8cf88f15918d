#!/usr/bin/env bash
# Writes the web console's main pages to docs/console/*.png: the console's e2e test run with
# SKIFF_CONSOLE_SCREENSHOTS=1 (a server of its own, real containers, headless chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
SKIFF_CONSOLE_SCREENSHOTS=1 flock /tmp/skiff-e2e.lock .venv/bin/pytest -q -p no:cacheprovider tests/e2e/test_console.py "$@"
ls -l docs/console/*.png
