#!/usr/bin/env bash
# Log-probabilities of the answer tokens (choices[0].logprobs.content), each with its top_logprobs alternatives,
# computed from the logits before sampling.
# Server: ${HIPO_URL:-http://localhost:8080}; with API keys set, export HIPO_API_KEY.
set -euo pipefail
source "$(dirname "$0")/lib/server.sh" "${HIPO_URL:-http://localhost:8080}" "${HIPO_API_KEY:-}"

post /v1/chat/completions '{
  "think_mode": "off",
  "logprobs": true,
  "top_logprobs": 3,
  "messages": [{"role": "user", "content": "What is the capital of France?"}]
}'
echo
