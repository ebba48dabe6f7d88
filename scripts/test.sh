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
cargo test --locked -- --show-output
