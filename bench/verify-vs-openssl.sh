#!/usr/bin/env bash
# Fresh RS256 verify (parse + signature + claims + principal) against the RSA-2048 verify rate
# that `openssl speed rsa2048` reports on this machine, measured in the same run.
# Target (issue 2): ratio >= 0.95. Usage: bench/verify-vs-openssl.sh [criterion filter]
set -euo pipefail
cd "$(dirname "$0")/.."

# `-elapsed`: openssl otherwise counts CPU time, while criterion measures wall time; on a shared
# machine only wall time against wall time is a fair ratio.
openssl_rate() {
  openssl speed -elapsed -seconds "${OPENSSL_SECONDS:-5}" rsa2048 2>/dev/null \
    | awk '/^rsa 2048 bits/ {print $NF}'
}

mean_ns() { # criterion estimates.json -> mean point estimate in ns
  python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["mean"]["point_estimate"])' "$1"
}

before=$(openssl_rate)
cargo bench -p authgate-core --bench verify -- "${1:-}" --noplot --warm-up-time 2 --measurement-time 5
after=$(openssl_rate)

dir=target/criterion
fresh=$(mean_ns "$dir/fresh_verify/RS256/new/estimates.json")
sig=$(mean_ns "$dir/rsa2048_signature_only/new/estimates.json")
python3 - "$before" "$after" "$fresh" "$sig" <<'PY'
import sys
before, after, fresh_ns, sig_ns = map(float, sys.argv[1:])
openssl = (before + after) / 2
fresh = 1e9 / fresh_ns
sig = 1e9 / sig_ns
print(f"openssl speed rsa2048 verify/s : {openssl:,.0f} (before {before:,.0f}, after {after:,.0f})")
print(f"aws-lc RSA-2048 signature only : {sig:,.0f}/s ({sig / openssl:.3f} of openssl)")
print(f"authgate fresh RS256 verify    : {fresh:,.0f}/s")
print(f"ratio fresh / openssl          : {fresh / openssl:.3f}  (target >= 0.95)")
PY
