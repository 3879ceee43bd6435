#!/usr/bin/env bash
# Structured output: response_format json_schema constrains the answer (content) to the schema with a grammar;
# the judge and the reasoning stay free text. {"type": "json_object"} asks for any JSON object.
# Server: ${HIPO_URL:-http://localhost:8080}; with API keys set, export HIPO_API_KEY.
set -euo pipefail
source "$(dirname "$0")/lib/server.sh" "${HIPO_URL:-http://localhost:8080}" "${HIPO_API_KEY:-}"

post /v1/chat/completions '{
  "messages": [{"role": "user", "content": "Which city is the capital of France?"}],
  "response_format": {
    "type": "json_schema",
    "json_schema": {
      "name": "capital",
      "strict": true,
      "schema": {
        "type": "object",
        "additionalProperties": false,
        "required": ["city", "is_capital"],
        "properties": {"city": {"type": "string", "maxLength": 20}, "is_capital": {"type": "boolean"}}
      }
    }
  }
}'
echo
