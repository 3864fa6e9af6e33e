#!/usr/bin/env bash
# Starts the demo server the way `npm start` does, on a free port and a fresh data dir,
# checks that the API answers, and stops it with SIGTERM (a clean stop is part of the check).
set -euo pipefail
data_dir=$(mktemp -d)
log=$(mktemp)
PORT=0 HOST=127.0.0.1 PIPEWRIGHT_DATA_DIR="$data_dir" setsid npm start >"$log" 2>&1 &
pid=$!
cleanup() { kill -TERM -- "-$pid" 2>/dev/null || true; rm -rf "$data_dir"; }
trap cleanup EXIT
for _ in $(seq 1 120); do
  if url=$(grep -o 'Pipewright listening on http://[^ ]*' "$log" | head -1 | cut -d' ' -f4) && [ -n "$url" ]; then break; fi
  if ! kill -0 "$pid" 2>/dev/null; then cat "$log"; echo "npm start exited early"; exit 1; fi
  sleep 0.5
done
[ -n "${url:-}" ] || { cat "$log"; echo "npm start did not report listening in 60 s"; exit 1; }
cat "$log"
curl -fsS "$url/api/health"; echo
kill -TERM -- "-$pid"
# npm exits on the signal at once; the server behind it stops gracefully and says so.
for _ in $(seq 1 80); do
  if grep -q 'Pipewright stopped.' "$log" && ! kill -0 -- "-$pid" 2>/dev/null; then break; fi
  sleep 0.25
done
grep -q 'Pipewright stopped.' "$log" || { cat "$log"; echo "no clean stop within 20 s of SIGTERM"; exit 1; }
if kill -0 -- "-$pid" 2>/dev/null; then echo "processes of npm start were left running"; exit 1; fi
echo "npm start: served and stopped cleanly"
