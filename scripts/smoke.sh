#!/usr/bin/env bash
# Post-deploy smoke test: post one statement through the API, read it back through CloudFront.
#
#   scripts/smoke.sh <cloudfront-url> <api-url> [editor-token]
#
# The token may instead come from $NEWSROOM_EDITOR_TOKEN (keeps it out of `ps` and shell history).
# Story: $SMOKE_STORY if set; else the seeded kyrgyzstan-bakiyev-ouster-2010 if the deployment has
# it; else a story `smoke-test` that the script opens once (POST /api/stories) and reuses.
# Bounds: $SMOKE_TIMEOUT seconds (default 30) for the update to reach the feed through CloudFront,
# then $SMOKE_CACHE_TIMEOUT seconds (default 100 = max-age 30 + stale-while-revalidate 60 + margin)
# for the cached feed URL itself to converge. Exits non-zero on any failure.
set -euo pipefail

usage() {
  echo "usage: $0 <cloudfront-url> <api-url> [editor-token]   (or NEWSROOM_EDITOR_TOKEN=...)" >&2
  exit 2
}

[[ $# -ge 2 && $# -le 3 ]] || usage
cdn=${1%/}
api=${2%/}
token=${3:-${NEWSROOM_EDITOR_TOKEN:-}}
[[ -n $token ]] || usage
timeout=${SMOKE_TIMEOUT:-30}
cache_timeout=${SMOKE_CACHE_TIMEOUT:-100}
seeded=kyrgyzstan-bakiyev-ouster-2010

fail() {
  echo "smoke: FAIL: $*" >&2
  exit 1
}
step() { echo "smoke: $*"; }

body_file=$(mktemp)
trap 'rm -f "$body_file"' EXIT

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

nonce="$(date -u +%Y%m%dT%H%M%SZ)-$RANDOM$RANDOM"

# 1. Health, through CloudFront (never cached) and directly.
status=$(request GET "$cdn/health")
[[ $status == 200 ]] || fail "GET $cdn/health answered $status: $(head -c 300 "$body_file")"
status=$(request GET "$api/health")
[[ $status == 200 ]] || fail "GET $api/health answered $status"
step "health OK through CloudFront and the API"

# 2. Pick the story.
story=${SMOKE_STORY:-}
if [[ -z $story ]]; then
  status=$(request GET "$api/api/stories/$seeded")
  if [[ $status == 200 ]]; then
    story=$seeded
  else
    story=smoke-test
  fi
fi
status=$(request GET "$api/api/stories/$story")
if [[ $status == 404 ]]; then
  step "opening story $story"
  status=$(request POST "$api/api/stories" \
    -H "Authorization: Bearer $token" \
    -H 'Content-Type: application/json' \
    -H "Idempotency-Key: smoke-open-$story" \
    --data "{\"id\":\"$story\",\"headline\":\"Deployment smoke test\",\"summary\":\"A story that scripts/smoke.sh posts to after each deploy.\"}")
  [[ $status == 201 ]] || fail "POST /api/stories answered $status: $(head -c 500 "$body_file")"
elif [[ $status != 200 ]]; then
  fail "GET /api/stories/$story answered $status"
fi

# 3. An unauthenticated write must be refused.
status=$(request POST "$api/api/stories/$story/updates" -H 'Content-Type: application/json' \
  --data '{"type":"status","status":"developing"}')
[[ $status == 401 ]] || fail "a write without a token answered $status, expected 401"

# 4. Post the statement.
status=$(request POST "$api/api/stories/$story/updates" \
  -H "Authorization: Bearer $token" \
  -H 'Content-Type: application/json' \
  -H "Idempotency-Key: smoke-$nonce" \
  --data "{\"type\":\"statement\",\"speaker\":{\"name\":\"Deployment smoke test\",\"role\":\"automated check\"},\"quote\":\"Smoke test $nonce\",\"context\":\"Posted by scripts/smoke.sh after a deploy.\"}")
[[ $status == 201 ]] || fail "POST /api/stories/$story/updates answered $status: $(head -c 500 "$body_file")"
update_id=$(json_field updateId <"$body_file")
[[ -n $update_id ]] || fail "201 without an updateId: $(head -c 500 "$body_file")"
step "posted update $update_id to $story"

# 5. Through CloudFront, past any cached copy (the query string is part of the cache key): proves
#    write → events table → stream → projector → views → read function → CloudFront.
feed="$cdn/stories/$story/feed.atom"
deadline=$((SECONDS + timeout))
until status=$(request GET "$feed?smoke=$nonce-$SECONDS") && [[ $status == 200 ]] && grep -qF "$update_id" "$body_file"; do
  ((SECONDS < deadline)) || fail "update $update_id not in $feed within ${timeout}s (last status $status)"
  sleep 1
done
step "update visible through CloudFront after $((SECONDS + timeout - deadline))s"

# 6. The plain feed URL converges once its cached copy expires (max-age + stale-while-revalidate).
deadline=$((SECONDS + cache_timeout))
until status=$(request GET "$feed" -D "$body_file.headers") && [[ $status == 200 ]] && grep -qF "$update_id" "$body_file"; do
  ((SECONDS < deadline)) || fail "cached $feed still lacks $update_id after ${cache_timeout}s"
  sleep 5
done
etag=$(sed -n 's/^[Ee][Tt][Aa][Gg]:[[:space:]]*\(.*[^[:space:]]\)[[:space:]]*$/\1/p' "$body_file.headers" | head -n 1)
cache_control=$(sed -n 's/^[Cc]ache-[Cc]ontrol:[[:space:]]*//p' "$body_file.headers" | tr -d '\r' | head -n 1)
rm -f "$body_file.headers"
step "cached feed URL serves the update (Cache-Control: ${cache_control:-none})"

# 7. Conditional GET through CloudFront answers 304.
[[ -n $etag ]] || fail "$feed has no ETag"
status=$(request GET "$feed" -H "If-None-Match: $etag")
[[ $status == 304 ]] || fail "If-None-Match $etag answered $status, expected 304"
step "If-None-Match answered 304"

step "PASS ($story, update $update_id)"
