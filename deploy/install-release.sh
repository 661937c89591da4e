#!/usr/bin/env bash
# Install an unpacked release without internet: ./deploy/install-release.sh (in /opt/beteiligung-<version>).
# Then once per release: flask --app beteiligung db upgrade (see README, "Betrieb im Rechenzentrum").
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/pip install --quiet --no-index --find-links wheels setuptools wheel
.venv/bin/pip install --quiet --no-index --find-links wheels -c constraints.txt --no-build-isolation -e .
echo "Installiert in $(pwd)/.venv"
