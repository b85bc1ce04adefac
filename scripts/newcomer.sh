#!/usr/bin/env bash
# The newcomer's first hour, replayed from a fresh clone of this repository, following README.md literally:
#   1. "Two commands": npm install && npm start (the sample shop answers), then npm ci && npm test.
#   2. "Quick start": the README's sh block run as written — a clone, `npm install && npm pack`, a new project that
#      installs the tarball, the install-script approvals, install-standin and the simulator — then the README's
#      site_conf_inc.json and app.ts blocks, built with tsc as the README says, and the app started with KCP_CONFIG:
#      its order page must load the simulator's window script.
#   3. The quick start's payment path end to end (card and virtual account, with the deposit notification):
#      test/quickstart/quickstart.test.ts in the fresh clone.
# Substitutions, and only these: `<this repository>` becomes this repository's path, and the README's ports 8090 and
# 3000 become free ports (the machine may be shared). Everything runs on 127.0.0.1; npm needs only its registry.
#
#   scripts/newcomer.sh [--quick | --quickstart-only]
#     --quick            skips `npm ci && npm test` (the whole suite, several minutes; it needs PostgreSQL and MariaDB:
#                        README "Tests: the databases they need")
#     --quickstart-only  skips both README commands: the fresh clone is installed (npm install) only for step 3
#
# Exit 0 when every step worked; otherwise the failing step is named. Each step prints how long it took
# (--quickstart-only on a shared 2-core machine: 656 s, of which 290 s the clone's npm install and 350 s the quick
# start's block, which compiles better-sqlite3 and the native parts twice more).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
quick=0
only_quickstart=0
[ "${1:-}" = "--quick" ] && quick=1
[ "${1:-}" = "--quickstart-only" ] && quick=1 && only_quickstart=1
work="$(mktemp -d "${TMPDIR:-/tmp}/kcp-newcomer-XXXXXX")"
pids=()
# Stops a process this script started, its children first (npx and npm start run node below them).
stop() {
  local child
  for child in $(pgrep -P "$1" 2>/dev/null || true); do stop "$child"; done
  kill "$1" 2>/dev/null || true
}
cleanup() {
  for pid in "${pids[@]:-}"; do [ -n "$pid" ] && stop "$pid"; done
  rm -rf "$work"
}
trap cleanup EXIT
began=$SECONDS
step_began=$SECONDS
step() {
  [ "$step_began" -ne "$SECONDS" ] && printf '   (%ss)\n' "$((SECONDS - step_began))"
  step_began=$SECONDS
  printf '\n== %s\n' "$*"
}
fail() { echo "newcomer: FAILED: $*" >&2; exit 1; }
free_port() { node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }
# Waits up to $3 seconds for the file $1 to contain the pattern $2, while the process $4 lives.
wait_for() {
  for _ in $(seq 1 "$3"); do
    grep -q "$2" "$1" 2>/dev/null && return 0
    kill -0 "$4" 2>/dev/null || { cat "$1"; return 1; }
    sleep 1
  done
  cat "$1"
  return 1
}
# One fenced block of $3/README.md: the first whose info string is $1 and whose text contains $2.
readme_block() {
  node -e '
    const md = require("fs").readFileSync(process.argv[1], "utf8");
    const blocks = [...md.matchAll(/^```([^\n]*)\n([\s\S]*?)^```$/gm)].map((m) => ({ info: m[1].trim(), body: m[2] }));
    const b = blocks.find((x) => x.info === process.argv[2] && x.body.includes(process.argv[3]));
    if (!b) { console.error(`README.md has no ${process.argv[2]} block with ${process.argv[3]}`); process.exit(1); }
    process.stdout.write(b.body);
  ' "$3/README.md" "$1" "$2"
}
branch="$(git -C "$repo" rev-parse --abbrev-ref HEAD)"

step "fresh clone into $work/kcp-payplus"
git clone --quiet --branch "$branch" "$repo" "$work/kcp-payplus"
cd "$work/kcp-payplus"
clone="$PWD"

step "README command 1: npm install && npm start"
npm install --no-audit --no-fund
if [ "$only_quickstart" -eq 0 ]; then
  port=$(free_port)
  PORT="$port" npm start >"$work/start.log" 2>&1 &
  pids+=($!)
  wait_for "$work/start.log" '^KCP sample shop:' 90 "${pids[-1]}" || fail "npm start printed no shop URL"
  grep -q "^KCP sample shop:  http://127.0.0.1:$port/" "$work/start.log" || { cat "$work/start.log"; fail "npm start printed another shop URL"; }
  curl -fsS "http://127.0.0.1:$port/" >/dev/null || fail "the sample shop does not answer"
  stop "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true
  echo "npm start served http://127.0.0.1:$port/"
fi

if [ "$quick" -eq 0 ]; then
  step "README command 2: npm ci && npm test (PostgreSQL and MariaDB as README \"Tests\" says)"
  npm ci --no-audit --no-fund
  CI=true npm test
fi

