#!/usr/bin/env bash
# The tokenizer, as llama-server has it: /tokenize turns text into token ids, /detokenize turns them back.
# Server: ${HIPO_URL:-http://localhost:8080}; with API keys set, export HIPO_API_KEY.
set -euo pipefail
source "$(dirname "$0")/lib/server.sh" "${HIPO_URL:-http://localhost:8080}" "${HIPO_API_KEY:-}"

tokens=$(post /tokenize '{"content": "Hello, HiPO!"}')
echo "$tokens"

post /detokenize "$tokens"
echo
