#!/usr/bin/env bash
# Legacy completions: a raw prompt continued as is (no chat template, no HiPO parsing); max_tokens defaults to 16.
# Server: ${HIPO_URL:-http://localhost:8080}; with API keys set, export HIPO_API_KEY.
set -euo pipefail
url="${HIPO_URL:-http://localhost:8080}"
url="${url%/}"
auth=()
if [[ -n "${HIPO_API_KEY:-}" ]]; then auth=(-H "Authorization: Bearer ${HIPO_API_KEY}"); fi

curl -sS --fail-with-body "${auth[@]}" "$url/v1/completions" -H 'Content-Type: application/json' -d '{
  "prompt": "The capital of France is",
  "max_tokens": 16
}'
echo