step "README quick start: its sh block, as written (clone, npm pack, install the tarball, approvals, stand-in, simulator)"
sim_port=$(free_port)
app_port=$(free_port)
mkdir "$work/quickstart"
cd "$work/quickstart"
readme_block sh 'npm pkg set type=module' "$clone" \
  | sed -e "s#<this repository>#$repo --branch $branch#" -e "s/8090/$sim_port/g" -e "s/3000/$app_port/g" >"$work/quickstart.sh"
cat "$work/quickstart.sh"
# The block ends by starting the simulator in the background: run it in this shell, so `cd my-shop` and $! carry over.
trap 'cat "$work/sim.log" >&2; echo "newcomer: FAILED: the quick start sh block" >&2' ERR
# shellcheck disable=SC1091
. "$work/quickstart.sh" >"$work/sim.log" 2>&1
trap - ERR
sim_pid=$!
pids+=("$sim_pid")
shop="$PWD"
[ "$(basename "$shop")" = "my-shop" ] || { cat "$work/sim.log"; fail "the sh block did not leave us in my-shop (in $shop)"; }
ls ../kcp-payplus/kcp-payplus-*.tgz >/dev/null 2>&1 || { cat "$work/sim.log"; fail "npm pack made no tarball"; }
[ -f node_modules/kcp-payplus/package.json ] || { cat "$work/sim.log"; fail "the tarball was not installed"; }
wait_for "$work/sim.log" 'g_conf_js_url' 30 "$sim_pid" || fail "the simulator printed no banner"
grep -q 'npm error' "$work/sim.log" && { cat "$work/sim.log"; fail "npm reported an error in the sh block"; }
grep -A6 '^KCP PayPlus simulator' "$work/sim.log"
[ -x kcp/bin/pp_cli ] || fail "install-standin put no pp_cli into ./kcp/bin"
node -e 'const a = require("./package.json").allowScripts ?? {}; const k = Object.keys(a);
  if (!k.some((x) => x.includes("kcp-payplus")) || !k.includes("better-sqlite3")) { console.error("allowScripts:", a); process.exit(1); }' \
  || fail "npm install-scripts approve did not record both kcp-payplus and better-sqlite3"
npx kcp-payplus --version

step "README quick start: site_conf_inc.json, app.ts and tsconfig.json as the README writes them, built with tsc"
mkdir -p kcp/cfg
readme_block json '"g_conf_home_dir"' "$clone" \
  | sed -e "s#\"g_conf_home_dir\": \"[^\"]*\"#\"g_conf_home_dir\": \"$shop/kcp\"#" -e "s/8090/$sim_port/g" -e "s/3000/$app_port/g" \
  >kcp/cfg/site_conf_inc.json
node -e '
  const md = require("fs").readFileSync(process.argv[1], "utf8");
  const blocks = [...md.matchAll(/^```ts\n(\/\/ file: app\.ts\n[\s\S]*?)^```$/gm)].map((m) => m[1]);
  if (blocks.length !== 4) { console.error(`README.md has ${blocks.length} app.ts blocks, not 4`); process.exit(1); }
  require("fs").writeFileSync("app.ts", blocks.join("\n"));
' "$clone/README.md"
# "a tsconfig.json with "module": "nodenext", "strict": true, "skipLibCheck": true as tsc --init writes it, "outDir": "dist""
cat >tsconfig.json <<'JSON'
{ "compilerOptions": { "module": "nodenext", "target": "esnext", "strict": true, "skipLibCheck": true, "outDir": "dist" }, "include": ["app.ts"] }
JSON
npx tsc || fail "npx tsc: the README's app.ts does not compile"

step "README quick start: KCP_CONFIG, node dist/app.js; the order page loads the simulator's window; doctor reads the same cfg"
export KCP_CONFIG=$PWD/kcp/cfg/site_conf_inc.json
PORT="$app_port" node dist/app.js >"$work/app.log" 2>&1 &
pids+=($!)
wait_for "$work/app.log" "shop: http://127.0.0.1:$app_port/order" 30 "${pids[-1]}" || fail "the app printed no shop URL"
curl -fsS "http://127.0.0.1:$app_port/order" >"$work/order.html" || fail "GET /order"
js_url=$(sed -n 's/.*<script src="\([^"]*\)".*/\1/p' "$work/order.html" | head -1)
grep -q 'KCP_Pay_Execute' "$work/order.html" || fail "the order page has no KCP_Pay_Execute button"
[ "$js_url" = "http://127.0.0.1:$sim_port/plugin/payplus_test_un.js" ] || fail "the order page loads '$js_url', not the banner's plug-in window"
curl -fsS "$js_url" >/dev/null || fail "the simulator does not serve $js_url"
echo "the order page loads $js_url"
npx kcp-payplus doctor --offline --no-smoke --lang en >"$work/doctor.log" || true
head -1 "$work/doctor.log"
grep -qx "kcp-payplus doctor: config $KCP_CONFIG (from KCP_CONFIG)" "$work/doctor.log" || fail "doctor did not check the app's KCP_CONFIG"

step "README quick start, paid end to end (card, virtual account, deposit notification): test/quickstart in the clone"
cd "$clone"
npx mocha test/quickstart/quickstart.test.ts

step "newcomer run passed in $((SECONDS - began)) s"
