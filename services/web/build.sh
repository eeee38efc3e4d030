#!/usr/bin/env bash
# The pages' build step, run by `make setup` (so by `make dev` and `make test`):
#   bash services/web/build.sh            the static assets: Det Fælles Designsystem (CSS, fonts, icons, JS),
#                                         htmx and axe-core from the npm registry (`npm ci`, locked), copied into
#                                         src/web_service/static/vendor (gitignored); the libraries WeasyPrint
#                                         needs for the PDF (Pango) when they are missing.
#   bash services/web/build.sh chromium   Debian's Chromium for the browser tests, when /usr/bin/chromium is missing.
# Nothing is fetched at run time: the pages serve these files themselves.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
vendor="$here/src/web_service/static/vendor"
stamp="$vendor/.build-stamp"

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo -n "$@"; else return 1; fi
}

apt_install() {
  command -v apt-get >/dev/null 2>&1 || return 1
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null &&
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

chromium() {
  if [ -x /usr/bin/chromium ]; then return 0; fi
  echo "web: installing Debian's chromium for the browser tests…" >&2
  if ! apt_install chromium fonts-dejavu-core; then
    echo "web: could not install chromium (needs root and apt-get); the browser tests need /usr/bin/chromium" >&2
    return 1
  fi
}

pdf_libraries() {
  # WeasyPrint draws the PDF with Pango (and HarfBuzz, FreeType, fontconfig under it).
  if ldconfig -p 2>/dev/null | grep -q 'libpangoft2-1.0.so.0'; then return 0; fi
  echo "web: installing Pango for the PDF (WeasyPrint)…" >&2
  apt_install libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core ||
    echo "web: Pango is missing and could not be installed; the PDF download will answer 503" >&2
}

assets() {
  local want
  want="$(cat "$here/package-lock.json" "$0" | sha256sum | cut -c1-64)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then return 0; fi
  if ! command -v npm >/dev/null 2>&1; then
    echo "web: installing npm (Debian's) for the pages' assets…" >&2
    apt_install nodejs npm || { echo "web: npm is needed to build the pages' assets" >&2; exit 1; }
  fi
  echo "web: installing the pages' assets (dkfds, htmx, axe-core)…" >&2
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  local modules="$here/node_modules"
  rm -rf "$vendor"
  mkdir -p "$vendor/dkfds/fonts/IBMPlexSans" "$vendor/htmx" "$vendor/axe"
  cp -R "$modules/dkfds/dist/css" "$modules/dkfds/dist/js" "$modules/dkfds/dist/img" "$vendor/dkfds/"
  cp -R "$modules/dkfds/dist/fonts/IBMPlexSans/complete" "$vendor/dkfds/fonts/IBMPlexSans/"
  cp "$modules/dkfds/dist/LICENSE.md" "$vendor/dkfds/"
  cp "$modules/htmx.org/dist/htmx.min.js" "$modules/htmx.org/LICENSE" "$vendor/htmx/"
  cp "$modules/axe-core/axe.min.js" "$modules/axe-core/LICENSE" "$vendor/axe/"
  echo "$want" >"$stamp"
}

case "${1:-assets}" in
  assets) assets; pdf_libraries ;;
  chromium) chromium ;;
  *) echo "usage: build.sh [assets|chromium]" >&2; exit 2 ;;
esac
