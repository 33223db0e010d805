#!/usr/bin/env bash
# Intake throughput against this machine's own HTTP ceiling, in one run with the same wrk command.
#
#   bench/intake_wrk.sh HCP_BINARY [CEILING_BINARY] [more HCP binaries to compare…]
#
# Each hcp binary serves a fresh demo database (SQLite, release build expected) with trust_proxy = true; the
# ceiling (an axum server that parses the same JSON and answers 201 without storing anything, e.g. the
# workplace's shared/ceiling) is measured with the same wrk command. Two workloads: good reviews only, and every
# request a bad review (each opens and dispatches a ticket). Needs wrk (Debian package).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
DURATION=${DURATION:-15s}
CONNECTIONS=${CONNECTIONS:-64}
PORT=${PORT:-18181}
binaries=("$1"); shift
ceiling=${1:-}; [ $# -gt 0 ] && shift
binaries+=("$@")

run_wrk() { # label url bad_every
  local out
  out=$(HCP_BAD_EVERY=$3 wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -s "$here/intake.lua" "$2")
  local rps p50 p99 errors
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  errors=$(awk '/Non-2xx/ {print $5}' <<<"$out")
  local mix="good only"; [ "$3" = 1 ] && mix="all bad"
  printf '%-40s %-10s %10s req/s  p50 %-8s p99 %-8s non-2xx %s\n' "$1" "$mix" "$rps" "$p50" "$p99" "${errors:-0}"
}

wait_up() { for _ in $(seq 1 300); do curl -sf "$1" >/dev/null 2>&1 && return 0; sleep 1; done; return 1; }

if [ -n "$ceiling" ]; then
  "$ceiling" http "127.0.0.1:$PORT" & pid=$!
  sleep 1
  run_wrk "ceiling (no-op, same JSON)" "http://127.0.0.1:$PORT/api/v1/evaluations" 0
  run_wrk "ceiling (no-op, same JSON)" "http://127.0.0.1:$PORT/api/v1/evaluations" 1
  kill $pid; wait $pid 2>/dev/null || true
fi

for binary in "${binaries[@]}"; do
  dir=$(mktemp -d)
  printf 'trust_proxy = true\n[scheduler]\ninterval_seconds = 3600\n' >"$dir/hcp.toml"
  "$binary" serve --demo --data-dir "$dir" --listen "127.0.0.1:$PORT" >"$dir/log" 2>&1 & pid=$!
  wait_up "http://127.0.0.1:$PORT/healthz"
  sleep 20 # the start-up integrity sweep runs once; do not measure it
  run_wrk "$binary" "http://127.0.0.1:$PORT/api/v1/evaluations" 0
  run_wrk "$binary" "http://127.0.0.1:$PORT/api/v1/evaluations" 1
  kill $pid; wait $pid 2>/dev/null || true
  rm -rf "$dir"
done
