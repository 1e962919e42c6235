#!/usr/bin/env bash
# How the harness scales with the number of exchanges (issue 26). The embedded sandbox runs
# in its own process (`sandbox --listen`), so the harness's CPU is measured apart from the
# server's; each run certifies it as a foreign target with `run --base-url … --generated N`
# under GNU time (`apt-get install time`), and prints:
#
#   N  exchanges  harness CPU per exchange (user+sys / exchanges)  peak RSS  results.json  journal
#
# Usage: scripts/scale.sh [N ...]        (default: 1000 10000 100000)
# Env:   BIN=path/to/kona-conformance    (default: target/release/kona-conformance, built)
#        PORT=18417                      the sandbox's port
#        KEEP=DIR                        keep each run's report folder under DIR
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1000 10000 100000)
port=${PORT:-18417}
if [ -z "${BIN:-}" ]; then
  cargo build --release --quiet
  BIN=target/release/kona-conformance
fi
[ -x /usr/bin/time ] || { echo "needs GNU time: apt-get install time" >&2; exit 2; }

work=$(mktemp -d)
"$BIN" sandbox --listen "127.0.0.1:$port" --write-keys "$work/keys" > "$work/sandbox.txt" &
sandbox=$!
trap 'kill $sandbox 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 50); do
  grep -q 'crypto key id' "$work/sandbox.txt" 2>/dev/null && break
  sleep 0.1
done
field() { sed -n "s/^  $1 *//p" "$work/sandbox.txt" | head -1; }
export KONA_ASP_ID="$(field 'ASP id')"
export KONA_ACCESS_KEY="$(field 'access key')"
export KONA_SECRET_KEY="$(field 'secret key')"
export KONA_CRYPTO_KEY_ID="$(field 'crypto key id')"
export KONA_SERVER_PUBLIC_KEY="$work/keys/server-public.pem"
export KONA_CLIENT_PRIVATE_KEY="$work/keys/client-private.pem"
base="$(field 'base URL')"

printf '%9s %10s %14s %12s %14s %14s %9s\n' \
  N exchanges 'CPU/exchange' 'peak RSS' results.json journal wall
for n in "${sizes[@]}"; do
  out="$work/run-$n"
  rm -rf "$out"
  /usr/bin/time -v -o "$work/time-$n.txt" \
    "$BIN" run --base-url "$base" --fixtures fixtures/embedded-sandbox.json \
    --profile sandbox --seed 1 --generated "$n" --max-duration 0 -q --report-dir "$out" \
    > "$work/stdout-$n.txt" 2> "$work/stderr-$n.txt" || true
  exchanges=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["counts"]["exchanges"])' \
    "$out/results.json")
  user=$(sed -n 's/.*User time (seconds): //p' "$work/time-$n.txt")
  sys=$(sed -n 's/.*System time (seconds): //p' "$work/time-$n.txt")
  rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$work/time-$n.txt")
  wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$work/time-$n.txt")
  results=$(stat -c %s "$out/results.json")
  journal=$(stat -c %s "$out/journal.ndjson" 2>/dev/null || echo 0)
  awk -v n="$n" -v x="$exchanges" -v u="$user" -v s="$sys" -v r="$rss" -v j="$journal" \
      -v res="$results" -v w="$wall" 'BEGIN {
    printf "%9d %10d %11.1f µs %8.1f MiB %11.2f MB %11.1f MB %9s\n",
      n, x, (u + s) * 1e6 / x, r / 1024, res / 1e6, j / 1e6, w }'
  if [ -n "${KEEP:-}" ]; then mkdir -p "$KEEP"; cp -r "$out" "$KEEP/run-$n"; fi
  rm -rf "$out"
done
