#!/usr/bin/env bash
# Build dist/beteiligung-<version>.tar.gz: the committed tree (without tests), the built front-end assets
# (static/vendor) and wheels of every runtime dependency, so that deploy/install-release.sh needs neither npm
# nor internet. RELEASE_WHEELS=0 leaves the wheels out (quick check); RELEASE_DIR sets the output folder.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
VERSION=$($PY -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')
NAME="beteiligung-$VERSION"
OUT=${RELEASE_DIR:-dist}
[ -f static/vendor/kern/kern.min.css ] || { echo "static/vendor fehlt: erst 'make assets'." >&2; exit 1; }
STAGE=$(mktemp -d)
trap 'rm -rf "$STAGE"' EXIT
git archive --format=tar --prefix="$NAME/" HEAD | tar -x -C "$STAGE"
rm -rf "$STAGE/$NAME/tests" "$STAGE/$NAME/.ci"
cp -r static/vendor "$STAGE/$NAME/static/vendor"
if [ "${RELEASE_WHEELS:-1}" != "0" ]; then
  $PY -c 'import tomllib; print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"]))' \
    > "$STAGE/requirements.txt"
  ${PIP:-.venv/bin/pip} wheel --quiet -c constraints.txt --wheel-dir "$STAGE/$NAME/wheels" \
    -r "$STAGE/requirements.txt" "setuptools>=77" wheel
fi
mkdir -p "$OUT"
tar -czf "$OUT/$NAME.tar.gz" -C "$STAGE" "$NAME"
echo "$OUT/$NAME.tar.gz"
