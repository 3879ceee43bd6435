#!/usr/bin/env bash
# Forcing think-off: the model answers directly, with no reasoning (think_mode "off", think_mode_source "request").
# Equivalent forms: "reasoning_effort": "none", "chat_template_kwargs": {"enable_thinking": false}, "think": false.
# "think_mode": "on" (or reasoning_effort low/medium/high) forces the reasoning instead.
# Server: ${HIPO_URL:-http://localhost:8080}; with API keys set, export HIPO_API_KEY.
set -euo pipefail
url="${HIPO_URL:-http://localhost:8080}"
url="${url%/}"
auth=()
if [[ -n "${HIPO_API_KEY:-}" ]]; then auth=(-H "Authorization: Bearer ${HIPO_API_KEY}"); fi

curl -sS --fail-with-body "${auth[@]}" "$url/v1/chat/completions" -H 'Content-Type: application/json' -d '{
  "think_mode": "off",
  "messages": [{"role": "user", "content": "What is the capital of France?"}]
}'
echo
