#!/usr/bin/env bash
# Peak memory, wall time and exit code of the release binary against each hostile target
# mode (examples/hostile_target.rs, the servers of tests/it/hostile.rs) at default settings: a
# loopback target gets every scenario, 1,000 generated cases, 16 in flight (with the embedded
# sandbox's fixtures, so every scenario has its data). Needs GNU time
# (Debian package `time`) for the peak RSS. Prints a Markdown table.
#
#   scripts/hostile-rss.sh [MODE...]     (default: every mode below)
#
# `sigterm` runs against a target that never answers and sends SIGTERM after 5 s.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x /usr/bin/time ] || { echo "needs GNU time: apt-get install -y time" >&2; exit 2; }
# PROFILE=debug measures a debug build instead (slower, same memory bounds).
profile=${PROFILE:-release}
if [ -n "${NO_BUILD:-}" ]; then
  : # measure the binaries already built
elif [ "$profile" = release ]; then
  cargo build --release --quiet --bin kona-conformance --example hostile_target
else
  cargo build --quiet --bin kona-conformance --example hostile_target
fi
bin=target/$profile/kona-conformance
server=target/$profile/examples/hostile_target
modes=("$@")
[ ${#modes[@]} -gt 0 ] || modes=(redirect nested-json endless-chunked gzip-bomb hangul injection ten-megabytes truncated reset html invalid-utf8 malformed-jwe sigterm)

export KONA_ASP_ID=CANARYASP000001
export KONA_ACCESS_KEY=CANARY-ACCESS-KEY-7f3a9c2e5b8d1f4a6c0e9b
export KONA_SECRET_KEY=CANARY-SECRET-KEY-5c1e9a7b3d
export KONA_CRYPTO_KEY_ID=CANARY0000000000000000000000KEY1
export KONA_SERVER_PUBLIC_KEY=$PWD/test-keys/server-public.pem
export KONA_CLIENT_PRIVATE_KEY=$PWD/test-keys/client-private.pem

work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

echo "| mode | exit | wall s | peak RSS MB | exchanges | reports written | reports MB |"
echo "|---|---:|---:|---:|---:|---|---:|"
port=${PORT:-18300}
for mode in "${modes[@]}"; do
  port=$((port + 1))
  served=$mode
  [ "$mode" = sigterm ] && served=silent
  "$server" "$served" "$port" "http://127.0.0.1:$((port + 500))/collect" 2>/dev/null &
  pids+=($!)
  sleep 0.5
  dir="$work/$mode"
  /usr/bin/time -v -o "$work/$mode.time" "$bin" run --quiet --fixtures fixtures/embedded-sandbox.json \
    --base-url "http://127.0.0.1:$port/open-api" --report-dir "$dir" \
    >"$work/$mode.out" 2>"$work/$mode.err" &
  run=$!
  if [ "$mode" = sigterm ]; then
    sleep 5
    kill -TERM $(pgrep -P "$run") 2>/dev/null || true
  fi
  code=0
  wait "$run" || code=$?
  # /usr/bin/time reports the child's status as its own.
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,t,":"); s=0; for(i=1;i<=n;i++) s=s*60+t[i]; printf "%.1f", s}' "$work/$mode.time")
  rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2/1024}' "$work/$mode.time")
  written=0
  for f in results.json junit.xml cucumber.json summary.md report.html; do
    [ -s "$dir/$f" ] && written=$((written + 1))
  done
  exchanges=$(grep -o '[0-9]* exchanges' "$work/$mode.out" | head -1 | cut -d' ' -f1)
  size=$(du -cb "$dir"/*.json "$dir"/*.xml "$dir"/*.md "$dir"/*.html 2>/dev/null | tail -1 | awk '{printf "%.1f", $1/1048576}')
  echo "| $mode | $code | $wall | $rss | ${exchanges:-–} | $written of 5 | ${size:-0} |"
  kill "${pids[-1]}" 2>/dev/null || true
done
