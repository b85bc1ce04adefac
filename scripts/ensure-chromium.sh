#!/usr/bin/env bash
# Run before the tests (npm's pretest): the browser test drives Debian's chromium through playwright-core.
# Playwright cannot download its own browser here, so we use the distribution's package and a Korean font
# (for readable screenshots). Installs them only when missing, and only where apt-get can (root).
set -euo pipefail
chromium_path="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ -x "$chromium_path" ] && fc-list 2>/dev/null | grep -qi 'nanum\|noto sans cjk'; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
  echo "kcp-payplus: the browser test needs chromium at $chromium_path (Debian: apt-get install chromium fonts-nanum)" >&2
  exit 0
fi
echo "kcp-payplus: installing chromium and fonts-nanum for the browser test (apt-get)" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends chromium fonts-nanum >/dev/null
