# Sourced by every example with the server's URL and API key (empty for a server without keys):
#   source "$(dirname "$0")/lib/server.sh" "${HIPO_URL:-http://localhost:8080}" "${HIPO_API_KEY:-}"
# Then `get PATH` and `post PATH JSON [CURL_OPTION...]` call the server, sending the key when there is one;
# on an HTTP error they print the error body and fail.
hipo_url="${1%/}"
hipo_auth=()
if [[ -n "${2:-}" ]]; then hipo_auth=(-H "Authorization: Bearer $2"); fi

get() { curl -sS --fail-with-body "${hipo_auth[@]}" "$hipo_url$1"; }

post() { curl -sS --fail-with-body "${hipo_auth[@]}" "$hipo_url$1" -H 'Content-Type: application/json' -d "$2" "${@:3}"; }
