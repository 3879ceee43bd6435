#!/usr/bin/env bash
# The Responses API, in two requests. 1: a response whose output is a "reasoning" item (HiPO's reasoning as
# reasoning_text) then a "message" item (the answer as output_text), with think_mode beside them. 2: a continuation
# by previous_response_id (the first response is stored for Responses:TtlSeconds); its usage shows the cached prefix.
# Server: ${HIPO_URL:-http://localhost:8080}; with API keys set, export HIPO_API_KEY.
set -euo pipefail
source "$(dirname "$0")/lib/server.sh" "${HIPO_URL:-http://localhost:8080}" "${HIPO_API_KEY:-}"

first=$(post /v1/responses '{
  "instructions": "Answer briefly.",
  "input": "What is 17 times 23?"
}')
echo "$first"

id=$(printf '%s' "$first" | grep -o '"id":"resp_[0-9a-f]*"' | head -n 1 | cut -d '"' -f 4)
post /v1/responses '{
  "instructions": "Answer briefly.",
  "previous_response_id": "'"$id"'",
  "input": [{"role": "user", "content": [{"type": "input_text", "text": "And 17 times 24?"}]}]
}'
echo
