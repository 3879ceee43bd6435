#!/usr/bin/env bash
# Tools, in two requests. 1: the model calls get_weather (tool_calls, finish_reason "tool_calls"); tool_choice
# "required" makes it call one, the default "auto" lets it choose. 2: the call and its result go back as an
# assistant message with tool_calls and a tool message, and the model answers.
# Server: ${HIPO_URL:-http://localhost:8080}; with API keys set, export HIPO_API_KEY.
set -euo pipefail
source "$(dirname "$0")/lib/server.sh" "${HIPO_URL:-http://localhost:8080}" "${HIPO_API_KEY:-}"

tools='[{
  "type": "function",
  "function": {
    "name": "get_weather",
    "description": "Current weather in a city",
    "parameters": {
      "type": "object",
      "required": ["city", "unit"],
      "properties": {"city": {"type": "string", "maxLength": 20}, "unit": {"enum": ["celsius", "fahrenheit"]}}
    }
  }
}]'

post /v1/chat/completions '{
  "tools": '"$tools"',
  "tool_choice": "required",
  "messages": [{"role": "user", "content": "What is the weather in Paris?"}]
}'
echo

post /v1/chat/completions '{
  "tools": '"$tools"',
  "messages": [
    {"role": "user", "content": "What is the weather in Paris?"},
    {"role": "assistant", "content": null, "tool_calls": [{"id": "call_1", "type": "function",
      "function": {"name": "get_weather", "arguments": "{\"city\": \"Paris\", \"unit\": \"celsius\"}"}}]},
    {"role": "tool", "tool_call_id": "call_1", "content": "{\"temperature\": 21, \"sky\": \"clear\"}"}
  ]
}'
echo
