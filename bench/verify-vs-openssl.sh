#!/usr/bin/env bash
# Fresh RS256 verify (parse + signature + claims + principal) against the RSA-2048 verify rate
# that `openssl speed rsa2048` reports on this machine, measured in the same run.
# Target (issue 2): ratio >= 0.95.
#
# `openssl speed` counts operations per second of CPU time (its default), so the primary ratio
# uses `examples/verify_rate`, which also counts per CPU second of its own thread: on a shared
# machine wall-clock rates swing with whatever else runs, CPU-time rates much less.
#
# `openssl speed`'s own rate still swings by 10-30% between runs, so the two are measured in
# ROUNDS alternated rounds (default 5): `openssl speed -seconds S rsa2048`, then
# `verify_rate S` (signature-only and fresh, interleaved in one process), repeated. Each
# round's rates and ratios are printed, then the median over the rounds of fresh ÷ openssl
# (the target) and of fresh ÷ signature-only (the pipeline's own overhead, which load moves
# least). The per-stage rates (parse, verify_jws, principal, SHA-256) are measured once, after
# the rounds. The criterion bench (wall clock, every algorithm, policy evaluation) runs
# afterwards unless NO_CRITERION is set.
#
# Usage: [ROUNDS=n] [NO_CRITERION=1] bench/verify-vs-openssl.sh [seconds per measurement, default 5]
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-5}"
rounds="${ROUNDS:-5}"

openssl_rate() {
  openssl speed -seconds "$secs" rsa2048 2>/dev/null | awk '/^rsa 2048 bits/ {print $NF}'
}

cargo build --release -p authgate-core --example verify_rate
bin="${CARGO_TARGET_DIR:-target}/release/examples/verify_rate"

# One line per round: openssl rate, signature-only rate, fresh rate, load average (1 min).
results=""
for _ in $(seq "$rounds"); do
  ossl=$(openssl_rate)
  ours=$("$bin" "$secs")
  sig=$(awk '$1 == "signature_only" {print $2}' <<<"$ours")
  fresh=$(awk '$1 == "fresh_verify" {print $2}' <<<"$ours")
  results+="$ossl $sig $fresh $(cut -d' ' -f1 /proc/loadavg)"$'\n'
done
stages=$(STAGES=1 "$bin" "$secs")

python3 - "$results" "$stages" <<'PY'
import statistics, sys
rounds = [[float(x) for x in line.split()] for line in sys.argv[1].splitlines() if line]
ours = dict(line.split() for line in sys.argv[2].splitlines())
print("round  load  openssl verify/s  signature only  fresh  fresh/signature  fresh/openssl")
for i, (ossl, sig, fresh, load) in enumerate(rounds, 1):
    print(f"{i:5}  {load:4.2f}  {ossl:16,.0f}  {sig:14,.0f}  {fresh:6,.0f}  {fresh / sig:15.3f}  {fresh / ossl:13.3f}")
print(f"authgate fresh RS256 verify ({ours['token_bytes']} B token), rates per CPU second")
print(f"  stages: parse {1e6/float(ours['parse_only']):.2f} us, verify_jws {1e6/float(ours['verify_jws_only']):.2f} us, principal {1e6/float(ours['principal_only']):.2f} us")
hash_us = 1e6 / float(ours['sha256_signing_input'])
print(f"  in the signature: SHA-256 of the {ours['signing_input_bytes']} B signing input {hash_us:.2f} us"
      " (inherent to JWS; openssl speed verifies a bare 36-byte digest)")
median_sig = statistics.median(fresh / sig for _, sig, fresh, _ in rounds)
median_ossl = statistics.median(fresh / ossl for ossl, _, fresh, _ in rounds)
print(f"median fresh / signature only ({len(rounds)} rounds): {median_sig:.3f}  (the pipeline's own overhead; less sensitive to load)")
print(f"median fresh / openssl ({len(rounds)} rounds)       : {median_ossl:.3f}  (target >= 0.95)")
PY

if [[ -z "${NO_CRITERION:-}" ]]; then
  cargo bench -p authgate-core --bench verify -- --noplot --warm-up-time 2 --measurement-time "$secs"
fi
