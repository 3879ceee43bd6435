#!/usr/bin/env bash
# Legacy completions: a raw prompt continued as is (no chat template, no HiPO parsing); max_tokens defaults to 16.
# Server: ${HIPO_URL:-http://localhost:8080}; with API keys set, export HIPO_API_KEY.
set -euo pipefail
source "$(dirname "$0")/lib/server.sh" "${HIPO_URL:-http://localhost:8080}" "${HIPO_API_KEY:-}"

post /v1/completions '{
  "prompt": "The capital of France is",
  "max_tokens": 16
}'
echo
