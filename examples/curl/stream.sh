#!/usr/bin/env bash
# Streaming (server-sent events): each delta carries one kind of text, in this order: think_mode_reason pieces,
# one {"think_mode", "think_mode_source"} delta, reasoning_content pieces, content pieces; then the finish chunk,
# the usage chunk (asked for with stream_options.include_usage) and data: [DONE].
# Server: ${HIPO_URL:-http://localhost:8080}; with API keys set, export HIPO_API_KEY.
set -euo pipefail
source "$(dirname "$0")/lib/server.sh" "${HIPO_URL:-http://localhost:8080}" "${HIPO_API_KEY:-}"

post /v1/chat/completions '{
  "stream": true,
  "stream_options": {"include_usage": true},
  "messages": [{"role": "user", "content": "What is 17 times 23?"}]
}' --no-buffer
