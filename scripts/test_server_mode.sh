#!/usr/bin/env bash
# The test suite again in server mode: PostgreSQL (127.0.0.1:5432, database test) and a Chroma server
# started here on a free loopback port with a throw-away path. Each test gets its own schema and collection.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.venv/bin}
PG_URL=${REPORTBOT_TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test}

if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  echo "starting PostgreSQL" >&2
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start
  for _ in $(seq 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
fi

port=$("$BIN/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
chroma_dir=$(mktemp -d)
"$BIN/chroma" run --path "$chroma_dir" --host 127.0.0.1 --port "$port" > "$chroma_dir.log" 2>&1 &
chroma_pid=$!
trap 'kill "$chroma_pid" 2>/dev/null || true; wait "$chroma_pid" 2>/dev/null || true; rm -rf "$chroma_dir" "$chroma_dir.log"' EXIT
for _ in $(seq 60); do
  curl -sf "http://127.0.0.1:$port/api/v2/heartbeat" >/dev/null && break
  sleep 0.5
done
curl -sf "http://127.0.0.1:$port/api/v2/heartbeat" >/dev/null || { cat "$chroma_dir.log" >&2; echo "Chroma server did not start" >&2; exit 1; }

echo "server mode: $PG_URL and Chroma at 127.0.0.1:$port" >&2
REPORTBOT_TEST_DATABASE_URL="$PG_URL" REPORTBOT_TEST_CHROMA_URL="http://127.0.0.1:$port" \
  "$BIN/pytest" --durations=10 -q "$@"
