#!/usr/bin/env bash
# A reasoning budget: once the reasoning reaches max_reasoning_tokens the server closes it and the model goes on
# with its answer; the message says "reasoning_truncated": true. (max_tokens still caps the whole reply.)
# Server: ${HIPO_URL:-http://localhost:8080}; with API keys set, export HIPO_API_KEY.
set -euo pipefail
source "$(dirname "$0")/lib/server.sh" "${HIPO_URL:-http://localhost:8080}" "${HIPO_API_KEY:-}"

post /v1/chat/completions '{
  "think_mode": "on",
  "max_reasoning_tokens": 32,
  "messages": [{"role": "user", "content": "Prove that 391 is not prime."}]
}'
echo
