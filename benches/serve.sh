# Sourced by the benchmark scripts: builds the release binaries (unless SKIP_BUILD), makes a
# temporary data dir (SQLite, or the PostgreSQL database in DATABASE_URL), prints the machine,
# seeds PRODUCTS demo products, and starts `smartseller serve` on URL, stopped on exit.
# Needs: NAME, PRODUCTS, PORT, URL, EMAIL, PASSWORD.

if [[ -z "${SKIP_BUILD:-}" ]]; then
    cargo build --release -p smartseller -p smartseller-load
fi
BIN="${BIN:-$CARGO_TARGET_DIR/release/smartseller}"
LOAD="${LOAD:-$CARGO_TARGET_DIR/release/smartseller-load}"

DATA_DIR="$(mktemp -d -t "smartseller-${NAME}-XXXXXX")"
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
