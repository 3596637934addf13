#!/usr/bin/env bash
# Load test of the seed API (GET /data, policy RequireReadAccess) with wrk:
#   1. one repeated token   (verified-token cache hit per request)
#   2. N distinct tokens    (each verified in full the first time it is seen)
#
# Builds the release binary, runs `seed-api demo` (dev IdP in-process, loopback only), mints
# tokens through the dev IdP's POST /_dev/mint, runs wrk for each script and prints the results.
#
# Usage: bench/run-seed-api.sh [N_TOKENS]          (default 1000)
# Environment:
#   DURATION=10s THREADS=2 CONNECTIONS=32           wrk settings
#   API_ADDR=127.0.0.1:18080 IDP_ADDR=127.0.0.1:18081
#   SEED_API_BIN=path/to/seed-api                   skip the release build, use this binary
set -euo pipefail
cd "$(dirname "$0")/.."

N_TOKENS="${1:-1000}"
DURATION="${DURATION:-10s}"
THREADS="${THREADS:-2}"
CONNECTIONS="${CONNECTIONS:-32}"
API_ADDR="${API_ADDR:-127.0.0.1:18080}"
IDP_ADDR="${IDP_ADDR:-127.0.0.1:18081}"
URL="http://${API_ADDR}/data"

command -v wrk >/dev/null || { echo "wrk is not installed: apt-get install -y wrk" >&2; exit 1; }
command -v curl >/dev/null || { echo "curl is not installed" >&2; exit 1; }

if [[ -z "${SEED_API_BIN:-}" ]]; then
  cargo build --release -p seed-api
  SEED_API_BIN="${CARGO_TARGET_DIR:-target}/release/seed-api"
fi

work="$(mktemp -d)"
demo_pid=""
stop_demo() {
  if [[ -n "$demo_pid" ]]; then kill "$demo_pid" 2>/dev/null || true; wait "$demo_pid" 2>/dev/null || true; fi
  demo_pid=""
}
cleanup() { stop_demo; rm -rf "$work"; }
trap cleanup EXIT

# start_demo [--no-token-cache]: the seed API + in-process dev IdP, waits until ready.
start_demo() {
  RUST_LOG="${RUST_LOG:-warn}" "$SEED_API_BIN" demo --listen "$API_ADDR" --idp-listen "$IDP_ADDR" "$@" \
    >"$work/demo.out" 2>"$work/demo.err" &
  demo_pid=$!
  for _ in $(seq 1 100); do
    if curl -fsS -o /dev/null "http://${API_ADDR}/healthz" 2>/dev/null; then return 0; fi
    if ! kill -0 "$demo_pid" 2>/dev/null; then cat "$work/demo.err" >&2; exit 1; fi
    sleep 0.2
  done
  echo "seed API did not become ready" >&2
  exit 1
}

# mint SUBJECT -> prints an Entra v2 token with scopes access_as_user read_data
mint() {
  local body token
  body=$(curl -fsS -X POST "http://${IDP_ADDR}/_dev/mint" -H 'content-type: application/json' \
    -d "{\"flavor\":\"entra-v2\",\"scopes\":\"access_as_user read_data\",\"subject\":\"bench-user-$1\"}")
  token=$(printf '%s' "$body" | sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p')
  [[ -n "$token" ]] || { echo "minting failed: $body" >&2; return 1; }
  printf '%s\n' "$token"
}

# run LABEL SCRIPT-ARGS... : one wrk run
run() {
  local label="$1"; shift
  echo
  echo "== ${label}: wrk -t${THREADS} -c${CONNECTIONS} -d${DURATION} --latency $*"
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$@"
}

mint_all() {
  mint one >"$work/one-token.txt"
  for i in $(seq 1 "$N_TOKENS"); do mint "$i"; done >"$work/tokens.txt"
  local status
  status=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $(cat "$work/one-token.txt")" "$URL")
  [[ "$status" == "200" ]] || { echo "sanity check failed: GET /data answered $status" >&2; exit 1; }
}

start_demo
mint_all
echo "minted 1 + $(wc -l <"$work/tokens.txt") tokens"
run "baseline: GET /healthz, no authentication" "http://${API_ADDR}/healthz"
TOKEN_FILE="$work/one-token.txt" run "one repeated token (verified-token cache)" -s bench/seed-api-one-token.lua "$URL"
TOKENS_FILE="$work/tokens.txt" run "${N_TOKENS} distinct tokens (cache on)" \
  -s bench/seed-api-many-tokens.lua "$URL"
stop_demo

# The dev IdP's keys are per process: restart, then mint again for the cache-off run.
start_demo --no-token-cache
mint_all
TOKENS_FILE="$work/tokens.txt" run "${N_TOKENS} distinct tokens (cache off: full RS256 verification per request)" \
  -s bench/seed-api-many-tokens.lua "$URL"
