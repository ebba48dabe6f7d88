#!/usr/bin/env bash
# The browser tests of `appfiling serve`'s page (issue 16): Debian's headless Chromium driven by
# playwright-core (pinned in tests/browser/package-lock.json), against the real server.
# Needs: cargo, node and npm (Debian's nodejs and npm), chromium. Screenshots go to target/browser/.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

cargo build --locked
(cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)

# The server's own temporary folder: uploads go there, and it must be empty at the end.
work=$(mktemp -d)
server_tmp="$work/tmp"
mkdir -p "$server_tmp" target/browser
log="$work/serve.log"
server=""
stop() {
    if [ -n "$server" ] && kill -0 "$server" 2>/dev/null; then
        kill -TERM "$server" 2>/dev/null || true
        wait "$server" 2>/dev/null || true
    fi
    server=""
}
cleanup() { stop; rm -rf "$work"; }
trap cleanup EXIT

TMPDIR="$server_tmp" target/debug/appfiling serve --bind 127.0.0.1:0 2>"$log" &
server=$!

# The first stderr line names the port: "appfiling serve: listening on http://127.0.0.1:PORT/".
url=""
for _ in $(seq 1 100); do
    url=$(sed -n 's|^appfiling serve: listening on \(http://127\.0\.0\.1:[0-9]*/\)$|\1|p' "$log" | head -n 1)
    [ -n "$url" ] && break
    kill -0 "$server" 2>/dev/null || { echo "browser-tests: the server stopped:" >&2; cat "$log" >&2; exit 1; }
    sleep 0.1
done
[ -n "$url" ] || { echo "browser-tests: the server named no port within 10 s:" >&2; cat "$log" >&2; exit 1; }

status=0
APPFILING_URL="$url" APPFILING_ROOT="$root" APPFILING_BIN="$root/target/debug/appfiling" \
    APPFILING_SERVER_TMPDIR="$server_tmp" \
    node --test --test-concurrency=1 tests/browser/serve.test.mjs || status=$?
stop

# Every upload is deleted when its request ends: nothing may be left behind.
left=$(find "$server_tmp" -mindepth 1 | head -n 20)
if [ -n "$left" ]; then
    echo "browser-tests: the server left files in its temporary folder:" >&2
    echo "$left" >&2
    status=1
fi
if [ "$status" -ne 0 ]; then
    echo "browser-tests: server log:" >&2
    tail -n 40 "$log" >&2
fi
exit "$status"
