#!/usr/bin/env bash
# The gateway side by side with nginx, in one go (wrk, same machine, same upstream):
#
#   1. upstream            nginx `return 200` (the fastest honest upstream, its own nginx
#                          processes), called directly
#   2. nginx proxy_pass    nginx proxying to it, no authentication (the proxy floor)
#   3. gateway, 1 token    authgate serve (release) proxying GET /bench, RS256 bearer token and
#                          policy checked per request; one repeated token (verified-token cache)
#   4. gateway, N tokens   the same with N distinct tokens cycled (signature verification; see
#                          the note printed with the table)
#   5. nginx + forward-auth  nginx auth_request -> authgate /auth/verify -> proxy_pass, 1 token
#   6. minimal hyper proxy crates/authgate-gateway/examples/minimal-proxy.rs: hyper's HTTP/1.1
#                          server and client with the gateway's threading and a per-thread pool,
#                          and nothing else (no routing, auth, header hygiene, timeouts, metrics):
#                          about the floor of any proxy built on hyper
#
# Then ROUNDS more rounds of rows 2, 3 and 6, alternated, each DURATION long, with the ratios of
# the gateway and of the minimal proxy to nginx in each round and their medians: on a shared
# machine, two rows run a minute apart can see very different neighbours, while rows run back to
# back mostly see the same. The minimal proxy's ratio shows what hyper alone reaches here.
#
# Tokens are minted before the run by the dev IdP (crates/authgate-gateway/examples/bench-idp.rs,
# which then serves the keys the gateway fetches). Everything listens on loopback.
#
# Usage: bench/gateway-vs-nginx.sh
# Environment:
#   DURATION=15s THREADS=2 CONNECTIONS=64      wrk settings (wrk -tTHREADS -cCONNECTIONS -dDURATION --latency)
#   ROUNDS=5                                   alternated nginx/gateway/minimal rounds after the table (0: none)
#   N_TOKENS=100000                            distinct tokens for row 4
#   NGINX_WORKERS=auto                         nginx worker_processes
#   NGINX=/usr/sbin/nginx                      the nginx binary
#   AUTHGATE_BIN=path  BENCH_IDP_BIN=path  MINIMAL_BIN=path
#                                              skip the release build, use these binaries
#   PORT_BASE=18090                            ports PORT_BASE..PORT_BASE+5 on 127.0.0.1
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$(pwd)"

DURATION="${DURATION:-15s}"
THREADS="${THREADS:-2}"
CONNECTIONS="${CONNECTIONS:-64}"
N_TOKENS="${N_TOKENS:-100000}"
ROUNDS="${ROUNDS:-5}"
NGINX_WORKERS="${NGINX_WORKERS:-auto}"
NGINX="${NGINX:-/usr/sbin/nginx}"
PORT_BASE="${PORT_BASE:-18090}"
UPSTREAM="127.0.0.1:$((PORT_BASE))"
NGINX_PROXY="127.0.0.1:$((PORT_BASE + 1))"
GATEWAY="127.0.0.1:$((PORT_BASE + 2))"
IDP="127.0.0.1:$((PORT_BASE + 3))"
NGINX_FWD="127.0.0.1:$((PORT_BASE + 4))"
MINIMAL="127.0.0.1:$((PORT_BASE + 5))"
# The verified-token cache capacity of the gateway (authgate token_cache::DEFAULT_CAPACITY).
CACHE_CAPACITY=10000

command -v wrk >/dev/null || { echo "wrk is not installed: apt-get install -y wrk" >&2; exit 1; }
command -v curl >/dev/null || { echo "curl is not installed" >&2; exit 1; }
[[ -x "$NGINX" ]] || { echo "nginx is not installed at $NGINX: apt-get install -y nginx-light" >&2; exit 1; }

target="${CARGO_TARGET_DIR:-target}"
if [[ -z "${AUTHGATE_BIN:-}" || -z "${BENCH_IDP_BIN:-}" || -z "${MINIMAL_BIN:-}" ]]; then
  cargo build --release -p authgate-gateway --bin authgate --example bench-idp \
    --example minimal-proxy
fi
AUTHGATE_BIN="${AUTHGATE_BIN:-$target/release/authgate}"
BENCH_IDP_BIN="${BENCH_IDP_BIN:-$target/release/examples/bench-idp}"
MINIMAL_BIN="${MINIMAL_BIN:-$target/release/examples/minimal-proxy}"

work="$(mktemp -d)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

