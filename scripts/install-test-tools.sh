#!/usr/bin/env bash
# Makes sure the machine has the real third-party tools the tests use, and installs the missing
# ones where it can. `npm test` runs it first (the `pretest` script), so `npm ci && npm test` is
# the whole set-up. Idempotent: with everything present it only looks; it runs `apt-get update` at
# most once and only when something is missing.
#
#   tool               Debian package            used for
#   java (17 or newer) openjdk-17-jre-headless   DynamoDB Local (the store of the integration tests)
#   xmllint            libxml2-utils             well-formedness of Atom / RSS
#   jing               jing                      RELAX NG (RFC 4287) validation of Atom
#   newsboat           newsboat                  a real feed reader, read non-interactively
#   /usr/bin/python3   python3                   Debian's python (pyenv's python3 lacks Debian modules)
#     + feedparser     python3-feedparser        the Universal Feed Parser
#     + sqlite3        (stdlib)                  to read newsboat's cache
#   /usr/bin/chromium  chromium                  headless page tests (playwright-core drives it)
#   curl, jq           curl, jq                  the documented walkthroughs (test/docs/walkthroughs.test.ts)
#
# Installs with apt-get as root, or through passwordless sudo. Anywhere else it names exactly what
# is missing and exits non-zero, so `npm test` stops before a suite fails for a missing tool.
set -euo pipefail

missing=()
have_cmd() { command -v "$1" >/dev/null 2>&1; }
java_major() { java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n 1; }
java_ok() { have_cmd java && [ "$(java_major)" -ge 17 ] 2>/dev/null; }

java_ok || missing+=(openjdk-17-jre-headless)
have_cmd xmllint || missing+=(libxml2-utils)
have_cmd jing || missing+=(jing)
have_cmd newsboat || missing+=(newsboat)
if [ ! -x /usr/bin/python3 ]; then
  missing+=(python3 python3-feedparser)
elif ! /usr/bin/python3 -c 'import feedparser, sqlite3' >/dev/null 2>&1; then
  missing+=(python3-feedparser)
fi
[ -x /usr/bin/chromium ] || missing+=(chromium)
have_cmd curl || missing+=(curl)
have_cmd jq || missing+=(jq)

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-test-tools: all test tools present (java 17+, xmllint, jing, newsboat, /usr/bin/python3+feedparser, /usr/bin/chromium, curl, jq)"
  exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif have_cmd sudo && sudo -n true >/dev/null 2>&1; then
  as_root=(sudo -n)
else
  as_root=(none)
fi
if ! have_cmd apt-get || [ "${as_root[*]}" = none ]; then
  {
    echo "install-test-tools: the tests need tools this machine lacks, and this script cannot install them"
    echo "  (it installs with apt-get, as root or with passwordless sudo)."
    echo "  On Debian/Ubuntu, run: sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}"
    echo "  Elsewhere, install the equivalents: Java 17+ on PATH; xmllint (libxml2); jing; newsboat;"
    echo "  Python 3 at /usr/bin/python3 with the feedparser module; Chromium at /usr/bin/chromium; curl; jq."
    echo "  Then run npm test again."
  } >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
echo "install-test-tools: installing: ${missing[*]}"
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

# Verify that what we needed is really there now.
java_ok && have_cmd xmllint && have_cmd jing && have_cmd newsboat && [ -x /usr/bin/chromium ] && have_cmd curl && have_cmd jq \
  && /usr/bin/python3 -c 'import feedparser, sqlite3' \
  || { echo "install-test-tools: installation incomplete" >&2; exit 1; }
echo "install-test-tools: installed: ${missing[*]}"
