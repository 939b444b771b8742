#!/usr/bin/env bash
# The thin API's own speed: POST /v1/analyses on `marketlens serve --no-worker`,
# measured with `wrk -t2 -c64 -d15s` posting distinct questions (bench-enqueue.lua).
#
#   scripts/bench-enqueue.sh embedded     # SQLite store and queue in a fresh data dir
#   scripts/bench-enqueue.sh postgres     # PostgreSQL store + Redis Streams queue
#
# Needs `wrk` (apt-get install wrk) and a release build (built here if missing).
# PostgreSQL and Redis: MARKETLENS_BENCH_DATABASE_URL (default
# postgres://postgres@127.0.0.1:5432/postgres) and MARKETLENS_BENCH_REDIS_URL (default
# redis://127.0.0.1:6379/), under a fresh Redis key prefix (its keys removed at the
# end). WRK_ARGS overrides the wrk options; MARKETLENS_BIN the binary; the API logs
# at MARKETLENS_LOG (default
# `warn` here, so the figures are the API's, not its log output's). Prints wrk's
# figures and the API's CPU seconds per thousand requests (from /proc).
set -euo pipefail
cd "$(dirname "$0")/.."

mode="${1:-embedded}"
# The Redis keys of this run (postgres mode), removed when it ends.
prefix="marketlens-bench-$$-$RANDOM"
bin="${MARKETLENS_BIN:-target/release/marketlens}"
wrk_args="${WRK_ARGS:--t2 -c64 -d15s}"
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
[ -x "$bin" ] || cargo build --release --locked --bin marketlens

data="$(mktemp -d)"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
args=(serve --no-auth --max-inflight-per-tenant 0 --no-worker --bind "127.0.0.1:$port" --data-dir "$data")
case "$mode" in
  embedded) ;;
  postgres)
    args+=(--database-url "${MARKETLENS_BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
           --queue-url "${MARKETLENS_BENCH_REDIS_URL:-redis://127.0.0.1:6379/}"
           --redis-url "${MARKETLENS_BENCH_REDIS_URL:-redis://127.0.0.1:6379/}"
           --redis-prefix "$prefix") ;;
  *) echo "usage: $0 embedded|postgres" >&2; exit 2 ;;
esac

MARKETLENS_LOG="${MARKETLENS_LOG:-warn}" "$bin" "${args[@]}" 2>"$data/api.log" &
api=$!
forget_keys() {
  [ "$mode" = postgres ] && command -v redis-cli >/dev/null || return 0
  redis-cli -u "${MARKETLENS_BENCH_REDIS_URL:-redis://127.0.0.1:6379/}" --scan --pattern "$prefix*" \
    | xargs -r redis-cli -u "${MARKETLENS_BENCH_REDIS_URL:-redis://127.0.0.1:6379/}" del >/dev/null
}
trap 'kill "$api" 2>/dev/null || true; wait "$api" 2>/dev/null || true; rm -rf "$data"; forget_keys' EXIT
for _ in $(seq 1 100); do
  curl -sf -o /dev/null "http://127.0.0.1:$port/readyz" && break
  sleep 0.1
done
curl -sf -o /dev/null "http://127.0.0.1:$port/readyz" || { cat "$data/api.log"; exit 1; }

cpu() { awk '{print $14 + $15}' "/proc/$api/stat"; }
before="$(cpu)"
# shellcheck disable=SC2086
out="$(wrk $wrk_args --latency -s scripts/bench-enqueue.lua "http://127.0.0.1:$port")"
after="$(cpu)"
echo "$out"
requests="$(echo "$out" | awk '/requests in/ {print $1}')"
ticks="$(getconf CLK_TCK)"
awk -v c=$((after - before)) -v t="$ticks" -v n="$requests" -v m="$mode" \
  'BEGIN { printf "%s: API CPU %.2f s for %d requests = %.1f ms per thousand\n", m, c / t, n, 1000 * 1000 * c / t / n }'
