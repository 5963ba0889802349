#!/usr/bin/env bash
# Debian packages the test suite needs: chromium for the browser tests (never a browser downloaded by a test
# tool), poppler-utils (pdftoppm) and librsvg2-bin (rsvg-convert) to rasterise label PDFs and QR SVGs.
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium fonts-dejavu-core)
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
command -v rsvg-convert >/dev/null 2>&1 || need+=(librsvg2-bin)
# the operations tests start a private PostgreSQL server (initdb, pg_ctl) and use pg_dump / pg_restore
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || need+=(postgresql)
# the login limit's test starts a private Redis server on loopback
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
[ ${#need[@]} -eq 0 ] && exit 0
echo "Installing Debian packages for the tests: ${need[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "${need[@]}"
