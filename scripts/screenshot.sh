#!/usr/bin/env bash
# Start the app under a virtual X server (Xvfb), open a sample chest X-ray, wait for the full-resolution
# image and save a picture of the window to docs/screenshot.png (the README shows it).
#   bash scripts/screenshot.sh [IMAGE] [OUT.png]
# IMAGE defaults to ../shared/data/dicom_cr_chest/RG1_J2KR.dcm, or a generated DICOM when that is absent.
# SCREENSHOT_DELAY (seconds, default 5) lets the AI panels finish after the full-resolution image is shown.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
OUT=${2:-docs/screenshot.png}
IMAGE=${1:-../shared/data/dicom_cr_chest/RG1_J2KR.dcm}
if ! command -v xvfb-run >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends xvfb xauth
  else
    echo "xvfb-run is missing. Install it with: sudo apt-get install -y xvfb xauth" >&2
    exit 3
  fi
fi
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
if [ ! -f "$IMAGE" ]; then
  IMAGE="$TMP/sample.dcm"
  "$PY" -c "import sys; from pathlib import Path; from tests.gui.conftest import write_dicom; \
write_dicom(Path(sys.argv[1]), rows=1024, cols=880)" "$IMAGE"
fi
mkdir -p "$(dirname "$OUT")"
# A throw-away RADASSIST_HOME so the screenshot run never touches the user's settings or recent files.
RADASSIST_HOME="$TMP/home" QT_QPA_PLATFORM=xcb timeout 120 \
  xvfb-run -a -s "-screen 0 1600x1000x24" \
  "$PY" -m radassist gui --size 1440x900 --screenshot "$OUT" --screenshot-delay "${SCREENSHOT_DELAY:-5}" "$IMAGE"
echo "wrote $OUT"
