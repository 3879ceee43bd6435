#!/usr/bin/env bash
# The served model: its id (and its aliases) is what requests may send as "model".
# Server: ${HIPO_URL:-http://localhost:8080}; with API keys set, export HIPO_API_KEY.
set -euo pipefail
source "$(dirname "$0")/lib/server.sh" "${HIPO_URL:-http://localhost:8080}" "${HIPO_API_KEY:-}"

get /v1/models
echo
