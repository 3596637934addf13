#!/usr/bin/env bash
# Installs what the headless-browser end-to-end test (crates/authgate-gateway/tests/browser.rs)
# needs, idempotently: Debian's Chromium at /usr/bin/chromium (as root, with apt-get, only when
# missing) and tests/browser's pinned node packages (playwright-core only; it drives the system
# Chromium, so no browser download is attempted).
#   scripts/browser-setup.sh
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "browser-setup: /usr/bin/chromium is missing; run this script as root (it uses apt-get)" >&2
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-liberation
fi
if [ ! -f tests/browser/node_modules/playwright-core/package.json ]; then
  npm ci --prefix tests/browser --no-audit --no-fund
fi
