#!/usr/bin/env bash
# Installs everything the tests need (Python packages, Debian's Chromium for the browser
# tests, configurable-http-proxy from npm for the JupyterHub tests), then runs the linter
# and every test. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null 2>&1; then
  echo "== installing Chromium from Debian's packages"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi

if ! command -v configurable-http-proxy >/dev/null 2>&1; then
  echo "== installing configurable-http-proxy from npm (for the JupyterHub tests)"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  if ! command -v npm >/dev/null 2>&1; then
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq nodejs npm >/dev/null
  fi
  $SUDO npm install --global --silent --no-fund --no-audit configurable-http-proxy >/dev/null
fi

echo "== installing dllab with its test needs"
python -m pip install --quiet --disable-pip-version-check -e ".[test]"

echo "== ruff"
python -m ruff check dllab tests benchmarks notebooks
python -m ruff format --check dllab tests benchmarks notebooks

echo "== pytest"
python -m pytest -ra "$@"
