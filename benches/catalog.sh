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

if [[ -z "${SKIP_BUILD:-}" ]]; then
    cargo build --release -p smartseller -p smartseller-load
fi
BIN="${BIN:-$CARGO_TARGET_DIR/release/smartseller}"
LOAD="${LOAD:-$CARGO_TARGET_DIR/release/smartseller-load}"

DATA_DIR="$(mktemp -d -t smartseller-bench-XXXXXX)"
SERVER_PID=""
cleanup() {
    if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID"
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    rm -rf "$DATA_DIR"
}
trap cleanup EXIT

DB_ARGS=(--data-dir "$DATA_DIR")
if [[ -n "${DATABASE_URL:-}" ]]; then
    DB_ARGS+=(--database-url "$DATABASE_URL")
    echo "database: PostgreSQL (DATABASE_URL)"
else
    unset DATABASE_URL
    echo "database: SQLite in $DATA_DIR"
fi
export SMARTSELLER_LOG="${SMARTSELLER_LOG:-warn}"

echo "== machine"
echo "cpus=$(nproc) $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs) mem=$(free -g | awk '/Mem:/{print $2}')G kernel=$(uname -r)"

echo "== seed-demo --products $PRODUCTS"
/usr/bin/time -f "seed wall=%es maxrss=%MkB" \
    "$BIN" seed-demo "${DB_ARGS[@]}" --products "$PRODUCTS" --email "$EMAIL" --password "$PASSWORD" \
    --store "Toko Benchmark"

echo "== serve on $URL"
"$BIN" serve "${DB_ARGS[@]}" --listen "127.0.0.1:${PORT}" &
SERVER_PID=$!
for _ in $(seq 1 100); do
    if curl -fsS "$URL/readyz" >/dev/null 2>&1; then break; fi
    sleep 0.2
done
curl -fsS "$URL/readyz" >/dev/null
kill -0 "$SERVER_PID" # the answer came from our server, not one already on the port

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
