#!/usr/bin/env bash
# Readiness: 200 {"status":"ok"} once the model serves, 503 with a reason while it loads, failed or drains.
# /health/live answers 200 as long as the process runs.
# Server: ${HIPO_URL:-http://localhost:8080}; with API keys set, export HIPO_API_KEY.
set -euo pipefail
source "$(dirname "$0")/lib/server.sh" "${HIPO_URL:-http://localhost:8080}" "${HIPO_API_KEY:-}"

get /health
echo
