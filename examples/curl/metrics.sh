#!/usr/bin/env bash
# Prometheus metrics: HiPO's own (hipo_*: requests, tokens, think decisions, queue, KV cache) beside ASP.NET
# Core's. With Security:ProtectMetrics the endpoint needs the API key too.
# Server: ${HIPO_URL:-http://localhost:8080}; with API keys set, export HIPO_API_KEY.
set -euo pipefail
source "$(dirname "$0")/lib/server.sh" "${HIPO_URL:-http://localhost:8080}" "${HIPO_API_KEY:-}"

get /metrics | grep -E '^(# (HELP|TYPE) )?hipo_'
