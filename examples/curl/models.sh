#!/usr/bin/env bash
# The served model: its id (and its aliases) is what requests may send as "model".
# Server: ${HIPO_URL:-http://localhost:8080}; with API keys set, export HIPO_API_KEY.
set -euo pipefail
url="${HIPO_URL:-http://localhost:8080}"
url="${url%/}"
auth=()
if [[ -n "${HIPO_API_KEY:-}" ]]; then auth=(-H "Authorization: Bearer ${HIPO_API_KEY}"); fi

curl -sS --fail-with-body "${auth[@]}" "$url/v1/models"
echo
