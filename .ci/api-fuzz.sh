#!/usr/bin/env bash
# API fuzz run: schemathesis (PyPI) generates requests from the served OpenAPI
# document — valid, invalid and out-of-schema — against a real `marketlens serve` on
# the embedded defaults, and fails on any 5xx, any status code, content type, header
# or body the document does not declare for that route. Its two "data acceptance"
# checks are left out: they flag requests the API refuses for rules the document does
# not spell out as JSON-schema keywords (an ISO currency code, one of `toml`/`version`),
# which are refusals with a documented 4xx body, not defects.
# Usage: .ci/api-fuzz.sh <marketlens binary> [max examples per operation]
set -euo pipefail
BIN="$1"
EXAMPLES="${2:-50}"
VENV="${HOME}/.cache/marketlens-ci/schemathesis-venv"
if [ ! -x "$VENV/bin/st" ]; then
  time { python3 -m venv "$VENV" && "$VENV/bin/pip" install -q 'schemathesis>=4.32,<5'; }
fi
DATA="$(mktemp -d)"
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
KEY="$("$BIN" keys create --tenant local --user api-fuzz --scopes read,write,admin \
  --data-dir "$DATA" 2>/dev/null)"
"$BIN" serve --bind "127.0.0.1:${PORT}" --data-dir "$DATA" --rate-limit 0 \
  --max-inflight-per-tenant 0 >"$DATA/serve.log" 2>&1 &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null || true; rm -rf "$DATA"' EXIT
for _ in $(seq 1 100); do
  curl -sf -o /dev/null "http://127.0.0.1:${PORT}/readyz" && break
  sleep 0.1
done
"$VENV/bin/st" run "http://127.0.0.1:${PORT}/openapi.json" \
  --max-examples "$EXAMPLES" --seed 1 --header "Authorization: Bearer ${KEY}" \
  --exclude-checks positive_data_acceptance,negative_data_rejection
# The server must still be up and healthy after the run.
curl -sf -o /dev/null "http://127.0.0.1:${PORT}/healthz"
