#!/usr/bin/env bash
# Checkout benchmark: seeds a small catalogue into a fresh SQLite data dir (or the PostgreSQL
# database in DATABASE_URL), starts the server on the loopback, makes the store ready to sell
# (a warehouse with ample stock, order settings, bank transfer, a flat delivery rate), and drives
# checkouts with smartseller-load at a fixed rate (open loop). Carts are filled and priced before
# each run, untimed; the timed request is `POST /api/v1/carts/{id}/checkout`. See
# docs/benchmarks.md, "Checkout".
#
#   benches/checkout.sh                                # SQLite in a temporary directory
#   DATABASE_URL=postgres://... benches/checkout.sh    # an EMPTY PostgreSQL database
#
# Knobs (environment): PRODUCTS=200 RATE=100 RUN_SECONDS=20 PORT=(free) P99_MS=50 VARIANTS=50
#   FIND_FROM=50 FIND_STEP=25 FIND_TO=400 FIND_SECONDS=10 RUN_MIXES='checkout'
#   FIND_MIXES='checkout' (add checkout-full to time the whole buyer flow) WARMUP_SECONDS=5
#   SKIP_BUILD=1 BIN=... LOAD=...
set -euo pipefail

cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/root/.cache/smartseller-target}"
PRODUCTS="${PRODUCTS:-200}"
RATE="${RATE:-100}"
SECONDS_PER_RUN="${RUN_SECONDS:-20}"
# A free port unless told: another server on a fixed port would answer in ours' place.
PORT="${PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}"
P99_MS="${P99_MS:-50}"
VARIANTS="${VARIANTS:-50}"
FIND_FROM="${FIND_FROM:-50}"
FIND_STEP="${FIND_STEP:-25}"
FIND_TO="${FIND_TO:-400}"
FIND_SECONDS="${FIND_SECONDS:-10}"
RUN_MIXES="${RUN_MIXES:-checkout}"
FIND_MIXES="${FIND_MIXES:-checkout}"
WARMUP_SECONDS="${WARMUP_SECONDS:-5}"
URL="http://127.0.0.1:${PORT}"
EMAIL="bench@smartseller.id"
PASSWORD="Gudang-Nusantara-2026"

NAME=checkout
# shellcheck source=benches/serve.sh
source "$(dirname "$0")/serve.sh"

# Every invocation makes the store ready again (idempotently: the warehouse and the flat rate are
# reused, each variant gets another block of stock) and fills its own carts before timing.
TARGET=(--url "$URL" --email "$EMAIL" --password "$PASSWORD" --variants "$VARIANTS")

# A database in use has planner statistics that describe its data; a brand-new one has none,
# and PostgreSQL would keep plans made for empty tables until autovacuum's next analyze. So the
# store first takes some orders (not reported), then `admin analyze` does what autovacuum would.
echo "== warm-up: ${WARMUP_SECONDS}s of checkout at ${RATE}/s (not reported), then admin analyze"
"$LOAD" run "${TARGET[@]}" --mix checkout --rate "$RATE" --seconds "$WARMUP_SECONDS" >/dev/null
"$BIN" admin analyze "${DB_ARGS[@]}"

for mix in $RUN_MIXES; do
    echo "== $mix at ${RATE}/s for ${SECONDS_PER_RUN}s"
    "$LOAD" run "${TARGET[@]}" --mix "$mix" --rate "$RATE" --seconds "$SECONDS_PER_RUN"
done

for mix in $FIND_MIXES; do
    echo "== max rate with p99 < ${P99_MS} ms ($mix)"
    "$LOAD" find-max "${TARGET[@]}" --mix "$mix" --from "$FIND_FROM" --step "$FIND_STEP" \
        --to "$FIND_TO" --step-seconds "$FIND_SECONDS" --p99-ms "$P99_MS"
done
echo "== done"
