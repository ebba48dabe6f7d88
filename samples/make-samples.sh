#!/usr/bin/env bash
# Builds appfiling's sample APKs from the committed sources and keys, then records
# what the independent tools say about them in EXPECTED.tsv and expected/*.txt.
#
# Needs Debian's aapt, apksigner, zipalign, android-framework-res and a JDK (keytool):
#   apt-get install aapt apksigner zipalign android-framework-res default-jdk-headless
# Keys under keys/ are made once (keytool) and then reused; delete them to start over.
# The keys are test keys with the password "appfiling": never sign a real app with them.
set -euo pipefail
cd "$(dirname "$0")"

FRAMEWORK=/usr/share/android-framework-res/framework-res.apk
PASS=appfiling
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

key() { # name, keytool options...
    local name=$1; shift
    [ -f "keys/$name.p12" ] && return
    keytool -genkeypair -keystore "keys/$name.p12" -storetype PKCS12 -storepass "$PASS" \
        -alias "$name" -validity 20000 "$@" >/dev/null 2>&1
}
mkdir -p keys expected
key release -keyalg RSA -keysize 2048 -dname "CN=appfiling sample release, O=appfiling, C=CN"
key rotated -keyalg RSA -keysize 3072 -dname "CN=appfiling sample rotated, O=appfiling, C=CN"
key ec -keyalg EC -groupname secp256r1 -dname "CN=appfiling sample ec, O=appfiling, C=CN"
key second -keyalg RSA -keysize 2048 -dname "CN=appfiling sample second signer, O=appfiling, C=CN"
key debug -keyalg RSA -keysize 2048 -dname "CN=Android Debug, O=Android, C=US"
if [ ! -f keys/lineage-release-to-rotated ]; then
    apksigner rotate --out keys/lineage-release-to-rotated \
        --old-signer --ks keys/release.p12 --ks-pass "pass:$PASS" \
        --new-signer --ks keys/rotated.p12 --ks-pass "pass:$PASS"
fi

python3 make-icons.py src/res

build() { # output, extra aapt options...
    local out=$1; shift
    aapt package -f -M src/AndroidManifest.xml -S src/res -I "$FRAMEWORK" -F "$work/raw.apk" "$@"
    zipalign -f 4 "$work/raw.apk" "$out"
}
sign() { # input, output, apksigner options...
    local in=$1 out=$2; shift 2
    apksigner sign --in "$in" --out "$out" "$@"
    rm -f "$out.idsig"
}
ks() { echo --ks "keys/$1.p12" --ks-pass "pass:$PASS"; }

build "$work/app.apk" --min-sdk-version 21 --target-sdk-version 34
build "$work/app-min24.apk" --min-sdk-version 24 --target-sdk-version 34
build "$work/app-target29.apk" --min-sdk-version 21 --target-sdk-version 29
build "$work/app-debug.apk" --min-sdk-version 21 --target-sdk-version 34 --debug-mode

# shellcheck disable=SC2046 # ks prints several words on purpose
{
sign "$work/app.apk" sample-v1v2v3-rsa.apk $(ks release) \
    --v1-signing-enabled true --v2-signing-enabled true --v3-signing-enabled true
# Below SDK 24 Android needs v1, so the v2-only sample starts at 24.
sign "$work/app-min24.apk" sample-v2-ec.apk $(ks ec) \
    --v1-signing-enabled false --v2-signing-enabled true --v3-signing-enabled false
sign "$work/app-target29.apk" sample-v1-only.apk $(ks release) \
    --v1-signing-enabled true --v2-signing-enabled false --v3-signing-enabled false
# Android 11+ refuses this one (v1 only, targetSdk 34): apksigner says so, appfiling must warn.
sign "$work/app.apk" sample-v1-only-target34.apk $(ks release) \
    --v1-signing-enabled true --v2-signing-enabled false --v3-signing-enabled false
sign "$work/app.apk" sample-rotation.apk $(ks release) --next-signer $(ks rotated) \
    --lineage keys/lineage-release-to-rotated \
    --v1-signing-enabled true --v2-signing-enabled true --v3-signing-enabled true
sign "$work/app.apk" sample-two-signers.apk $(ks release) --next-signer $(ks second) \
    --v1-signing-enabled true --v2-signing-enabled true --v3-signing-enabled false
sign "$work/app-debug.apk" sample-debug.apk $(ks debug)
}

# What the independent tools say, kept verbatim.
rm -f expected/*.txt
for apk in sample-*.apk; do
    name=${apk%.apk}
    { echo "# apksigner verify --print-certs --verbose $apk"
      apksigner verify --print-certs --verbose "$apk" 2>&1 && echo "# exit 0" || echo "# exit $?"
    } > "expected/$name.apksigner.txt"
    { echo "# aapt dump badging $apk"; aapt dump badging "$apk"; } > "expected/$name.badging.txt"
done
python3 expected-table.py > EXPECTED.tsv
echo "samples rebuilt: $(ls sample-*.apk | wc -l) APKs, EXPECTED.tsv updated"