fill() {  # fill TEMPLATE > OUT: replace the @PLACEHOLDERS@
  sed -e "s#@WORK@#$work#g" -e "s#@REPO@#$repo#g" -e "s#@UPSTREAM@#$UPSTREAM#g" \
      -e "s#@NGINX_PROXY@#$NGINX_PROXY#g" -e "s#@NGINX_FWD@#$NGINX_FWD#g" \
      -e "s#@GATEWAY@#$GATEWAY#g" -e "s#@IDP@#$IDP#g" -e "s#@NGINX_WORKERS@#$NGINX_WORKERS#g" "$1"
}

wait_for() {  # wait_for URL PID NAME LOG: until URL answers (any status)
  for _ in $(seq 1 300); do
    if curl -s -o /dev/null "$1" 2>/dev/null; then return 0; fi
    if ! kill -0 "$2" 2>/dev/null; then echo "$3 exited:" >&2; cat "$4" >&2; exit 1; fi
    sleep 0.1
  done
  echo "$3 did not start" >&2; cat "$4" >&2; exit 1
}

echo "== minting 1 + $N_TOKENS tokens (dev IdP on $IDP)"
"$BENCH_IDP_BIN" --listen "$IDP" --tokens "$N_TOKENS" --out "$work/tokens" 2>"$work/idp.log" &
pids+=($!)
for _ in $(seq 1 6000); do
  [[ -f "$work/tokens/ready" ]] && break
  kill -0 "${pids[-1]}" 2>/dev/null || { cat "$work/idp.log" >&2; exit 1; }
  sleep 0.1
done
[[ -f "$work/tokens/ready" ]] || { echo "token minting did not finish" >&2; exit 1; }
cat "$work/idp.log"

fill bench/gateway-vs-nginx.upstream.conf >"$work/upstream.conf"
"$NGINX" -p "$work" -c "$work/upstream.conf" -e "$work/upstream-error.log" &
pids+=($!)
wait_for "http://$UPSTREAM/" "${pids[-1]}" "nginx (upstream)" "$work/upstream-error.log"
fill bench/gateway-vs-nginx.nginx.conf >"$work/nginx.conf"
"$NGINX" -p "$work" -c "$work/nginx.conf" -e "$work/nginx-error.log" &
pids+=($!)
wait_for "http://$NGINX_PROXY/" "${pids[-1]}" nginx "$work/nginx-error.log"

fill bench/gateway-vs-nginx.toml >"$work/authgate.toml"
"$AUTHGATE_BIN" serve --config "$work/authgate.toml" >"$work/authgate.log" 2>&1 &
pids+=($!)
wait_for "http://$GATEWAY/healthz" "${pids[-1]}" authgate "$work/authgate.log"
for _ in $(seq 1 100); do
  curl -fs -o /dev/null "http://$GATEWAY/readyz" && break
  sleep 0.1
done

workers=$(awk '/^workers *=/ {print $3}' "$work/authgate.toml")
"$MINIMAL_BIN" "$MINIMAL" "$UPSTREAM" "${workers:-$(nproc)}" >"$work/minimal.log" 2>&1 &
pids+=($!)
wait_for "http://$MINIMAL/" "${pids[-1]}" "minimal hyper proxy" "$work/minimal.log"

token="$(head -n1 "$work/tokens/one-token.txt")"
check() {  # check EXPECTED URL [curl args...]
  local expected="$1" url="$2" status
  shift 2
  status=$(curl -s -o /dev/null -w '%{http_code}' "$@" "$url")
  [[ "$status" == "$expected" ]] || { echo "sanity check failed: $url answered $status, expected $expected" >&2; cat "$work/authgate.log" >&2; exit 1; }
}
check 200 "http://$UPSTREAM/bench"
check 200 "http://$NGINX_PROXY/bench"
check 200 "http://$MINIMAL/bench"
check 401 "http://$GATEWAY/bench"
check 200 "http://$GATEWAY/bench" -H "Authorization: Bearer $token"
check 200 "http://$GATEWAY/bench" -H "Authorization: Bearer $(tail -n1 "$work/tokens/tokens.txt")"
check 401 "http://$NGINX_FWD/bench"
check 200 "http://$NGINX_FWD/bench" -H "Authorization: Bearer $token"

rate() { awk '/^Requests\/sec:/ {print $2}' "$1"; }  # rate WRK_OUTPUT
p99() { awk '$1 == "99%" {print $2}' "$1"; }           # p99 WRK_OUTPUT
median() {  # median NUMBER...
  printf '%s\n' "$@" | sort -n |
    awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'
}

