#!/usr/bin/env bash
# Runs the third-party OpenID provider of tests/third-party-op (panva/oidc-provider) for manual
# interoperability checks: installs its pinned packages when missing, then starts it.
#   scripts/third-party-op.sh [--port 0] [--client-id ID] [--client-secret S] [--redirect-uri URI]...
set -euo pipefail
dir="$(cd "$(dirname "$0")/../tests/third-party-op" && pwd)"
if [ ! -f "$dir/node_modules/oidc-provider/package.json" ]; then
  npm ci --prefix "$dir" --no-audit --no-fund
fi
cd "$dir"
exec node server.mjs "$@"
