#!/usr/bin/env bash
# The test command: installs what the tests need, then checks format, lints and runs every test.
# Tests read ../shared/corpus when it is present and say SKIPPED when it is not.
set -euo pipefail
cd "$(dirname "$0")/.."

# openssl is the independent oracle the tests compare certificates and keys with.
if ! command -v openssl >/dev/null 2>&1; then
    if [ "$(id -u)" -eq 0 ]; then SUDO=; else SUDO=sudo; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq openssl
fi

cargo fmt --all -- --check
cargo clippy --all-targets --locked -- -D warnings
cargo test --locked -- --show-output
