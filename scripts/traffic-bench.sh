#!/usr/bin/env bash
# What judging traffic costs (release build; figures for the README and the closing notes,
# never asserted by a test):
#   1. proxy: the latency it adds to one plain card/info exchange on loopback, with wrk over
#      one connection (direct to the sandbox, then through `proxy`, quiet, with a journal);
#   2. verify: exchanges per second and peak memory on an exchange log of SIZE_MB (default
#      1024) made by repeating one real plain card/info exchange.
# Needs wrk and GNU time (Debian packages `wrk`, `time`) and python3 with cryptography.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=target/release/kona-conformance
size_mb=${SIZE_MB:-1024}
cargo build --release --quiet
work=$(mktemp -d)
sandbox_port=18281
proxy_port=18282
"$bin" sandbox --listen "127.0.0.1:$sandbox_port" >/dev/null &
pids=($!)
trap 'kill "${pids[@]}" 2>/dev/null; rm -rf "$work"' EXIT
"$bin" proxy --upstream "http://127.0.0.1:$sandbox_port" --listen "127.0.0.1:$proxy_port" \
  --sandbox-keys --quiet --journal "$work/journal.ndjson" >/dev/null 2>&1 &
pids+=($!)
sleep 1
card=$(grep -A2 '"active"' fixtures/embedded-sandbox.json | grep -o '[0-9]\{16\}' | head -1)
printf '{"cardNo":"%s"}' "$card" > "$work/plain.json"
"$bin" sign --sandbox --show-access-key --body "$work/plain.json" --write-body "$work/sent.json" \
  | grep '^X-KM-' > "$work/headers.txt"
{
  echo 'wrk.method = "POST"'
  echo "wrk.body = [[$(cat "$work/sent.json")]]"
  echo 'wrk.headers["Content-Type"] = "application/json"'
  sed -E 's/^([^:]+): (.*)$/wrk.headers["\1"] = "\2"/' "$work/headers.txt"
} > "$work/plain.lua"
path=/open-api/api/v1/user/card/info
for hop in "direct 127.0.0.1:$sandbox_port" "proxy 127.0.0.1:$proxy_port"; do
  set -- $hop
  echo "== $1: one connection, 10 s"
  wrk -t1 -c1 -d10s --latency -s "$work/plain.lua" "http://$2$path" \
    | grep -E 'Latency  |50%|99%|Requests/sec|Non-2xx'
done
echo "journal: $(wc -l < "$work/journal.ndjson") lines"

echo "== verify: one real exchange repeated to ${size_mb} MB"
export KONA_ASP_ID=000990000000001 KONA_ACCESS_KEY=5a3c9e1-0f4b2d6e8a1c3e5f7b9d0a2c4e6f8b1d \
  KONA_SECRET_KEY=kona-conformance-sandbox-secret-key-public-test-only \
  KONA_CRYPTO_KEY_ID=8d2f6b0a4c1e3f5a7b9c2d4e6f8a0b1c \
  KONA_SERVER_PUBLIC_KEY=test-keys/server-public.pem KONA_CLIENT_PRIVATE_KEY=test-keys/client-private.pem
python3 tools/kona-client/kona_client.py --base-url "http://127.0.0.1:$sandbox_port/open-api" \
  --endpoint card-info --body "$(cat "$work/plain.json")" --record-ndjson "$work/one.ndjson"
python3 - "$work/one.ndjson" "$work/big.ndjson" "$size_mb" <<'EOF'
import sys
line = open(sys.argv[1], encoding="utf-8").readline()
target = int(sys.argv[3]) * 1024 * 1024
with open(sys.argv[2], "w", encoding="utf-8") as out:
    chunk = line * 1000
    written = 0
    while written < target:
        out.write(chunk)
        written += len(chunk.encode())
print(f"{written // len(line.encode())} lines, {written // (1024 * 1024)} MB")
EOF
unset KONA_SECRET_KEY KONA_CLIENT_PRIVATE_KEY
for keys in "" "--sandbox-keys"; do
  echo "-- verify ${keys:-(no keys: token and JWE in form only)}"
  /usr/bin/time -f 'wall %e s, user %U s, sys %S s, peak RSS %M KiB' \
    "$bin" verify "$work/big.ndjson" --quiet $keys --report-dir "$work/report" 2>&1 \
    | grep -E 'exchange\(s\) read|wall'
done
