#!/usr/bin/env bash
# The newcomer's first hour, replayed: a fresh clone of this repository, the README's two commands, then the README's
# quick-start app against the simulator. Everything runs on 127.0.0.1; npm needs only its registry.
#
#   scripts/newcomer.sh [--quick]      --quick skips `npm ci && npm test` (the whole suite, several minutes)
#
# Exit 0 when every step worked; otherwise the failing step is named.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
quick=0
[ "${1:-}" = "--quick" ] && quick=1
work="$(mktemp -d "${TMPDIR:-/tmp}/kcp-newcomer-XXXXXX")"
start_pid=""
cleanup() {
  if [ -n "$start_pid" ]; then kill "$start_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
step() { printf '\n== %s\n' "$*"; }

step "fresh clone into $work/kcp-payplus"
git clone --quiet --branch "$(git -C "$repo" rev-parse --abbrev-ref HEAD)" "$repo" "$work/kcp-payplus"
cd "$work/kcp-payplus"

step "README command 1: npm install && npm start"
npm install --no-audit --no-fund
port=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
PORT="$port" npm start >"$work/start.log" 2>&1 &
start_pid=$!
for _ in $(seq 1 60); do
  grep -q '^KCP sample shop:' "$work/start.log" 2>/dev/null && break
  kill -0 "$start_pid" 2>/dev/null || { cat "$work/start.log"; echo "npm start exited"; exit 1; }
  sleep 1
done
grep -q "^KCP sample shop:  http://127.0.0.1:$port/" "$work/start.log" || { cat "$work/start.log"; echo "npm start printed no shop URL"; exit 1; }
curl -fsS "http://127.0.0.1:$port/" >/dev/null || { echo "the shop does not answer"; exit 1; }
kill "$start_pid"; wait "$start_pid" 2>/dev/null || true; start_pid=""
echo "npm start served http://127.0.0.1:$port/"

if [ "$quick" -eq 0 ]; then
  step "README command 2: npm ci && npm test"
  npm ci --no-audit --no-fund
  CI=true npm test
fi

step "README quick start: its code blocks built strictly, then the app against the simulator"
npx mocha test/quickstart/quickstart.test.ts

step "newcomer run passed"
