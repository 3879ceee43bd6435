#!/usr/bin/env bash
# The tokenizer, as llama-server has it: /tokenize turns text into token ids, /detokenize turns them back.
# Server: ${HIPO_URL:-http://localhost:8080}; with API keys set, export HIPO_API_KEY.
set -euo pipefail
url="${HIPO_URL:-http://localhost:8080}"
url="${url%/}"
auth=()
if [[ -n "${HIPO_API_KEY:-}" ]]; then auth=(-H "Authorization: Bearer ${HIPO_API_KEY}"); fi

tokens=$(curl -sS --fail-with-body "${auth[@]}" "$url/tokenize" -H 'Content-Type: application/json' -d '{"content": "Hello, HiPO!"}')
echo "$tokens"

curl -sS --fail-with-body "${auth[@]}" "$url/detokenize" -H 'Content-Type: application/json' -d "$tokens"
echo
