#!/usr/bin/env bash
# Prometheus metrics: HiPO's own (hipo_*: requests, tokens, think decisions, queue, KV cache) beside ASP.NET
# Core's. With Security:ProtectMetrics the endpoint needs the API key too.
# Server: ${HIPO_URL:-http://localhost:8080}; with API keys set, export HIPO_API_KEY.
set -euo pipefail
url="${HIPO_URL:-http://localhost:8080}"
url="${url%/}"
auth=()
if [[ -n "${HIPO_API_KEY:-}" ]]; then auth=(-H "Authorization: Bearer ${HIPO_API_KEY}"); fi

curl -sS --fail-with-body "${auth[@]}" "$url/metrics" | grep -E '^(# (HELP|TYPE) )?hipo_'
