#!/usr/bin/env bash
# Installs (with apt-get, Debian 12) the real third-party tools used by the feed-parser
# test harness in test/support/feed-parsers/. Idempotent: installs only what is missing,
# runs `apt-get update` at most once and only when something is missing.
#
#   xmllint            libxml2-utils        well-formedness of Atom / RSS
#   jing               jing                 RELAX NG (RFC 4287) validation of Atom
#   newsboat           newsboat             a real feed reader, read non-interactively
#   /usr/bin/python3   python3              Debian's python (pyenv's python3 lacks Debian modules)
#     + feedparser     python3-feedparser   the Universal Feed Parser
#     + sqlite3        (stdlib)             to read newsboat's cache
#   /usr/bin/chromium  chromium             headless page tests
set -euo pipefail

missing=()
have_cmd() { command -v "$1" >/dev/null 2>&1; }

have_cmd xmllint || missing+=(libxml2-utils)
have_cmd jing || missing+=(jing)
have_cmd newsboat || missing+=(newsboat)
if [ ! -x /usr/bin/python3 ]; then
  missing+=(python3 python3-feedparser)
elif ! /usr/bin/python3 -c 'import feedparser, sqlite3' >/dev/null 2>&1; then
  missing+=(python3-feedparser)
fi
[ -x /usr/bin/chromium ] || missing+=(chromium)

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-test-tools: all test tools present (xmllint, jing, newsboat, /usr/bin/python3+feedparser, chromium)"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install-test-tools: missing test tools; run as root: apt-get install -y --no-install-recommends ${missing[*]}" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
echo "install-test-tools: installing: ${missing[*]}"
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

# Verify that what we needed is really there now.
have_cmd xmllint && have_cmd jing && have_cmd newsboat && [ -x /usr/bin/chromium ] \
  && /usr/bin/python3 -c 'import feedparser, sqlite3' \
  || { echo "install-test-tools: installation incomplete" >&2; exit 1; }
echo "install-test-tools: installed: ${missing[*]}"
