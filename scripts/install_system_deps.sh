#!/usr/bin/env bash
# Installs the Debian packages the test suite needs: chromium (browser tests), postgresql (database tests),
# bubblewrap (the take-home sandbox), redis-server (the server-backed job queue), poppler-utils (pdftotext reads
# the PDF reports back) and TTF fonts (CJK glyphs for names in PDF reports). Idempotent: does nothing when all are present.
# Runs apt-get as root, or through sudo when available.
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v bwrap >/dev/null 2>&1 || need+=(bubblewrap)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
command -v setpriv >/dev/null 2>&1 || need+=(util-linux)
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
[ -f /usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf ] || need+=(fonts-droid-fallback)
if [ ${#need[@]} -eq 0 ]; then
  echo "system packages present: chromium, postgresql, bubblewrap, redis-server, poppler-utils, fonts"
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "need root (or sudo) to install: ${need[*]}" >&2; exit 1; fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${need[@]}"