results="$work/results.txt"
: >"$results"
run() {  # run LABEL URL [wrk args...]
  local label="$1" url="$2" out="$work/wrk-$(echo "$1" | tr -c 'a-z0-9' '-').txt"
  shift 2
  echo
  echo "== $label: wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency $* $url"
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$@" "$url" | tee "$out"
  local rps p50 p99 requests non2xx
  rps=$(awk '/^Requests\/sec:/ {print $2}' "$out")
  p50=$(awk '$1 == "50%" {print $2}' "$out")
  p99=$(awk '$1 == "99%" {print $2}' "$out")
  requests=$(awk '/requests in/ {print $1}' "$out")
  non2xx=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$out")
  printf '%s|%s|%s|%s|%s|%s\n' "$label" "$rps" "$p50" "$p99" "$requests" "${non2xx:-0}" >>"$results"
}

run "upstream (nginx return 200)" "http://$UPSTREAM/bench"
run "nginx proxy_pass, no auth" "http://$NGINX_PROXY/bench"
TOKEN_FILE="$work/tokens/one-token.txt" run "gateway, RS256, 1 token" "http://$GATEWAY/bench" \
  -s bench/seed-api-one-token.lua
TOKENS_FILE="$work/tokens/tokens.txt" WRK_THREADS="$THREADS" \
  run "gateway, RS256, $N_TOKENS tokens" "http://$GATEWAY/bench" -s bench/gateway-many-tokens.lua
TOKEN_FILE="$work/tokens/one-token.txt" run "nginx + authgate forward-auth, 1 token" \
  "http://$NGINX_FWD/bench" -s bench/seed-api-one-token.lua
run "minimal hyper proxy (about the floor of hyper)" "http://$MINIMAL/bench"

echo
echo "wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency, $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ)"
echo
echo "| setup | requests/s | p50 | p99 | requests | non-2xx |"
echo "|---|---:|---:|---:|---:|---:|"
while IFS='|' read -r label rps p50 p99 requests non2xx; do
  echo "| $label | $rps | $p50 | $p99 | $requests | $non2xx |"
done <"$results"
many=$(awk -F'|' 'NR == 4 {print $5}' "$results")
# A lower bound on row 4's full verifications: every token's first use misses the cache, and
# between two uses of a token the other N-1 pass by, so at most CACHE_CAPACITY of every N
# consecutive requests can be cache hits.
full=$(awk -v r="${many:-0}" -v n="$N_TOKENS" -v c="$CACHE_CAPACITY" 'BEGIN {
  first = (r < n) ? r : n; rest = (r > n) ? r - n : 0; miss = 1 - c / n; if (miss < 0) miss = 0;
  printf "%d", (r > 0) ? 100 * (first + rest * miss) / r : 0 }')
echo
echo "Row 4: $many requests over $N_TOKENS distinct tokens (cycled; verified-token cache capacity" \
  "$CACHE_CAPACITY): at least $full% of them verified an RS256 signature in full."

if (( ROUNDS > 0 )); then
  echo
  echo "Alternated rounds (nginx proxy_pass, the gateway with 1 token, the minimal hyper proxy;" \
    "wrk -t$THREADS -c$CONNECTIONS -d$DURATION):"
  echo
  echo "| round | nginx req/s | nginx p99 | gateway req/s | gateway p99 | minimal req/s | minimal p99 | gateway / nginx | minimal / nginx |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
  ratios=() floors=()
  for round in $(seq 1 "$ROUNDS"); do
    n="$work/pair-nginx-$round.txt" g="$work/pair-gateway-$round.txt" m="$work/pair-minimal-$round.txt"
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "http://$NGINX_PROXY/bench" >"$n"
    TOKEN_FILE="$work/tokens/one-token.txt" wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" \
      --latency -s bench/seed-api-one-token.lua "http://$GATEWAY/bench" >"$g"
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "http://$MINIMAL/bench" >"$m"
    if grep -q "Non-2xx" "$g"; then echo "round $round: the gateway answered non-2xx" >&2; exit 1; fi
    nr=$(rate "$n") gr=$(rate "$g") mr=$(rate "$m")
    ratio=$(awk -v g="$gr" -v n="$nr" 'BEGIN {printf "%.3f", g / n}')
    floor=$(awk -v m="$mr" -v n="$nr" 'BEGIN {printf "%.3f", m / n}')
    ratios+=("$ratio") floors+=("$floor")
    echo "| $round | $nr | $(p99 "$n") | $gr | $(p99 "$g") | $mr | $(p99 "$m") | $ratio | $floor |"
  done
  echo
  echo "Median gateway / nginx over $ROUNDS rounds: $(median "${ratios[@]}") (issue 3 target: >= 1)"
  echo "Median minimal hyper proxy / nginx over $ROUNDS rounds: $(median "${floors[@]}")" \
    "(what hyper alone reaches on this machine)"
fi
