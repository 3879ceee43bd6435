#!/usr/bin/env bash
# Forcing think-off: the model answers directly, with no reasoning (think_mode "off", think_mode_source "request").
# Equivalent forms: "reasoning_effort": "none", "chat_template_kwargs": {"enable_thinking": false}, "think": false.
# "think_mode": "on" (or reasoning_effort low/medium/high) forces the reasoning instead.
# Server: ${HIPO_URL:-http://localhost:8080}; with API keys set, export HIPO_API_KEY.
set -euo pipefail
source "$(dirname "$0")/lib/server.sh" "${HIPO_URL:-http://localhost:8080}" "${HIPO_API_KEY:-}"

post /v1/chat/completions '{
  "think_mode": "off",
  "messages": [{"role": "user", "content": "What is the capital of France?"}]
}'
echo
