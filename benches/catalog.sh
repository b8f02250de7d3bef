#!/usr/bin/env bash
# Catalogue read benchmark: seeds 10,000 products (about 50,000 variants) into a fresh SQLite
# data dir (or the PostgreSQL database in DATABASE_URL), starts the server on the loopback, and
# drives it with smartseller-load at a fixed rate (open loop). See docs/benchmarks.md.
#
#   benches/catalog.sh                     # SQLite in a temporary directory
#   DATABASE_URL=postgres://... benches/catalog.sh   # an EMPTY PostgreSQL database
#
# Knobs (environment): PRODUCTS=10000 RATE=1000 RUN_SECONDS=20 PORT=(free) P99_MS=10
#   FIND_FROM=500 FIND_STEP=250 FIND_TO=6000 FIND_SECONDS=10 FIND_MIXES='pages:1 detail:1 search:1'
#   RUN_MIXES='list:1 pages:1 detail:1 search:1' SEARCH_P99_MS=20 SKIP_BUILD=1 BIN=... LOAD=...
#   SMARTSELLER_CATALOG__LIST_CACHE_BYTES=0 measures lists without the page cache.
set -euo pipefail

cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/root/.cache/smartseller-target}"
PRODUCTS="${PRODUCTS:-10000}"
RATE="${RATE:-1000}"
SECONDS_PER_RUN="${RUN_SECONDS:-20}"
# A free port unless told: another server on a fixed port would answer in ours' place.
PORT="${PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}"
P99_MS="${P99_MS:-10}"
FIND_FROM="${FIND_FROM:-500}"
FIND_STEP="${FIND_STEP:-250}"
FIND_TO="${FIND_TO:-6000}"
FIND_SECONDS="${FIND_SECONDS:-10}"
FIND_MIXES="${FIND_MIXES:-pages:1 detail:1 search:1}"
RUN_MIXES="${RUN_MIXES:-list:1 pages:1 detail:1 search:1}"
SEARCH_P99_MS="${SEARCH_P99_MS:-20}"
URL="http://127.0.0.1:${PORT}"
EMAIL="bench@smartseller.id"
PASSWORD="Gudang-Nusantara-2026"

NAME=catalog
# shellcheck source=benches/serve.sh
source "$(dirname "$0")/serve.sh"

TARGET=(--url "$URL" --email "$EMAIL" --password "$PASSWORD")

for mix in $RUN_MIXES; do
    echo "== $mix at ${RATE}/s for ${SECONDS_PER_RUN}s"
    "$LOAD" run "${TARGET[@]}" --mix "$mix" --rate "$RATE" --seconds "$SECONDS_PER_RUN"
done

for mix in $FIND_MIXES; do
    # Search has its own target (p99 under 20 ms); lists and pages 10 ms.
    p99="$P99_MS"
    if [[ "$mix" == search* ]]; then p99="$SEARCH_P99_MS"; fi
    echo "== max rate with p99 < ${p99} ms ($mix)"
    "$LOAD" find-max "${TARGET[@]}" --mix "$mix" --from "$FIND_FROM" --step "$FIND_STEP" \
        --to "$FIND_TO" --step-seconds "$FIND_SECONDS" --p99-ms "$p99"
done
echo "== done"
