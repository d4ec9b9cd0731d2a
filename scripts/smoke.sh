#!/usr/bin/env bash
# Post-deploy smoke test: post one statement through the API, read it back through CloudFront.
#
#   NEWSROOM_EDITOR_TOKEN=… scripts/smoke.sh <cloudfront-url> <api-url>
#
# The editor token comes from $NEWSROOM_EDITOR_TOKEN (or $NEWSROOM_TOKEN), or from the file named by
# $NEWSROOM_TOKEN_FILE (mode 600); never from the command line, where `ps` and the shell history
# show it. It reaches curl through a mode-600 header file, not curl's arguments, and is sent over
# plain http only to this machine.
# It writes only into a dedicated story, never into a real one: $SMOKE_STORY if set, which must
# start with `smoke-test`, else `smoke-test-deployment-check`; the script opens it the first time.
# Bounds: $SMOKE_TIMEOUT seconds (default 30) for the update to reach CloudFront (its changes URL),
# then $SMOKE_CACHE_TIMEOUT seconds (default 100 = max-age 30 + stale-while-revalidate 60 + margin)
# for the cached feed URL itself to converge. Exits 1 on a failed check, 2 on a usage error.
set -euo pipefail

usage() {
  echo "usage: NEWSROOM_EDITOR_TOKEN=… $0 <cloudfront-url> <api-url>   (or NEWSROOM_TOKEN_FILE=<mode-600 file>)" >&2
  [[ $# -eq 0 ]] || echo "smoke: $*" >&2
  exit 2
}

if [[ $# -eq 3 ]]; then
  usage "the token is not taken as an argument (ps and the shell history would show it): set NEWSROOM_EDITOR_TOKEN, or NEWSROOM_TOKEN_FILE to a file only you can read"
fi
[[ $# -eq 2 ]] || usage
cdn=${1%/}
api=${2%/}
token=${NEWSROOM_EDITOR_TOKEN:-${NEWSROOM_TOKEN:-}}
if [[ -z $token && -n ${NEWSROOM_TOKEN_FILE:-} ]]; then
  [[ -r $NEWSROOM_TOKEN_FILE ]] || usage "cannot read NEWSROOM_TOKEN_FILE $NEWSROOM_TOKEN_FILE"
  mode=$(stat -c %a "$NEWSROOM_TOKEN_FILE")
  ((8#$mode & 8#077)) && usage "the token file $NEWSROOM_TOKEN_FILE is open to other users (mode $mode): run chmod 600 $NEWSROOM_TOKEN_FILE"
  token=$(sed -n '/[^[:space:]]/{s/^[^:]*://;s/[[:space:]]//g;p;q}' "$NEWSROOM_TOKEN_FILE")
fi
[[ -n $token ]] || usage "no editor token: set NEWSROOM_EDITOR_TOKEN, or NEWSROOM_TOKEN_FILE"
api_host=$(sed -E 's#^[a-zA-Z]+://([^/@]*@)?(\[[^]]*\]|[^:/]*).*#\2#' <<<"$api")
if [[ $api == http://* && ! $api_host =~ ^(127\.[0-9.]+|localhost|\[::1\])$ ]]; then
  usage "refusing to send the editor token over plain http to $api_host: use the https:// API URL"
fi
timeout=${SMOKE_TIMEOUT:-30}
cache_timeout=${SMOKE_CACHE_TIMEOUT:-100}
# Never a real story: the statement it posts is invented, and must not stand in a story readers follow.
story=${SMOKE_STORY:-smoke-test-deployment-check}
[[ $story == smoke-test* ]] || usage "SMOKE_STORY=$story: the smoke test writes only into a story whose id starts with smoke-test"

fail() {
  echo "smoke: FAIL: $*" >&2
  exit 1
}
step() { echo "smoke: $*"; }

body_file=$(mktemp)
auth_file=$(mktemp) # mktemp creates it mode 600
trap 'rm -f "$body_file" "$body_file.headers" "$auth_file"' EXIT
printf 'Authorization: Bearer %s\n' "$token" >"$auth_file"

# Server text as it may be shown on a terminal: no escape sequences, controls or bidi overrides.
clean() {
  LC_ALL=C sed -e 's|\x1b\[[0-?]*[ -/]*[@-~]||g' -e 's/\xc2[\x80-\x9f]//g' -e 's/\xe2\x80[\xaa-\xae]//g' -e 's/\xe2\x81[\xa6-\xa9]//g' |
    LC_ALL=C tr -d '\000-\010\013-\037\177'
}
shown() { head -c "${2:-500}" "$1" | clean; }

# request METHOD URL [curl args...] → prints the status code; the body lands in $body_file.
request() {
  local method=$1 url=$2
  shift 2
  curl --silent --show-error --max-time 15 --output "$body_file" --write-out '%{http_code}' \
    --request "$method" "$@" "$url" || echo 000
}

json_field() { # json_field NAME < body → first string value of "NAME"
  sed -n "s/.*\"$1\"[[:space:]]*:[[:space:]]*\"\([^\"]*\)\".*/\1/p" | head -n 1
}
json_number() { # json_number NAME < body → first number value of "NAME"
  sed -n "s/.*\"$1\"[[:space:]]*:[[:space:]]*\([0-9][0-9]*\).*/\1/p" | head -n 1
}

nonce="$(date -u +%Y%m%dT%H%M%SZ)-$RANDOM$RANDOM"

# 1. Health through CloudFront (never cached). The API's own URL answers CloudFront only on AWS (a
#    403 there is the origin refusing a request around the cache); a local server answers it.
status=$(request GET "$cdn/health")
[[ $status == 200 ]] || fail "GET $cdn/health answered $status: $(shown "$body_file" 300)"
status=$(request GET "$api/health")
case $status in
200) step "health OK through CloudFront and the API" ;;
403) step "health OK through CloudFront; the API URL refuses reads around CloudFront (403)" ;;
*) fail "GET $api/health answered $status" ;;
esac

# 2. The smoke-test story, opened the first time (the Idempotency-Key makes a concurrent first run harmless).
#    Asked with the editor's token at the API URL: uncached, and the origin answers an editor there.
status=$(request GET "$api/api/stories/$story/events?limit=1" -H @"$auth_file")
if [[ $status == 404 ]]; then
  step "opening story $story"
  status=$(request POST "$api/api/stories" \
    -H @"$auth_file" \
    -H 'Content-Type: application/json' \
    -H "Idempotency-Key: smoke-open-$story" \
    --data "{\"id\":\"$story\",\"headline\":\"Deployment smoke test (not news)\",\"summary\":\"Automated checks that scripts/smoke.sh posts after each deploy. Nothing in this story is news.\",\"topics\":[\"smoke test\"]}")
  [[ $status == 201 ]] || fail "POST /api/stories answered $status: $(shown "$body_file")"
elif [[ $status != 200 ]]; then
  fail "GET /api/stories/$story/events answered $status: $(shown "$body_file")"
fi

# 3. An unauthenticated write must be refused.
status=$(request POST "$api/api/stories/$story/updates" -H 'Content-Type: application/json' \
  --data '{"type":"status","status":"developing"}')
[[ $status == 401 ]] || fail "a write without a token answered $status, expected 401"

# 4. Post the statement.
status=$(request POST "$api/api/stories/$story/updates" \
  -H @"$auth_file" \
  -H 'Content-Type: application/json' \
  -H "Idempotency-Key: smoke-$nonce" \
  --data "{\"type\":\"statement\",\"speaker\":{\"name\":\"Deployment smoke test\",\"role\":\"automated check\"},\"quote\":\"Smoke test $nonce\",\"context\":\"Posted by scripts/smoke.sh after a deploy.\"}")
[[ $status == 201 ]] || fail "POST /api/stories/$story/updates answered $status: $(shown "$body_file")"
update_id=$(json_field updateId <"$body_file")
[[ $update_id =~ ^[0-9A-HJKMNP-TV-Z]{26}$ ]] || fail "201 without an updateId (a ULID): $(shown "$body_file")"
version=$(json_number version <"$body_file")
[[ $version =~ ^[1-9][0-9]*$ ]] || fail "201 without a version: $(shown "$body_file")"
step "posted update $update_id to $story"

# 5. Through CloudFront, at a URL no one asked before: what changed after the version before this
#    update (`since` is in the cache key; a made-up query parameter would not be, and the origin
#    refuses one). Cached 5 s at most, so polling sees the projection land: proves
#    write → events table → stream → projector → views → read function → CloudFront.
changes="$cdn/api/stories/$story/changes?since=$((version - 1))"
deadline=$((SECONDS + timeout))
until status=$(request GET "$changes") && [[ $status == 200 ]] && grep -qF "$update_id" "$body_file"; do
  ((SECONDS < deadline)) || fail "update $update_id not in $changes within ${timeout}s (last status $status)"
  sleep 1
done
step "update visible through CloudFront after $((SECONDS + timeout - deadline))s"

# 6. The feed converges once its cached copy expires (max-age + stale-while-revalidate), sooner
#    where the edge refresher invalidates it (a WebSub hub configured).
feed="$cdn/stories/$story/feed.atom"
deadline=$((SECONDS + cache_timeout))
until status=$(request GET "$feed" -D "$body_file.headers") && [[ $status == 200 ]] && grep -qF "$update_id" "$body_file"; do
  ((SECONDS < deadline)) || fail "cached $feed still lacks $update_id after ${cache_timeout}s"
  sleep 5
done
etag=$(sed -n 's/^[Ee][Tt][Aa][Gg]:[[:space:]]*\(.*[^[:space:]]\)[[:space:]]*$/\1/p' "$body_file.headers" | head -n 1)
cache_control=$(sed -n 's/^[Cc]ache-[Cc]ontrol:[[:space:]]*//p' "$body_file.headers" | head -n 1 | clean)
step "cached feed URL serves the update (Cache-Control: ${cache_control:-none})"

# 7. Conditional GET through CloudFront answers 304.
[[ -n $etag ]] || fail "$feed has no ETag"
status=$(request GET "$feed" -H "If-None-Match: $etag")
[[ $status == 304 ]] || fail "If-None-Match $etag answered $status, expected 304"
step "If-None-Match answered 304"

step "PASS ($story, update $update_id)"
