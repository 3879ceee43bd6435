#!/usr/bin/env bash
# Log-probabilities of the answer tokens (choices[0].logprobs.content), each with its top_logprobs alternatives,
# computed from the logits before sampling.
# Server: ${HIPO_URL:-http://localhost:8080}; with API keys set, export HIPO_API_KEY.
set -euo pipefail
url="${HIPO_URL:-http://localhost:8080}"
url="${url%/}"
auth=()
if [[ -n "${HIPO_API_KEY:-}" ]]; then auth=(-H "Authorization: Bearer ${HIPO_API_KEY}"); fi

curl -sS --fail-with-body "${auth[@]}" "$url/v1/chat/completions" -H 'Content-Type: application/json' -d '{
  "think_mode": "off",
  "logprobs": true,
  "top_logprobs": 3,
  "messages": [{"role": "user", "content": "What is the capital of France?"}]
}'
echo
