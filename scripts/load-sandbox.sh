#!/usr/bin/env bash
# Load on the embedded sandbox over loopback with wrk (Debian package `wrk`): one pre-signed
# card/info request replayed for 10 s, plain and encrypted. Replaying is fine while the tran
# time stays inside the sandbox's 5-minute window.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=target/release/kona-conformance
port=${PORT:-18181}
cargo build --release --quiet
"$bin" sandbox --listen "127.0.0.1:$port" >/dev/null &
sandbox=$!
trap 'kill $sandbox' EXIT
sleep 1
work=$(mktemp -d)
card=$(grep -A2 '"active"' fixtures/embedded-sandbox.json | grep -o '[0-9]\{16\}' | head -1)
printf '{"cardNo":"%s"}' "$card" > "$work/plain.json"

lua() { # signed headers and body as a wrk script
  local body=$1 script=$2
  shift 2
  "$bin" sign --sandbox --show-access-key --body "$body" "$@" --write-body "$work/sent.json" \
    | grep '^X-KM-' > "$work/headers.txt"
  {
    echo 'wrk.method = "POST"'
    echo "wrk.body = [[$(cat "$work/sent.json")]]"
    echo 'wrk.headers["Content-Type"] = "application/json"'
    sed -E 's/^([^:]+): (.*)$/wrk.headers["\1"] = "\2"/' "$work/headers.txt"
  } > "$script"
}
lua "$work/plain.json" "$work/plain.lua"
lua "$work/plain.json" "$work/enc.lua" --encrypt-for test-keys/server-public.pem
for kind in plain enc; do
  echo "== card/info, $kind"
  wrk -t2 -c32 -d10s -s "$work/$kind.lua" "http://127.0.0.1:$port/open-api/api/v1/user/card/info" \
    | grep -E 'Requests/sec|Latency|Non-2xx|requests in'
done
