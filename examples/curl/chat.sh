#!/usr/bin/env bash
# Chat, one whole response: the answer is choices[0].message.content, the reasoning reasoning_content, and
# HiPO's own decision think_mode ("on"/"off") with think_mode_reason (the model's judge text) and think_mode_source.
# Server: ${HIPO_URL:-http://localhost:8080}; with API keys set, export HIPO_API_KEY.
set -euo pipefail
source "$(dirname "$0")/lib/server.sh" "${HIPO_URL:-http://localhost:8080}" "${HIPO_API_KEY:-}"

post /v1/chat/completions '{
  "messages": [{"role": "user", "content": "What is 17 times 23?"}]
}'
echo
